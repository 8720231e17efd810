package imaging

import (
	"image"
	"image/color"
	"math"
)

// PreviewOptions say how Preview reduces an image. Start from DefaultPreviewOptions: the zero
// value asks for an unblurred colour preview, which should be a deliberate choice.
type PreviewOptions struct {
	// MaxSide bounds the preview's width and height in pixels. Images that already fit keep
	// their size; larger ones are scaled down keeping their aspect ratio. Zero or negative means
	// the default, 256.
	MaxSide int
	// Blur is the blur strength: the radius of the box blur as a fraction of the preview's longer
	// side (0.04 on a 256-pixel preview is a radius of 10 pixels). Any positive value blurs by at
	// least one pixel; zero, negative or NaN means no blur.
	Blur float64
	// Grey asks for a greyscale preview (*image.Gray); otherwise it is colour (*image.NRGBA).
	Grey bool
}

// DefaultPreviewOptions returns the options for previews shown to analysts: at most 256 pixels on
// a side, strongly blurred (a radius of 4 % of the longer side, applied three times), greyscale.
func DefaultPreviewOptions() PreviewOptions {
	return PreviewOptions{MaxSide: 256, Blur: 0.04, Grey: true}
}

// blurPasses is the number of box-blur passes; three approximate a Gaussian closely.
const blurPasses = 3

// Preview returns a reduced copy of img for display: scaled down by area averaging so that
// neither side exceeds opt.MaxSide, blurred with a separable box blur (three passes), and in
// greyscale when opt.Grey is set. The result is an *image.Gray when opt.Grey is set and an
// *image.NRGBA otherwise, with bounds starting at (0, 0); an empty img gives an empty result.
//
// Averaging and blurring weigh colour by alpha. A grey preview shows translucent pixels over
// white, as a viewer would; a colour preview keeps the averaged alpha. Preview reads every pixel
// of img once, from the pixel buffers of the standard library's image types (a grey preview of
// an *image.YCbCr reads only its Y plane), so its cost is proportional to the area of img: pass
// images from Decode, not unbounded synthetic ones. EXIF orientation is not applied.
func Preview(img image.Image, opt PreviewOptions) image.Image {
	if opt.MaxSide <= 0 {
		opt.MaxSide = DefaultPreviewOptions().MaxSide
	}
	b := img.Bounds()
	w, h := previewSize(b.Dx(), b.Dy(), opt.MaxSide)
	if w == 0 {
		if opt.Grey {
			return image.NewGray(image.Rectangle{})
		}
		return image.NewNRGBA(image.Rectangle{})
	}
	radius := blurRadius(opt.Blur, max(w, h))
	if opt.Grey {
		if luma := lumaPlane(img, w, h); luma != nil {
			return greyPreview(luma, w, h, radius)
		}
	}
	planes := downscale(img, w, h)
	if opt.Grey {
		luma := make([]uint16, w*h)
		r, g, bl, a := planes[0], planes[1], planes[2], planes[3]
		for i := range luma {
			// Over white: premultiplied colour plus the white that shows through.
			under := 0xffff - uint32(a[i])
			rr, gg, bb := uint32(r[i])+under, uint32(g[i])+under, uint32(bl[i])+under
			// The luma weights of color.GrayModel.
			luma[i] = uint16((19595*rr + 38470*gg + 7471*bb + 1<<15) >> 16)
		}
		return greyPreview(luma, w, h, radius)
	}

	for _, p := range planes {
		blurPlane(p, w, h, radius)
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		a := uint32(planes[3][i])
		if a == 0 {
			continue // transparent black
		}
		px := out.Pix[4*i : 4*i+4 : 4*i+4]
		for c := range 3 {
			// As color.NRGBAModel converts.
			px[c] = uint8(min(0xffff, uint32(planes[c][i])*0xffff/a) >> 8)
		}
		px[3] = uint8(a >> 8)
	}
	return out
}

// greyPreview blurs a 16-bit luma plane and returns it as an 8-bit grey image.
func greyPreview(luma []uint16, w, h, radius int) *image.Gray {
	blurPlane(luma, w, h, radius)
	out := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range luma {
		out.Pix[i] = uint8(v >> 8)
	}
	return out
}

// lumaPlane is the fast path of grey previews for images that carry their luma in a plane of
// their own: *image.Gray, and *image.YCbCr (a decoded JPEG or lossy WebP), whose Y plane is the
// luma up to rounding. It averages that plane alone, which for a 12-megapixel JPEG is several
// times faster than converting every pixel to RGB. It returns nil for other types.
func lumaPlane(img image.Image, w, h int) []uint16 {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.Gray:
		return downscalePlane(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, b.Dx(), b.Dy(), w, h)
	case *image.YCbCr:
		return downscalePlane(m.Y[m.YOffset(b.Min.X, b.Min.Y):], m.YStride, b.Dx(), b.Dy(), w, h)
	}
	return nil
}

