package exif

import (
	"bytes"
	"errors"
	"image/jpeg"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sharedImages is the folder of benign test images shared by the project (see its README).
var sharedImages = filepath.Join("..", "..", "..", "shared", "testdata", "pdq", "images")

// sharedFiles lists the files under sharedImages, relative to it, sorted. Outside CI a missing
// folder skips the test; in CI (CI=true) it fails it.
func sharedFiles(tb testing.TB) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(sharedImages, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(sharedImages, path)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") != "true" {
		tb.Skipf("shared test images are absent (expected at %s)", sharedImages)
	}
	if err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatalf("no files under %s", sharedImages)
	}
	slices.Sort(out)
	return out
}

// readSharedImage reads a file under sharedImages.
func readSharedImage(tb testing.TB, rel string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(sharedImages, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") != "true" {
		tb.Skipf("shared test image %s is absent (expected under %s)", rel, sharedImages)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// sharedWant is what the shared images with EXIF hold, as an independent dump of their IFDs
// shows; thumbnails are given by their length. Every other shared image has no EXIF.
//
// The bridge photos went through Picasa, which wrote "Google" as Software and "Picasa 3.0" as
// Artist; the dihedral copies then through Photoshop, which replaced Software, added DateTime
// (without offset) and a thumbnail, and kept PixelX/YDimension up to date with the rotation while
// leaving IFD0's ImageWidth/ImageLength at 1600x1004. Picasa's original has Orientation 0, an
// invalid value, read as absent. The PNG modes were converted by PIL, which copied the EXIF block.
var sharedWant = func() map[string]struct {
	info  Info
	thumb int
} {
	picasa := func(orientation, w, h int) Info {
		return Info{Software: "Google", Artist: "Picasa 3.0", Orientation: orientation, Width: w, Height: h}
	}
	photoshop := func(hh, mm, ss, w, h int) Info {
		i := picasa(1, w, h)
		i.Software = "Adobe Photoshop CC 2014 (Macintosh)"
		i.DateTime = wall(2016, 8, 17, hh, mm, ss, 0)
		return i
	}
	type want = struct {
		info  Info
		thumb int
	}
	m := map[string]want{
		"bridge-mods/aaa-orig.jpg":                     {picasa(0, 1600, 1004), 0},
		"bridge-mods/blur-a-little.jpg":                {picasa(1, 1600, 1004), 0},
		"bridge-mods/blur-a-lot.jpg":                   {picasa(1, 1600, 1004), 0},
		"bridge-mods/high-contrast.jpg":                {picasa(1, 1600, 1004), 0},
		"bridge-mods/high-saturation.jpg":              {picasa(1, 1600, 1004), 0},
		"bridge-mods/sharpen-a-little.jpg":             {picasa(1, 1600, 1004), 0},
		"bridge-mods/sharpen-a-lot.jpg":                {picasa(1, 1600, 1004), 0},
		"bridge-mods/shrink-a-little.jpg":              {picasa(1, 1152, 723), 0},
		"bridge-mods/shrink-a-lot.jpg":                 {picasa(1, 160, 100), 0},
		"bridge-mods/square-128x128.jpg":               {picasa(1, 128, 128), 0},
		"bridge-mods/square-256x256.jpg":               {picasa(1, 256, 256), 0},
		"bridge-mods/square-512x512.jpg":               {picasa(1, 512, 512), 0},
		"exif-derived/q1050-orientation-3.jpg":         {Info{Orientation: 3}, 0},
		"exif-derived/q1050-orientation-6.jpg":         {Info{Orientation: 6}, 0},
		"exif-derived/q1050-orientation-8.jpg":         {Info{Orientation: 8}, 0},
		"misc-images/modes/1.png":                      {picasa(0, 1600, 1004), 0},
		"misc-images/modes/L.png":                      {picasa(0, 1600, 1004), 0},
		"misc-images/modes/P.png":                      {picasa(0, 1600, 1004), 0},
		"reg-test-input/dih/bridge-1-original.jpg":     {picasa(0, 1600, 1004), 0},
		"reg-test-input/dih/bridge-2-rotate-90.jpg":    {photoshop(11, 11, 38, 1004, 1600), 6830},
		"reg-test-input/dih/bridge-3-rotate-180.jpg":   {photoshop(11, 11, 57, 1600, 1004), 7020},
		"reg-test-input/dih/bridge-4-rotate-270.jpg":   {photoshop(11, 12, 33, 1004, 1600), 7010},
		"reg-test-input/dih/bridge-5-flipx.jpg":        {photoshop(11, 13, 3, 1600, 1004), 7004},
		"reg-test-input/dih/bridge-6-flipy.jpg":        {photoshop(11, 13, 30, 1600, 1004), 6834},
		"reg-test-input/dih/bridge-7-flip-plus-1.jpg":  {photoshop(11, 15, 6, 1004, 1600), 6828},
		"reg-test-input/dih/bridge-8-flip-minus-1.jpg": {photoshop(11, 15, 41, 1004, 1600), 7023},
	}
	m["misc-images/wee.jpg"] = want{Info{
		Software:    "Adobe Photoshop CC 2014 (Macintosh)",
		DateTime:    wall(2017, 11, 6, 21, 37, 40, 0),
		Orientation: 1, Width: 34, Height: 42,
	}, 1071}
	return m
}()

// TestSharedImages reads every shared image: those with EXIF must give exactly sharedWant, with a
// thumbnail that decodes as a JPEG; the others ErrNoExif.
func TestSharedImages(t *testing.T) {
	t.Parallel()
	files := sharedFiles(t)
	seen := 0
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			got, err := Read(readSharedImage(t, rel))
			want, hasExif := sharedWant[rel]
			if !hasExif {
				if !errors.Is(err, ErrNoExif) {
					t.Errorf("err = %v, want ErrNoExif", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if len(got.Thumbnail) != want.thumb {
				t.Errorf("thumbnail of %d bytes, want %d", len(got.Thumbnail), want.thumb)
			}
			if want.thumb > 0 {
				if _, err := jpeg.DecodeConfig(bytes.NewReader(got.Thumbnail)); err != nil {
					t.Errorf("thumbnail does not decode: %v", err)
				}
			}
			got.Thumbnail = nil
			if d := cmp.Diff(want.info, got, cmpInfo); d != "" {
				t.Errorf("Info mismatch (-want +got):\n%s", d)
			}
		})
		if _, ok := sharedWant[rel]; ok {
			seen++
		}
	}
	if seen != len(sharedWant) {
		t.Errorf("found %d of the %d shared images with EXIF", seen, len(sharedWant))
	}
}
