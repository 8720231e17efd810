package local_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/blob/local"
)

// benchSize is the size of the benchmarks' blobs: a large photo, a short video clip.
const benchSize = 4 << 20

func benchVault(b *testing.B) *blob.Vault {
	b.Helper()
	be, err := local.New(filepath.Join(b.TempDir(), "blobs"), local.Options{})
	if err != nil {
		b.Fatal(err)
	}
	keys, err := blob.GenerateKeys()
	if err != nil {
		b.Fatal(err)
	}
	return blob.NewVault(be, keys, be.Dir())
}

func benchContent() []byte {
	data := make([]byte, benchSize)
	rand.NewChaCha8([32]byte{42}).Read(data)
	return data
}

// BenchmarkVaultPut measures storing new 4 MiB blobs on the local backend: hashing, age
// encryption, spooling, fsync, rename, fsync of the folder.
func BenchmarkVaultPut(b *testing.B) {
	v := benchVault(b)
	data := benchContent()
	b.SetBytes(benchSize)
	var i uint64
	for b.Loop() {
		i++
		binary.LittleEndian.PutUint64(data, i) // new content each time, or Put stores nothing
		if _, err := v.Put(b.Context(), bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVaultOpen measures reading a 4 MiB blob back to the end: decryption and the
// SHA-256 check.
func BenchmarkVaultOpen(b *testing.B) {
	v := benchVault(b)
	ref, err := v.Put(b.Context(), bytes.NewReader(benchContent()))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 256<<10)
	b.SetBytes(benchSize)
	for b.Loop() {
		rc, err := v.Open(b.Context(), ref.SHA256)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, rc, buf); err != nil {
			b.Fatal(err)
		}
		rc.Close()
	}
}