// downscalePlane averages an sw x sh plane of bytes (row y starting at pix[y*stride]) into w x h
// cells, as downscale does, and returns the averages scaled to 16 bits.
func downscalePlane(pix []uint8, stride, sw, sh, w, h int) []uint16 {
	out := make([]uint16, w*h)
	xs := make([]int, w+1)
	for i := range xs {
		xs[i] = int(int64(i) * int64(sw) / int64(w))
	}
	acc := make([]uint64, w)
	rowEnd := func(oy int) int { return int(int64(oy+1) * int64(sh) / int64(h)) }
	oy, start, end := 0, 0, rowEnd(0)
	for sy := range sh {
		row := pix[sy*stride : sy*stride+sw]
		for ox := range w {
			var sum uint64
			for _, v := range row[xs[ox]:xs[ox+1]] {
				sum += uint64(v)
			}
			acc[ox] += sum
		}
		if sy+1 < end {
			continue
		}
		rows := uint64(end - start)
		for ox := range w {
			n := rows * uint64(xs[ox+1]-xs[ox])
			out[oy*w+ox] = uint16((acc[ox]*0x101 + n/2) / n)
			acc[ox] = 0
		}
		oy++
		start, end = end, rowEnd(oy)
	}
	return out
}

// previewSize returns the size of the preview of a w x h image: unchanged if it fits in maxSide,
// otherwise scaled so that the longer side is maxSide, the shorter at least 1.
func previewSize(w, h, maxSide int) (int, int) {
	if w <= 0 || h <= 0 {
		return 0, 0
	}
	if w <= maxSide && h <= maxSide {
		return w, h
	}
	short := func(s, long int) int {
		v := int(math.Round(float64(s) * float64(maxSide) / float64(long)))
		return min(max(v, 1), maxSide)
	}
	if w >= h {
		return maxSide, short(h, w)
	}
	return short(w, h), maxSide
}

// blurRadius turns a blur strength into a box radius in pixels for a preview whose longer side
// is longSide: 0 for no blur, otherwise between 1 and longSide.
func blurRadius(strength float64, longSide int) int {
	if !(strength > 0) { // also catches NaN
		return 0
	}
	r := strength * float64(longSide)
	if r >= float64(longSide) {
		return longSide // beyond this every pass is a plain average anyway
	}
	return max(1, int(math.Round(r)))
}

// downscale averages img into w x h cells, each covering a whole number of source pixels, and
// returns four planes of 16-bit premultiplied R, G, B and A. w and h must not exceed the size of
// img.
func downscale(img image.Image, w, h int) [4][]uint16 {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	var planes [4][]uint16
	for c := range planes {
		planes[c] = make([]uint16, w*h)
	}
	// Cell ox covers source columns [xs[ox], xs[ox+1]); likewise for rows.
	xs := make([]int, w+1)
	for i := range xs {
		xs[i] = int(int64(i) * int64(sw) / int64(w))
	}
	rowEnd := func(oy int) int { return int(int64(oy+1) * int64(sh) / int64(h)) }

	read := rowReader(img)
	row := make([]uint16, 4*sw)
	acc := make([]uint64, 4*w)
	oy, start, end := 0, 0, rowEnd(0)
	for sy := range sh {
		read(b.Min.Y+sy, row)
		for ox := range w {
			var s0, s1, s2, s3 uint64
			seg := row[4*xs[ox] : 4*xs[ox+1]]
			for j := 0; j+3 < len(seg); j += 4 {
				px := seg[j : j+4 : j+4]
				s0 += uint64(px[0])
				s1 += uint64(px[1])
				s2 += uint64(px[2])
				s3 += uint64(px[3])
			}
			a := acc[4*ox : 4*ox+4 : 4*ox+4]
			a[0] += s0
			a[1] += s1
			a[2] += s2
			a[3] += s3
		}
		if sy+1 < end {
			continue
		}
		rows := uint64(end - start)
		for ox := range w {
			n := rows * uint64(xs[ox+1]-xs[ox])
			a := acc[4*ox : 4*ox+4 : 4*ox+4]
			for c := range 4 {
				planes[c][oy*w+ox] = uint16((a[c] + n/2) / n)
				a[c] = 0
			}
		}
		oy++
		start, end = end, rowEnd(oy)
	}
	return planes
}

