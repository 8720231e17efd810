package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/vidb-project/vidb/internal/blob"
)

// newVault returns a Vault over b with fresh keys, and its spool folder.
func newVault(t *testing.T, b blob.Backend) (*blob.Vault, string) {
	t.Helper()
	k, err := blob.GenerateKeys()
	if err != nil {
		t.Fatalf("GenerateKeys: %v", err)
	}
	spool := t.TempDir()
	return blob.NewVault(b, k, spool), spool
}

// checkSpoolEmpty fails t if a spool file was left behind.
func checkSpoolEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("spool file %s left behind", e.Name())
	}
}

func vaultPut(t *testing.T, v *blob.Vault, data []byte) blob.Ref {
	t.Helper()
	ref, err := v.Put(t.Context(), bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Vault.Put of %d bytes: %v", len(data), err)
	}
	return ref
}

func testVaultRoundTrip(t *testing.T, b blob.Backend) {
	v, spool := newVault(t, b)
	// Sizes around age's 64 KiB chunks.
	for i, size := range []int{0, 1, 100, 65535, 65536, 65537, 3 * 65536, 200_001} {
		data := content(uint64(100+i), size)
		sum := sha256.Sum256(data)
		ref := vaultPut(t, v, data)
		if want := (blob.Ref{Name: v.Name(sum), SHA256: sum, Size: int64(size)}); ref != want {
			t.Fatalf("Put of %d bytes: got Ref %+v, want %+v", size, ref, want)
		}
		got, err := v.ReadAll(t.Context(), sum, int64(size))
		if err != nil {
			t.Fatalf("ReadAll of %d bytes: %v", size, err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("ReadAll: got %d bytes, want the %d bytes put", len(got), size)
		}
		rc, err := v.Open(t.Context(), sum)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		got, err = io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Open and read: got %d bytes and error %v, want the %d bytes put", len(got), err, size)
		}
		if ok, err := v.Has(t.Context(), sum); err != nil || !ok {
			t.Fatalf("Has after Put: got %t, %v; want true, nil", ok, err)
		}
		if cref, err := v.Check(t.Context(), ref.Name); err != nil || cref != ref {
			t.Fatalf("Check: got %+v, %v; want %+v, nil", cref, err, ref)
		}
	}
	checkSpoolEmpty(t, spool)
}

func testVaultLarge(t *testing.T, b blob.Backend) {
	v, _ := newVault(t, b)
	ref, err := v.Put(t.Context(), newStream(20, largeSize))
	if err != nil {
		t.Fatalf("Put of %d streamed bytes: %v", largeSize, err)
	}
	if want := streamSum(t, 20, largeSize); ref.SHA256 != want || ref.Size != largeSize {
		t.Fatalf("Put: got Ref %x, %d bytes; want %x, %d bytes", ref.SHA256, ref.Size, want, largeSize)
	}
	rc, err := v.Open(t.Context(), ref.SHA256)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	if n != largeSize || [sha256.Size]byte(h.Sum(nil)) != ref.SHA256 {
		t.Fatalf("read back %d bytes that differ from the %d put", n, largeSize)
	}
}

func testVaultNames(t *testing.T, b blob.Backend) {
	v1, _ := newVault(t, b)
	v2, _ := newVault(t, b)
	data := bytes.Repeat([]byte("known file "), 1000)
	sum := sha256.Sum256(data)
	r1, r2 := vaultPut(t, v1, data), vaultPut(t, v2, data)
	if r1.Name == hex.EncodeToString(sum[:]) {
		t.Fatalf("blob named by the plain SHA-256 of its content")
	}
	if r1.Name == r2.Name {
		t.Fatalf("two deployments with different keys name the same content alike: %s", r1.Name)
	}
	for _, n := range []string{r1.Name, r2.Name} {
		if err := blob.ValidName(n); err != nil {
			t.Fatalf("Put returned name %q: %v", n, err)
		}
		raw := get(t, b, n)
		if !bytes.HasPrefix(raw, []byte("age-encryption.org/v1\n")) {
			t.Fatalf("stored blob %s is not an age file", n)
		}
		if bytes.Contains(raw, data[:64]) {
			t.Fatalf("stored blob %s contains plaintext", n)
		}
	}
	want := []string{r1.Name, r2.Name}
	slices.Sort(want)
	if got := list(t, b); !slices.Equal(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
	for i, v := range []*blob.Vault{v1, v2} {
		if got, err := v.ReadAll(t.Context(), sum, 1<<20); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("vault %d: ReadAll: %v", i+1, err)
		}
	}
}

