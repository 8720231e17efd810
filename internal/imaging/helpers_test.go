package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// sharedDir holds the benign test images shared by the project (see its README).
var sharedDir = filepath.Join("..", "..", "..", "shared", "testdata", "pdq")

// readShared reads a file under sharedDir. Outside CI a missing shared folder skips the test; in
// CI (CI=true) it fails it.
func readShared(tb testing.TB, rel string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(sharedDir, rel))
	if errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") != "true" {
		tb.Skipf("shared test data %s is absent (expected at %s)", rel, sharedDir)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// sharedImages lists the files under sharedDir/images, relative to sharedDir, sorted.
func sharedImages(tb testing.TB) []string {
	tb.Helper()
	root := filepath.Join(sharedDir, "images")
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(sharedDir, path)
			if err != nil {
				return err
			}
			out = append(out, rel)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") != "true" {
		tb.Skipf("shared test images are absent (expected at %s)", root)
	}
	if err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatalf("no files under %s", root)
	}
	slices.Sort(out)
	return out
}

// photo returns a deterministic, photo-like picture: smooth gradients, soft waves, a few hard
// edges and sensor-like noise.
func photo(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			base := 90 + 80*fy + 40*math.Sin(fx*9+fy*4) + 25*math.Cos(math.Hypot(fx-0.6, fy-0.4)*30)
			if (x/(w/7+1)+y/(h/5+1))%3 == 0 {
				base += 45 // blocky objects with hard edges
			}
			n := rng.Float64()*12 - 6
			clamp := func(v float64) uint8 { return uint8(min(max(v, 0), 255)) }
			i := img.PixOffset(x, y)
			img.Pix[i+0] = clamp(base + 30*fx + n)
			img.Pix[i+1] = clamp(base*0.9 + 20*math.Sin(fy*13) + n)
			img.Pix[i+2] = clamp(base*0.7 + 60*(1-fx) + n)
			img.Pix[i+3] = 0xff
		}
	}
	return img
}

// encodeAs encodes img in format f with the standard library or x/image encoders.
func encodeAs(tb testing.TB, f Format, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	var err error
	switch f {
	case JPEG:
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	case PNG:
		err = png.Encode(&buf, img)
	case GIF:
		err = gif.Encode(&buf, img, nil)
	case BMP:
		err = bmp.Encode(&buf, img)
	case TIFF:
		err = tiff.Encode(&buf, img, nil)
	case WebP:
		return webpLossless(tb, img, false)
	default:
		tb.Fatalf("no encoder for %q", f)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// twoTone returns a w x h NRGBA picture whose every channel takes at most two values (what
// webpLossless can encode): a checkerboard of squares of the given side, translucent on one
// colour.
func twoTone(w, h, square int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{200, 40, 90, 0xff}
			if (x/square+y/square)%2 == 1 {
				c = color.NRGBA{20, 180, 250, 0x80}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// bitWriter writes the least-significant-bit-first bit stream of VP8L.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint
}

func (w *bitWriter) write(v uint64, n uint) {
	w.acc |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.n > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.n = 0, 0
	}
	return w.buf
}

// vp8lStream encodes the pixels of img as a VP8L image stream (no header), using the "simple"
// Huffman codes of the format: each of green, red, blue and alpha takes at most two values over
// the whole image, coded in one bit (or zero bits for a single value). It is a test generator, not
// a general encoder.
func vp8lStream(tb testing.TB, w *bitWriter, img image.Image) {
	tb.Helper()
	b := img.Bounds()
	var vals [4][]uint8 // green, red, blue, alpha, as VP8L orders them
	channel := func(c color.NRGBA) [4]uint8 { return [4]uint8{c.G, c.R, c.B, c.A} }
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			for i, v := range channel(color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)) {
				if !slices.Contains(vals[i], v) {
					vals[i] = append(vals[i], v)
				}
			}
		}
	}
	w.write(0, 1) // no colour cache
	w.write(0, 1) // no meta Huffman image
	for i := range vals {
		slices.Sort(vals[i])
		switch len(vals[i]) {
		case 1:
			w.write(1, 1) // simple code
			w.write(0, 1) // one symbol
			w.write(1, 1) // 8-bit symbol
			w.write(uint64(vals[i][0]), 8)
		case 2:
			w.write(1, 1)
			w.write(1, 1) // two symbols: the first gets code 0, the second code 1
			w.write(1, 1)
			w.write(uint64(vals[i][0]), 8)
			w.write(uint64(vals[i][1]), 8)
		default:
			tb.Fatalf("vp8lStream: channel %d has %d values, at most 2 supported", i, len(vals[i]))
		}
	}
	// The distance code: a single 1-bit symbol 0, never used.
	w.write(1, 1)
	w.write(0, 1)
	w.write(0, 1)
	w.write(0, 1)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			for i, v := range channel(color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)) {
				if len(vals[i]) == 2 {
					w.write(uint64(slices.Index(vals[i], v)), 1)
				}
			}
		}
	}
}

