package pdq

import (
	"image"
	"image/color"
)

// Luma coefficients: the float32 values nearest to 0.299, 0.587 and 0.114, as the reference's
// float constants.
const (
	lumaFromR float32 = 0.299
	lumaFromG float32 = 0.587
	lumaFromB float32 = 0.114
)

// lumaR, lumaG and lumaB hold the float32-rounded products coefficient*v for every byte v, so that
// the RGB luma fl(fl(fl(0.299*R) + fl(0.587*G)) + fl(0.114*B)) becomes two additions of table
// entries. Rounding each product before adding is exactly the reference's arithmetic, and with no
// multiplication left in the loop nothing can be fused. Computed once, only read afterwards.
var lumaR, lumaG, lumaB = newLumaTables()

func newLumaTables() (r, g, b [256]float32) {
	for v := range 256 {
		r[v] = float32(lumaFromR * float32(v))
		g[v] = float32(lumaFromG * float32(v))
		b[v] = float32(lumaFromB * float32(v))
	}
	return r, g, b
}

// rowSource yields the luma of an image one row at a time, so that the blur never needs the
// whole image as floats.
type rowSource interface {
	// lumaRow writes the luma of row y (0 at the top) into dst, whose length is the image width.
	lumaRow(dst []float32, y int)
}

// rgb24LumaGo is rgb24Luma in Go.
func rgb24LumaGo(dst []float32, src []byte) {
	src = src[:3*len(dst)]
	for x := range dst {
		p := src[3*x : 3*x+3 : 3*x+3]
		dst[x] = lumaR[p[0]] + lumaG[p[1]] + lumaB[p[2]]
	}
}

// rgb32LumaGo is rgb32Luma in Go.
func rgb32LumaGo(dst []float32, src []byte) {
	src = src[:4*len(dst)]
	for x := range dst {
		p := src[4*x : 4*x+3 : 4*x+3]
		dst[x] = lumaR[p[0]] + lumaG[p[1]] + lumaB[p[2]]
	}
}

// greyLumaGo is greyLuma in Go.
func greyLumaGo(dst []float32, src []byte) {
	src = src[:len(dst)]
	for x, v := range src {
		dst[x] = float32(v)
	}
}

// byteSource reads pixels whose R, G and B (or grey) values are bytes at fixed offsets in a
// packed pixel of bpp bytes: 8-bit grey and RGB buffers, NRGBA, and the high bytes of the
// big-endian 16-bit samples of Gray16 and NRGBA64.
type byteSource struct {
	pix         []byte
	stride, bpp int
	r, g, b     int  // byte offsets of the channels within a pixel
	grey        bool // grey path: the luma is the R byte as is
	goOnly      bool // use the pure-Go kernels (tests compare the two)
}

func (s *byteSource) lumaRow(dst []float32, y int) {
	row := s.pix[y*s.stride:]
	switch {
	case s.grey && s.bpp == 1 && s.goOnly:
		greyLumaGo(dst, row)
	case s.grey && s.bpp == 1:
		greyLuma(dst, row)
	case s.grey:
		for x := range dst {
			dst[x] = float32(row[x*s.bpp+s.r])
		}
	case s.bpp == 3 && s.r == 0 && s.g == 1 && s.b == 2 && s.goOnly:
		rgb24LumaGo(dst, row)
	case s.bpp == 3 && s.r == 0 && s.g == 1 && s.b == 2:
		rgb24Luma(dst, row)
	case s.bpp == 4 && s.r == 0 && s.g == 1 && s.b == 2 && s.goOnly:
		rgb32LumaGo(dst, row)
	case s.bpp == 4 && s.r == 0 && s.g == 1 && s.b == 2:
		rgb32Luma(dst, row)
	default:
		for x := range dst {
			p := row[x*s.bpp:]
			dst[x] = lumaR[p[s.r]] + lumaG[p[s.g]] + lumaB[p[s.b]]
		}
	}
}

// allGrey reports whether every one of the width x height pixels has R == G == B.
func (s *byteSource) allGrey(width, height int) bool {
	for y := range height {
		row := s.pix[y*s.stride:]
		for x := range width {
			p := row[x*s.bpp:]
			if p[s.r] != p[s.g] || p[s.g] != p[s.b] {
				return false
			}
		}
	}
	return true
}

// rgbRower converts one row of an image to packed RGB bytes (the stored, non-premultiplied
// colour). It is how pixel formats that need arithmetic reach the luma: once per row, never
// through an interface call per pixel.
type rgbRower interface {
	rgbRow(dst []byte, y int)
}

