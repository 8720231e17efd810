package video

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestHashStreamFile checks that HashStream on a file delivers, in order, the frames Hash returns.
func TestHashStreamFile(t *testing.T) {
	h := newTestHasher(t, Config{Workers: 3})
	path := sample(t, "chair-20-sd-bar.mp4")
	info, want, err := h.Hash(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	var got []Frame
	sinfo, err := h.HashStream(t.Context(), path, func(f Frame) error {
		got = append(got, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("HashStream frames differ from Hash (-Hash +HashStream):\n%s", diff)
	}
	if info != sinfo {
		t.Errorf("HashStream info %+v, Hash info %+v", sinfo, info)
	}
	// "file://" URLs are local files too.
	n := 0
	if _, err := h.HashStream(t.Context(), "file://"+path, func(Frame) error { n++; return nil }); err != nil || n != len(want) {
		t.Errorf("file:// URL: %d frames, %v", n, err)
	}
	if _, err := h.HashStream(t.Context(), "gopher://example.org/x", func(Frame) error { return nil }); !errors.Is(err, ErrBadVideo) {
		t.Errorf("gopher URL: %v, want ErrBadVideo", err)
	}
}

// serveStream serves data over HTTP on loopback as a live stream would: in chunks, without a
// length, pausing between chunks. After stallAfter bytes (if > 0) it stops sending but keeps the
// connection open until the test ends.
func serveStream(t *testing.T, data []byte, stallAfter int) string {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/mp2t")
		fl := w.(http.Flusher)
		end := len(data)
		if stallAfter > 0 {
			end = stallAfter
		}
		for off := 0; off < end; off += 16 << 10 {
			if _, err := w.Write(data[off:min(off+16<<10, end)]); err != nil {
				return
			}
			fl.Flush()
			time.Sleep(time.Millisecond)
		}
		if stallAfter > 0 {
			select {
			case <-done:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) })
	return srv.URL + "/live.ts"
}

// TestHashStreamHTTP follows an MPEG-TS stream served on loopback and checks its frames
// against the same file hashed directly.
func TestHashStreamHTTP(t *testing.T) {
	h := newTestHasher(t, Config{})
	path := makeVideo(t, "live.ts", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "12", "-c:v", "libx264", "-g", "25")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, want, err := h.Hash(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("whole", func(t *testing.T) {
		var got []Frame
		_, err := h.HashStream(t.Context(), serveStream(t, data, 0), func(f Frame) error {
			got = append(got, f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("streamed frames differ from the file's (-file +stream):\n%s", diff)
		}
	})
	t.Run("stall", func(t *testing.T) {
		h := newTestHasher(t, Config{StallTimeout: 2 * time.Second})
		var got []Frame
		start := time.Now()
		_, err := h.HashStream(t.Context(), serveStream(t, data, len(data)*3/4), func(f Frame) error {
			got = append(got, f)
			return nil
		})
		if !errors.Is(err, ErrTimeout) {
			t.Errorf("HashStream: %v, want ErrTimeout", err)
		}
		if len(got) == 0 || len(got) >= len(want) {
			t.Errorf("%d frames before the stall, want some of %d", len(got), len(want))
		}
		if diff := cmp.Diff(want[:len(got)], got); diff != "" {
			t.Errorf("frames before the stall (-file +stream):\n%s", diff)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("took %v to notice the stall", d)
		}
	})
}

// TestStreamCannotReadFiles serves an HLS playlist whose segment is a local file: a stream from
// the network must not make ffmpeg read the machine's files.
func TestStreamCannotReadFiles(t *testing.T) {
	h := newTestHasher(t, Config{StallTimeout: 5 * time.Second})
	seg := makeVideo(t, "seg.ts", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=5", "-t", "2", "-c:v", "libx264")
	playlist := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nfile://" + seg + "\n#EXT-X-ENDLIST\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		w.Write([]byte(playlist))
	}))
	defer srv.Close()
	n := 0
	_, err := h.HashStream(t.Context(), srv.URL+"/live.m3u8", func(Frame) error { n++; return nil })
	if err == nil || n > 0 {
		t.Errorf("HashStream read a local segment: %d frames, %v", n, err)
	}
	t.Log(err)
}

// TestHashFollow follows an MPEG-TS file while it is being written: the frames are those of
// the finished file, and the run ends without error once the file stops growing.
func TestHashFollow(t *testing.T) {
	src := makeVideo(t, "src.ts", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "6", "-c:v", "libx264", "-g", "10", "-bf", "0")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHasher(t, Config{StallTimeout: 2 * time.Second})
	_, want, err := h.Hash(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	growing := filepath.Join(t.TempDir(), "growing.ts")
	first := len(data) / 4
	first -= first % 188
	if err := os.WriteFile(growing, data[:first], 0o600); err != nil {
		t.Fatal(err)
	}
	wrote := make(chan time.Time, 1)
	go func() {
		f, err := os.OpenFile(growing, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			wrote <- time.Time{}
			return
		}
		defer f.Close()
		for off := first; off < len(data); off += 188 * 32 {
			time.Sleep(50 * time.Millisecond)
			f.Write(data[off:min(off+188*32, len(data))])
		}
		wrote <- time.Now()
	}()
	var got []Frame
	_, err = h.HashFollow(t.Context(), growing, func(f Frame) error {
		got = append(got, f)
		return nil
	})
	end := time.Now()
	if err != nil {
		t.Fatalf("HashFollow: %v", err)
	}
	if done := <-wrote; end.Before(done) {
		t.Errorf("HashFollow returned %v before the writer finished", done.Sub(end))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("followed frames differ from the finished file's (-file +followed):\n%s", diff)
	}
	if _, err := h.HashFollow(t.Context(), t.TempDir(), func(Frame) error { return nil }); !errors.Is(err, ErrBadVideo) {
		t.Errorf("HashFollow on a folder: %v, want ErrBadVideo", err)
	}
}
