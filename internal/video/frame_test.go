package video

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vidb-project/vidb/pdq"
)

// TestFramesRoundTrip reads every shared vPDQ hash file and writes it back byte for byte.
func TestFramesRoundTrip(t *testing.T) {
	t.Parallel()
	dir := vpdqDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "vpdq-sample-hashes", "*.txt"))
	more, _ := filepath.Glob(filepath.Join(dir, "expected", "vpdq_local_build_ffmpeg5.1", "*", "*.txt"))
	files = append(files, more...)
	if len(files) < 40 {
		t.Fatalf("found %d hash files, want the 31 upstream and 16 local ones", len(files))
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		frames, err := ReadFrames(bytes.NewReader(data), 0)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var out bytes.Buffer
		if err := WriteFrames(&out, frames); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Errorf("%s: written back differently", path)
		}
	}
}

func TestNewFrameTimestamp(t *testing.T) {
	t.Parallel()
	// 30000/1001 fps: frame 15 is 0.5005 s exactly in real numbers; the reference's float32
	// arithmetic decides the printed digit.
	fps := 30000.0 / 1001
	f := newFrame(15, fps, pdq.Result{Quality: 100})
	want := float32(15) / float32(fps)
	if f.Seconds != want {
		t.Errorf("Seconds = %v, want %v", f.Seconds, want)
	}
	if got := string(AppendText(nil, f)); !strings.HasSuffix(got, ",0.500") && !strings.HasSuffix(got, ",0.501") {
		t.Errorf("text %q", got)
	}
	if d := f.Timestamp - 500500*time.Microsecond; d < -time.Microsecond || d > time.Microsecond {
		t.Errorf("Timestamp = %v", f.Timestamp)
	}
	// A frame rate that would overflow a Duration saturates.
	if f := newFrame(1<<30, 1e-9, pdq.Result{}); f.Timestamp <= 0 {
		t.Errorf("Timestamp overflowed: %v", f.Timestamp)
	}
}

func TestReadFramesErrors(t *testing.T) {
	t.Parallel()
	hash := strings.Repeat("ab", 32)
	good := "0,100," + hash + ",0.000\n"
	for _, tc := range []struct {
		name, in string
		max      int
		err      error
	}{
		{"fields", "0,100," + hash + "\n", 0, ErrBadHashFile},
		{"extra field", good[:len(good)-1] + ",1\n", 0, ErrBadHashFile},
		{"negative frame", "-1,100," + hash + ",0.000\n", 0, ErrBadHashFile},
		{"quality over 100", "0,101," + hash + ",0.000\n", 0, ErrBadHashFile},
		{"short hash", "0,100,abc,0.000\n", 0, ErrBadHashFile},
		{"nan", "0,100," + hash + ",NaN\n", 0, ErrBadHashFile},
		{"negative time", "0,100," + hash + ",-1\n", 0, ErrBadHashFile},
		{"long line", good[:len(good)-1] + strings.Repeat(" ", 300) + "\n", 0, ErrBadHashFile},
		{"too many", good + good + good, 2, ErrTooLarge},
	} {
		if _, err := ReadFrames(strings.NewReader(tc.in), tc.max); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
	frames, err := ReadFrames(strings.NewReader("\r\n"+good+"\n"+strings.TrimSuffix(good, "\n")+"\r\n"), 2)
	if err != nil || len(frames) != 2 {
		t.Errorf("blank lines and CRLF: %d frames, %v", len(frames), err)
	}
}

func FuzzReadFrames(f *testing.F) {
	f.Add([]byte("0,100,e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c,0.000\n"))
	f.Add([]byte("30,68,c8feb0fc73910f830fc6307cf039e7030fc61b9cf8717cf00fce00070003fffe,1.000\r\n\n"))
	f.Add([]byte("1,2,3,4"))
	f.Fuzz(func(t *testing.T, data []byte) {
		frames, err := ReadFrames(bytes.NewReader(data), 100)
		if err != nil {
			return
		}
		if len(frames) > 100 || len(frames) > len(data)/70+1 {
			t.Fatalf("%d frames from %d bytes", len(frames), len(data))
		}
		// What was read writes back to text that reads the same.
		var out bytes.Buffer
		if err := WriteFrames(&out, frames); err != nil {
			t.Fatal(err)
		}
		again, err := ReadFrames(&out, 100)
		if err != nil {
			t.Fatalf("re-reading %q: %v", out.Bytes(), err)
		}
		for i := range frames {
			a, b := frames[i], again[i]
			if a.Number != b.Number || a.Quality != b.Quality || a.Hash != b.Hash {
				t.Fatalf("frame %d: %+v became %+v", i, a, b)
			}
		}
	})
}

func FuzzParseProbe(f *testing.F) {
	f.Add([]byte(`{"streams":[{"codec_type":"video","codec_name":"h264","pix_fmt":"yuv420p","width":480,"height":720,` +
		`"r_frame_rate":"30/1","avg_frame_rate":"30/1","nb_frames":"564","duration":"18.800000"}],` +
		`"format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"18.816000"}}`))
	f.Add([]byte(`{"streams":[{"codec_type":"video","width":1,"height":1,"avg_frame_rate":"1/2147483647","side_data_list":[{"rotation":1e308}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := parseProbe(data)
		if err != nil {
			return
		}
		if info.Width <= 0 || info.Height <= 0 || !(info.FrameRate > 0) || info.Duration < 0 || info.Frames < 0 {
			t.Fatalf("accepted %+v", info)
		}
		if len(info.Format) > 64 || len(info.Codec) > 64 || len(info.PixelFormat) > 64 {
			t.Fatalf("long names in %+v", info)
		}
		// Whatever the file declares, frame selection and timestamps stay defined.
		if m := FrameMod(1, info.FrameRate); m < 1 || m > maxFrameMod {
			t.Fatalf("FrameMod %d", m)
		}
		if f := newFrame(1<<20, info.FrameRate, pdq.Result{}); f.Timestamp < 0 {
			t.Fatalf("timestamp %v", f.Timestamp)
		}
	})
}
