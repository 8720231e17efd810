package exif

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// TestTruncatedBlock cuts the camera block at every byte, in both byte orders. Every cut block
// must give ErrCorrupt (ErrNoExif when empty), never a panic, and only fields that the whole block
// has: a value whose bytes were cut is dropped, never read short (see checkPartial).
func TestTruncatedBlock(t *testing.T) {
	t.Parallel()
	for _, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			block := cameraDoc(t).block(o.bo)
			full, err := ReadTIFF(block)
			if err != nil {
				t.Fatal(err)
			}
			firstMake := -1 // the shortest prefix that has Make: every longer one must have it too
			for n := range len(block) {
				part, err := ReadTIFF(block[:n:n])
				switch {
				case n == 0 && !errors.Is(err, ErrNoExif):
					t.Errorf("cut at 0: err = %v, want ErrNoExif", err)
				case n > 0 && !errors.Is(err, ErrCorrupt):
					t.Errorf("cut at %d of %d: err = %v, want ErrCorrupt", n, len(block), err)
				}
				checkPartial(t, n, full, part)
				switch {
				case part.Make != "" && firstMake < 0:
					firstMake = n
				case part.Make == "" && firstMake >= 0:
					t.Errorf("cut at %d: Make lost, though a cut at %d kept it", n, firstMake)
				}
			}
			if firstMake < 0 || firstMake > len(block)/4 {
				t.Errorf("Make first read from a %d-byte prefix of %d: partial reads do not work", firstMake, len(block))
			}
		})
	}
}

// TestTruncatedContainers cuts the camera block's JPEG, PNG and WebP files at every byte: a cut
// inside the EXIF block gives ErrCorrupt with a partial Info, a cut after it the whole Info.
func TestTruncatedContainers(t *testing.T) {
	t.Parallel()
	for _, o := range orders {
		block := cameraDoc(t).block(o.bo)
		full, err := ReadTIFF(block)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			data []byte
		}{{"JPEG", jpegFile(block)}, {"PNG", pngFile(block)}, {"WebP", webpFile(block)}} {
			t.Run(o.name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				blockEnd := bytes.Index(c.data, block) + len(block)
				for n := range len(c.data) + 1 {
					part, err := Read(c.data[:n:n])
					if errors.Is(err, ErrNoExif) == errors.Is(err, ErrCorrupt) && err != nil {
						t.Fatalf("cut at %d: err = %v wraps neither or both sentinels", n, err)
					}
					if n >= blockEnd {
						if err != nil {
							t.Errorf("cut at %d, after the block: err = %v", n, err)
						}
						if part.Make != full.Make || part.GPS == nil || len(part.Thumbnail) != len(full.Thumbnail) {
							t.Errorf("cut at %d, after the block: partial Info", n)
						}
					} else if err == nil {
						t.Errorf("cut at %d, inside or before the block: no error", n)
					}
					checkPartial(t, n, full, part)
				}
			})
		}
	}
}

// checkPartial checks that each field of part, read from a cut copy of a block, is absent or
// what full, read from the whole block, has. The exceptions are a time whose sub-second or offset
// tag was cut (it keeps its wall clock, to the second, with OffsetKnown false) and GPS, whose
// optional parts may be missing.
func checkPartial(t *testing.T, n int, full, part Info) {
	t.Helper()
	fullText := textFields(full)
	for i, f := range textFields(part) {
		if f[0] != "MapDatum" && f[1] != "" && f[1] != fullText[i][1] {
			t.Errorf("cut at %d: %s = %q, want %q or empty", n, f[0], f[1], fullText[i][1])
		}
	}
	for _, f := range []struct {
		name          string
		full, partial *Time
	}{
		{"DateTimeOriginal", full.DateTimeOriginal, part.DateTimeOriginal},
		{"DateTimeDigitized", full.DateTimeDigitized, part.DateTimeDigitized},
		{"DateTime", full.DateTime, part.DateTime},
	} {
		if f.partial == nil {
			continue
		}
		// The wall clock to the second; the sub-second and offset tags may have been cut (they
		// live in the Exif IFD, also for IFD0's DateTime).
		wallFull := f.full.Time.Format(time.DateTime)
		wallPart := f.partial.Time.Format(time.DateTime)
		ns := f.partial.Time.Nanosecond()
		if wallPart != wallFull || (ns != 0 && ns != f.full.Time.Nanosecond()) ||
			(f.partial.OffsetKnown && !f.partial.Time.Equal(f.full.Time)) {
			t.Errorf("cut at %d: %s = %v, want %v", n, f.name, f.partial, f.full)
		}
	}
	if part.Orientation != 0 && part.Orientation != full.Orientation {
		t.Errorf("cut at %d: Orientation = %d, want %d or 0", n, part.Orientation, full.Orientation)
	}
	if (part.Width != 0 || part.Height != 0) && (part.Width != full.Width || part.Height != full.Height) {
		t.Errorf("cut at %d: size %dx%d, want %dx%d or none", n, part.Width, part.Height, full.Width, full.Height)
	}
	if part.Thumbnail != nil && !bytes.Equal(part.Thumbnail, full.Thumbnail) {
		t.Errorf("cut at %d: a thumbnail of %d bytes, want %d bytes or none", n, len(part.Thumbnail), len(full.Thumbnail))
	}
	if g := part.GPS; g != nil {
		f := full.GPS
		if g.Latitude != f.Latitude || g.Longitude != f.Longitude ||
			(g.Altitude != nil && *g.Altitude != *f.Altitude) ||
			(g.Time != nil && !g.Time.Equal(*f.Time)) ||
			(g.MapDatum != "" && g.MapDatum != f.MapDatum) {
			t.Errorf("cut at %d: GPS differs from the whole block's", n)
		}
	}
}
