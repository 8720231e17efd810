package ingest

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// scene draws a benign test picture: a gradient, a few shapes and a line of text, all set by
// seed, so that different seeds give pictures far apart in PDQ.
func scene(w, h, seed int) *image.RGBA {
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
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13,
		Dot: fixed.P(w/10, h/2)}
	d.DrawString("vidb test picture")
	return img
}

// flat is a featureless picture: PDQ quality 0.
func flat(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{120, 130, 140, 255}), image.Point{}, draw.Src)
	return img
}

// mirror flips a picture left to right.
func mirror(src *image.RGBA) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			dst.Set(b.Max.X-1-(x-b.Min.X), y, src.At(x, y))
		}
	}
	return dst
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngBomb is a PNG whose header declares 100000x100000 pixels.
func pngBomb(t testing.TB) []byte {
	t.Helper()
	data := encodePNG(t, flat(8, 8))
	// IHDR data starts at byte 16: width, height (big endian), then the chunk's CRC at 29.
	be := func(b []byte, v uint32) { b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v) }
	be(data[16:], 100000)
	be(data[20:], 100000)
	crc := crc32IEEE(data[12:29])
	be(data[29:], crc)
	return data
}
