package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/vidb-project/vidb/internal/blob"
)

// Run runs the whole conformance suite as parallel subtests of t. newBackend must return a new,
// empty backend each time it is called, and may be called from several goroutines at once;
// Run closes each backend when its subtest ends, and newBackend registers any further cleanup
// with its t.
func Run(t *testing.T, newBackend func(t *testing.T) blob.Backend) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, b blob.Backend)
	}{
		{"PutOpen", testPutOpen},
		{"Missing", testMissing},
		{"Delete", testDelete},
		{"List", testList},
		{"ListStops", testListStops},
		{"ListDelete", testListDelete},
		{"InvalidNames", testInvalidNames},
		{"Overwrite", testOverwrite},
		{"Empty", testEmpty},
		{"Large", testLarge},
		{"LargeFile", testLargeFile},
		{"FailedPut", testFailedPut},
		{"Cancelled", testCancelled},
		{"CancelledMidway", testCancelledMidway},
		{"ConcurrentSameName", testConcurrentSameName},
		{"ConcurrentNames", testConcurrentNames},
		{"AtomicReplace", testAtomicReplace},

		{"VaultRoundTrip", testVaultRoundTrip},
		{"VaultLarge", testVaultLarge},
		{"VaultNames", testVaultNames},
		{"VaultDedup", testVaultDedup},
		{"VaultPutVerified", testVaultPutVerified},
		{"VaultMissing", testVaultMissing},
		{"VaultDelete", testVaultDelete},
		{"VaultReadAllLimit", testVaultReadAllLimit},
		{"VaultWrongKey", testVaultWrongKey},
		{"VaultTruncated", testVaultTruncated},
		{"VaultFlipped", testVaultFlipped},
		{"VaultSwapped", testVaultSwapped},
		{"VaultCancelled", testVaultCancelled},
		{"VaultConcurrent", testVaultConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(t)
			t.Cleanup(func() {
				if err := b.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.fn(t, b)
		})
	}
}

// name returns a valid blob name derived from s.
func name(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// content returns n pseudo-random bytes determined by seed.
func content(seed uint64, n int) []byte {
	b := make([]byte, n)
	src := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	src.Read(b)
	return b
}

// stream is an io.Reader of n pseudo-random bytes determined by seed, which is not an
// *os.File and does not hold them all in memory.
type stream struct {
	src *rand.ChaCha8
	n   int64
}

func newStream(seed uint64, n int64) *stream {
	return &stream{src: rand.NewChaCha8([32]byte{byte(seed), 0xb1, 0x0b}), n: n}
}

func (s *stream) Read(p []byte) (int, error) {
	if s.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.n {
		p = p[:s.n]
	}
	n, _ := s.src.Read(p)
	s.n -= int64(n)
	return n, nil
}

// streamSum returns the SHA-256 of newStream(seed, n).
func streamSum(t *testing.T, seed uint64, n int64) [sha256.Size]byte {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, newStream(seed, n)); err != nil {
		t.Fatal(err)
	}
	return [sha256.Size]byte(h.Sum(nil))
}

func put(t *testing.T, b blob.Backend, name string, data []byte) {
	t.Helper()
	if err := b.Put(t.Context(), name, bytes.NewReader(data)); err != nil {
		t.Fatalf("Put(%s): %v", name, err)
	}
}

func get(t *testing.T, b blob.Backend, name string) []byte {
	t.Helper()
	rc, err := b.Open(t.Context(), name)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	return data
}

func exists(t *testing.T, b blob.Backend, name string) bool {
	t.Helper()
	ok, err := b.Exists(t.Context(), name)
	if err != nil {
		t.Fatalf("Exists(%s): %v", name, err)
	}
	return ok
}

