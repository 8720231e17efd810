package video

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// makeVideo runs ffmpeg with args (lavfi sources, encoders) to make a test video named name in
// a temporary folder, and returns its path.
func makeVideo(t testing.TB, name string, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("ffmpeg", append(append([]string{"-nostdin", "-v", "error", "-y"}, args...), path)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v\n%s", name, err, out)
	}
	return path
}

// sample returns the path of a sample video from the shared test data.
func sample(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(vpdqDir(t), "videos", name)
}

// writeFile writes data to a new file in a temporary folder.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHostileFiles hashes files that are broken or built to hurt: each must be an error for
// that file, of the right kind, promptly.
func TestHostileFiles(t *testing.T) {
	h := newTestHasher(t, Config{MaxPixels: 4096 * 4096})
	chair := sample(t, "chair-19-sd-bar.mp4")
	data, err := os.ReadFile(chair)
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 1<<16)
	rand.Read(random)
	y4m := func(w, h int, frame []byte) []byte {
		return append([]byte(fmt.Sprintf("YUV4MPEG2 W%d H%d F25:1 Ip A1:1 C420jpeg\nFRAME\n", w, h)), frame...)
	}

	cases := []struct {
		name    string
		path    string
		want    error
		partial bool // frames hashed before the failure are returned
	}{
		{"truncated (moov at the end, cut)", writeFile(t, "tail.mp4", data[len(data)/2:]), ErrBadVideo, false},
		{"truncated (moov first, data cut)", writeFile(t, "trunc.mp4", data[:len(data)/2]), ErrBadVideo, true},
		{"random bytes", writeFile(t, "random.mp4", random), ErrBadVideo, false},
		{"empty", writeFile(t, "empty.mp4", nil), ErrBadVideo, false},
		{"text", writeFile(t, "notes.mp4", []byte(strings.Repeat("not a video\n", 100))), ErrBadVideo, false},
		{"huge dimensions", writeFile(t, "huge.y4m", y4m(12000, 12000, make([]byte, 64))), ErrTooLarge, false},
		{"dimensions FFmpeg refuses", writeFile(t, "huger.y4m", y4m(30000, 30000, make([]byte, 64))), ErrBadVideo, false},
		{"side over the limit", writeFile(t, "wide.y4m", y4m(2_000_000, 2, make([]byte, 64))), ErrTooLarge, false},
		{"frame data missing", writeFile(t, "short.y4m", y4m(1024, 1024, make([]byte, 1000))), ErrBadVideo, false},
		{"folder", t.TempDir(), ErrBadVideo, false},
		{"missing", filepath.Join(t.TempDir(), "missing.mp4"), os.ErrNotExist, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, frames, err := h.Hash(t.Context(), c.path)
			if !errors.Is(err, c.want) {
				t.Fatalf("Hash: %v, want an error wrapping %v", err, c.want)
			}
			if c.partial != (len(frames) > 0) {
				t.Errorf("%d frames returned with the error; want partial=%v", len(frames), c.partial)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("took %v", d)
			}
			t.Logf("%v (%d frames)", err, len(frames))
		})
	}
}

