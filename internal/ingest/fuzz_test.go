package ingest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/vidb-project/vidb/internal/imaging"
	"github.com/vidb-project/vidb/internal/testpic"
)

// FuzzAnalyse feeds arbitrary bytes through spooling and analysis (without ffmpeg): they must be
// refused with one of the package's errors or give a sound analysis, never panic, and leave no
// spool file behind.
func FuzzAnalyse(f *testing.F) {
	pic := scene(48, 32, 1)
	jpg := testpic.JPEG(f, pic, 80)
	for _, seed := range [][]byte{
		jpg, jpg[:len(jpg)/2], testpic.PNG(f, pic), testpic.PNG(f, flat(16, 16)), pngBomb(f),
		[]byte("GIF89a\x01\x00\x01\x00"), []byte("\x00\x00\x00\x20ftypisom"), []byte("plain text"), nil,
	} {
		f.Add(seed)
	}
	p := bare(f, Config{Limits: imaging.Limits{MaxPixels: 1 << 20, MaxBytes: 1 << 20}})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		sp, err := spool(context.Background(), dir, bytes.NewReader(data), 1<<20)
		if err != nil {
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("spool: %v", err)
			}
			return
		}
		a, err := p.analyse(context.Background(), sp)
		if err := sp.remove(); err != nil {
			t.Fatal(err)
		}
		if names := spoolFiles(t, dir); len(names) != 0 {
			t.Fatalf("spool files left: %v", names)
		}
		if err != nil {
			if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrUndecodable) {
				t.Fatalf("analyse: unclassified error %v", err)
			}
			return
		}
		switch a.kind {
		case "image":
			if a.width <= 0 || a.height <= 0 || a.pdq == nil || a.pdq.Quality < 0 || a.pdq.Quality > 100 ||
				(a.exif != nil && a.exif.Thumbnail != nil) {
				t.Fatalf("image analysis %+v", a)
			}
		case "video":
			if len(a.warnings) != 1 {
				t.Fatalf("video analysis without ffmpeg: %+v", a)
			}
		default:
			t.Fatalf("kind %q", a.kind)
		}
	})
}