// convSource turns an rgbRower into a rowSource, through a one-row RGB buffer.
type convSource struct {
	rows   rgbRower
	buf    []byte
	grey   bool
	goOnly bool // use the pure-Go kernels (tests compare the two)
}

func (s *convSource) lumaRow(dst []float32, y int) {
	buf := s.buf[:3*len(dst)]
	s.rows.rgbRow(buf, y)
	if !s.grey {
		if s.goOnly {
			rgb24LumaGo(dst, buf)
		} else {
			rgb24Luma(dst, buf)
		}
		return
	}
	for x := range dst {
		dst[x] = float32(buf[3*x])
	}
}

// allGrey reports whether every pixel of the height rows has R == G == B, stopping at the first
// that does not (a colour photo is decided within its first few pixels).
func (s *convSource) allGrey(height int) bool {
	for y := range height {
		s.rows.rgbRow(s.buf, y)
		for p := s.buf; len(p) >= 3; p = p[3:] {
			if p[0] != p[1] || p[1] != p[2] {
				return false
			}
		}
	}
	return true
}

// rgbaRows reads *image.RGBA, which is alpha-premultiplied. Opaque pixels are their stored
// colour; others are un-premultiplied exactly as color.NRGBAModel does.
type rgbaRows struct {
	pix    []byte
	stride int
}

func (s *rgbaRows) rgbRow(dst []byte, y int) {
	n := len(dst) / 3
	row := s.pix[y*s.stride:][:4*n]
	for x := range n {
		p := row[4*x : 4*x+4 : 4*x+4]
		d := dst[3*x : 3*x+3 : 3*x+3]
		if a := p[3]; a == 0xff {
			d[0], d[1], d[2] = p[0], p[1], p[2]
		} else {
			a16 := uint32(a) * 0x101
			d[0] = unpremultiply(uint32(p[0])*0x101, a16)
			d[1] = unpremultiply(uint32(p[1])*0x101, a16)
			d[2] = unpremultiply(uint32(p[2])*0x101, a16)
		}
	}
}

// unpremultiply is color.NRGBAModel's conversion of one 16-bit premultiplied channel c with
// alpha a to an 8-bit non-premultiplied value.
func unpremultiply(c, a uint32) byte {
	switch a {
	case 0xffff:
		return byte(c >> 8)
	case 0:
		return 0
	}
	return byte(c * 0xffff / a >> 8)
}

// rgba64Rows reads *image.RGBA64 (alpha-premultiplied, big-endian 16-bit samples) through
// color.NRGBAModel's arithmetic, which keeps the high byte of each un-premultiplied sample.
type rgba64Rows struct {
	pix    []byte
	stride int
}

func (s *rgba64Rows) rgbRow(dst []byte, y int) {
	n := len(dst) / 3
	row := s.pix[y*s.stride:][:8*n]
	for x := range n {
		p := row[8*x : 8*x+8 : 8*x+8]
		a := uint32(p[6])<<8 | uint32(p[7])
		dst[3*x] = unpremultiply(uint32(p[0])<<8|uint32(p[1]), a)
		dst[3*x+1] = unpremultiply(uint32(p[2])<<8|uint32(p[3]), a)
		dst[3*x+2] = unpremultiply(uint32(p[4])<<8|uint32(p[5]), a)
	}
}

// ycbcrRows reads *image.YCbCr with the exact integer arithmetic of color.YCbCrToRGB, taking the
// chroma sample that image.YCbCr.COffset picks for each pixel (nearest, no interpolation, as
// image/jpeg's YCbCr result implies; libjpeg's fancy upsampling is one reason JPEG hashes differ
// from the reference's by a few bits).
type ycbcrRows struct {
	y, cb, cr        []byte
	yStride, cStride int
	cx               []int // chroma column offset of each column
	minY             int   // Rect.Min.Y
	vsub             int   // vertical chroma subsampling: 1 or 2
}