// webpLossless returns img as a lossless WebP file (a VP8L chunk), optionally behind a VP8X
// chunk. See vp8lStream for what it can encode.
func webpLossless(tb testing.TB, img image.Image, vp8x bool) []byte {
	tb.Helper()
	b := img.Bounds()
	var w bitWriter
	w.write(0x2f, 8)
	w.write(uint64(b.Dx()-1), 14)
	w.write(uint64(b.Dy()-1), 14)
	w.write(1, 1) // alpha is used
	w.write(0, 3) // version
	w.write(0, 1) // no transforms
	vp8lStream(tb, &w, img)
	var chunks []byte
	if vp8x {
		chunks = append(chunks, vp8xChunk(b.Dx(), b.Dy(), false)...)
	}
	chunks = append(chunks, riffChunk("VP8L", w.bytes())...)
	return riffWebP(chunks)
}

// webpWithAlpha wraps a lossy VP8 chunk (taken from a simple-format lossy WebP file) in a VP8X
// file with an ALPH chunk compressed as VP8L, whose alpha plane is alpha's green channel.
func webpWithAlpha(tb testing.TB, lossy []byte, alpha image.Image) []byte {
	tb.Helper()
	if string(lossy[12:16]) != "VP8 " {
		tb.Fatalf("webpWithAlpha: first chunk %q, want a VP8 chunk", lossy[12:16])
	}
	n := binary.LittleEndian.Uint32(lossy[16:20])
	vp8 := lossy[12 : 20+n+n%2]
	b := alpha.Bounds()
	var w bitWriter
	w.write(0, 1) // no transforms
	vp8lStream(tb, &w, alpha)
	alph := append([]byte{1}, w.bytes()...) // no pre-processing, no filter, VP8L compression
	chunks := vp8xChunk(b.Dx(), b.Dy(), true)
	chunks = append(chunks, riffChunk("ALPH", alph)...)
	chunks = append(chunks, vp8...)
	return riffWebP(chunks)
}

func vp8xChunk(w, h int, alpha bool) []byte {
	p := make([]byte, 10)
	if alpha {
		p[0] = 0x10
	}
	put24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(p[4:], w-1)
	put24(p[7:], h-1)
	return riffChunk("VP8X", p)
}

func riffChunk(id string, payload []byte) []byte {
	out := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))...)
	out = append(out, payload...)
	if len(payload)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

func riffWebP(chunks []byte) []byte {
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(4+len(chunks)))
	out = append(out, "WEBP"...)
	return append(out, chunks...)
}

// pngChunk returns a PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// pngHeaderOnly returns a PNG whose IHDR declares w x h 8-bit RGBA, followed by a few bytes of
// IDAT and IEND.
func pngHeaderOnly(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := []byte(magicPNG)
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, pngChunk("IEND", nil)...)
}

// jpegSegment returns a JPEG marker segment.
func jpegSegment(marker byte, payload []byte) []byte {
	out := []byte{0xff, marker}
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	return append(out, payload...)
}

// progressiveJPEG returns a valid greyscale progressive JPEG of w x h pixels and 1+acScans
// scans: a DC scan coding every block's DC difference as 0 in one bit, then AC refinement scans
// that each skip every block with end-of-band runs, a few bytes per scan whatever the size. It is
// the cheapest input per unit of decoder work that JPEG allows.
func progressiveJPEG(w, h, acScans int) []byte {
	out := []byte{0xff, 0xd8}
	dqt := append([]byte{0}, bytes.Repeat([]byte{1}, 64)...)
	out = append(out, jpegSegment(0xdb, dqt)...)
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0}
	out = append(out, jpegSegment(0xc2, sof)...)
	// DC table 0: one 1-bit code for category 0. AC table 0: one 1-bit code for EOBRUN of
	// 2^14 + 14 extra bits (symbol 0xe0).
	dhtDC := append([]byte{0x00, 1}, append(make([]byte, 15), 0x00)...)
	dhtAC := append([]byte{0x10, 1}, append(make([]byte, 15), 0xe0)...)
	out = append(out, jpegSegment(0xc4, dhtDC)...)
	out = append(out, jpegSegment(0xc4, dhtAC)...)
	blocks := ((w + 7) / 8) * ((h + 7) / 8)

	// DC first scan: Ss=0, Se=0, Ah=0, Al=1; one 0 bit per block, padded with 1 bits.
	out = append(out, jpegSegment(0xda, []byte{1, 1, 0x00, 0, 0, 0x01})...)
	out = append(out, make([]byte, (blocks+7)/8)...)

	// EOBRUN symbols of 2^14 to 32767 blocks: code bit 0, then 14 extra bits. The last run may
	// reach past the last block; the decoder stops there.
	var w2 bitWriterMSB
	for left := blocks; left > 0; {
		run := min(max(left, 1<<14), 32767)
		w2.write(0, 1)
		w2.write(uint32(run-1<<14), 14)
		left -= run
	}
	ac := w2.bytes()
	for range acScans {
		// AC refinement: Ss=1, Se=63, Ah=1, Al=0.
		out = append(out, jpegSegment(0xda, []byte{1, 1, 0x00, 1, 63, 0x10})...)
		out = append(out, ac...)
	}
	return append(out, 0xff, 0xd9)
}

