package video

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// raceFrames is how many frames of each video the every-frame check covers under the race
// detector.
const raceFrames = 40

// errEnough stops a HashStream early.
var errEnough = errors.New("enough frames")

// TestHashMatchesReference hashes every sample video, every frame and at one frame per second,
// and compares each frame (number, quality, hash and printed timestamp) with the C++ reference
// vpdq-hash-video built against the same FFmpeg (Debian 12's 5.1).
//
// Under the race detector, which makes PDQ about ten times slower, the every-frame half checks
// the first raceFrames frames of each video (the pipeline is the same; the frame count and the
// one-per-second half stay complete); scripts/test.sh also runs this package without it, so that
// CI checks every frame.
func TestHashMatchesReference(t *testing.T) {
	dir := vpdqDir(t)
	videos, err := filepath.Glob(filepath.Join(dir, "videos", "*.mp4"))
	if err != nil || len(videos) == 0 {
		t.Fatalf("no sample videos in %s: %v", dir, err)
	}
	for _, mode := range []struct {
		name string
		r    float64
	}{{"every-frame", EveryFrame}, {"every-1s", 1}} {
		h := newTestHasher(t, Config{SecondsPerHash: mode.r})
		for _, v := range videos {
			name := strings.TrimSuffix(filepath.Base(v), ".mp4")
			t.Run(mode.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				want := readFramesFile(t, filepath.Join(dir, "expected", "vpdq_local_build_ffmpeg5.1", mode.name, name+".txt"))
				var got []Frame
				if raceEnabled && mode.r == EveryFrame {
					info, err := h.HashStream(t.Context(), v, func(f Frame) error {
						if got = append(got, f); len(got) == raceFrames {
							return errEnough
						}
						return nil
					})
					if err != nil && err != errEnough {
						t.Fatal(err)
					}
					if info.Frames != int64(len(want)) {
						t.Errorf("container declares %d frames, want %d", info.Frames, len(want))
					}
					want = want[:min(len(want), raceFrames)]
				} else {
					var err error
					if _, got, err = h.Hash(t.Context(), v); err != nil {
						t.Fatal(err)
					}
				}
				if len(got) != len(want) {
					t.Errorf("%d frames, want %d", len(got), len(want))
				}
				bad := 0
				for i := range min(len(got), len(want)) {
					g, w := string(AppendText(nil, got[i])), string(AppendText(nil, want[i]))
					if g != w {
						bad++
						if bad <= 5 {
							t.Errorf("frame %d:\n got %s\nwant %s", i, g, w)
						}
					}
				}
				if bad > 0 {
					t.Errorf("%d of %d frames differ", bad, len(want))
				}
				t.Logf("%s", fmt.Sprintf("%d frames equal", len(want)-bad))
			})
		}
	}
}
