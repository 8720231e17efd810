package preview_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/preview"
	"github.com/vidb-project/vidb/internal/testpic"
	"github.com/vidb-project/vidb/internal/video"
)

func TestPreviewGreyBlurredBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.service(t, preview.Config{})
	src := stripes(512, 384, 8)
	m := e.put(t, testpic.PNG(t, src), catalog.KindImage, "image/png", catalog.VisibilityNetwork)
	n := len(events(t, e.st))

	img := decodePNG(t, must(s.Preview(t.Context(), e.deAna, m.ID, preview.DefaultOptions()))(t))
	if _, ok := img.(*image.Gray); !ok {
		t.Errorf("default preview is %T, want greyscale *image.Gray", img)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 192 {
		t.Errorf("preview is %v, want 256x192", b.Size())
	}
	if got, srcE := energy(img), energy(src); got > srcE/20 {
		t.Errorf("preview high-frequency energy %.2f, source %.2f: not blurred", got, srcE)
	}
	if got := len(events(t, e.st)); got != n {
		t.Errorf("a blurred preview was audited (%d -> %d events)", n, got)
	}
}

func TestPreviewOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.service(t, preview.Config{})
	m := e.put(t, testpic.PNG(t, stripes(400, 300, 16)), catalog.KindImage, "image/png", catalog.VisibilityNetwork)
	ctx := t.Context()

	small := decodePNG(t, must(s.Preview(ctx, e.frAna, m.ID, preview.Options{MaxSide: 64, Blur: 0.04, Grey: true}))(t))
	if b := small.Bounds(); max(b.Dx(), b.Dy()) != 64 {
		t.Errorf("MaxSide 64: preview %v", b.Size())
	}
	colour := decodePNG(t, must(s.Preview(ctx, e.frAna, m.ID, preview.Options{MaxSide: 128, Blur: 0.01}))(t))
	if _, ok := colour.(*image.Gray); ok {
		t.Error("Grey false: preview is greyscale")
	}
	r, g, b, _ := colour.At(2, 50).RGBA()
	if r == g && g == b {
		t.Errorf("Grey false: pixel (%d, %d, %d) is grey", r, g, b)
	}
	light := decodePNG(t, must(s.Preview(ctx, e.frAna, m.ID, preview.Options{MaxSide: 256, Blur: 0.005, Grey: true}))(t))
	heavy := decodePNG(t, must(s.Preview(ctx, e.frAna, m.ID, preview.Options{MaxSide: 256, Blur: 0.2, Grey: true}))(t))
	if el, eh := energy(light), energy(heavy); eh >= el/2 {
		t.Errorf("energy with blur 0.2 %.2f, with 0.005 %.2f: stronger blur not honoured", eh, el)
	}
	for _, o := range []preview.Options{
		{MaxSide: 256, Blur: 0, Grey: true},
		{MaxSide: 256, Blur: -1},
		{MaxSide: 256, Blur: 0.9},
		{MaxSide: preview.MaxSide + 1, Blur: 0.04},
		{MaxSide: -3, Blur: 0.04},
	} {
		if _, err := s.Preview(ctx, e.frAna, m.ID, o); !errors.Is(err, catalog.ErrInvalid) {
			t.Errorf("Preview with %+v: got %v, want ErrInvalid", o, err)
		}
	}
}