func testVaultDedup(t *testing.T, b blob.Backend) {
	v, spool := newVault(t, b)
	data := content(30, 150_000)
	r1 := vaultPut(t, v, data)
	raw := get(t, b, r1.Name)
	r2 := vaultPut(t, v, data)
	if r1 != r2 {
		t.Fatalf("second Put of the same content: got Ref %+v, want %+v", r2, r1)
	}
	if got := get(t, b, r1.Name); !bytes.Equal(got, raw) {
		t.Fatalf("second Put of the same content rewrote the blob")
	}
	if got := list(t, b); len(got) != 1 {
		t.Fatalf("List: got %v, want one blob", got)
	}
	checkSpoolEmpty(t, spool)
}

func testVaultPutVerified(t *testing.T, b blob.Backend) {
	v, spool := newVault(t, b)
	data, other := content(40, 70_000), content(41, 70_000)
	sum, otherSum := sha256.Sum256(data), sha256.Sum256(other)

	_, err := v.PutVerified(t.Context(), sum, bytes.NewReader(other))
	if !errors.Is(err, blob.ErrDigestMismatch) {
		t.Fatalf("PutVerified of content with another digest: got %v, want ErrDigestMismatch", err)
	}
	for _, s := range [][sha256.Size]byte{sum, otherSum} {
		if ok, err := v.Has(t.Context(), s); err != nil || ok {
			t.Fatalf("after a refused PutVerified: Has gives %t, %v; want false, nil", ok, err)
		}
	}
	if got := list(t, b); len(got) != 0 {
		t.Fatalf("after a refused PutVerified: List gives %v, want nothing", got)
	}
	checkSpoolEmpty(t, spool)

	ref, err := v.PutVerified(t.Context(), sum, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("PutVerified with the right digest: %v", err)
	}
	if ref.SHA256 != sum || ref.Size != int64(len(data)) || ref.Name != v.Name(sum) {
		t.Fatalf("PutVerified: got Ref %+v", ref)
	}
	if got, err := v.ReadAll(t.Context(), sum, 1<<20); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadAll after PutVerified: %v", err)
	}
}

func testVaultMissing(t *testing.T, b blob.Backend) {
	v, _ := newVault(t, b)
	sum := sha256.Sum256([]byte("never stored"))
	_, err := v.Open(t.Context(), sum)
	wantErr(t, "Open of missing content", err, blob.ErrNotFound, v.Name(sum))
	_, err = v.ReadAll(t.Context(), sum, 100)
	wantErr(t, "ReadAll of missing content", err, blob.ErrNotFound, v.Name(sum))
	_, err = v.Check(t.Context(), v.Name(sum))
	wantErr(t, "Check of a missing blob", err, blob.ErrNotFound, v.Name(sum))
	if ok, err := v.Has(t.Context(), sum); err != nil || ok {
		t.Fatalf("Has of missing content: got %t, %v; want false, nil", ok, err)
	}
}

func testVaultDelete(t *testing.T, b blob.Backend) {
	v, _ := newVault(t, b)
	ref := vaultPut(t, v, []byte("to be deleted"))
	if err := v.Delete(t.Context(), ref.SHA256); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if ok, err := v.Has(t.Context(), ref.SHA256); err != nil || ok {
		t.Fatalf("Has after Delete: got %t, %v; want false, nil", ok, err)
	}
	wantErr(t, "second Delete", v.Delete(t.Context(), ref.SHA256), blob.ErrNotFound, ref.Name)
}

