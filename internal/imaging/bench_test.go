package imaging

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

// BenchmarkDecodeJPEG decodes a 2-megapixel photo-like JPEG (quality 90, 4:2:0) with Decode, and
// with image/jpeg alone for comparison: the difference is the cost of the checks.
func BenchmarkDecodeJPEG(b *testing.B) {
	data := encodeAs(b, JPEG, photo(1632, 1224))
	const mp = 1632 * 1224 / 1e6
	for _, bc := range []struct {
		name   string
		decode func() error
	}{
		{"imaging", func() error { _, _, err := Decode(data, DefaultLimits()); return err }},
		{"image-jpeg", func() error { _, err := jpeg.Decode(bytes.NewReader(data)); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.decode(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(mp*float64(b.N)/b.Elapsed().Seconds(), "MP/s")
		})
	}
}

// BenchmarkPreview makes the default preview of a 12-megapixel image (4000x3000), as a decoded
// JPEG (YCbCr 4:2:0) and as a decoded PNG (NRGBA).
func BenchmarkPreview(b *testing.B) {
	src := photo(4000, 3000)
	ycbcr, _, err := Decode(encodeAs(b, JPEG, src), DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		img  image.Image
	}{{"YCbCr", ycbcr}, {"NRGBA", src}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Preview(bc.img, DefaultPreviewOptions())
			}
			mp := float64(bc.img.Bounds().Dx()*bc.img.Bounds().Dy()) / 1e6
			b.ReportMetric(mp*float64(b.N)/b.Elapsed().Seconds(), "MP/s")
		})
	}
}
