package watchtest

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// Picture draws a benign test picture: gradients and rectangles set by seed, so that different
// seeds give pictures far apart in PDQ, with a PDQ quality well above the matching minimum.
func Picture(w, h, seed int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{R: uint8((x*255/w + seed*37) % 256), G: uint8((y*255/h + seed*91) % 256),
				B: uint8(((x+y)*255/(w+h) + seed*53) % 256), A: 255})
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
		draw.Draw(img, r, image.NewUniform(color.RGBA{uint8(next(256)), uint8(next(256)), uint8(next(256)), 255}), image.Point{}, draw.Src)
	}
	return img
}

// WritePNG writes Picture(Width, Height, seed) as a PNG file in dir and returns its path and
// bytes.
func WritePNG(t testing.TB, dir string, seed int) (string, []byte) {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("picture-%d.png", seed))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, Picture(Width, Height, seed)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}
