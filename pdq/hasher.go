package pdq

import (
	"errors"
	"fmt"
	"image"
)

// ErrBadDimensions reports pixels that cannot be hashed: a width or height of zero or less, a
// stride or buffer too short for them, or an image beyond the size limits (a side over
// 1,048,576 pixels or more than 2^30 pixels in all).
var ErrBadDimensions = errors.New("pdq: bad image dimensions")

const (
	// minDim is the reference's MIN_HASHABLE_DIM: smaller images hash to zero with quality 0.
	minDim = 5
	// maxSide and maxPixels bound the scratch memory an image can claim (about a 32nd of its
	// pixel count in floats), including images whose Bounds are not backed by pixels.
	maxSide   = 1 << 20
	maxPixels = 1 << 30
)

// Result is the PDQ hash of an image.
type Result struct {
	// Hash is the 256-bit hash.
	Hash Hash
	// Quality runs from 0 (featureless) to 100; see MinQuality.
	Quality int
	// Flavour is the flavour that produced the hash.
	Flavour Flavour
}

// Hasher computes PDQ hashes. It keeps its scratch buffers between calls, so a warmed Hasher
// allocates nothing when hashing grey or RGB buffers. A Hasher is not safe for concurrent use:
// use one per goroutine. The zero value is a FullRes Hasher.
type Hasher struct {
	flavour Flavour
	blur    blur
	m       [64][64]float32 // the blurred, decimated image
	t       [16][64]float32 // DCT scratch
	c       [16][16]float32 // the 16x16 DCT

	// Pixel readers, kept here so that handing them out as interfaces allocates nothing.
	bytes  byteSource
	conv   convSource
	rgba   rgbaRows
	rgba64 rgba64Rows
	ycbcr  ycbcrRows
	pal    palettedRows
	cmyk   cmykRows
	gen    genericRows
	squash squashSource

	goOnly bool // tests: compute with the pure-Go kernels only
}

// NewHasher returns a Hasher for flavour f; the empty flavour means FullRes. With an unknown
// flavour every hashing method returns an error wrapping ErrBadFlavour (use ParseFlavour to
// validate user input first).
func NewHasher(f Flavour) *Hasher {
	return &Hasher{flavour: f}
}

// Flavour returns the flavour the Hasher produces.
func (h *Hasher) Flavour() Flavour {
	if h.flavour == "" {
		return FullRes
	}
	return h.flavour
}

// Gray hashes an 8-bit grey image: pix[y*stride+x] is the pixel at column x of row y. The grey
// path uses each byte value as the luma. It returns an error wrapping ErrBadDimensions when width
// or height is less than 1, stride is less than width, or pix is too short.
func (h *Hasher) Gray(pix []byte, width, height, stride int) (Result, error) {
	if err := h.setBytes(pix, width, height, stride, 1, true); err != nil {
		return Result{}, err
	}
	defer h.release()
	return h.hash(&h.bytes, width, height)
}

// GrayDihedral is Gray with the hashes of all 8 dihedral transforms.
func (h *Hasher) GrayDihedral(pix []byte, width, height, stride int) (DihedralResult, error) {
	if err := h.setBytes(pix, width, height, stride, 1, true); err != nil {
		return DihedralResult{}, err
	}
	defer h.release()
	return h.hashDihedral(&h.bytes, width, height)
}

// RGB hashes packed 8-bit RGB pixels (rgb24, what ffmpeg -pix_fmt rgb24 writes): the pixel at
// column x of row y is pix[y*stride+3*x:][:3]. It always takes the RGB luma path, as the
// reference does for 3-channel input, even if every pixel is grey; use Image for the decoder
// semantics. It returns an error wrapping ErrBadDimensions when width or height is less than 1,
// stride is less than 3*width, or pix is too short.
func (h *Hasher) RGB(pix []byte, width, height, stride int) (Result, error) {
	if err := h.setBytes(pix, width, height, stride, 3, false); err != nil {
		return Result{}, err
	}
	defer h.release()
	return h.hash(&h.bytes, width, height)
}

// RGBDihedral is RGB with the hashes of all 8 dihedral transforms.
func (h *Hasher) RGBDihedral(pix []byte, width, height, stride int) (DihedralResult, error) {
	if err := h.setBytes(pix, width, height, stride, 3, false); err != nil {
		return DihedralResult{}, err
	}
	defer h.release()
	return h.hashDihedral(&h.bytes, width, height)
}

