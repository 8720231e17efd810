package fingerprint

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/internal/imaging"
	"github.com/vidb-project/vidb/pdq"
)

// testdata is the shared, benign PDQ test data beside the checkout.
var testdata = filepath.Join("..", "..", "..", "shared", "testdata", "pdq")

func requireTestdata(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(testdata); err != nil {
		t.Skipf("shared test data not found at %s: %v", testdata, err)
	}
}

// pattern returns a PNG of a deterministic, textured picture, different for each seed.
func pattern(t testing.TB, w, h int, seed int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8((x*x*(seed+3) + y*(7+seed) + (x^y)*seed) % 251)
			img.SetNRGBA(x, y, color.NRGBA{v, uint8(x * 255 / w), uint8(y * 255 / h), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSniff(t *testing.T) {
	t.Parallel()
	ts := make([]byte, 189)
	ts[0], ts[188] = 0x47, 0x47
	cases := []struct {
		name   string
		head   []byte
		kind   Kind
		format string
	}{
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), KindImage, "png"},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), KindImage, "jpeg"},
		{"mp4", []byte("\x00\x00\x00\x20ftypisom\x00\x00\x02\x00"), KindVideo, "mp4"},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), KindImage, "heic"},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00"), KindImage, "avif"},
		{"matroska", []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81"), KindVideo, "matroska"},
		{"avi", []byte("RIFF\x00\x00\x00\x00AVI LIST"), KindVideo, "avi"},
		{"mpegts", ts, KindVideo, "mpegts"},
		{"text starting with G", []byte("Good morning, this is text"), KindOther, ""},
		{"text", []byte("hello, world"), KindOther, ""},
		{"empty", nil, KindOther, ""},
	}
	for _, c := range cases {
		kind, format := Sniff(c.head)
		if kind != c.kind || format != c.format {
			t.Errorf("Sniff(%s) = %s, %q; want %s, %q", c.name, kind, format, c.kind, c.format)
		}
	}
}

// TestFileMatchesReference hashes a lossless file from the shared vectors and compares with the
// reference's full-resolution output.
func TestFileMatchesReference(t *testing.T) {
	t.Parallel()
	requireTestdata(t)
	path := filepath.Join(testdata, "images", "reg-test-input", "pen-and-coaster.png")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := NewHasher(Options{}).File(path)
	if err != nil {
		t.Fatalf("File: %v", err)
	}
	if fp.Digest.MD5 != md5.Sum(data) || fp.Digest.SHA256 != sha256.Sum256(data) || fp.Digest.Size != int64(len(data)) {
		t.Errorf("digests differ from crypto/*: got %+v", fp.Digest)
	}
	if fp.Kind != KindImage || fp.Format != "png" {
		t.Errorf("kind, format = %s, %s; want image, png", fp.Kind, fp.Format)
	}
	want := referenceFullRes(t, "images/reg-test-input/pen-and-coaster.png")
	if fp.PDQ == nil || fp.PDQ.Hash.String() != want {
		t.Fatalf("pdq = %v, want %s", fp.PDQ, want)
	}
	if fp.PDQ.Flavour != pdq.FullRes {
		t.Errorf("flavour = %s, want %s", fp.PDQ.Flavour, pdq.FullRes)
	}
	// With the dihedral hashes (computed in the same pass), the hash is the same.
	fd, err := NewHasher(Options{Dihedral: true}).File(path)
	if err != nil {
		t.Fatalf("File with Dihedral: %v", err)
	}
	if fd.PDQ == nil || *fd.PDQ != *fp.PDQ || fd.Dihedral == nil || fd.Dihedral.Hashes[pdq.Orig] != fp.PDQ.Hash {
		t.Errorf("with Dihedral: pdq %v, dihedral %v; want %v", fd.PDQ, fd.Dihedral, fp.PDQ)
	}
}

// referenceFullRes returns the fullres_pdq column of the reference table for one image.
func referenceFullRes(t *testing.T, image string) string {
	t.Helper()
	table, err := os.ReadFile(filepath.Join(testdata, "expected", "reference_cpp_file_level.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(table), "\n")
	cols := strings.Split(lines[0], "\t")
	at := -1
	for i, c := range cols {
		if c == "fullres_pdq" {
			at = i
		}
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if f[0] == image && at >= 0 && at < len(f) {
			return f[at]
		}
	}
	t.Fatalf("%s not in the reference table", image)
	return ""
}

func TestBytesFailures(t *testing.T) {
	t.Parallel()
	good := pattern(t, 64, 48, 1)
	cases := []struct {
		name    string
		data    []byte
		wantErr error
		kind    Kind
	}{
		{"truncated png", good[:len(good)/2], imaging.ErrCorrupt, KindImage},
		{"heic", append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), make([]byte, 100)...), imaging.ErrUnsupported, KindImage},
		{"text", []byte("just some notes"), nil, KindOther},
		{"empty", nil, nil, KindOther},
	}
	for _, c := range cases {
		fp, err := NewHasher(Options{}).Bytes(c.data)
		if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.wantErr)
		}
		if !fp.Digested || fp.Digest.SHA256 != sha256.Sum256(c.data) {
			t.Errorf("%s: digests missing or wrong after a failure", c.name)
		}
		if fp.Kind != c.kind {
			t.Errorf("%s: kind = %s, want %s", c.name, fp.Kind, c.kind)
		}
		if fp.PDQ != nil {
			t.Errorf("%s: got a PDQ hash for a file that failed or is not an image", c.name)
		}
	}
}

