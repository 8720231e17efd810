package ingest

import (
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/internal/imaging"
	"github.com/vidb-project/vidb/internal/testpic"
	"github.com/vidb-project/vidb/pdq"
)

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// bare is a Pipeline with no store, for the stages that need none.
func bare(t testing.TB, cfg Config) *Pipeline {
	t.Helper()
	cfg, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return &Pipeline{cfg: cfg, sem: make(chan struct{}, cfg.Workers)}
}

func spoolFiles(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	got, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if got.Radius != pdq.MatchDistance || got.MinQuality != pdq.MinQuality || got.MaxBytes != 4<<30 ||
		got.Retention != DefaultRetention || got.VideoPct != 80 || got.Workers < 1 ||
		got.Limits != imaging.DefaultLimits() || got.Now == nil {
		t.Errorf("defaults = %+v", got)
	}
	for _, bad := range []Config{{Radius: -1}, {Radius: 257}, {MinQuality: 101}, {MaxBytes: -1},
		{Workers: -2}, {Retention: -time.Hour}, {VideoPct: 101}} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestSpool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	data := testpic.PNG(t, scene(64, 48, 1))
	cases := []struct {
		name    string
		max     int64
		body    func() *bytes.Reader
		wantErr error
	}{
		{"fits", int64(len(data)), func() *bytes.Reader { return bytes.NewReader(data) }, nil},
		{"one byte over", int64(len(data)) - 1, func() *bytes.Reader { return bytes.NewReader(data) }, ErrTooLarge},
		{"empty", 10, func() *bytes.Reader { return bytes.NewReader(nil) }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			sp, err := spool(ctx, dir, c.body(), c.max)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if err != nil {
				if names := spoolFiles(t, dir); len(names) != 0 {
					t.Errorf("spool files left after an error: %v", names)
				}
				return
			}
			fi, err := os.Stat(sp.path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 || filepath.Dir(sp.path) != dir || !strings.HasPrefix(fi.Name(), spoolPrefix) {
				t.Errorf("spool file %s mode %v", sp.path, fi.Mode())
			}
			if sp.sum.Size != fi.Size() {
				t.Errorf("size %d, file %d", sp.sum.Size, fi.Size())
			}
			if err := sp.remove(); err != nil {
				t.Fatal(err)
			}
			if names := spoolFiles(t, dir); len(names) != 0 {
				t.Errorf("spool files left after remove: %v", names)
			}
		})
	}
}

// brokenBody yields some bytes and then fails, as a dropped connection does.
type brokenBody struct {
	n   int
	err error
}

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, b.err
	}
	k := min(len(p), b.n)
	clear(p[:k])
	b.n -= k
	return k, nil
}

func TestSpoolClientFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	broken := errors.New("connection reset")
	_, err := spool(context.Background(), dir, &brokenBody{n: 5000, err: broken}, 1<<20)
	var rf *readFailure
	if !errors.As(err, &rf) || !errors.Is(err, broken) || rf.bytes != 5000 {
		t.Errorf("err = %v (%+v), want a read failure after 5000 bytes", err, rf)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = spool(ctx, dir, bytes.NewReader([]byte("abc")), 10)
	if !errors.As(err, &rf) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want a read failure wrapping context.Canceled", err)
	}
	if names := spoolFiles(t, dir); len(names) != 0 {
		t.Errorf("spool files left: %v", names)
	}
}

