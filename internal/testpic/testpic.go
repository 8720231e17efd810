// Package testpic draws the benign pictures vidb's tests upload, hash and match, and encodes
// them. The pictures are generated: gradients and rectangles set by a seed, so that different
// seeds give pictures far apart in PDQ, each with a PDQ quality well above the matching minimum.
//
// It is test support: only _test files and other test-support packages import it.
package testpic

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"testing"
)

// Scene draws the w x h picture of seed.
func Scene(w, h, seed int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{
				R: uint8((x*255/w + seed*37) % 256),
				G: uint8((y*255/h + seed*91) % 256),
				B: uint8(((x+y)*255/(w+h) + seed*53) % 256),
				A: 255,
			})
		}
	}
	rng := uint32(seed*2654435761 + 12345)
	next := func(n int) int {
		rng ^= rng << 13
		rng ^= rng >> 17
		rng ^= rng << 5
		return int(rng % uint32(n))
	}
	for range 6 {
		x0, y0 := next(w), next(h)
		r := image.Rect(x0, y0, x0+w/6+next(w/3), y0+h/6+next(h/3))
		c := color.RGBA{uint8(next(256)), uint8(next(256)), uint8(next(256)), 255}
		draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
	}
	return img
}

// JPEG encodes img as a JPEG of the given quality.
func JPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// PNG encodes img as a PNG.
func PNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
