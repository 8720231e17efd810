package video

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// benchSeconds is the length of the benchmark video.
const benchSeconds = 20

// benchVideo returns a 720p30 H.264 video of benchSeconds made by ffmpeg from its testsrc2
// pattern, generated once into the user's cache folder (or the benchmark's temporary folder).
func benchVideo(b *testing.B) string {
	b.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		b.Skipf("ffmpeg not installed: %v", err)
	}
	dir, err := os.UserCacheDir()
	if err == nil {
		dir = filepath.Join(dir, "vidb", "video-bench")
		err = os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "testsrc2-1280x720-30fps-20s-x264.mp4")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".tmp.mp4"
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-t", "20",
		"-c:v", "libx264", "-preset", "medium", "-crf", "23", "-pix_fmt", "yuv420p", tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("making the benchmark video: %v\n%s", err, out)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// clock is the start of a measurement: wall time and CPU time (this process and ffmpeg).
type clock struct {
	wall time.Time
	cpu  time.Duration
	ok   bool
}

func startClock() clock {
	cpu, ok := cpuTime()
	return clock{time.Now(), cpu, ok}
}

// reportRealtime reports how many seconds of video one second of wall time handles, and the
// CPU seconds (this process and ffmpeg together) spent per second of video.
func reportRealtime(b *testing.B, c clock) {
	perOp := time.Since(c.wall).Seconds() / float64(b.N)
	b.ReportMetric(benchSeconds/perOp, "x-realtime")
	b.ReportMetric(perOp*1e3, "ms/video")
	if cpu, ok := cpuTime(); ok && c.ok {
		b.ReportMetric((cpu-c.cpu).Seconds()/float64(b.N)/benchSeconds, "cpu-s/video-s")
	}
}

// BenchmarkDecode is the baseline: ffmpeg decoding the video alone (ffmpeg -i X -f null -).
func BenchmarkDecode(b *testing.B) {
	path := benchVideo(b)
	start := startClock()
	for b.Loop() {
		cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
	reportRealtime(b, start)
}

// BenchmarkPipe measures ffmpeg with this package's arguments, its output read and discarded:
// select in ffmpeg (1 fps) against converting and piping every frame, which is what dropping
// the unselected frames in Go would cost before any hashing; and the enlarged pipe against
// Linux's default 64 KiB.
func BenchmarkPipe(b *testing.B) {
	path := benchVideo(b)
	h := newTestHasher(b, Config{})
	info, err := h.Probe(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	input, err := fileInput(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, mod := range []struct {
		name string
		mod  int
		grow bool
	}{{"select-1fps", 30, true}, {"all-frames", 1, true}, {"all-frames-64KiB-pipe", 1, false}} {
		b.Run(mod.name, func(b *testing.B) {
			s := runSpec{input: input, protocols: fileProtocols, formats: info.Format, info: info}
			start := startClock()
			for b.Loop() {
				cmd := exec.Command("ffmpeg", ffmpegArgs(s, mod.mod, DefaultMaxPixels)...)
				out, err := cmd.StdoutPipe()
				if err != nil {
					b.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				if mod.grow {
					growPipe(out)
				}
				n, _ := io.Copy(io.Discard, out)
				if err := cmd.Wait(); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(n)
			}
			reportRealtime(b, start)
		})
	}
}

// BenchmarkHash measures Hasher.Hash, probe included, at one frame per second and at every
// frame.
func BenchmarkHash(b *testing.B) {
	path := benchVideo(b)
	for _, mode := range []struct {
		name string
		r    float64
	}{{"1fps", 1}, {"every-frame", EveryFrame}} {
		b.Run(mode.name, func(b *testing.B) {
			h := newTestHasher(b, Config{SecondsPerHash: mode.r})
			start := startClock()
			frames := 0
			for b.Loop() {
				_, f, err := h.Hash(context.Background(), path)
				if err != nil {
					b.Fatal(err)
				}
				frames = len(f)
			}
			reportRealtime(b, start)
			b.ReportMetric(float64(frames)*float64(b.N)/time.Since(start.wall).Seconds(), "frames/s")
		})
	}
}

// BenchmarkCompare measures brute-force matching of two one-frame-per-second hour-long videos'
// worth of frames (3600 x 3600 distances at most).
func BenchmarkCompare(b *testing.B) {
	dir := vpdqDir(b)
	a := readFramesFile(b, filepath.Join(dir, "vpdq-sample-hashes", "chair-19-sd-bar.txt"))
	c := readFramesFile(b, filepath.Join(dir, "vpdq-sample-hashes", "pattern-longer-no-bar.txt"))
	m := DefaultMatcher()
	for b.Loop() {
		m.Compare(a, c)
	}
	b.ReportMetric(float64(len(a)*len(c)), "pairs/op")
}