// TestNoNetwork checks that a file which is a playlist cannot make ffmpeg connect anywhere,
// and is refused.
func TestNoNetwork(t *testing.T) {
	h := newTestHasher(t, Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	connected := make(chan struct{}, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
			connected <- struct{}{}
		}
	}()
	seg := makeVideo(t, "seg.ts", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5", "-t", "2", "-c:v", "libx264")
	url := "http://" + ln.Addr().String() + "/x.ts"
	playlists := map[string]string{
		"remote.mp4":       "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n" + url + "\n#EXT-X-ENDLIST\n",
		"local.mp4":        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n" + seg + "\n#EXT-X-ENDLIST\n",
		"concat.mp4":       "ffconcat version 1.0\nfile '" + url + "'\n",
		"concat-local.mp4": "ffconcat version 1.0\nfile '" + seg + "'\n",
	}
	for name, body := range playlists {
		t.Run(name, func(t *testing.T) {
			_, _, err := h.Hash(t.Context(), writeFile(t, name, []byte(body)))
			if !errors.Is(err, ErrBadVideo) {
				t.Errorf("Hash: %v, want an error wrapping ErrBadVideo", err)
			}
			t.Log(err)
		})
	}
	select {
	case <-connected:
		t.Error("ffmpeg or ffprobe connected to the network")
	case <-time.After(100 * time.Millisecond):
	}
}

// TestAwkwardNames hashes a file whose name would be an option or a protocol if passed as it is.
func TestAwkwardNames(t *testing.T) {
	h := newTestHasher(t, Config{})
	data, err := os.ReadFile(sample(t, "doorknob-hd-no-bar.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	_, want, err := h.Hash(t.Context(), sample(t, "doorknob-hd-no-bar.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"-y.mp4", "http:x.mp4", "concat:a|b.mp4", "a b'c\".mp4", "%d.mp4"} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	for _, name := range []string{"-y.mp4", "http:x.mp4", "concat:a|b.mp4", "a b'c\".mp4", "%d.mp4"} {
		_, got, err := h.Hash(t.Context(), name)
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		if len(got) != len(want) || got[0] != want[0] {
			t.Errorf("%q: %d frames, want %d", name, len(got), len(want))
		}
	}
}

// TestSizeChange hashes a stream whose frame size changes midway: every frame comes out at the
// probed size, so the reader stays in step, and frame selection keeps counting decoded frames
// across the change (ffmpeg would otherwise rebuild the filter graph and restart the count).
func TestSizeChange(t *testing.T) {
	a := makeVideo(t, "a.ts", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "1", "-c:v", "libx264")
	b := makeVideo(t, "b.ts", "-f", "lavfi", "-i", "testsrc2=size=480x360:rate=25", "-t", "1", "-c:v", "libx264")
	var data []byte
	for _, p := range []string{a, b} {
		d, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, d...)
	}
	path := writeFile(t, "ab.ts", data)
	info, all, err := newTestHasher(t, Config{SecondsPerHash: EveryFrame}).Hash(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 320 || info.Height != 240 || len(all) != 50 {
		t.Errorf("%dx%d, %d frames; want 320x240, 50 frames", info.Width, info.Height, len(all))
	}
	_, got, err := newTestHasher(t, Config{SecondsPerHash: 7.0 / 25}).Hash(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	var want []Frame
	for _, f := range all {
		if f.Number%7 == 0 {
			want = append(want, f)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("every 7th frame differs from the every-frame run (-want +got):\n%s", diff)
	}
}

func TestNotInstalled(t *testing.T) {
	t.Parallel()
	path := sample(t, "doorknob-hd-no-bar.mp4")
	for _, cfg := range []Config{
		{FFmpeg: "/nonexistent/ffmpeg"},
		{FFprobe: "/nonexistent/ffprobe"},
		{FFmpeg: "vidb-no-such-ffmpeg", FFprobe: "vidb-no-such-ffprobe"},
	} {
		h, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Version(t.Context()); !errors.Is(err, ErrNotInstalled) {
			t.Errorf("%+v: Version: %v, want ErrNotInstalled", cfg, err)
		}
		if cfg.FFprobe != "" {
			if _, err := h.Probe(t.Context(), path); !errors.Is(err, ErrNotInstalled) {
				t.Errorf("%+v: Probe: %v, want ErrNotInstalled", cfg, err)
			}
		}
		if _, _, err := h.Hash(t.Context(), path); err != nil && !errors.Is(err, ErrNotInstalled) {
			t.Errorf("%+v: Hash: %v, want ErrNotInstalled", cfg, err)
		} else if err == nil {
			t.Errorf("%+v: Hash succeeded", cfg)
		}
	}
}

func TestLimits(t *testing.T) {
	path := sample(t, "chair-19-sd-bar.mp4") // 480x720, 564 frames, 18.8 s
	t.Run("pixels", func(t *testing.T) {
		t.Parallel()
		h := newTestHasher(t, Config{MaxPixels: 480*720 - 1})
		if _, err := h.Probe(t.Context(), path); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Probe: %v, want ErrTooLarge", err)
		}
		if _, _, err := h.Hash(t.Context(), path); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Hash: %v, want ErrTooLarge", err)
		}
	})
	t.Run("frames", func(t *testing.T) {
		t.Parallel()
		h := newTestHasher(t, Config{MaxFrames: 18})
		if _, _, err := h.Hash(t.Context(), path); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Hash with 19 frames to hash: %v, want ErrTooLarge", err)
		}
		h = newTestHasher(t, Config{MaxFrames: 19})
		if _, frames, err := h.Hash(t.Context(), path); err != nil || len(frames) != 19 {
			t.Errorf("Hash with 19 frames allowed: %d frames, %v", len(frames), err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		h := newTestHasher(t, Config{SecondsPerHash: EveryFrame, Timeout: 300 * time.Millisecond})
		start := time.Now()
		_, _, err := h.Hash(t.Context(), path)
		if !errors.Is(err, ErrTimeout) {
			t.Errorf("Hash: %v, want ErrTimeout", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("returned after %v", d)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		t.Parallel()
		h := newTestHasher(t, Config{SecondsPerHash: EveryFrame})
		ctx, cancel := context.WithCancel(t.Context())
		n := 0
		start := time.Now()
		_, err := h.HashStream(ctx, path, func(Frame) error {
			if n++; n == 3 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("HashStream: %v, want context.Canceled", err)
		}
		if n > 3+h.Config().Workers+2 {
			t.Errorf("%d frames delivered after cancel", n-3)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("returned after %v", d)
		}
	})
	t.Run("callback error", func(t *testing.T) {
		t.Parallel()
		h := newTestHasher(t, Config{})
		stop := errors.New("enough")
		n := 0
		_, err := h.HashStream(t.Context(), path, func(Frame) error {
			n++
			return stop
		})
		if err != stop || n != 1 {
			t.Errorf("HashStream: %v after %d frames, want the callback's error after 1", err, n)
		}
	})
}

func TestDeadline(t *testing.T) {
	c, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		d, want time.Duration
	}{
		{0, DefaultTimeout},
		{time.Second, time.Minute + 10*time.Second},
		{time.Hour, DefaultTimeout},
		{-time.Second, DefaultTimeout},
		{1 << 62, DefaultTimeout},
	} {
		if got := c.deadline(tc.d); got != tc.want {
			t.Errorf("deadline(%v) = %v, want %v", tc.d, got, tc.want)
		}
	}
}