func (s *ycbcrRows) rgbRow(dst []byte, y int) {
	n := len(dst) / 3
	yRow := s.y[y*s.yStride:][:n]
	cy := ((s.minY+y)/s.vsub - s.minY/s.vsub) * s.cStride
	cbRow, crRow := s.cb[cy:], s.cr[cy:]
	cx := s.cx[:n]
	for x, yy := range yRow {
		// color.YCbCrToRGB, inlined by hand (the compiler does not) and checked against it bit
		// for bit by the tests: 16.16 fixed point, rounding adjustment 257*Y.
		c := cx[x]
		yy1 := int32(yy) * 0x10101
		cb1 := int32(cbRow[c]) - 128
		cr1 := int32(crRow[c]) - 128
		d := dst[3*x : 3*x+3 : 3*x+3]
		d[0] = clampFixed(yy1 + 91881*cr1)
		d[1] = clampFixed(yy1 - 22554*cb1 - 46802*cr1)
		d[2] = clampFixed(yy1 + 116130*cb1)
	}
}

// clampFixed converts a 16.16 fixed-point colour value to a byte, clamping to [0, 255]: the same
// value color.YCbCrToRGB's bit twiddling gives, written so that it compiles without branches.
func clampFixed(v int32) byte {
	return byte(min(max(v>>16, 0), 255))
}

// palettedRows reads *image.Paletted through a 256-entry table of palette colours converted by
// color.NRGBAModel once per image. Indices beyond the palette (which image.Paletted.At would
// panic on) read as black.
type palettedRows struct {
	pix    []byte
	stride int
	pal    [256][3]byte
}

func (s *palettedRows) setPalette(p color.Palette) {
	s.pal = [256][3]byte{}
	for i, c := range p[:min(len(p), 256)] {
		r, g, b := toNRGB(c)
		s.pal[i] = [3]byte{r, g, b}
	}
}

func (s *palettedRows) rgbRow(dst []byte, y int) {
	n := len(dst) / 3
	row := s.pix[y*s.stride:][:n]
	for x, i := range row {
		p := &s.pal[i]
		d := dst[3*x : 3*x+3 : 3*x+3]
		d[0], d[1], d[2] = p[0], p[1], p[2]
	}
}

// cmykRows reads *image.CMYK with color.CMYKToRGB.
type cmykRows struct {
	pix    []byte
	stride int
}

func (s *cmykRows) rgbRow(dst []byte, y int) {
	n := len(dst) / 3
	row := s.pix[y*s.stride:][:4*n]
	for x := range n {
		p := row[4*x : 4*x+4 : 4*x+4]
		r, g, b := color.CMYKToRGB(p[0], p[1], p[2], p[3])
		d := dst[3*x : 3*x+3 : 3*x+3]
		d[0], d[1], d[2] = r, g, b
	}
}

// genericRows reads any image.Image through At and color.NRGBAModel: correct for every type,
// but one interface call (and usually one allocation) per pixel.
type genericRows struct {
	img  image.Image
	minX int
	minY int
}

func (s *genericRows) rgbRow(dst []byte, y int) {
	for x := range len(dst) / 3 {
		r, g, b := toNRGB(s.img.At(s.minX+x, s.minY+y))
		dst[3*x], dst[3*x+1], dst[3*x+2] = r, g, b
	}
}

// toNRGB returns the R, G, B that color.NRGBAModel.Convert(c) would hold, without boxing the
// result in an interface. A nil colour (image.Paletted.At with an empty palette) reads as black.
func toNRGB(c color.Color) (r, g, b uint8) {
	switch c := c.(type) {
	case nil:
		return 0, 0, 0
	case color.NRGBA:
		return c.R, c.G, c.B
	}
	r32, g32, b32, a := c.RGBA()
	return unpremultiply(r32, a), unpremultiply(g32, a), unpremultiply(b32, a)
}

// squashSource is the Squash512 pre-resize: output pixel (x, y) copies source pixel
// (floor(x*cols/512), floor(y*rows/512)), the C++ tool's nearest-neighbour resize to 512x512.
// The reference computes the indices in float64, where every step is exact, so integer
// arithmetic gives the same indices.
type squashSource struct {
	src     rowSource
	xs, ys  [squashSize]int
	buf     []float32 // one full-width source row
	lastRow int       // source row held in buf, or -1
}

const squashSize = 512

func (s *squashSource) setup(src rowSource, cols, rows int) {
	s.src = src
	for i := range squashSize {
		s.xs[i] = i * cols / squashSize
		s.ys[i] = i * rows / squashSize
	}
	s.buf = grow(s.buf, cols)
	s.lastRow = -1
}

func (s *squashSource) lumaRow(dst []float32, y int) {
	if r := s.ys[y]; r != s.lastRow {
		s.src.lumaRow(s.buf, r)
		s.lastRow = r
	}
	for x := range dst {
		dst[x] = s.buf[s.xs[x]]
	}
}
