// Package watchtest serves live HLS streams on loopback for the tests of package watch and of
// `vidb watch`: segments made by ffmpeg from benign generated pictures (its testsrc2 pattern and
// still images the test draws), published one by one in a playlist that grows while the watch
// runs, as a live stream's does, with no #EXT-X-ENDLIST until End.
//
// It is test support: only _test files import it. It must not import the storage adapters.
package watchtest

import (
	"bufio"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Size and rate of the generated streams.
const (
	Width  = 320
	Height = 240
	FPS    = 25
)

// Part is a stretch of a generated stream: Seconds of ffmpeg's testsrc2 pattern (starting at
// Offset seconds into it), or of the still picture in the PNG file Image.
type Part struct {
	Image   string
	Seconds int
	Offset  int
}

// Segment is one HLS media segment.
type Segment struct {
	Name     string
	Duration float64
	Data     []byte
}

// Make runs ffmpeg once to encode parts, one after the other, as H.264 in MPEG-TS segments of
// one second each (a keyframe per second, no B-frames), and returns the segments in order. The
// second s of the stream is in segment s. It skips the test when ffmpeg is not installed.
func Make(t testing.TB, parts ...Part) []Segment {
	t.Helper()
	return MakeSegments(t, 1, parts...)
}

// MakeSegments is Make with segments of the given number of seconds (a keyframe still every
// second): second s of the stream is in segment s/seconds.
func MakeSegments(t testing.TB, seconds int, parts ...Part) []Segment {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skipf("ffmpeg not installed: %v", err)
	}
	dir := t.TempDir()
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}
	var filter strings.Builder
	for i, p := range parts {
		if p.Image != "" {
			args = append(args, "-loop", "1", "-framerate", strconv.Itoa(FPS), "-t", strconv.Itoa(p.Seconds), "-i", p.Image)
		} else {
			args = append(args, "-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d:duration=%d", Width, Height, FPS, p.Offset+p.Seconds))
		}
		fmt.Fprintf(&filter, "[%d:v]trim=start=%d:duration=%d,setpts=PTS-STARTPTS,scale=%d:%d,setsar=1,fps=%d,format=yuv420p[p%d];",
			i, p.Offset, p.Seconds, Width, Height, FPS, i)
	}
	for i := range parts {
		fmt.Fprintf(&filter, "[p%d]", i)
	}
	fmt.Fprintf(&filter, "concat=n=%d:v=1[v]", len(parts))
	args = append(args, "-filter_complex", filter.String(), "-map", "[v]",
		"-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-g", strconv.Itoa(FPS), "-keyint_min", strconv.Itoa(FPS),
		"-sc_threshold", "0", "-f", "hls", "-hls_time", strconv.Itoa(seconds), "-hls_list_size", "0",
		"-hls_segment_filename", filepath.Join(dir, "seg%03d.ts"), filepath.Join(dir, "made.m3u8"))
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg making the stream: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "made.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var segs []Segment
	var dur float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#EXTINF:"):
			v, _, _ := strings.Cut(strings.TrimPrefix(line, "#EXTINF:"), ",")
			if dur, err = strconv.ParseFloat(v, 64); err != nil {
				t.Fatalf("ffmpeg's playlist: %q: %v", line, err)
			}
		case line != "" && !strings.HasPrefix(line, "#"):
			data, err := os.ReadFile(filepath.Join(dir, line))
			if err != nil {
				t.Fatal(err)
			}
			segs = append(segs, Segment{Name: line, Duration: dur, Data: data})
		}
	}
	if len(segs) == 0 {
		t.Fatal("ffmpeg made no segment")
	}
	return segs
}

// Live is a live HLS stream served on loopback.
type Live struct {
	// URL is the playlist's address.
	URL string

	segs      []Segment
	mu        sync.Mutex
	published int
	at        []time.Time // when each segment was published
	ended     bool
	fetched   map[string]time.Time // first fetch of each segment
}

// Serve serves segs as a live stream with none published yet; the server stops when the test
// ends.
func Serve(t testing.TB, segs []Segment) *Live {
	t.Helper()
	l := &Live{segs: segs, fetched: map[string]time.Time{}, at: make([]time.Time, len(segs))}
	byName := map[string][]byte{}
	for _, s := range segs {
		byName[s.Name] = s.Data
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		if name == "live.m3u8" {
			w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write([]byte(l.playlist()))
			return
		}
		l.mu.Lock()
		ok := false
		for _, s := range l.segs[:l.published] {
			ok = ok || s.Name == name
		}
		if ok {
			if _, seen := l.fetched[name]; !seen {
				l.fetched[name] = time.Now()
			}
		}
		l.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "video/mp2t")
		_, _ = w.Write(byName[name])
	}))
	t.Cleanup(srv.Close)
	l.URL = srv.URL + "/live.m3u8"
	return l
}

// playlist returns the playlist as it stands.
func (l *Live) playlist() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	target := 1 // the longest segment, rounded up, as the playlist must say
	for _, s := range l.segs {
		target = max(target, int(math.Ceil(s.Duration)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:0\n", target)
	for _, s := range l.segs[:l.published] {
		fmt.Fprintf(&b, "#EXTINF:%.6f,\n%s\n", s.Duration, s.Name)
	}
	if l.ended {
		b.WriteString("#EXT-X-ENDLIST\n")
	}
	return b.String()
}

// Publish adds segments to the playlist until the first n are listed, and returns the time it
// did.
func (l *Live) Publish(n int) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.publishLocked(n)
}

func (l *Live) publishLocked(n int) time.Time {
	now := time.Now()
	for ; l.published < min(n, len(l.segs)); l.published++ {
		l.at[l.published] = now
	}
	return now
}

// PublishedAt reports when segment i was published, if it was.
func (l *Live) PublishedAt(i int) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.at[i], i < l.published
}

// Published returns the number of segments listed.
func (l *Live) Published() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.published
}

// Len returns the number of segments.
func (l *Live) Len() int { return len(l.segs) }

// End publishes every segment and ends the playlist (#EXT-X-ENDLIST).
func (l *Live) End() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.publishLocked(len(l.segs))
	l.ended = true
}

// Fetched reports when segment i was first downloaded, if it was.
func (l *Live) Fetched(i int) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at, ok := l.fetched[l.segs[i].Name]
	return at, ok
}

// Feed publishes one more segment every interval, as a live source does, until stop is closed
// or every segment but the last keep is published, from a goroutine of its own.
func (l *Live) Feed(interval time.Duration, keep int, stop <-chan struct{}) {
	go func() {
		tk := time.NewTicker(interval)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				l.mu.Lock()
				if l.published < len(l.segs)-keep {
					l.publishLocked(l.published + 1)
				}
				l.mu.Unlock()
			}
		}
	}()
}
