package digest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// want computes the expected Sum with the standard library's one-shot functions.
func want(b []byte) Sum {
	return Sum{MD5: md5.Sum(b), SHA1: sha1.Sum(b), SHA256: sha256.Sum256(b), Size: int64(len(b))}
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestKnownVectors(t *testing.T) {
	t.Parallel()
	got := Bytes([]byte("abc"))
	for _, c := range []struct{ name, got, want string }{
		{"md5", got.MD5Hex(), "900150983cd24fb0d6963f7d28e17f72"},
		{"sha1", got.SHA1Hex(), "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"sha256", got.SHA256Hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	} {
		if c.got != c.want {
			t.Errorf("%s(abc) = %s, want %s", c.name, c.got, c.want)
		}
	}
	if got.Size != 3 {
		t.Errorf("size = %d, want 3", got.Size)
	}
}

// TestSizes crosses the in-line/parallel threshold and the Reader's chunk boundaries.
func TestSizes(t *testing.T) {
	t.Parallel()
	sizes := []int{0, 1, 63, parallelMin - 1, parallelMin, parallelMin + 1, chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 17}
	for _, n := range sizes {
		b := randomBytes(n, uint64(n))
		w := want(b)
		if got := Bytes(b); got != w {
			t.Errorf("Bytes(%d bytes) = %+v, want %+v", n, got, w)
		}
		for name, r := range map[string]io.Reader{
			"plain":    bytes.NewReader(b),
			"onebyte":  iotest.OneByteReader(bytes.NewReader(b)),
			"halfread": iotest.HalfReader(bytes.NewReader(b)),
		} {
			if n > 2*parallelMin && name == "onebyte" {
				continue // correct but slow; the small sizes cover the path
			}
			got, err := Reader(r)
			if err != nil {
				t.Fatalf("Reader(%s, %d bytes): %v", name, n, err)
			}
			if got != w {
				t.Errorf("Reader(%s, %d bytes) = %+v, want %+v", name, n, got, w)
			}
		}
	}
}

// TestWriterChunking checks that the digests do not depend on how the stream is cut into writes.
func TestWriterChunking(t *testing.T) {
	t.Parallel()
	b := randomBytes(5*parallelMin+123, 7)
	w := want(b)
	for _, step := range []int{1, 1000, parallelMin - 1, parallelMin, 3 * parallelMin} {
		d := New()
		for i := 0; i < len(b); i += step {
			d.Write(b[i:min(i+step, len(b))])
		}
		if got := d.Sum(); got != w {
			t.Errorf("writes of %d bytes: got %+v, want %+v", step, got, w)
		}
	}
}

func TestReaderError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	b := randomBytes(chunkSize+10, 3)
	r := io.MultiReader(bytes.NewReader(b), iotest.ErrReader(boom))
	got, err := Reader(r)
	if !errors.Is(err, boom) {
		t.Fatalf("Reader error = %v, want %v", err, boom)
	}
	if got.Size != int64(len(b)) {
		t.Errorf("size before the error = %d, want %d", got.Size, len(b))
	}
}

func BenchmarkBytes(b *testing.B) {
	for _, n := range []int{64 << 10, 4 << 20, 64 << 20} {
		data := randomBytes(n, 1)
		b.Run(fmt.Sprintf("%dKiB", n>>10), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				Bytes(data)
			}
		})
	}
}

// BenchmarkSequential is the baseline the concurrent Digester is measured against: the three
// hashes one after the other over the same bytes.
func BenchmarkSequential(b *testing.B) {
	data := randomBytes(64<<20, 1)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		md5.Sum(data)
		sha1.Sum(data)
		sha256.Sum256(data)
	}
}

func BenchmarkReader(b *testing.B) {
	data := randomBytes(64<<20, 1)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Reader(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