func TestPreviewOrientation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.service(t, preview.Config{})
	src := halves(400, 200) // landscape, white on the left
	for _, tc := range []struct {
		orientation         uint16
		w, h                int
		brightTop, brightLt bool
	}{
		{1, 256, 128, false, true},
		{3, 256, 128, false, false}, // 180: white on the right
		{6, 128, 256, true, false},  // turned clockwise: the left goes to the top
		{8, 128, 256, false, false}, // turned anticlockwise: the left goes to the bottom
	} {
		m := e.put(t, jpegWithOrientation(t, src, tc.orientation), catalog.KindImage, "image/jpeg", catalog.VisibilityNetwork)
		img := decodePNG(t, must(s.Preview(t.Context(), e.frAna, m.ID, preview.DefaultOptions()))(t))
		b := img.Bounds()
		if b.Dx() != tc.w || b.Dy() != tc.h {
			t.Errorf("orientation %d: preview %v, want %dx%d", tc.orientation, b.Size(), tc.w, tc.h)
			continue
		}
		top, bottom := meanLuma(img, image.Rect(0, 0, b.Dx(), b.Dy()/4)), meanLuma(img, image.Rect(0, 3*b.Dy()/4, b.Dx(), b.Dy()))
		left, right := meanLuma(img, image.Rect(0, 0, b.Dx()/4, b.Dy())), meanLuma(img, image.Rect(3*b.Dx()/4, 0, b.Dx(), b.Dy()))
		if tc.w < tc.h {
			if (top > bottom+50) != tc.brightTop || (bottom > top+50) == tc.brightTop {
				t.Errorf("orientation %d: top %.0f, bottom %.0f", tc.orientation, top, bottom)
			}
		} else if (left > right+50) != tc.brightLt || (right > left+50) == tc.brightLt {
			t.Errorf("orientation %d: left %.0f, right %.0f", tc.orientation, left, right)
		}
	}
}

func TestPreviewRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.service(t, preview.Config{})
	ctx := t.Context()
	own := e.put(t, testpic.PNG(t, stripes(64, 64, 4)), catalog.KindImage, "image/png", catalog.VisibilityOwner)
	ho := e.hashOnly(t)
	junk := e.put(t, []byte("not an image at all"), catalog.KindImage, "image/png", catalog.VisibilityNetwork)
	o := preview.DefaultOptions()
	n := len(events(t, e.st))

	for _, tc := range []struct {
		name string
		u    catalog.User
		id   catalog.MediaID
		want error
	}{
		{"hash-only", e.frAna, ho.ID, preview.ErrNoContent},
		{"another country's owner-only record", e.deAna, own.ID, catalog.ErrNotFound},
		{"auditor", e.auditor, own.ID, catalog.ErrNotFound},
		{"absent", e.frAna, 9999, catalog.ErrNotFound},
		{"undecodable", e.frAna, junk.ID, preview.ErrNoPreview},
		{"image without video config", e.frAna, own.ID, nil},
	} {
		_, err := s.Preview(ctx, tc.u, tc.id, o)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: Preview got %v, want %v", tc.name, err, tc.want)
		}
		if tc.want == nil {
			continue
		}
		if _, err := s.Reveal(ctx, tc.u, tc.id); tc.name != "undecodable" && !errors.Is(err, tc.want) {
			t.Errorf("%s: Reveal got %v, want %v", tc.name, err, tc.want)
		}
		if _, err := s.ContactSheet(ctx, tc.u, tc.id, 4, o); tc.name != "undecodable" && !errors.Is(err, tc.want) {
			t.Errorf("%s: ContactSheet got %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := s.ContactSheet(ctx, e.frAna, own.ID, 4, o); !errors.Is(err, preview.ErrNoPreview) {
		t.Errorf("contact sheet of an image: %v, want ErrNoPreview", err)
	}
	// The undecodable file's reveal is the only change: one event.
	if got := len(events(t, e.st)); got != n+1 {
		t.Errorf("audit log %d -> %d, want one reveal", n, got)
	}
}

func TestCacheChecksAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.service(t, preview.Config{})
	ctx := t.Context()
	data := testpic.PNG(t, stripes(300, 200, 8))
	m := e.put(t, data, catalog.KindImage, "image/png", catalog.VisibilityNetwork)
	first := must(s.Preview(ctx, e.deAna, m.ID, preview.DefaultOptions()))(t)
	// With the content gone, the preview still comes from the cache...
	if err := e.vault.Delete(ctx, m.Digests.SHA256); err != nil {
		t.Fatal(err)
	}
	again := must(s.Preview(ctx, e.deAna, m.ID, preview.DefaultOptions()))(t)
	if !bytes.Equal(first, again) {
		t.Error("cached preview differs from the first")
	}
	if _, err := s.Preview(ctx, e.deAna, m.ID, preview.Options{MaxSide: 100, Blur: 0.05}); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("uncached options with the blob gone: %v, want blob.ErrNotFound", err)
	}
	// ...but only to those who may still see the record.
	seed(t, e.st, func(ctx context.Context, tx catalog.Tx) error {
		m.Access.Visibility = catalog.VisibilityOwner
		return tx.UpdateMedia(ctx, m)
	})
	if _, err := s.Preview(ctx, e.deAna, m.ID, preview.DefaultOptions()); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("cached preview after the record was withdrawn: %v, want ErrNotFound", err)
	}
}

func TestTamperedBlob(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.service(t, preview.Config{DailyRevealLimit: 5})
	ctx := t.Context()
	m := e.put(t, testpic.PNG(t, stripes(200, 200, 8)), catalog.KindImage, "image/png", catalog.VisibilityNetwork)
	path := filepath.Join(e.blobDir, m.Blob[:2], m.Blob)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-40] ^= 0x01
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	n := len(events(t, e.st))
	if _, err := s.Preview(ctx, e.frAna, m.ID, preview.DefaultOptions()); !errors.Is(err, blob.ErrCorrupt) {
		t.Errorf("Preview of a tampered blob: %v, want blob.ErrCorrupt", err)
	}
	if _, err := s.Reveal(ctx, e.frAna, m.ID); !errors.Is(err, blob.ErrCorrupt) {
		t.Errorf("Reveal of a tampered blob: %v, want blob.ErrCorrupt", err)
	}
	if c, _ := must2(s.RevealsToday(ctx, e.frAna))(t); c != 0 {
		t.Errorf("a failed reveal was counted: %d", c)
	}
	if got := len(events(t, e.st)); got != n {
		t.Errorf("a failed reveal was audited: %d -> %d", n, got)
	}
}

func TestReveal(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			testReveal(t, newEnvOn(t, kind))
		})
	}
}