func testVaultReadAllLimit(t *testing.T, b blob.Backend) {
	v, _ := newVault(t, b)
	data := content(50, 1000)
	ref := vaultPut(t, v, data)
	_, err := v.ReadAll(t.Context(), ref.SHA256, 999)
	wantErr(t, "ReadAll over the limit", err, blob.ErrTooLarge, ref.Name)
	if got, err := v.ReadAll(t.Context(), ref.SHA256, 1000); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadAll at the limit: %v", err)
	}
}

func testVaultWrongKey(t *testing.T, b blob.Backend) {
	// Another deployment's blob, copied to the name this deployment would give the content.
	theirs, _ := newVault(t, b)
	ours, _ := newVault(t, b)
	data := content(60, 100_000)
	ref := vaultPut(t, theirs, data)
	raw := get(t, b, ref.Name)
	n := ours.Name(ref.SHA256)
	put(t, b, n, raw)
	_, err := ours.ReadAll(t.Context(), ref.SHA256, 1<<20)
	wantErr(t, "ReadAll of a blob under another key", err, blob.ErrWrongKey, n)
	_, err = ours.Open(t.Context(), ref.SHA256)
	wantErr(t, "Open of a blob under another key", err, blob.ErrWrongKey, n)
	_, err = ours.Check(t.Context(), n)
	wantErr(t, "Check of a blob under another key", err, blob.ErrWrongKey, n)
	if got := get(t, b, n); !bytes.Equal(got, raw) {
		t.Fatalf("a failed read changed the stored blob")
	}
}

// headerLen returns the length of the age header of raw (through the "--- MAC" line).
func headerLen(t *testing.T, raw []byte) int {
	t.Helper()
	i := bytes.Index(raw, []byte("\n--- "))
	if i < 0 {
		t.Fatalf("no age header end in the stored blob")
	}
	j := bytes.IndexByte(raw[i+1:], '\n')
	if j < 0 {
		t.Fatalf("no age header end in the stored blob")
	}
	return i + 1 + j + 1
}

// readDamaged stores raw under ref.Name and fails t unless reading it back through v fails
// with one of targets, naming the blob, and leaves the stored bytes as they were.
func readDamaged(t *testing.T, b blob.Backend, v *blob.Vault, ref blob.Ref, raw []byte, what string, targets ...error) {
	t.Helper()
	put(t, b, ref.Name, raw)
	check := func(op string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s of a blob %s: got no error", op, what)
		}
		var e *blob.Error
		if !errors.As(err, &e) || e.Name != ref.Name {
			t.Fatalf("%s of a blob %s: error %v does not name blob %s", op, what, err, ref.Name)
		}
		for _, target := range targets {
			if errors.Is(err, target) {
				return
			}
		}
		t.Fatalf("%s of a blob %s: got error %v, want one of %v", op, what, err, targets)
	}
	_, err := v.ReadAll(t.Context(), ref.SHA256, 1<<30)
	check("ReadAll", err)
	// Reading as a stream fails too, at the latest where io.EOF would be.
	rc, err := v.Open(t.Context(), ref.SHA256)
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
	}
	check("Open and read", err)
	_, err = v.Check(t.Context(), ref.Name)
	check("Check", err)
	if got := get(t, b, ref.Name); !bytes.Equal(got, raw) {
		t.Fatalf("reading a blob %s changed the stored bytes", what)
	}
}

func testVaultTruncated(t *testing.T, b blob.Backend) {
	v, _ := newVault(t, b)
	ref := vaultPut(t, v, content(70, 200_000)) // four payload chunks
	raw := get(t, b, ref.Name)
	h := headerLen(t, raw)
	cuts := []int{0, 1, 10, h / 2, h - 1, h, h + 8, h + 16, h + 17, h + 65536, h + 16 + 65536 + 16, len(raw) / 2, len(raw) - 17, len(raw) - 16, len(raw) - 1}
	for _, cut := range cuts {
		readDamaged(t, b, v, ref, raw[:cut], fmt.Sprintf("truncated to %d of %d bytes", cut, len(raw)), blob.ErrCorrupt)
	}
	// Trailing garbage is damage too.
	readDamaged(t, b, v, ref, append(slices.Clone(raw), 0), "with a byte appended", blob.ErrCorrupt)
}

