package preview

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/vidb-project/vidb/internal/imaging"
)

// FuzzRender feeds arbitrary bytes, as seized files are, through the preview of an image:
// decode, EXIF orientation, reduction and encoding. It must never panic, and whatever it
// returns must be a PNG no larger than the options allow.
func FuzzRender(f *testing.F) {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var p, j bytes.Buffer
	png.Encode(&p, img)
	jpeg.Encode(&j, img, nil)
	// The same JPEG with an EXIF block turning it (orientation 6).
	tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	app1 := binary.BigEndian.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(payload)+2))
	oriented := append(append(append([]byte{}, j.Bytes()[:2]...), append(app1, payload...)...), j.Bytes()[2:]...)
	f.Add(p.Bytes(), 6)
	f.Add(j.Bytes(), 0)
	f.Add(oriented, 1)
	f.Add([]byte("GIF89a\x01\x00\x01\x00"), 3)
	f.Add([]byte{}, 0)
	lim := imaging.Limits{MaxPixels: 1 << 20, MaxBytes: 1 << 20}
	o := Options{MaxSide: 64, Blur: 0.04, Grey: true}
	f.Fuzz(func(t *testing.T, data []byte, fallback int) {
		out, err := render(data, lim, o, fallback)
		if err != nil {
			if !errors.Is(err, ErrNoPreview) {
				t.Fatalf("render failed with %v, which does not wrap ErrNoPreview", err)
			}
			return
		}
		got, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("render returned no PNG: %v", err)
		}
		if b := got.Bounds(); b.Dx() > 64 || b.Dy() > 64 {
			t.Fatalf("preview %v over 64 pixels", b.Size())
		}
		if got.ColorModel() != color.GrayModel {
			t.Fatalf("grey preview in %T", got.ColorModel())
		}
	})
}
