package ingest

import (
	"errors"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/testpic"
	"github.com/vidb-project/vidb/internal/video"
)

// Pictures for slideshows: each is shown for 2 s at 5 fps, so that the hashed frames (one per
// second) fall two on each picture.
func slides(t *testing.T, seeds ...int) [][]byte {
	t.Helper()
	var out [][]byte
	for _, s := range seeds {
		out = append(out, testpic.PNG(t, scene(320, 240, s)))
	}
	return out
}

func TestVideo(t *testing.T) {
	t.Parallel()
	requireFFmpeg(t)
	e := newEnv(t, Config{Video: &video.Config{}})
	pics := slides(t, 301, 302, 303, 304, 305)

	// Image to video: the stored video's frame is reported, with its timestamp.
	v1 := e.mustUpload(t, "FR", fr, slideshow(t, "v1.mp4", 2, nil, pics[0], pics[1], pics[2]), acc(fr, catalog.VisibilityNetwork))
	if v1.Status != StatusNew || v1.Media.Kind != catalog.KindVideo || v1.Frames < 5 || v1.Media.Duration < 5*time.Second ||
		v1.Media.Width != 320 || v1.Media.MIME != "video/mp4" || len(v1.Warnings) != 0 {
		t.Fatalf("video upload: %s, %d frames, %+v, %q", v1.Status, v1.Frames, v1.Media, v1.Warnings)
	}
	im := e.mustUpload(t, "DE", de, pics[1], acc(de, catalog.VisibilityNetwork))
	if len(im.Matches) != 1 {
		t.Fatalf("image of the second slide: matches %+v, want the video", im.Matches)
	}
	f := im.Matches[0]
	if f.Kind != catalog.MatchNear || f.Media.ID != v1.Media.ID || f.Frame == nil ||
		f.Frame.Timestamp < 2*time.Second || f.Frame.Timestamp >= 4*time.Second {
		t.Errorf("image-to-video match %+v (frame %+v): want a frame between 2 s and 4 s", f, f.Frame)
	}

	// Video to image: the query video's frame is reported.
	lone := e.mustUpload(t, "DE", de, pics[4], acc(de, catalog.VisibilityNetwork))
	v2 := e.mustUpload(t, "NL", nl, slideshow(t, "v2.mp4", 2, nil, pics[3], pics[4]), acc(nl, catalog.VisibilityNetwork))
	var toImage *Found
	for i := range v2.Matches {
		if v2.Matches[i].Media.ID == lone.Media.ID {
			toImage = &v2.Matches[i]
		}
	}
	if toImage == nil || toImage.Kind != catalog.MatchNear || toImage.Frame == nil ||
		toImage.Frame.Timestamp < 2*time.Second || toImage.Frame.Timestamp >= 4*time.Second {
		t.Errorf("video-to-image: %+v, want the image at a query frame between 2 s and 4 s", v2.Matches)
	}

	// Video to video: a copy at another size and quality shares every frame; a clip of the
	// first slide alone is all found in the first video, but covers only a third of it.
	v3 := e.mustUpload(t, "DE", de, slideshow(t, "v3.mp4", 2, []string{"-vf", "scale=256:192", "-crf", "35"}, pics[0], pics[1], pics[2]), nil)
	vm := videoMatch(t, "re-encoded copy", v3.Matches, v1.Media.ID)
	if vm != nil && (vm.QueryPct < 80 || vm.TargetPct < 80 || len(vm.QueryRanges) == 0 || len(vm.TargetRanges) == 0) {
		t.Errorf("re-encoded copy: %+v", vm)
	}
	v4 := e.mustUpload(t, "DE", de, slideshow(t, "v4.mp4", 2, nil, pics[0]), nil)
	vm = videoMatch(t, "clip", v4.Matches, v1.Media.ID)
	if vm != nil && (vm.QueryPct != 100 || vm.TargetPct > 60 || vm.TargetPct <= 0 ||
		len(vm.TargetRanges) != 1 || vm.TargetRanges[0].From != 0 || vm.TargetRanges[0].To >= 2*time.Second) {
		t.Errorf("clip: %+v", vm)
	}
	// Matches recomputes the shares from the stored frames, from the stored video's side.
	got, err := e.p.Matches(t.Context(), e.users["FR"], v1.Media.ID)
	if err != nil {
		t.Fatal(err)
	}
	var clip *VideoMatch
	for _, f := range got {
		if f.Hit != nil {
			onlyHit(t, "DE's owner-only video", f, de)
		}
	}
	got, err = e.p.Matches(t.Context(), e.users["coordinator"], v1.Media.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got {
		if f.Media.ID == v4.Media.ID {
			clip = f.Video
		}
	}
	if clip == nil || clip.QueryPct > 60 || clip.TargetPct != 100 {
		t.Errorf("Matches(v1) of the clip: %+v, want the shares seen from v1", clip)
	}

	// A truncated video is refused, and nothing is stored.
	media, blobs, _ := e.counts(t)
	full := slideshow(t, "v5.mp4", 2, nil, pics[2], pics[3])
	if _, err := e.upload(t, "FR", fr, full[:len(full)/2], nil); !errors.Is(err, ErrUndecodable) {
		t.Errorf("truncated video: %v, want ErrUndecodable", err)
	}
	if m, b, s := e.counts(t); m != media || b != blobs || s != 0 {
		t.Errorf("after a truncated video: media %d→%d, blobs %d→%d, spool %d", media, m, blobs, b, s)
	}
}

func videoMatch(t *testing.T, what string, fs []Found, id catalog.MediaID) *VideoMatch {
	t.Helper()
	for _, f := range fs {
		if f.Media != nil && f.Media.ID == id {
			if f.Kind != catalog.MatchVideo || f.Video == nil {
				t.Errorf("%s: %+v, want a video match", what, f)
				return nil
			}
			return f.Video
		}
	}
	t.Errorf("%s: no match on video %d in %+v", what, id, fs)
	return nil
}

func TestVideoWithoutFFmpeg(t *testing.T) {
	t.Parallel()
	data := slideshow(t, "v.mp4", 1, nil, testpic.PNG(t, scene(64, 64, 1)))
	e := newEnv(t, Config{})
	r := e.mustUpload(t, "FR", fr, data, nil)
	if r.Status != StatusNew || r.Frames != 0 || r.Media.Kind != catalog.KindVideo || len(r.Warnings) != 1 || r.Warnings[0] != warnNoVideo {
		t.Errorf("video without ffmpeg: %+v", r)
	}
	again := e.mustUpload(t, "DE", de, data, nil)
	if again.Status != StatusHit {
		t.Errorf("same video by DE: %s, want hit (found by digest)", again.Status)
	}
}