func list(t *testing.T, b blob.Backend) []string {
	t.Helper()
	var names []string
	err := b.List(t.Context(), func(name string) error {
		names = append(names, name)
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	slices.Sort(names)
	return names
}

// wantErr fails t unless err wraps target and names the blob name.
func wantErr(t *testing.T, what string, err, target error, name string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
	var e *blob.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %v is not a *blob.Error naming the blob", what, err)
	}
	if e.Name != name {
		t.Fatalf("%s: error names blob %q, want %q", what, e.Name, name)
	}
}

func testPutOpen(t *testing.T, b blob.Backend) {
	n := name("put-open")
	data := content(1, 100_000)
	if exists(t, b, n) {
		t.Fatalf("Exists before Put: got true, want false")
	}
	put(t, b, n, data)
	if !exists(t, b, n) {
		t.Fatalf("Exists after Put: got false, want true")
	}
	if got := get(t, b, n); !bytes.Equal(got, data) {
		t.Fatalf("Open after Put: got %d bytes, want the %d bytes put", len(got), len(data))
	}
	if got, want := list(t, b), []string{n}; !slices.Equal(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
}

func testMissing(t *testing.T, b blob.Backend) {
	n := name("missing")
	rc, err := b.Open(t.Context(), n)
	if err == nil {
		rc.Close()
	}
	wantErr(t, "Open of a missing object", err, blob.ErrNotFound, n)
	wantErr(t, "Delete of a missing object", b.Delete(t.Context(), n), blob.ErrNotFound, n)
	if exists(t, b, n) {
		t.Fatalf("Exists of a missing object: got true, want false")
	}
	if got := list(t, b); len(got) != 0 {
		t.Fatalf("List of an empty backend: got %v, want nothing", got)
	}
}

func testDelete(t *testing.T, b blob.Backend) {
	keep, gone := name("keep"), name("gone")
	put(t, b, keep, []byte("keep"))
	put(t, b, gone, []byte("gone"))
	if err := b.Delete(t.Context(), gone); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if exists(t, b, gone) {
		t.Fatalf("Exists after Delete: got true, want false")
	}
	_, err := b.Open(t.Context(), gone)
	wantErr(t, "Open after Delete", err, blob.ErrNotFound, gone)
	wantErr(t, "second Delete", b.Delete(t.Context(), gone), blob.ErrNotFound, gone)
	if got, want := list(t, b), []string{keep}; !slices.Equal(got, want) {
		t.Fatalf("List after Delete: got %v, want %v", got, want)
	}
	if got := get(t, b, keep); string(got) != "keep" {
		t.Fatalf("the other object after Delete: got %q, want %q", got, "keep")
	}
}

func testList(t *testing.T, b blob.Backend) {
	var want []string
	for i := range 40 {
		n := name(fmt.Sprint("list", i))
		if i%4 == 0 { // several objects in one fan-out folder
			n = "ab" + n[2:]
		}
		put(t, b, n, []byte(n))
		want = append(want, n)
	}
	slices.Sort(want)
	if got := list(t, b); !slices.Equal(got, want) {
		t.Fatalf("List: got %d names %v, want %d names %v", len(got), got, len(want), want)
	}
}

func testListStops(t *testing.T, b blob.Backend) {
	for i := range 5 {
		put(t, b, name(fmt.Sprint("stop", i)), []byte{byte(i)})
	}
	stop := errors.New("stop here")
	calls := 0
	err := b.List(t.Context(), func(string) error {
		calls++
		return stop
	})
	if err != stop {
		t.Fatalf("List with fn failing: got error %v, want fn's error unwrapped", err)
	}
	if calls != 1 {
		t.Fatalf("List with fn failing: fn called %d times, want 1", calls)
	}
}

func testListDelete(t *testing.T, b blob.Backend) {
	for i := range 10 {
		put(t, b, name(fmt.Sprint("sweep", i)), []byte{byte(i)})
	}
	err := b.List(t.Context(), func(n string) error {
		return b.Delete(t.Context(), n)
	})
	if err != nil {
		t.Fatalf("List deleting every object: %v", err)
	}
	if got := list(t, b); len(got) != 0 {
		t.Fatalf("List after deleting everything: got %v, want nothing", got)
	}
}

func testInvalidNames(t *testing.T, b blob.Backend) {
	valid := name("valid")
	bad := []string{
		"",
		"../" + valid[3:],
		valid[:2] + "/" + valid[3:],
		valid[:63],
		valid + "0",
		"ABCDEF" + valid[6:],
		valid[:63] + "g",
		valid[:63] + "\x00",
		valid[:62] + "/.",
		".tmp-" + valid[5:],
		"/" + valid[1:],
	}
	ctx := t.Context()
	for _, n := range bad {
		wantErr(t, fmt.Sprintf("Put(%q)", n), b.Put(ctx, n, bytes.NewReader([]byte("x"))), blob.ErrInvalidName, n)
		_, err := b.Open(ctx, n)
		wantErr(t, fmt.Sprintf("Open(%q)", n), err, blob.ErrInvalidName, n)
		wantErr(t, fmt.Sprintf("Delete(%q)", n), b.Delete(ctx, n), blob.ErrInvalidName, n)
		_, err = b.Exists(ctx, n)
		wantErr(t, fmt.Sprintf("Exists(%q)", n), err, blob.ErrInvalidName, n)
		if fp, ok := b.(blob.FilePutter); ok {
			path := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			wantErr(t, fmt.Sprintf("PutFile(%q)", n), fp.PutFile(ctx, n, path), blob.ErrInvalidName, n)
		}
	}
	if got := list(t, b); len(got) != 0 {
		t.Fatalf("List after invalid puts: got %v, want nothing", got)
	}
}

func testOverwrite(t *testing.T, b blob.Backend) {
	n := name("overwrite")
	a, c := content(2, 70_000), content(3, 50_000)
	put(t, b, n, a)
	put(t, b, n, a)
	if got := get(t, b, n); !bytes.Equal(got, a) {
		t.Fatalf("after putting the same content twice: got %d bytes, want the %d put", len(got), len(a))
	}
	put(t, b, n, c)
	if got := get(t, b, n); !bytes.Equal(got, c) {
		t.Fatalf("after replacing: got %d bytes, want the %d bytes of the new object", len(got), len(c))
	}
	if got := list(t, b); len(got) != 1 {
		t.Fatalf("List after overwriting: got %v, want one name", got)
	}
}

func testEmpty(t *testing.T, b blob.Backend) {
	n := name("empty")
	put(t, b, n, nil)
	if !exists(t, b, n) {
		t.Fatalf("Exists of an empty object: got false, want true")
	}
	if got := get(t, b, n); len(got) != 0 {
		t.Fatalf("Open of an empty object: got %d bytes, want 0", len(got))
	}
	if got, want := list(t, b), []string{n}; !slices.Equal(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
}

// largeSize is the size of the large objects: more than one part of a multipart upload.
const largeSize = 20 << 20

// checkStream fails t unless the object n holds newStream(seed, size).
func checkStream(t *testing.T, b blob.Backend, n string, seed uint64, size int64) {
	t.Helper()
	rc, err := b.Open(t.Context(), n)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	h := sha256.New()
	got, err := io.Copy(h, rc)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	if got != size || [sha256.Size]byte(h.Sum(nil)) != streamSum(t, seed, size) {
		t.Fatalf("read back %d bytes that differ from the %d bytes put", got, size)
	}
}

func testLarge(t *testing.T, b blob.Backend) {
	n := name("large")
	if err := b.Put(t.Context(), n, newStream(4, largeSize)); err != nil {
		t.Fatalf("Put of %d streamed bytes: %v", largeSize, err)
	}
	checkStream(t, b, n, 4, largeSize)
}

func testLargeFile(t *testing.T, b blob.Backend) {
	// An *os.File is read from its current position to its end.
	const skip = 12345
	path := filepath.Join(t.TempDir(), "large")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, skip)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, newStream(5, largeSize)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(skip, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	n := name("large-file")
	if err := b.Put(t.Context(), n, f); err != nil {
		t.Fatalf("Put of a %d-byte file: %v", largeSize, err)
	}
	checkStream(t, b, n, 5, largeSize)
}

// failingReader returns n bytes of data and then err.
type failingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	if int64(len(p)) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= int64(n)
	return n, err
}

func testFailedPut(t *testing.T, b blob.Backend) {
	boom := errors.New("reader broke")
	old, fresh := name("failed-old"), name("failed-fresh")
	oldData := content(6, 1000)
	put(t, b, old, oldData)
	for _, size := range []int64{0, 1000, 3 << 20, 17 << 20} {
		for _, n := range []string{old, fresh} {
			err := b.Put(t.Context(), n, &failingReader{r: newStream(7, 1<<40), n: size, err: boom})
			if !errors.Is(err, boom) {
				t.Fatalf("Put with a reader failing after %d bytes: got error %v, want the reader's", size, err)
			}
		}
		if got := get(t, b, old); !bytes.Equal(got, oldData) {
			t.Fatalf("after a failed Put over an object: got %d bytes, want the %d bytes of the old object", len(got), len(oldData))
		}
		if exists(t, b, fresh) {
			t.Fatalf("after a failed Put of a new object (%d bytes in): the object exists", size)
		}
	}
	if got, want := list(t, b), []string{old}; !slices.Equal(got, want) {
		t.Fatalf("List after failed puts: got %v, want %v", got, want)
	}
}

func testCancelled(t *testing.T, b blob.Backend) {
	n := name("cancelled")
	put(t, b, n, []byte("there"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	other := name("cancelled-other")
	if err := b.Put(ctx, other, bytes.NewReader([]byte("x"))); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context: got %v, want context.Canceled", err)
	}
	if rc, err := b.Open(ctx, n); !errors.Is(err, context.Canceled) {
		if err == nil {
			rc.Close()
		}
		t.Errorf("Open with a cancelled context: got %v, want context.Canceled", err)
	}
	if _, err := b.Exists(ctx, n); !errors.Is(err, context.Canceled) {
		t.Errorf("Exists with a cancelled context: got %v, want context.Canceled", err)
	}
	if err := b.Delete(ctx, n); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete with a cancelled context: got %v, want context.Canceled", err)
	}
	if err := b.List(ctx, func(string) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context: got %v, want context.Canceled", err)
	}
	if got, want := list(t, b), []string{n}; !slices.Equal(got, want) {
		t.Errorf("after cancelled calls: List gives %v, want %v", got, want)
	}
}

// cancellingReader reads from r and cancels after n bytes.
type cancellingReader struct {
	r      io.Reader
	n      int64
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

func testCancelledMidway(t *testing.T, b blob.Backend) {
	old, fresh := name("midway-old"), name("midway-fresh")
	oldData := content(8, 5000)
	put(t, b, old, oldData)
	for _, n := range []string{old, fresh} {
		ctx, cancel := context.WithCancel(t.Context())
		err := b.Put(ctx, n, &cancellingReader{r: newStream(9, 1<<40), n: 3 << 20, cancel: cancel})
		cancel()
		if err == nil {
			t.Fatalf("Put cancelled midway: got no error")
		}
	}
	if got := get(t, b, old); !bytes.Equal(got, oldData) {
		t.Fatalf("after a cancelled Put over an object: got %d bytes, want the %d bytes of the old object", len(got), len(oldData))
	}
	if exists(t, b, fresh) {
		t.Fatalf("after a cancelled Put of a new object: the object exists")
	}
}

func testConcurrentSameName(t *testing.T, b blob.Backend) {
	n := name("same")
	data := content(10, 300_000)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = b.Put(t.Context(), n, bytes.NewReader(data)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Put %d: %v", i, err)
		}
	}
	if got := get(t, b, n); !bytes.Equal(got, data) {
		t.Fatalf("after concurrent puts of one object: got %d bytes, want the %d put", len(got), len(data))
	}
	if got, want := list(t, b), []string{n}; !slices.Equal(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
}

func testConcurrentNames(t *testing.T, b blob.Backend) {
	const writers, each = 8, 6
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	var want []string
	for w := range writers {
		for i := range each {
			want = append(want, name(fmt.Sprint("conc", w, i)))
		}
		wg.Go(func() {
			for i := range each {
				n := name(fmt.Sprint("conc", w, i))
				if err := b.Put(t.Context(), n, bytes.NewReader(content(uint64(w*each+i), 20_000+i))); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Put: %v", err)
	}
	slices.Sort(want)
	if got := list(t, b); !slices.Equal(got, want) {
		t.Fatalf("List after concurrent puts: got %d names, want %d", len(got), len(want))
	}
	for w := range writers {
		for i := range each {
			n := name(fmt.Sprint("conc", w, i))
			if got := get(t, b, n); !bytes.Equal(got, content(uint64(w*each+i), 20_000+i)) {
				t.Fatalf("object %s: content differs from what was put", n)
			}
		}
	}
}

func testAtomicReplace(t *testing.T, b blob.Backend) {
	// One writer replaces an object back and forth between two versions while readers read
	// it: every read sees one version whole.
	n := name("atomic")
	versions := [][]byte{content(11, 1<<20+17), content(12, 600_000)}
	put(t, b, n, versions[0])
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	werr := make(chan error, 1)
	wg.Go(func() {
		defer cancel()
		for i := range 16 {
			if err := b.Put(t.Context(), n, bytes.NewReader(versions[(i+1)%2])); err != nil {
				werr <- err
				return
			}
		}
	})
	rerr := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				rc, err := b.Open(t.Context(), n)
				if err != nil {
					rerr <- fmt.Errorf("opening while replacing: %w", err)
					return
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					rerr <- fmt.Errorf("reading while replacing: %w", err)
					return
				}
				if !bytes.Equal(got, versions[0]) && !bytes.Equal(got, versions[1]) {
					rerr <- fmt.Errorf("read %d bytes while replacing: neither version", len(got))
					return
				}
			}
		})
	}
	wg.Wait()
	close(werr)
	close(rerr)
	for err := range werr {
		t.Fatalf("Put while reading: %v", err)
	}
	for err := range rerr {
		t.Fatal(err)
	}
}