func testReveal(t *testing.T, e *env) {
	s := e.service(t, preview.Config{DailyRevealLimit: 2})
	ctx := t.Context()
	data := testpic.PNG(t, stripes(100, 80, 8))
	m := e.put(t, data, catalog.KindImage, "image/png", catalog.VisibilityNetwork)

	e.clock.t = time.Date(2026, 5, 4, 23, 58, 0, 0, time.UTC)
	for i := 1; i <= 2; i++ {
		r := must(s.Reveal(ctx, e.deAna, m.ID))(t)
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil || !bytes.Equal(body, data) {
			t.Fatalf("reveal %d: content differs (err %v)", i, err)
		}
		if r.MIME != "image/png" || r.Size != int64(len(data)) || r.Count != i || r.Limit != 2 {
			t.Errorf("reveal %d: %+v", i, r)
		}
		es := events(t, e.st)
		last := es[len(es)-1]
		if last.Action != "media.reveal" || last.Object != "media/"+itoa(int64(m.ID)) || last.Actor != "de.analyst" ||
			last.Details["count"] != itoa(int64(i)) || last.Details["limit"] != "2" {
			t.Errorf("reveal %d: audit event %+v", i, last)
		}
	}
	n := len(events(t, e.st))
	e.clock.t = time.Date(2026, 5, 4, 23, 59, 59, 999_000_000, time.UTC)
	if _, err := s.Reveal(ctx, e.deAna, m.ID); !errors.Is(err, preview.ErrRevealLimit) {
		t.Errorf("third reveal: %v, want ErrRevealLimit", err)
	}
	if got := len(events(t, e.st)); got != n {
		t.Errorf("refused reveal was recorded: %d -> %d events", n, got)
	}
	if c, l := must2(s.RevealsToday(ctx, e.deAna))(t); c != 2 || l != 2 {
		t.Errorf("RevealsToday = %d, %d; want 2, 2", c, l)
	}
	// Another user has their own count.
	if r, err := s.Reveal(ctx, e.frAna, m.ID); err != nil || r.Count != 1 {
		t.Errorf("another user's first reveal: %+v, %v", r, err)
	}
	// A new UTC day starts a new count.
	e.clock.t = time.Date(2026, 5, 5, 0, 0, 1, 0, time.UTC)
	if c, _ := must2(s.RevealsToday(ctx, e.deAna))(t); c != 0 {
		t.Errorf("RevealsToday on the next day = %d", c)
	}
	if r, err := s.Reveal(ctx, e.deAna, m.ID); err != nil || r.Count != 1 {
		t.Errorf("first reveal of the next day: %+v, %v", r, err)
	}
	// No limit configured: never refused.
	free := e.service(t, preview.Config{})
	for range 3 {
		if r, err := free.Reveal(ctx, e.deAna, m.ID); err != nil || r.Limit != 0 {
			t.Errorf("unlimited reveal: %+v, %v", r, err)
		}
	}
	// A user's own limit applies when it is lower than the deployment's, or when there is none.
	seed(t, e.st, func(ctx context.Context, tx catalog.Tx) error {
		return tx.PutSettings(ctx, catalog.Settings{User: e.frAna.ID, Blur: 0.1, DailyRevealLimit: 2})
	})
	for _, svc := range []*preview.Service{free, s} {
		if c, l := must2(svc.RevealsToday(ctx, e.frAna))(t); c != 0 || l != 2 {
			t.Errorf("RevealsToday with a personal limit of 2 = %d, %d; want 0, 2", c, l)
		}
	}
	for i := 1; i <= 2; i++ {
		if r, err := free.Reveal(ctx, e.frAna, m.ID); err != nil || r.Count != i || r.Limit != 2 {
			t.Errorf("reveal %d within the personal limit: %+v, %v", i, r, err)
		}
	}
	n = len(events(t, e.st))
	if _, err := free.Reveal(ctx, e.frAna, m.ID); !errors.Is(err, preview.ErrRevealLimit) {
		t.Errorf("reveal beyond the personal limit: %v, want ErrRevealLimit", err)
	}
	if got := len(events(t, e.st)); got != n {
		t.Errorf("reveal refused by the personal limit was recorded: %d -> %d events", n, got)
	}
	if _, l := must2(e.service(t, preview.Config{DailyRevealLimit: 1}).RevealsToday(ctx, e.frAna))(t); l != 1 {
		t.Errorf("a deployment limit below the personal one: limit %d, want 1", l)
	}
}

