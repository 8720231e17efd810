package exif

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"
)

// cameraJPEG returns the header of a typical camera JPEG: APP0, an APP1 with the camera block
// (every field, GPS, a 160x120 thumbnail of a few KiB), then the image segments and a stub scan.
func cameraJPEG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, 160, 120), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = uint8(i * 31)
	}
	var thumb bytes.Buffer
	if err := jpeg.Encode(&thumb, img, &jpeg.Options{Quality: 75}); err != nil {
		tb.Fatal(err)
	}
	d := cameraDoc(tb)
	d.thumb = thumb.Bytes()
	return jpegFile(d.block(orders[0].bo))
}

// BenchmarkRead reads the EXIF of a typical camera JPEG, of a shared photo saved by Photoshop (a
// little-endian block with a 7 KiB thumbnail), and of a JPEG without EXIF (the walk to its SOS).
func BenchmarkRead(b *testing.B) {
	for _, bc := range []struct {
		name string
		data func(testing.TB) []byte
	}{
		{"camera-JPEG", cameraJPEG},
		{"shared-bridge-JPEG", func(tb testing.TB) []byte { return readSharedImage(tb, "reg-test-input/dih/bridge-2-rotate-90.jpg") }},
		{"no-EXIF-JPEG", func(tb testing.TB) []byte { return readSharedImage(tb, "reg-test-input/labelme-subset/q1050.jpg") }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			data := bc.data(b)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Read(data); err != nil && bc.name != "no-EXIF-JPEG" {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
		})
	}
}