func TestFileOverByteBudget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	img := pattern(t, 80, 60, 2)
	imgPath := filepath.Join(dir, "big.png")
	txtPath := filepath.Join(dir, "big.txt")
	txt := bytes.Repeat([]byte("not an image "), 100)
	os.WriteFile(imgPath, img, 0o600)
	os.WriteFile(txtPath, txt, 0o600)
	h := NewHasher(Options{Limits: imaging.Limits{MaxPixels: 1 << 20, MaxBytes: 100}})

	fp, err := h.File(imgPath)
	if !errors.Is(err, imaging.ErrTooLarge) {
		t.Errorf("image over the byte budget: err = %v, want %v", err, imaging.ErrTooLarge)
	}
	if !fp.Digested || fp.Digest.SHA256 != sha256.Sum256(img) {
		t.Errorf("image over the byte budget: digests missing or wrong")
	}
	fp, err = h.File(txtPath)
	if err != nil || fp.Digest.SHA256 != sha256.Sum256(txt) || fp.Kind != KindOther {
		t.Errorf("large non-image: got %+v, %v; want its digests and no error", fp, err)
	}
}

func TestFileNotRegular(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := NewHasher(Options{}).File(fifo) // no writer: opening it for reading would block
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("File(fifo) = %v, want %v", err, ErrNotRegular)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("File(fifo) blocked")
	}
}

// tree makes a folder with images, a non-image, a corrupt image, a nested folder and a symbolic
// link that points out of the tree, and returns it with the files Walk must report, in order.
func tree(t *testing.T) (string, []string) {
	t.Helper()
	root := t.TempDir()
	outside := t.TempDir()
	write := func(rel string, data []byte) {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("a.png", pattern(t, 70, 50, 1))
	write("b/c.png", pattern(t, 90, 40, 2))
	write("b/d.txt", []byte("notes"))
	write("b/e/f.jpg", []byte("\xff\xd8\xff\xe0 truncated"))
	write("g.dat", pattern(t, 33, 33, 3)) // an image whatever its name says
	os.WriteFile(filepath.Join(outside, "secret.png"), pattern(t, 20, 20, 4), 0o600)
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	return root, []string{"a.png", "b/c.png", "b/d.txt", "b/e/f.jpg", "g.dat"}
}

func TestWalk(t *testing.T) {
	t.Parallel()
	root, want := tree(t)
	for _, workers := range []int{1, 2, 7} {
		var got []string
		var last Progress
		opts := WalkOptions{Workers: workers, Progress: func(p Progress) { last = p }}
		err := Walk(context.Background(), []string{root}, opts, func(r Result) error {
			rel, _ := filepath.Rel(root, r.Path)
			got = append(got, rel)
			switch {
			case rel == "b/e/f.jpg" && r.Err == nil:
				t.Errorf("%s: corrupt image gave no error", rel)
			case rel != "b/e/f.jpg" && r.Err != nil:
				t.Errorf("%s: %v", rel, r.Err)
			case rel == "g.dat" && r.PDQ == nil:
				t.Errorf("%s: an image named .dat was not hashed", rel)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Walk: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("workers=%d: files in walk order (-want +got):\n%s", workers, diff)
		}
		if last.FilesDone != int64(len(want)) {
			t.Errorf("workers=%d: final progress %+v, want %d files done", workers, last, len(want))
		}
	}
}

func TestWalkMissingPathAndStop(t *testing.T) {
	t.Parallel()
	root, _ := tree(t)
	missing := filepath.Join(root, "no-such-file")
	var errs int
	err := Walk(context.Background(), []string{missing, root}, WalkOptions{}, func(r Result) error {
		if r.Err != nil {
			errs++
		}
		return nil
	})
	if err != nil || errs != 2 {
		t.Errorf("Walk = %v with %d failed files, want nil with 2 (the missing path, the corrupt jpeg)", err, errs)
	}

	stop := errors.New("enough")
	n := 0
	err = Walk(context.Background(), []string{root}, WalkOptions{Workers: 2}, func(Result) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Errorf("Walk stopped by emit = %v after %d files, want %v after 2", err, n, stop)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Walk(ctx, []string{root}, WalkOptions{}, func(Result) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Walk with a cancelled context = %v, want %v", err, context.Canceled)
	}
}

func BenchmarkHasherFile(b *testing.B) {
	path := filepath.Join(testdata, "images", "bridge-mods", "aaa-orig.jpg")
	if _, err := os.Stat(path); err != nil {
		b.Skipf("shared test data not found: %v", err)
	}
	h := NewHasher(Options{})
	fi, _ := os.Stat(path)
	b.SetBytes(fi.Size())
	for b.Loop() {
		if _, err := h.File(path); err != nil {
			b.Fatal(err)
		}
	}
}
