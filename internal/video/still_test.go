package video

import (
	"context"
	"errors"
	"image/color"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestStillSize(t *testing.T) {
	for _, tc := range []struct{ w, h, max, ww, wh int }{
		{1280, 720, 320, 320, 180},
		{720, 1280, 320, 180, 320},
		{100, 50, 320, 100, 50},
		{100, 50, 0, 100, 50},
		{4000, 1, 100, 100, 1},
		{1, 4000, 100, 1, 100},
	} {
		if w, h := stillSize(tc.w, tc.h, tc.max); w != tc.ww || h != tc.wh {
			t.Errorf("stillSize(%d, %d, %d) = %dx%d, want %dx%d", tc.w, tc.h, tc.max, w, h, tc.ww, tc.wh)
		}
	}
}

// TestStill extracts frames from a video that is red for one second, then blue: each still has
// the colour of its time and the size asked for; bad requests are errors.
func TestStill(t *testing.T) {
	h := newTestHasher(t, Config{})
	path := makeVideo(t, "rb.mp4", "-f", "lavfi", "-i", "color=c=red:s=320x240:r=10:d=1",
		"-f", "lavfi", "-i", "color=c=blue:s=320x240:r=10:d=1",
		"-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", "-c:v", "libx264", "-pix_fmt", "yuv420p")
	for _, tc := range []struct {
		at      time.Duration
		maxSide int
		w, h    int
		want    color.RGBA
	}{
		{0, 0, 320, 240, color.RGBA{255, 0, 0, 255}},
		{500 * time.Millisecond, 160, 160, 120, color.RGBA{255, 0, 0, 255}},
		{1500 * time.Millisecond, 64, 64, 48, color.RGBA{0, 0, 255, 255}},
	} {
		img, err := h.Still(t.Context(), path, tc.at, tc.maxSide)
		if err != nil {
			t.Fatalf("Still(%v, %d): %v", tc.at, tc.maxSide, err)
		}
		if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
			t.Errorf("Still(%v, %d): %v, want %dx%d", tc.at, tc.maxSide, b, tc.w, tc.h)
		}
		got := img.RGBAAt(tc.w/2, tc.h/2)
		if diff(got.R, tc.want.R) > 24 || diff(got.G, tc.want.G) > 24 || diff(got.B, tc.want.B) > 24 || got.A != 255 {
			t.Errorf("Still(%v): centre %v, want about %v", tc.at, got, tc.want)
		}
	}

	playlist := filepath.Join(t.TempDir(), "list.m3u8")
	os.WriteFile(playlist, []byte("#EXTM3U\n#EXTINF:1,\nfile://"+path+"\n#EXT-X-ENDLIST\n"), 0o600)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		path string
		at   time.Duration
		want error
	}{
		{"past the end", t.Context(), path, 10 * time.Second, ErrBadVideo},
		{"negative time", t.Context(), path, -time.Second, ErrBadConfig},
		{"a folder", t.Context(), t.TempDir(), 0, ErrBadVideo},
		{"a playlist", t.Context(), playlist, 0, ErrBadVideo},
		{"cancelled", cancelled, path, 0, context.Canceled},
	} {
		if _, err := h.Still(tc.ctx, tc.path, tc.at, 64); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