// bitWriterMSB writes JPEG's most-significant-bit-first entropy-coded data, stuffing 0xff bytes.
type bitWriterMSB struct {
	buf []byte
	acc uint32
	n   uint
}

func (w *bitWriterMSB) write(v uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.acc = w.acc<<1 | (v>>uint(i))&1
		w.n++
		if w.n == 8 {
			w.buf = append(w.buf, byte(w.acc))
			if byte(w.acc) == 0xff {
				w.buf = append(w.buf, 0)
			}
			w.acc, w.n = 0, 0
		}
	}
}

func (w *bitWriterMSB) bytes() []byte {
	for w.n != 0 {
		w.write(1, 1)
	}
	return w.buf
}

// sentinel returns which of the package's errors err wraps, or "" for none.
func sentinel(err error) string {
	for _, s := range []error{ErrUnknownFormat, ErrTooManyPixels, ErrTooLarge, ErrCorrupt, ErrUnsupported} {
		if errors.Is(err, s) {
			return strings.TrimPrefix(s.Error(), "imaging: ")
		}
	}
	return ""
}

// tiledTIFF returns a valid 8-bit greyscale TIFF of w x h pixels cut into tile x tile tiles, all
// pointing at one shared block of black pixels, uncompressed (compression 1) or deflated (8). With
// small tiles it is the cheapest input per unit of TIFF decoder work.
func tiledTIFF(w, h, tile int, compression uint16) []byte {
	across, down := (w+tile-1)/tile, (h+tile-1)/tile
	n := across * down
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, tile*tile))
	zw.Close()
	strip := z.Bytes()
	if compression == 1 {
		strip = make([]byte, tile*tile)
	}
	le := binary.LittleEndian
	out := []byte("II*\x00")
	out = le.AppendUint32(out, 8)
	type entry struct {
		tag, typ   uint16
		count, val uint32
	}
	entries := []entry{
		{256, 4, 1, uint32(w)}, {257, 4, 1, uint32(h)}, {258, 3, 1, 8}, {259, 3, 1, uint32(compression)},
		{262, 3, 1, 1}, {322, 4, 1, uint32(tile)}, {323, 4, 1, uint32(tile)},
		{324, 4, uint32(n), 0}, {325, 4, uint32(n), 0},
	}
	ifdLen := 2 + 12*len(entries) + 4
	dataOff := 8 + ifdLen
	offsArr := dataOff
	countsArr := offsArr + 4*n
	stripOff := countsArr + 4*n
	entries[7].val = uint32(offsArr)
	entries[8].val = uint32(countsArr)
	out = le.AppendUint16(out, uint16(len(entries)))
	for _, e := range entries {
		out = le.AppendUint16(out, e.tag)
		out = le.AppendUint16(out, e.typ)
		out = le.AppendUint32(out, e.count)
		if e.typ == 3 && e.count == 1 {
			out = le.AppendUint16(out, uint16(e.val))
			out = le.AppendUint16(out, 0)
		} else {
			out = le.AppendUint32(out, e.val)
		}
	}
	out = le.AppendUint32(out, 0)
	for range n {
		out = le.AppendUint32(out, uint32(stripOff))
	}
	for range n {
		out = le.AppendUint32(out, uint32(len(strip)))
	}
	return append(out, strip...)
}