// Image hashes a decoded image the way the reference hashes a file, given the same decoded
// pixels:
//
//   - each pixel's stored, non-premultiplied R, G, B is used and alpha is ignored (no
//     compositing). *image.RGBA and *image.RGBA64 are premultiplied: opaque pixels are their
//     stored colour, others are un-premultiplied as color.NRGBAModel does, which is the best
//     available approximation of the colour the file stored;
//   - the image takes the grey path (luma = value) when every pixel has R == G == B, whatever
//     its colour model, and the RGB luma path otherwise;
//   - palettes are expanded, YCbCr and CMYK are converted with the integer arithmetic of
//     image/color;
//   - 16-bit samples keep their high byte (v>>8), which is the 8-bit value for data scaled as
//     v*257. The C++ reference keeps the low byte, a quirk not worth copying: the two agree on
//     such data and genuine 16-bit content is rare;
//   - EXIF orientation is not applied; the caller passes the pixels as stored.
//
// *image.Gray, Gray16, NRGBA, NRGBA64, RGBA, RGBA64, YCbCr, NYCbCrA, Paletted and CMYK are read
// directly; any other image goes through At and color.NRGBAModel.
func (h *Hasher) Image(img image.Image) (Result, error) {
	src, w, ht, err := h.setImage(img)
	if err != nil {
		return Result{}, err
	}
	defer h.release()
	return h.hash(src, w, ht)
}

// ImageDihedral is Image with the hashes of all 8 dihedral transforms.
func (h *Hasher) ImageDihedral(img image.Image) (DihedralResult, error) {
	src, w, ht, err := h.setImage(img)
	if err != nil {
		return DihedralResult{}, err
	}
	defer h.release()
	return h.hashDihedral(src, w, ht)
}

// ImageAndDihedral returns what Image and ImageDihedral return, for the cost of one of them:
// the two share the blur, the DCT and the quality, and Image's hash is ImageDihedral's Orig,
// except for images of exactly 64x64 pixels, where the reference's plain path skips the blur
// and its dihedral path does not (so both are computed there).
func (h *Hasher) ImageAndDihedral(img image.Image) (Result, DihedralResult, error) {
	src, w, ht, err := h.setImage(img)
	if err != nil {
		return Result{}, DihedralResult{}, err
	}
	defer h.release()
	d, err := h.hashDihedral(src, w, ht)
	if err != nil {
		return Result{}, DihedralResult{}, err
	}
	if w == 64 && ht == 64 {
		r, err := h.hash(src, w, ht)
		return r, d, err
	}
	return Result{Hash: d.Hashes[Orig], Quality: d.Quality, Flavour: d.Flavour}, d, nil
}

// hash runs the pipeline and returns the hash of the original orientation.
func (h *Hasher) hash(src rowSource, width, height int) (Result, error) {
	ok, err := h.downsample(src, width, height, false)
	if err != nil {
		return Result{}, err
	}
	if !ok {
		return Result{Flavour: h.Flavour()}, nil
	}
	q := quality(&h.m)
	dct16(&h.m, &h.t, &h.c)
	return Result{Hash: hashFromDCT(&h.c), Quality: q, Flavour: h.Flavour()}, nil
}

// hashDihedral runs the pipeline and returns all 8 dihedral hashes.
func (h *Hasher) hashDihedral(src rowSource, width, height int) (DihedralResult, error) {
	ok, err := h.downsample(src, width, height, true)
	if err != nil {
		return DihedralResult{}, err
	}
	if !ok {
		return DihedralResult{Flavour: h.Flavour()}, nil
	}
	q := quality(&h.m)
	dct16(&h.m, &h.t, &h.c)
	return DihedralResult{Hashes: dihedralHashes(&h.c), Quality: q, Flavour: h.Flavour()}, nil
}

