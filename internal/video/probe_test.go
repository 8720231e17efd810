package video

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestProbe(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t, Config{})
	got, err := h.Probe(t.Context(), sample(t, "chair-19-sd-bar.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	want := Info{
		Format: "mov,mp4,m4a,3gp,3g2,mj2", Codec: "h264", PixelFormat: "yuv420p",
		Width: 480, Height: 720, FrameRate: 30, Duration: 18800 * time.Millisecond, Frames: 564,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Probe (-want +got):\n%s", diff)
	}
}

func TestParseProbe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, json string
		want       Info
		err        error
	}{
		{
			name: "avg_frame_rate first",
			json: `{"streams":[{"codec_type":"video","codec_name":"h264","pix_fmt":"yuv420p","width":320,"height":240,` +
				`"r_frame_rate":"25/1","avg_frame_rate":"625/69","nb_frames":"25","duration":"2.760000",` +
				`"side_data_list":[{"rotation":-90}]}],"format":{"format_name":"mov","duration":"3.0"}}`,
			want: Info{Format: "mov", Codec: "h264", PixelFormat: "yuv420p", Width: 320, Height: 240,
				FrameRate: 625.0 / 69, Duration: 2760 * time.Millisecond, Frames: 25, Rotation: -90},
		},
		{
			name: "r_frame_rate when the average is unknown, container duration",
			json: `{"streams":[{"codec_type":"video","width":64,"height":48,"r_frame_rate":"30000/1001",` +
				`"avg_frame_rate":"0/0","nb_frames":"N/A","duration":"N/A"}],"format":{"duration":"10.5"}}`,
			want: Info{Width: 64, Height: 48, FrameRate: 30000.0 / 1001, Duration: 10500 * time.Millisecond},
		},
		{
			name: "hostile names and numbers",
			json: `{"streams":[{"codec_type":"video","codec_name":"h\u0000264` + strings.Repeat("x", 100) + `","width":64,"height":48,` +
				`"avg_frame_rate":"30/1","nb_frames":"-5","duration":"1e300"}],"format":{"format_name":"a\nb"}}`,
			want: Info{Format: "a?b", Codec: "h?264" + strings.Repeat("x", 59), Width: 64, Height: 48, FrameRate: 30,
				Duration: math.MaxInt64},
		},
		{name: "no stream", json: `{"streams":[],"format":{}}`, err: ErrBadVideo},
		{name: "audio only", json: `{"streams":[{"codec_type":"audio"}]}`, err: ErrBadVideo},
		{name: "no size", json: `{"streams":[{"codec_type":"video","avg_frame_rate":"30/1"}]}`, err: ErrBadVideo},
		{name: "negative size", json: `{"streams":[{"codec_type":"video","width":-1,"height":5,"avg_frame_rate":"30/1"}]}`, err: ErrBadVideo},
		{name: "size overflow", json: `{"streams":[{"codec_type":"video","width":1e30,"height":5}]}`, err: ErrBadVideo},
		{name: "no frame rate", json: `{"streams":[{"codec_type":"video","width":2,"height":2,"avg_frame_rate":"0/0","r_frame_rate":"5/0"}]}`, err: ErrBadVideo},
		{name: "not json", json: `frames`, err: ErrBadVideo},
	} {
		got, err := parseProbe([]byte(tc.json))
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestFrameMod(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r, fps float64
		want   int
	}{
		{1, 30, 30},
		{1, 30000.0 / 1001, 29}, // the spec's example
		{1, 0.5, 1},             // truncates to 0, raised to 1
		{0, 30, 1},
		{EveryFrame, 30, 1},
		{0.5, 30, 15},
		{2.5, 24, 60},
		{math.NaN(), 30, 1},
		{1e300, 30, maxFrameMod},
	} {
		if got := FrameMod(tc.r, tc.fps); got != tc.want {
			t.Errorf("FrameMod(%v, %v) = %d, want %d", tc.r, tc.fps, got, tc.want)
		}
	}
}