// makeVideo has ffmpeg generate a benign test pattern video.
func makeVideo(t testing.TB, seconds int) []byte {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg is required: %v", err)
	}
	out := filepath.Join(t.TempDir(), "testsrc.mp4")
	cmd := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc=duration="+itoa(int64(seconds))+":size=320x240:rate=10", "-pix_fmt", "yuv420p", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestContactSheet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	spool := t.TempDir()
	s := e.service(t, preview.Config{Video: &video.Config{}, SpoolDir: spool})
	ctx := t.Context()
	m := e.put(t, makeVideo(t, 6), catalog.KindVideo, "video/mp4", catalog.VisibilityNetwork)
	n := len(events(t, e.st))

	stills := must(s.ContactSheet(ctx, e.deAna, m.ID, 6, preview.DefaultOptions()))(t)
	if len(stills) != 6 {
		t.Fatalf("got %d stills, want 6", len(stills))
	}
	var prev time.Duration = -1
	for i, st := range stills {
		if st.Timestamp <= prev || st.Timestamp >= 6*time.Second {
			t.Errorf("still %d at %v after %v", i, st.Timestamp, prev)
		}
		prev = st.Timestamp
		img := decodePNG(t, st.PNG)
		if _, ok := img.(*image.Gray); !ok {
			t.Errorf("still %d is %T, want greyscale", i, img)
		}
		if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 192 {
			t.Errorf("still %d is %v, want 256x192", i, b.Size())
		}
	}
	if !bytes.Equal(stills[0].PNG, must(s.ContactSheet(ctx, e.deAna, m.ID, 6, preview.DefaultOptions()))(t)[0].PNG) {
		t.Error("second contact sheet differs from the first")
	}
	p := decodePNG(t, must(s.Preview(ctx, e.deAna, m.ID, preview.Options{MaxSide: 64, Blur: 0.04, Grey: true}))(t))
	if b := p.Bounds(); b.Dx() != 64 {
		t.Errorf("video preview %v, want 64 wide", b.Size())
	}
	if ents, err := os.ReadDir(spool); err != nil || len(ents) != 0 {
		t.Errorf("spool folder holds %v (err %v): plaintext left behind", ents, err)
	}
	if got := len(events(t, e.st)); got != n {
		t.Errorf("contact sheet was audited: %d -> %d", n, got)
	}
	for _, bad := range []int{-1, preview.MaxStills + 1} {
		if _, err := s.ContactSheet(ctx, e.deAna, m.ID, bad, preview.DefaultOptions()); !errors.Is(err, catalog.ErrInvalid) {
			t.Errorf("%d stills: %v, want ErrInvalid", bad, err)
		}
	}
	noVideo := e.service(t, preview.Config{})
	if _, err := noVideo.ContactSheet(ctx, e.deAna, m.ID, 4, preview.DefaultOptions()); !errors.Is(err, preview.ErrNoPreview) {
		t.Errorf("without video config: %v, want ErrNoPreview", err)
	}
	bogus := e.put(t, []byte("this is not a video, only text"), catalog.KindVideo, "video/mp4", catalog.VisibilityNetwork)
	if _, err := s.ContactSheet(ctx, e.deAna, bogus.ID, 4, preview.DefaultOptions()); !errors.Is(err, preview.ErrNoPreview) {
		t.Errorf("undecodable video: %v, want ErrNoPreview", err)
	}
	if ents, _ := os.ReadDir(spool); len(ents) != 0 {
		t.Errorf("spool folder holds %v after a failure", ents)
	}
}

func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func must2[A, B any](a A, b B, err error) func(testing.TB) (A, B) {
	return func(t testing.TB) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRevealStreamed reveals content larger than MaxBytes: it is streamed, and a damaged blob
// fails the read instead of ending it.
func TestRevealStreamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.service(t, preview.Config{MaxBytes: 64})
	ctx := t.Context()
	data := testpic.PNG(t, stripes(120, 90, 4))
	m := e.put(t, data, catalog.KindImage, "image/png", catalog.VisibilityNetwork)
	r := must(s.Reveal(ctx, e.frAna, m.ID))(t)
	got, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("streamed reveal: %d bytes, err %v", len(got), err)
	}
	if _, err := s.Preview(ctx, e.frAna, m.ID, preview.DefaultOptions()); !errors.Is(err, preview.ErrNoPreview) {
		t.Errorf("preview over MaxBytes: %v, want ErrNoPreview", err)
	}

	path := filepath.Join(e.blobDir, m.Blob[:2], m.Blob)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0x80
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err = s.Reveal(ctx, e.frAna, m.ID)
	if err == nil {
		_, err = io.ReadAll(r.Body)
		r.Body.Close()
	}
	if !errors.Is(err, blob.ErrCorrupt) {
		t.Errorf("streamed reveal of a tampered blob: %v, want blob.ErrCorrupt", err)
	}
}
