package blob_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/vidb-project/vidb/internal/blob"
)

// FuzzOpen stores arbitrary bytes as a blob: reading it must fail with ErrCorrupt or
// ErrWrongKey naming the blob, or, for the one valid blob, return exactly its content. A blob
// store is not trusted: whoever can write to it must not be able to crash or fool a reader.
func FuzzOpen(f *testing.F) {
	keys := x25519Keys(f)
	plain := bytes.Repeat([]byte("content "), 20_000) // three age chunks
	sum := sha256.Sum256(plain)
	seed := newMemory()
	ref, err := blob.NewVault(seed, keys, f.TempDir()).Put(f.Context(), bytes.NewReader(plain))
	if err != nil {
		f.Fatal(err)
	}
	valid := seed.objects[ref.Name]
	for _, s := range [][]byte{valid, valid[:len(valid)-1], valid[:100], nil, append(bytes.Clone(valid), 0), []byte("age-encryption.org/v1\n-> X25519 \n--- \n")} {
		f.Add(s)
	}
	spool := f.TempDir()
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := newMemory()
		m.objects[ref.Name] = raw
		v := blob.NewVault(m, keys, spool)
		got, err := v.ReadAll(t.Context(), sum, 1<<20)
		if err == nil {
			if !bytes.Equal(got, plain) {
				t.Fatalf("ReadAll returned %d bytes that are not the content, without an error", len(got))
			}
			return
		}
		var e *blob.Error
		if !errors.As(err, &e) || e.Name != ref.Name {
			t.Fatalf("error %v does not name the blob", err)
		}
		if !errors.Is(err, blob.ErrCorrupt) && !errors.Is(err, blob.ErrWrongKey) {
			t.Fatalf("got error %v, want ErrCorrupt or ErrWrongKey", err)
		}
		if !bytes.Equal(m.objects[ref.Name], raw) {
			t.Fatalf("reading changed the stored blob")
		}
	})
}