func TestAnalyse(t *testing.T) {
	t.Parallel()
	pic := scene(320, 240, 3)
	jpg := testpic.JPEG(t, pic, 90)
	png := testpic.PNG(t, pic)
	cases := []struct {
		name      string
		data      []byte
		wantErr   error
		wantCause error
		mime      string
		matchable bool
	}{
		{"jpeg", jpg, nil, nil, "image/jpeg", true},
		{"png", png, nil, nil, "image/png", true},
		{"flat colour", testpic.PNG(t, flat(200, 100)), nil, nil, "image/png", false},
		{"truncated jpeg", jpg[:len(jpg)/2], ErrUndecodable, imaging.ErrCorrupt, "", false},
		{"corrupt png", append(append([]byte{}, png[:40]...), bytes.Repeat([]byte{0xAA}, 200)...), ErrUndecodable, imaging.ErrCorrupt, "", false},
		{"decompression bomb", pngBomb(t), ErrTooLarge, imaging.ErrTooManyPixels, "", false},
		{"text", []byte("these are notes, not a picture"), ErrUnsupported, nil, "", false},
		{"empty", nil, ErrUnsupported, nil, "", false},
		{"heic", append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), make([]byte, 100)...), ErrUnsupported, nil, "", false},
		{"video without ffmpeg", append([]byte("\x00\x00\x00\x20ftypisom\x00\x00\x02\x00"), make([]byte, 100)...), nil, nil, "video/mp4", false},
	}
	p := bare(t, Config{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			sp, err := spool(context.Background(), dir, bytes.NewReader(c.data), 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			defer sp.remove()
			a, err := p.analyse(context.Background(), sp)
			if !errors.Is(err, c.wantErr) || (c.wantCause != nil && !errors.Is(err, c.wantCause)) {
				t.Fatalf("err = %v, want %v (%v)", err, c.wantErr, c.wantCause)
			}
			if err != nil {
				return
			}
			if a.mime != c.mime {
				t.Errorf("mime = %q, want %q", a.mime, c.mime)
			}
			if got := len(a.dihedral) == pdq.NumTransforms; got != c.matchable {
				t.Errorf("matchable = %v (quality %v), want %v", got, a.pdq, c.matchable)
			}
			if a.kind == "image" && (a.width != 320 && a.width != 200 || a.pdq == nil) {
				t.Errorf("image analysis %+v", a)
			}
			if a.kind == "video" && !cmp.Equal(a.warnings, []string{warnNoVideo}) {
				t.Errorf("warnings = %q", a.warnings)
			}
		})
	}
}

func TestAnalyseByteBudget(t *testing.T) {
	t.Parallel()
	p := bare(t, Config{Limits: imaging.Limits{MaxBytes: 100}})
	sp, err := spool(context.Background(), t.TempDir(), bytes.NewReader(testpic.PNG(t, scene(64, 64, 1))), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.remove()
	if _, err := p.analyse(context.Background(), sp); !errors.Is(err, ErrTooLarge) || !errors.Is(err, imaging.ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge wrapping imaging.ErrTooLarge", err)
	}
}

// The dihedral hash of a mirrored picture is close to the original's FlipY hash, which is what
// lets a near search find flipped copies.
func TestDihedralFindsMirror(t *testing.T) {
	t.Parallel()
	p := bare(t, Config{})
	pic := scene(256, 256, 7)
	_, _, a, err := p.hashImage(testpic.PNG(t, pic))
	if err != nil {
		t.Fatal(err)
	}
	_, _, b, err := p.hashImage(testpic.PNG(t, mirror(pic)))
	if err != nil {
		t.Fatal(err)
	}
	if d := pdq.Distance(a.Hashes[pdq.Orig], b.Hashes[pdq.Orig]); d <= pdq.MatchDistance {
		t.Fatalf("mirror is already near the original (%d): the test proves nothing", d)
	}
	if d := pdq.Distance(a.Hashes[pdq.FlipY], b.Hashes[pdq.Orig]); d > pdq.MatchDistance {
		t.Errorf("FlipY hash is %d from the mirror's hash", d)
	}
}

func TestKeyLock(t *testing.T) {
	t.Parallel()
	var k keyLock
	var a, b [32]byte
	b[0] = 1
	unlockA := k.lock(a)
	unlockB := k.lock(b) // a different key does not wait
	done := make(chan struct{})
	go func() {
		unlock := k.lock(a)
		close(done)
		unlock()
	}()
	select {
	case <-done:
		t.Fatal("second lock of the same key did not wait")
	case <-time.After(20 * time.Millisecond):
	}
	unlockA()
	<-done
	unlockB()
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.m) != 0 {
		t.Errorf("%d lock entries left", len(k.m))
	}
}

func TestMIMEType(t *testing.T) {
	t.Parallel()
	for format, want := range map[string]string{"jpeg": "image/jpeg", "mov": "video/quicktime", "mpegts": "video/mp2t", "": "application/octet-stream"} {
		if got := mimeType(format); got != want {
			t.Errorf("mimeType(%q) = %q, want %q", format, got, want)
		}
	}
}