// webpLossy returns a valid lossy WebP (a VP8 key frame) of w x h pixels whose partitions are all
// zero bytes. A VP8 boolean decoder reading zero bytes decodes every bool as 0 whatever its
// probability, which here means: no segments, no loop filter, one token partition, no probability
// updates, no skipping, DC prediction everywhere and every block ending at once. The picture is
// flat grey. It gives fuzzing a small lossy seed.
func webpLossy(w, h int) []byte {
	mbs := ((w + 15) / 16) * ((h + 15) / 16)
	first := make([]byte, 256+8*mbs)
	tokens := make([]byte, 64+64*mbs)
	size := len(first)
	frame := []byte{
		byte(1<<4 | (size&7)<<5), byte(size >> 3), byte(size >> 11), // key frame, shown
		0x9d, 0x01, 0x2a,
		byte(w), byte(w >> 8 & 0x3f), byte(h), byte(h >> 8 & 0x3f),
	}
	frame = append(frame, first...)
	frame = append(frame, tokens...)
	return riffWebP(riffChunk("VP8 ", frame))
}

// sample is a small generated image file.
type sample struct {
	name   string
	format Format
	data   []byte
	// wantType is the dynamic type Decode must return.
	wantType string
	// pixels, when set, is what the file holds exactly: every decoded pixel, read as
	// color.NRGBA, must equal it (so stored colour under alpha must survive).
	pixels image.Image
}

// samples returns small generated files of every format and of the main variants of each.
func samples(tb testing.TB) []sample {
	tb.Helper()
	translucent := image.NewNRGBA(image.Rect(0, 0, 23, 17))
	for y := range 17 {
		for x := range 23 {
			// Every alpha value, including 0 with a colour stored under it.
			translucent.SetNRGBA(x, y, color.NRGBA{uint8(10 * x), uint8(14 * y), 200, uint8(x * 11)})
		}
	}
	opaque := photo(31, 19)
	rgba := image.NewRGBA(opaque.Rect)
	copy(rgba.Pix, opaque.Pix) // opaque, so premultiplied equals non-premultiplied
	grey := image.NewGray(image.Rect(0, 0, 24, 16))
	grey16 := image.NewGray16(image.Rect(0, 0, 9, 7))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i * 7)
	}
	for i := range grey16.Pix {
		grey16.Pix[i] = uint8(i * 13)
	}
	pal := color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}, color.RGBA{30, 60, 250, 255}}
	paletted := image.NewPaletted(image.Rect(0, 0, 30, 20), pal)
	for i := range paletted.Pix {
		paletted.Pix[i] = uint8(i/3) % 4
	}
	opaqueBMP32 := image.NewNRGBA(translucent.Rect) // the 40-byte BMP header makes alpha opaque
	copy(opaqueBMP32.Pix, translucent.Pix)
	for i := 3; i < len(opaqueBMP32.Pix); i += 4 {
		opaqueBMP32.Pix[i] = 0xff
	}
	twoToneImg := twoTone(40, 24, 4)
	alphaOnly := image.NewNRGBA(image.Rect(0, 0, 40, 24))
	for i := range alphaOnly.Pix {
		alphaOnly.Pix[i] = uint8(255 * ((i / 4 / 5) % 2))
	}

	tiffWith := func(img image.Image, opt *tiff.Options) []byte {
		var buf bytes.Buffer
		if err := tiff.Encode(&buf, img, opt); err != nil {
			tb.Fatal(err)
		}
		return buf.Bytes()
	}
	deflate := &tiff.Options{Compression: tiff.Deflate, Predictor: true}
	anim := &gif.GIF{
		Image: []*image.Paletted{paletted, image.NewPaletted(paletted.Rect, pal)},
		Delay: []int{10, 10},
	}
	var animBuf bytes.Buffer
	if err := gif.EncodeAll(&animBuf, anim); err != nil {
		tb.Fatal(err)
	}
	lossy := webpLossy(40, 24)

	return []sample{
		{"jpeg-ycbcr", JPEG, encodeAs(tb, JPEG, opaque), "*image.YCbCr", nil},
		{"jpeg-grey", JPEG, encodeAs(tb, JPEG, grey), "*image.Gray", nil},
		{"jpeg-progressive", JPEG, progressiveJPEG(64, 48, 3), "*image.Gray", nil},
		{"png-nrgba", PNG, encodeAs(tb, PNG, translucent), "*image.NRGBA", translucent},
		{"png-rgb", PNG, encodeAs(tb, PNG, rgba), "*image.RGBA", rgba},
		{"png-grey16", PNG, encodeAs(tb, PNG, grey16), "*image.Gray16", grey16},
		{"png-paletted", PNG, encodeAs(tb, PNG, paletted), "*image.Paletted", paletted},
		{"gif", GIF, encodeAs(tb, GIF, paletted), "*image.Paletted", paletted},
		{"gif-animated", GIF, animBuf.Bytes(), "*image.Paletted", paletted},
		{"bmp-24", BMP, encodeAs(tb, BMP, rgba), "*image.RGBA", rgba},
		{"bmp-32", BMP, encodeAs(tb, BMP, translucent), "*image.NRGBA", opaqueBMP32},
		{"bmp-8", BMP, encodeAs(tb, BMP, paletted), "*image.Paletted", paletted},
		{"tiff-nrgba", TIFF, encodeAs(tb, TIFF, translucent), "*image.NRGBA", translucent},
		{"tiff-rgb-deflate-predictor", TIFF, tiffWith(rgba, deflate), "*image.RGBA", rgba},
		{"tiff-grey", TIFF, encodeAs(tb, TIFF, grey), "*image.Gray", grey},
		{"tiff-paletted", TIFF, encodeAs(tb, TIFF, paletted), "*image.Paletted", paletted},
		{"tiff-tiled-deflate", TIFF, tiledTIFF(40, 24, 16, 8), "*image.Gray", image.NewGray(image.Rect(0, 0, 40, 24))},
		{"webp-lossless", WebP, webpLossless(tb, twoToneImg, false), "*image.NRGBA", twoToneImg},
		{"webp-lossless-vp8x", WebP, webpLossless(tb, twoToneImg, true), "*image.NRGBA", twoToneImg},
		{"webp-lossy", WebP, lossy, "*image.YCbCr", nil},
		{"webp-lossy-alpha", WebP, webpWithAlpha(tb, lossy, alphaOnly), "*image.NYCbCrA", nil},
	}
}