// rowReader returns a function that fills dst (4 values a pixel) with row y of img as 16-bit
// premultiplied RGBA: what img.At(x, y).RGBA() returns. The common concrete types are read from
// their pixel buffers without calling At.
func rowReader(img image.Image) func(y int, dst []uint16) {
	b := img.Bounds()
	x0, x1 := b.Min.X, b.Max.X
	switch m := img.(type) {
	case *image.RGBA:
		return func(y int, dst []uint16) {
			i := m.PixOffset(x0, y)
			for j, v := range m.Pix[i : i+4*(x1-x0)] {
				dst[j] = uint16(v) * 0x101
			}
		}
	case *image.NRGBA:
		return func(y int, dst []uint16) {
			i := m.PixOffset(x0, y)
			src := m.Pix[i : i+4*(x1-x0)]
			for j := 0; j+3 < len(src); j += 4 {
				s := src[j : j+4 : j+4]
				if s[3] == 0xff { // opaque: no premultiplication, and no divisions
					store(dst[j:j+4], uint32(s[0])*0x101, uint32(s[1])*0x101, uint32(s[2])*0x101, 0xffff)
					continue
				}
				r, g, b, a := color.NRGBA{s[0], s[1], s[2], s[3]}.RGBA()
				store(dst[j:j+4], r, g, b, a)
			}
		}
	case *image.Gray:
		return func(y int, dst []uint16) {
			i := m.PixOffset(x0, y)
			for j, v := range m.Pix[i : i+x1-x0] {
				d := dst[4*j : 4*j+4 : 4*j+4]
				g := uint16(v) * 0x101
				d[0], d[1], d[2], d[3] = g, g, g, 0xffff
			}
		}
	case *image.YCbCr:
		return ycbcrRowReader(m, nil, 0, x0, x1)
	case *image.NYCbCrA:
		return ycbcrRowReader(&m.YCbCr, m.A, m.AStride, x0, x1)
	case *image.Paletted:
		var table [256][4]uint16
		for i, c := range m.Palette {
			if i < len(table) && c != nil {
				put(table[i][:], c)
			}
		}
		return func(y int, dst []uint16) {
			i := m.PixOffset(x0, y)
			for j, v := range m.Pix[i : i+x1-x0] {
				copy(dst[4*j:4*j+4], table[v][:])
			}
		}
	case *image.CMYK:
		return func(y int, dst []uint16) {
			i := m.PixOffset(x0, y)
			src := m.Pix[i : i+4*(x1-x0)]
			for j := 0; j+3 < len(src); j += 4 {
				s := src[j : j+4 : j+4]
				r, g, b, a := color.CMYK{s[0], s[1], s[2], s[3]}.RGBA()
				store(dst[j:j+4], r, g, b, a)
			}
		}
	}
	return func(y int, dst []uint16) {
		for x := x0; x < x1; x++ {
			j := 4 * (x - x0)
			put(dst[j:j+4], img.At(x, y))
		}
	}
}

// ycbcrRowReader reads rows of a YCbCr image, with an optional alpha plane (NYCbCrA).
func ycbcrRowReader(m *image.YCbCr, alpha []uint8, aStride, x0, x1 int) func(y int, dst []uint16) {
	var sx, sy uint // chroma subsampling shifts
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		sx = 1
	case image.YCbCrSubsampleRatio420:
		sx, sy = 1, 1
	case image.YCbCrSubsampleRatio440:
		sy = 1
	case image.YCbCrSubsampleRatio411:
		sx = 2
	case image.YCbCrSubsampleRatio410:
		sx, sy = 2, 1
	}
	r := m.Rect
	return func(y int, dst []uint16) {
		yi := m.YOffset(x0, y)
		ys := m.Y[yi : yi+x1-x0]
		crow := (y>>sy - r.Min.Y>>sy) * m.CStride
		var as []uint8
		if alpha != nil {
			ai := (y-r.Min.Y)*aStride + (x0 - r.Min.X)
			as = alpha[ai : ai+x1-x0]
		}
		for j, yy := range ys {
			ci := crow + (x0+j)>>sx - r.Min.X>>sx
			d := dst[4*j : 4*j+4 : 4*j+4]
			c := color.YCbCr{Y: yy, Cb: m.Cb[ci], Cr: m.Cr[ci]}
			if as != nil {
				r, g, b, a := color.NYCbCrA{YCbCr: c, A: as[j]}.RGBA()
				store(d, r, g, b, a)
			} else {
				r, g, b, a := c.RGBA()
				store(d, r, g, b, a)
			}
		}
	}
}

// put stores c.RGBA() in d[0:4].
func put(d []uint16, c color.Color) {
	r, g, b, a := c.RGBA()
	store(d, r, g, b, a)
}

// store stores 16-bit r, g, b, a in d[0:4]. The fast paths call it with a concrete colour type's
// RGBA method, which the compiler inlines; going through put's interface would allocate.
func store(d []uint16, r, g, b, a uint32) {
	d[0], d[1], d[2], d[3] = uint16(r), uint16(g), uint16(b), uint16(a)
}

// blurPlane blurs a w x h plane in place with blurPasses separable box blurs of the given radius,
// repeating edge pixels beyond the borders.
func blurPlane(p []uint16, w, h, radius int) {
	if radius <= 0 {
		return
	}
	tmp := make([]uint16, len(p))
	for range blurPasses {
		for y := range h {
			boxLine(tmp[y*w:], p[y*w:], w, 1, radius)
		}
		for x := range w {
			boxLine(p[x:], tmp[x:], h, w, radius)
		}
	}
}

// boxLine writes to dst the box average, of the given radius, of the n samples src[0],
// src[stride], ..., clamping positions to the line.
func boxLine(dst, src []uint16, n, stride, radius int) {
	at := func(i int) int { return int(src[min(max(i, 0), n-1)*stride]) }
	div := 2*radius + 1
	sum := 0
	for i := -radius; i <= radius; i++ {
		sum += at(i)
	}
	for i := range n {
		dst[i*stride] = uint16((sum + div/2) / div)
		sum += at(i+radius+1) - at(i-radius)
	}
}
