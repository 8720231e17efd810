package ingest

import (
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/vidb-project/vidb/internal/testpic"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// scene draws testpic.Scene with a line of text on it.
func scene(w, h, seed int) *image.RGBA {
	img := testpic.Scene(w, h, seed)
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

// pngBomb is a PNG whose header declares 100000x100000 pixels.
func pngBomb(t testing.TB) []byte {
	t.Helper()
	data := testpic.PNG(t, flat(8, 8))
	// IHDR data starts at byte 16: width, height (big endian), then the chunk's CRC at 29.
	be := func(b []byte, v uint32) { b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v) }
	be(data[16:], 100000)
	be(data[20:], 100000)
	crc := crc32IEEE(data[12:29])
	be(data[29:], crc)
	return data
}