// boolEncoder is the VP8 boolean entropy encoder of RFC 6386, section 7.3.
type boolEncoder struct {
	out      []byte
	rng      uint32
	bottom   uint32
	bitCount int
}

func newBoolEncoder() *boolEncoder { return &boolEncoder{rng: 255, bitCount: 24} }

func (e *boolEncoder) addOne() {
	i := len(e.out) - 1
	for i >= 0 && e.out[i] == 255 {
		e.out[i] = 0
		i--
	}
	if i >= 0 {
		e.out[i]++
	}
}

func (e *boolEncoder) write(prob uint32, bit bool) {
	split := 1 + ((e.rng-1)*prob)>>8
	if bit {
		e.bottom += split
		e.rng -= split
	} else {
		e.rng = split
	}
	for e.rng < 128 {
		e.rng <<= 1
		if e.bottom&(1<<31) != 0 {
			e.addOne()
		}
		e.bottom <<= 1
		e.bitCount--
		if e.bitCount == 0 {
			e.out = append(e.out, byte(e.bottom>>24))
			e.bottom &= 1<<24 - 1
			e.bitCount = 8
		}
	}
}

func (e *boolEncoder) writeUint(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		e.write(128, v>>uint(i)&1 == 1)
	}
}

func (e *boolEncoder) flush() []byte {
	c := e.bitCount
	v := e.bottom
	if v&(1<<(32-c)) != 0 {
		e.addOne()
	}
	v <<= c & 7
	c >>= 3
	for c--; c >= 0; c-- {
		v <<= 8
	}
	for range 4 {
		e.out = append(e.out, byte(v>>24))
		v <<= 8
	}
	return e.out
}

// webpPartitionBomb returns a small lossy WebP whose VP8 chunk and RIFF header claim about
// 134 MB, split into eight token partitions of almost 16 MiB each: golang.org/x/image/vp8
// allocates the claimed size before reading it.
func webpPartitionBomb() []byte {
	e := newBoolEncoder()
	e.writeUint(0, 2) // colour space, clamping
	e.writeUint(0, 1) // no segmentation
	e.writeUint(0, 1) // normal filter
	e.writeUint(0, 6) // filter level
	e.writeUint(0, 3) // sharpness
	e.writeUint(0, 1) // no filter deltas
	e.writeUint(3, 2) // eight token partitions
	first := e.flush()
	const part = 1<<24 - 1
	frame := []byte{
		byte(1<<4 | (len(first)&7)<<5), byte(len(first) >> 3), byte(len(first) >> 11),
		0x9d, 0x01, 0x2a, 16, 0, 16, 0,
	}
	frame = append(frame, first...)
	for range 7 {
		frame = append(frame, part&0xff, part>>8&0xff, part>>16)
	}
	claimed := len(frame) + 8*part - 16
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(4+8+claimed))
	out = append(out, "WEBPVP8 "...)
	out = binary.LittleEndian.AppendUint32(out, uint32(claimed))
	return append(out, frame...)
}