// downsample applies the flavour's pre-resize and fills h.m with the 64x64 blurred, decimated
// luma. It reports false, with no error, for images too small to hash.
func (h *Hasher) downsample(src rowSource, width, height int, dihedral bool) (bool, error) {
	switch h.Flavour() {
	case FullRes:
	case Squash512:
		if width > squashSize || height > squashSize {
			h.squash.setup(src, width, height)
			src, width, height = &h.squash, squashSize, squashSize
		}
	default:
		return false, fmt.Errorf("%w: %q", ErrBadFlavour, h.flavour)
	}
	// The reference checks the minimum size after the squash: a 3x1000 image is hashed by
	// Squash512 but not by FullRes.
	if width < minDim || height < minDim {
		return false, nil
	}
	// A 64x64 image skips blur and decimation in the reference's plain hash, but not in its
	// dihedral path (which blurs with window 1; that can round (a+b)-a differently from b).
	if !dihedral && width == 64 && height == 64 {
		for y := range 64 {
			src.lumaRow(h.m[y][:], y)
		}
		return true, nil
	}
	h.blur.goOnly = h.goOnly
	h.blur.run(src, height, width, &h.m)
	return true, nil
}

// release drops the references to the caller's pixels, so that an idle Hasher does not keep an
// image alive.
func (h *Hasher) release() {
	h.bytes = byteSource{}
	h.conv.rows = nil
	h.rgba = rgbaRows{}
	h.rgba64 = rgba64Rows{}
	h.ycbcr.y, h.ycbcr.cb, h.ycbcr.cr = nil, nil, nil
	h.pal.pix = nil
	h.cmyk = cmykRows{}
	h.gen = genericRows{}
	h.squash.src = nil
}

// checkSize validates the dimensions shared by all inputs.
func checkSize(width, height int) error {
	if width < 1 || height < 1 {
		return fmt.Errorf("%w: %dx%d", ErrBadDimensions, width, height)
	}
	if width > maxSide || height > maxSide || int64(width)*int64(height) > maxPixels {
		return fmt.Errorf("%w: %dx%d is beyond the size limit", ErrBadDimensions, width, height)
	}
	return nil
}

// checkPlane validates that a buffer of n bytes holds rows rows of rowBytes bytes each, stride
// bytes apart. rows and rowBytes are at least 1 and small enough not to overflow.
func checkPlane(n, rows, rowBytes, stride int) error {
	if stride < rowBytes {
		return fmt.Errorf("%w: stride %d is less than the %d bytes of a row", ErrBadDimensions, stride, rowBytes)
	}
	if n < rowBytes || rows > 1 && (n-rowBytes)/stride < rows-1 {
		return fmt.Errorf("%w: %d bytes cannot hold %d rows of %d bytes with stride %d",
			ErrBadDimensions, n, rows, rowBytes, stride)
	}
	return nil
}

// setBytes validates a grey (bpp 1) or packed RGB (bpp 3) buffer and points h.bytes at it.
func (h *Hasher) setBytes(pix []byte, width, height, stride, bpp int, grey bool) error {
	if err := checkSize(width, height); err != nil {
		return err
	}
	if err := checkPlane(len(pix), height, bpp*width, stride); err != nil {
		return err
	}
	h.bytes = byteSource{pix: pix, stride: stride, bpp: bpp, r: 0, g: 1 % bpp, b: 2 % bpp, grey: grey, goOnly: h.goOnly}
	return nil
}