func testVaultFlipped(t *testing.T, b blob.Backend) {
	v, _ := newVault(t, b)
	ref := vaultPut(t, v, content(80, 200_000))
	raw := get(t, b, ref.Name)
	h := headerLen(t, raw)
	flip := func(i int) []byte {
		d := slices.Clone(raw)
		d[i] ^= 0x01
		return d
	}
	// In the header, damage may look like another deployment's key (age cannot tell).
	for _, i := range []int{0, 5, 30, h / 2, h - 10, h - 2} {
		readDamaged(t, b, v, ref, flip(i), fmt.Sprintf("with header byte %d flipped", i), blob.ErrCorrupt, blob.ErrWrongKey)
	}
	// In the payload it is corruption.
	for _, i := range []int{h, h + 15, h + 16, h + 100, h + 16 + 65536 + 20, h + 16 + 2*(65536+16) + 7, len(raw) - 17, len(raw) - 1} {
		readDamaged(t, b, v, ref, flip(i), fmt.Sprintf("with payload byte %d flipped", i-h), blob.ErrCorrupt)
	}
}

func testVaultSwapped(t *testing.T, b blob.Backend) {
	// A whole, valid blob copied over another name: only the digest check catches it.
	v, _ := newVault(t, b)
	ra := vaultPut(t, v, content(90, 90_000))
	rb := vaultPut(t, v, content(91, 90_000))
	readDamaged(t, b, v, ra, get(t, b, rb.Name), "holding another blob's content", blob.ErrCorrupt)
	// The stream delivers the content, then the error instead of io.EOF.
	rc, err := v.Open(t.Context(), ra.SHA256)
	if err != nil {
		t.Fatalf("Open of the swapped blob: %v", err)
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, rc)
	if !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("reading the swapped blob to its end: got %v, want ErrCorrupt", err)
	}
	if n != rb.Size {
		t.Fatalf("reading the swapped blob: got %d bytes before the error, want %d", n, rb.Size)
	}
}

func testVaultCancelled(t *testing.T, b blob.Backend) {
	v, spool := newVault(t, b)
	data := content(95, 10_000)
	sum := sha256.Sum256(data)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := v.Put(ctx, bytes.NewReader(data)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled context: got %v, want context.Canceled", err)
	}
	if _, err := v.Open(ctx, sum); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a cancelled context: got %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithCancel(t.Context())
	_, err := v.Put(ctx, &cancellingReader{r: newStream(96, 1<<40), n: 2 << 20, cancel: cancel})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put cancelled midway: got %v, want context.Canceled", err)
	}
	if got := list(t, b); len(got) != 0 {
		t.Fatalf("after cancelled puts: List gives %v, want nothing", got)
	}
	checkSpoolEmpty(t, spool)
}

func testVaultConcurrent(t *testing.T, b blob.Backend) {
	v, spool := newVault(t, b)
	same := content(97, 100_000)
	var wg sync.WaitGroup
	refs := make([]blob.Ref, 12)
	errs := make([]error, len(refs))
	for i := range refs {
		data := same
		if i%2 == 1 {
			data = content(uint64(200+i), 50_000+i)
		}
		wg.Go(func() { refs[i], errs[i] = v.Put(t.Context(), bytes.NewReader(data)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Put %d: %v", i, err)
		}
	}
	for i, ref := range refs {
		if _, err := v.Check(t.Context(), ref.Name); err != nil {
			t.Fatalf("blob of concurrent Put %d: %v", i, err)
		}
	}
	if got := list(t, b); len(got) != 1+len(refs)/2 {
		t.Fatalf("List after concurrent puts: got %d blobs, want %d", len(got), 1+len(refs)/2)
	}
	checkSpoolEmpty(t, spool)
}