// TestSelection hashes a sample video at several rates and checks that each run yields exactly
// the frames n with n % int(r*fps) == 0 of the every-frame reference.
func TestSelection(t *testing.T) {
	dir := vpdqDir(t)
	all := readFramesFile(t, filepath.Join(dir, "expected", "vpdq_local_build_ffmpeg5.1", "every-frame", "pattern-hd-no-bar.txt"))
	for _, r := range []float64{0.1, 0.5, 1.9, 3, 1000} {
		h := newTestHasher(t, Config{SecondsPerHash: r})
		_, got, err := h.Hash(t.Context(), sample(t, "pattern-hd-no-bar.mp4"))
		if err != nil {
			t.Fatal(err)
		}
		mod := FrameMod(r, 30)
		var want []Frame
		for _, f := range all {
			if f.Number%mod == 0 {
				want = append(want, f)
			}
		}
		if len(got) != len(want) {
			t.Errorf("r=%v: %d frames, want %d", r, len(got), len(want))
			continue
		}
		for i := range want {
			if g, w := string(AppendText(nil, got[i])), string(AppendText(nil, want[i])); g != w {
				t.Errorf("r=%v frame %d: got %s, want %s", r, i, g, w)
			}
		}
	}
}

// TestIgnoresTags checks what the reference ignores: display rotation and the colour tags of a
// stream (it converts with BT.601 and the pixel format's own range). Copies of one coded stream
// that differ only in those tags must hash the same; the scale filter would otherwise follow them.
func TestIgnoresTags(t *testing.T) {
	h := newTestHasher(t, Config{SecondsPerHash: 0.2})
	src := makeVideo(t, "src.mp4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p")
	src10 := makeVideo(t, "src10.mp4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p10le")
	for _, tc := range []struct {
		name, src string
		args      []string
		rotation  int
	}{
		{"rotated", src, []string{"-metadata:s:v:0", "rotate=90"}, 90},
		{"bt709", src, []string{"-bsf:v", "h264_metadata=colour_primaries=1:transfer_characteristics=1:matrix_coefficients=1"}, 0},
		{"10-bit full range", src10, []string{"-bsf:v", "h264_metadata=video_full_range_flag=1"}, 0},
		{"10-bit bt709", src10, []string{"-bsf:v", "h264_metadata=matrix_coefficients=1"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, want, err := h.Hash(t.Context(), tc.src)
			if err != nil {
				t.Fatal(err)
			}
			tagged := makeVideo(t, "tagged.mp4", append([]string{"-i", tc.src, "-c", "copy"}, tc.args...)...)
			info, got, err := h.Hash(t.Context(), tagged)
			if err != nil {
				t.Fatal(err)
			}
			if info.Rotation != tc.rotation {
				t.Errorf("rotation %d, want %d", info.Rotation, tc.rotation)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tagged copy hashes differently (-untagged +tagged):\n%s", diff)
			}
		})
	}
}

func TestFFmpegArgs(t *testing.T) {
	t.Parallel()
	s := runSpec{
		input: "file:/evidence/-x.mp4", protocols: fileProtocols, formats: "mov,mp4,m4a,3gp,3g2,mj2",
		info: Info{Width: 1280, Height: 720, PixelFormat: "yuvj420p"},
	}
	want := []string{
		"-nostdin", "-hide_banner", "-nostats", "-loglevel", "error",
		"-protocol_whitelist", "file", "-format_whitelist", "mov,mp4,m4a,3gp,3g2,mj2",
		"-noautorotate", "-reinit_filter", "0", "-max_pixels", "921600",
		"-i", "file:/evidence/-x.mp4",
		"-map", "0:v:0", "-an", "-sn", "-dn", "-fps_mode", "passthrough",
		"-vf", `select=not(mod(n\,30)),scale=w=1280:h=720:flags=area:in_color_matrix=bt601:in_range=pc,format=rgb24`,
		"-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
	}
	if diff := cmp.Diff(want, ffmpegArgs(s, 30, 1280*720)); diff != "" {
		t.Errorf("ffmpegArgs (-want +got):\n%s", diff)
	}
	if got := filterGraph(Info{Width: 2, Height: 4, PixelFormat: "yuv420p10le"}, 1); got != "scale=w=2:h=4:flags=area:in_color_matrix=bt601:in_range=tv,format=rgb24" {
		t.Errorf("filterGraph every frame = %q", got)
	}
}

func TestInputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		source string
		want   string
		err    bool
	}{
		{"http://127.0.0.1:8080/live.m3u8", "http://127.0.0.1:8080/live.m3u8", false},
		{"RTMP://host/app/key", "RTMP://host/app/key", false},
		{"file://" + dir, "", true}, // a folder
		{"concat://a|b", "", true},
		{"data://x", "", true},
	} {
		got, err := streamInput(tc.source)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("streamInput(%q) = %q, %v; want %q, error %v", tc.source, got, err, tc.want, tc.err)
		}
	}
	if !formatDenied("hls,applehttp") || !formatDenied("concat") || formatDenied("mov,mp4,m4a,3gp,3g2,mj2") || formatDenied("matroska,webm") {
		t.Error("formatDenied")
	}
}