// setImage validates img, chooses its pixel reader and decides between the grey and RGB paths.
func (h *Hasher) setImage(img image.Image) (rowSource, int, int, error) {
	if img == nil {
		return nil, 0, 0, fmt.Errorf("%w: nil image", ErrBadDimensions)
	}
	r := img.Bounds()
	if r.Max.X <= r.Min.X || r.Max.Y <= r.Min.Y {
		// Also catches rectangles whose Dx or Dy overflowed.
		return nil, 0, 0, fmt.Errorf("%w: bounds %v", ErrBadDimensions, r)
	}
	width, height := r.Dx(), r.Dy()
	if err := checkSize(width, height); err != nil {
		return nil, 0, 0, err
	}
	// packed sets up h.bytes for pixels of bpp bytes with channels at offsets ro, go, bo.
	packed := func(pix []byte, stride, bpp, ro, gOff, bo int, grey bool) (rowSource, int, int, error) {
		if err := checkPlane(len(pix), height, bpp*width, stride); err != nil {
			return nil, 0, 0, err
		}
		h.bytes = byteSource{pix: pix, stride: stride, bpp: bpp, r: ro, g: gOff, b: bo, grey: grey, goOnly: h.goOnly}
		if !grey {
			h.bytes.grey = h.bytes.allGrey(width, height)
		}
		return &h.bytes, width, height, nil
	}
	var rows rgbRower
	switch p := img.(type) {
	case *image.Gray:
		return packed(p.Pix, p.Stride, 1, 0, 0, 0, true)
	case *image.Gray16:
		return packed(p.Pix, p.Stride, 2, 0, 0, 0, true)
	case *image.NRGBA:
		return packed(p.Pix, p.Stride, 4, 0, 1, 2, false)
	case *image.NRGBA64:
		return packed(p.Pix, p.Stride, 8, 0, 2, 4, false)
	case *image.RGBA:
		if err := checkPlane(len(p.Pix), height, 4*width, p.Stride); err != nil {
			return nil, 0, 0, err
		}
		h.rgba = rgbaRows{pix: p.Pix, stride: p.Stride}
		rows = &h.rgba
	case *image.RGBA64:
		if err := checkPlane(len(p.Pix), height, 8*width, p.Stride); err != nil {
			return nil, 0, 0, err
		}
		h.rgba64 = rgba64Rows{pix: p.Pix, stride: p.Stride}
		rows = &h.rgba64
	case *image.YCbCr:
		if err := h.setYCbCr(p); err != nil {
			return nil, 0, 0, err
		}
		rows = &h.ycbcr
	case *image.NYCbCrA:
		// Alpha is ignored, so the stored colour is the YCbCr part.
		if err := h.setYCbCr(&p.YCbCr); err != nil {
			return nil, 0, 0, err
		}
		rows = &h.ycbcr
	case *image.Paletted:
		if err := checkPlane(len(p.Pix), height, width, p.Stride); err != nil {
			return nil, 0, 0, err
		}
		h.pal.pix, h.pal.stride = p.Pix, p.Stride
		h.pal.setPalette(p.Palette)
		rows = &h.pal
	case *image.CMYK:
		if err := checkPlane(len(p.Pix), height, 4*width, p.Stride); err != nil {
			return nil, 0, 0, err
		}
		h.cmyk = cmykRows{pix: p.Pix, stride: p.Stride}
		rows = &h.cmyk
	default:
		h.gen = genericRows{img: img, minX: r.Min.X, minY: r.Min.Y}
		rows = &h.gen
	}
	if cap(h.conv.buf) < 3*width {
		h.conv.buf = make([]byte, 3*width)
	}
	h.conv.buf = h.conv.buf[:3*width]
	h.conv.rows = rows
	h.conv.goOnly = h.goOnly
	h.conv.grey = h.conv.allGrey(height)
	return &h.conv, width, height, nil
}

// setYCbCr validates p and points h.ycbcr at it, with image.YCbCr.COffset's chroma indexing.
func (h *Hasher) setYCbCr(p *image.YCbCr) error {
	r := p.Rect
	width, height := r.Dx(), r.Dy()
	if err := checkPlane(len(p.Y), height, width, p.YStride); err != nil {
		return err
	}
	hsub, vsub := 1, 1
	switch p.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		hsub = 2
	case image.YCbCrSubsampleRatio420:
		hsub, vsub = 2, 2
	case image.YCbCrSubsampleRatio440:
		vsub = 2
	case image.YCbCrSubsampleRatio411:
		hsub = 4
	case image.YCbCrSubsampleRatio410:
		hsub, vsub = 4, 2
	}
	s := &h.ycbcr
	if cap(s.cx) < width {
		s.cx = make([]int, width)
	}
	s.cx = s.cx[:width]
	for x := range width {
		s.cx[x] = (r.Min.X+x)/hsub - r.Min.X/hsub
	}
	// Go's truncating division makes both offsets non-decreasing from 0, so the last row and
	// column bound every chroma index.
	cRows := (r.Max.Y-1)/vsub - r.Min.Y/vsub + 1
	cCols := s.cx[width-1] + 1
	if err := checkPlane(len(p.Cb), cRows, cCols, p.CStride); err != nil {
		return err
	}
	if err := checkPlane(len(p.Cr), cRows, cCols, p.CStride); err != nil {
		return err
	}
	s.y, s.cb, s.cr = p.Y, p.Cb, p.Cr
	s.yStride, s.cStride = p.YStride, p.CStride
	s.minY, s.vsub = r.Min.Y, vsub
	return nil
}
