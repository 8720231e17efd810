package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
)

// precheck refuses, before the decoder allocates the image, a file whose encoded data cannot
// possibly hold the pixels its header declares, or that would cost far more work than its size
// justifies. Each check is sound: it refuses nothing the format's decoder would decode.
func precheck(data []byte, info Info) error {
	switch info.Format {
	case PNG:
		return precheckPNG(data, info)
	case BMP:
		return precheckBMP(data, info)
	case JPEG:
		return precheckJPEG(data, info)
	case TIFF:
		return precheckTIFF(data, info)
	case WebP:
		return precheckWebP(data)
	}
	return nil
}

// deflateMaxRatio is the largest expansion of DEFLATE: a 258-byte match coded in 2 bits.
const deflateMaxRatio = 1032

// precheckPNG compares the declared raw image size with what the IDAT chunks can inflate to. A
// tiny file declaring 10000x10000 16-bit RGBA would otherwise make image/png allocate 800 MB
// before it finds the data missing.
func precheckPNG(data []byte, info Info) error {
	const sigLen, ihdrEnd = 8, 8 + 8 + 13
	if len(data) < ihdrEnd {
		return nil // DecodeConfig read a full IHDR, so this cannot happen; let the decoder judge.
	}
	depth, colourType := uint64(data[24]), data[25]
	var channels uint64
	switch colourType {
	case 0, 3: // grey, palette
		channels = 1
	case 4: // grey and alpha
		channels = 2
	case 2: // RGB
		channels = 3
	case 6: // RGBA
		channels = 4
	default:
		return nil // the decoder has refused it already
	}
	var idat uint64
	for pos := uint64(sigLen); pos+8 <= uint64(len(data)); {
		n := uint64(binary.BigEndian.Uint32(data[pos:]))
		typ := string(data[pos+4 : pos+8])
		if typ == "IDAT" {
			idat += min(n, uint64(len(data))-pos-8)
		}
		if typ == "IEND" {
			break
		}
		pos += 12 + n
	}
	// Whatever the filters and interlacing, the inflated stream holds at least the packed pixels.
	raw := uint64(info.Width) * uint64(info.Height) * depth * channels / 8
	const slack = 1 << 16
	if raw > idat*deflateMaxRatio+slack {
		return fmt.Errorf("%w: png: %d bytes of IDAT cannot hold %dx%d pixels (%d bytes)",
			ErrCorrupt, idat, info.Width, info.Height, raw)
	}
	return nil
}

// precheckBMP checks that an uncompressed BMP (the only kind x/image/bmp decodes) holds all the
// pixel rows its header declares; the decoder allocates the image before reading them.
func precheckBMP(data []byte, info Info) error {
	const bppEnd = 30
	if len(data) < bppEnd {
		return nil
	}
	offset := uint64(binary.LittleEndian.Uint32(data[10:14]))
	bpp := uint64(binary.LittleEndian.Uint16(data[28:30]))
	w, h := uint64(info.Width), uint64(info.Height)
	var rowBytes uint64
	switch bpp {
	case 1, 2, 4, 8:
		perByte := 8 / bpp
		rowBytes = ((w+perByte-1)/perByte + 3) &^ 3
	case 24:
		rowBytes = (3*w + 3) &^ 3
	case 32:
		rowBytes = 4 * w
	default:
		return nil // unsupported; the decoder says so
	}
	if need := offset + rowBytes*h; uint64(len(data)) < need {
		return fmt.Errorf("%w: bmp: %d bytes, the %dx%d pixel rows need %d",
			ErrCorrupt, len(data), info.Width, info.Height, need)
	}
	return nil
}

// precheckJPEG bounds the number of scans before decoding. A scan can cost time proportional to
// the image area for a few bytes of input (a refinement scan that skips every block with
// end-of-band runs costs about 2 ns per pixel), so the bound shrinks as the area grows: at most
// maxJPEGScanPixels scan-pixels, but always at least minJPEGScans and at most maxJPEGScans scans.
func precheckJPEG(data []byte, info Info) error {
	pixels := int64(info.Width) * int64(info.Height)
	limit := min(maxJPEGScans, max(minJPEGScans, maxJPEGScanPixels/pixels))
	if n := jpegScans(data); int64(n) > limit {
		return fmt.Errorf("%w: jpeg: %d scans over %dx%d pixels, at most %d accepted",
			ErrUnsupported, n, info.Width, info.Height, limit)
	}
	return nil
}

// jpegScans counts the SOS segments that image/jpeg would process, walking the markers as it
// does: a segment's payload is skipped by its length, and between segments (including across a
// scan's entropy-coded data, where an FF byte is followed by 00 or a restart marker) everything up
// to the next FF xx marker is passed over. image/jpeg never reads across any other marker inside
// a scan, so it meets exactly these markers, and an FF DA inside a comment or EXIF segment is not
// counted. The walk stops early, with a lower count, only where the decoder fails anyway.
func jpegScans(data []byte) int {
	const (
		eoi, sos     = 0xd9, 0xda
		rst0, rst7   = 0xd0, 0xd7
		stuffed, ff  = 0x00, 0xff
		afterSOI     = 2
		lengthFields = 2
	)
	scans := 0
	for i := afterSOI; i < len(data); {
		k := bytes.IndexByte(data[i:], ff)
		if k < 0 {
			break
		}
		j := i + k + 1
		for j < len(data) && data[j] == ff { // fill bytes
			j++
		}
		if j >= len(data) {
			break
		}
		marker := data[j]
		i = j + 1
		switch {
		case marker == stuffed, rst0 <= marker && marker <= rst7:
			continue
		case marker == eoi:
			return scans
		}
		if i+lengthFields > len(data) {
			break
		}
		n := int(data[i])<<8 | int(data[i+1])
		if n < lengthFields {
			break
		}
		i += n
		if marker == sos {
			scans++
		}
	}
	return scans
}

// precheckWebP walks the chunks as golang.org/x/image/riff does, up to the image chunk.
//
// It checks that the first lossy (VP8) chunk holds as many bytes as its header claims:
// golang.org/x/image/vp8 allocates the claimed size of the token partitions (up to 128 MiB)
// before reading them, so a 55-byte file could cost 134 MB; and since it then reads them in full,
// a chunk shorter than claimed always fails. A lossless (VP8L) chunk ends the walk: that decoder
// reads what it needs bit by bit.
//
// It also names the animated WebP as unsupported: its frames sit inside ANMF chunks, which
// golang.org/x/image/webp does not read, so it would otherwise fail as corrupt.
func precheckWebP(data []byte) error {
	const (
		riffHeaderLen, chunkHeaderLen = 12, 8
		animationFlag                 = 0x02
	)
	animated := false
	for pos := uint64(riffHeaderLen); pos+chunkHeaderLen <= uint64(len(data)); {
		id := string(data[pos : pos+4])
		n := uint64(binary.LittleEndian.Uint32(data[pos+4:]))
		switch id {
		case "VP8X":
			if pos+chunkHeaderLen < uint64(len(data)) {
				animated = data[pos+chunkHeaderLen]&animationFlag != 0
			}
		case "VP8L":
			return nil
		case "VP8 ":
			if have := uint64(len(data)) - pos - chunkHeaderLen; n > have {
				return fmt.Errorf("%w: webp: VP8 chunk claims %d bytes, the file holds %d", ErrCorrupt, n, have)
			}
			return nil
		}
		pos += chunkHeaderLen + n + n&1
	}
	if animated {
		return fmt.Errorf("%w: webp: animated WebP", ErrUnsupported)
	}
	return nil
}

// precheckTIFF bounds the number of strips or tiles. The decoder pays a fixed cost for each (for
// a compressed one, a new decompressor: about 13 µs), and all of them may point at the same few
// bytes, so 8x8 deflated tiles would make a 12 MB file cost 20 s of work at 100 megapixels. The
// count is computed from the first IFD as golang.org/x/image/tiff computes it.
func precheckTIFF(data []byte, info Info) error {
	ifd, ok := tiffFirstIFD(data)
	if !ok {
		return nil // the decoder will fail on it
	}
	const (
		tagRowsPerStrip = 278
		tagTileWidth    = 322
		tagTileLength   = 323
	)
	w, h := uint64(info.Width), uint64(info.Height)
	across, down := uint64(1), uint64(1)
	if tw := ifd.first(tagTileWidth); tw != 0 {
		th := ifd.first(tagTileLength)
		if th == 0 {
			return nil // the decoder refuses tiles smaller than 8x8
		}
		across, down = (w+tw-1)/tw, (h+th-1)/th
	} else if rows := ifd.first(tagRowsPerStrip); rows > 0 && rows < h {
		down = (h + rows - 1) / rows
	}
	if n := across * down; n > maxTIFFBlocks {
		return fmt.Errorf("%w: tiff: %d strips or tiles, at most %d accepted",
			ErrUnsupported, n, maxTIFFBlocks)
	}
	return nil
}

// tiffIFD is the first image file directory of a TIFF file, enough of it to read single values.
type tiffIFD struct {
	data    []byte
	order   binary.ByteOrder
	entries []byte // 12 bytes each
}

func tiffFirstIFD(data []byte) (tiffIFD, bool) {
	if len(data) < 8 {
		return tiffIFD{}, false
	}
	var order binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		order = binary.BigEndian
	}
	off := uint64(order.Uint32(data[4:8]))
	if off+2 > uint64(len(data)) {
		return tiffIFD{}, false
	}
	n := uint64(order.Uint16(data[off:]))
	end := off + 2 + 12*n
	if end > uint64(len(data)) {
		return tiffIFD{}, false
	}
	return tiffIFD{data: data, order: order, entries: data[off+2 : end]}, true
}

// first returns the first value of a BYTE, SHORT or LONG entry, or 0 when the entry is absent,
// empty or unreadable, as golang.org/x/image/tiff reads it.
func (d tiffIFD) first(tag uint16) uint64 {
	const (
		typeByte  = 1
		typeShort = 3
		typeLong  = 4
	)
	for e := d.entries; len(e) >= 12; e = e[12:] {
		if d.order.Uint16(e[0:2]) != tag {
			continue
		}
		var size uint64
		switch d.order.Uint16(e[2:4]) {
		case typeByte:
			size = 1
		case typeShort:
			size = 2
		case typeLong:
			size = 4
		default:
			return 0
		}
		count := uint64(d.order.Uint32(e[4:8]))
		if count == 0 {
			return 0
		}
		val := e[8:12]
		if size*count > 4 {
			off := uint64(d.order.Uint32(e[8:12]))
			if off+size > uint64(len(d.data)) {
				return 0
			}
			val = d.data[off : off+size]
		}
		switch size {
		case 1:
			return uint64(val[0])
		case 2:
			return uint64(d.order.Uint16(val))
		default:
			return uint64(d.order.Uint32(val))
		}
	}
	return 0
}

// gifFrame moves the first frame of a GIF to the origin and gives its transparent palette entry
// back the colour the file stores there. image/gif replaces that colour with transparent black;
// the PDQ reference reads the stored colour and ignores alpha. The pixels are shared, not copied.
func gifFrame(data []byte, p *image.Paletted) *image.Paletted {
	out := *p
	out.Rect = image.Rect(0, 0, p.Rect.Dx(), p.Rect.Dy())
	if idx, rgb, ok := gifTransparent(data); ok && idx < len(out.Palette) {
		pal := append(color.Palette(nil), out.Palette...)
		pal[idx] = color.NRGBA{R: rgb[0], G: rgb[1], B: rgb[2], A: 0}
		out.Palette = pal
	}
	return &out
}

// gifTransparent walks a GIF's blocks the way image/gif does up to the first image descriptor, and
// returns the first frame's transparent index and the colour its colour table stores there.
func gifTransparent(data []byte) (idx int, rgb [3]byte, ok bool) {
	const (
		headerLen    = 13
		hasTable     = 0x80
		tableBits    = 0x07
		transparent  = 0x01
		extension    = 0x21
		descriptor   = 0x2c
		graphicCtl   = 0xf9
		plainText    = 0x01
		application  = 0xff
		descriptorSz = 9
	)
	if len(data) < headerLen {
		return 0, rgb, false
	}
	pos := headerLen
	var global []byte
	if fields := data[10]; fields&hasTable != 0 {
		n := 3 << (1 + fields&tableBits)
		if pos+n > len(data) {
			return 0, rgb, false
		}
		global, pos = data[pos:pos+n], pos+n
	}
	trans := -1
	skipSubBlocks := func() bool {
		for pos < len(data) {
			n := int(data[pos])
			pos += 1 + n
			if n == 0 {
				return true
			}
		}
		return false
	}
	for pos < len(data) {
		switch data[pos] {
		case extension:
			if pos+1 >= len(data) {
				return 0, rgb, false
			}
			label := data[pos+1]
			pos += 2
			switch label {
			case graphicCtl:
				// Block size 4, flags, delay (2 bytes), transparent index, terminator.
				if pos+6 > len(data) {
					return 0, rgb, false
				}
				if data[pos+1]&transparent != 0 {
					trans = int(data[pos+4])
				}
				pos += 6
				continue
			case plainText:
				pos += 13
			case application:
				if pos >= len(data) {
					return 0, rgb, false
				}
				pos += 1 + int(data[pos])
			}
			if !skipSubBlocks() {
				return 0, rgb, false
			}
		case descriptor:
			pos++
			if trans < 0 || pos+descriptorSz > len(data) {
				return 0, rgb, false
			}
			table := global
			if fields := data[pos+8]; fields&hasTable != 0 {
				n := 3 << (1 + fields&tableBits)
				start := pos + descriptorSz
				if start+n > len(data) {
					return 0, rgb, false
				}
				table = data[start : start+n]
			}
			if 3*trans+3 > len(table) {
				return 0, rgb, false // image/gif pads the palette with transparent black here
			}
			copy(rgb[:], table[3*trans:])
			return trans, rgb, true
		default:
			return 0, rgb, false
		}
	}
	return 0, rgb, false
}

var errShortBuffer = errors.New("pixel buffer shorter than the image bounds")

// checkBuffers checks that the pixel slices of img cover its bounds, and that a paletted image
// indexes only colours its palette has. Types it does not know are accepted as they are.
func checkBuffers(img image.Image) error {
	r := img.Bounds()
	if r.Empty() {
		return nil
	}
	w, h := r.Dx(), r.Dy()
	// covers reports whether a plane of the given stride and bytes per pixel covers w x h pixels.
	covers := func(n, stride, w, h, bpp int) bool {
		return stride >= w*bpp && n >= (h-1)*stride+w*bpp
	}
	ok := true
	switch m := img.(type) {
	case *image.Gray:
		ok = covers(len(m.Pix), m.Stride, w, h, 1)
	case *image.Gray16:
		ok = covers(len(m.Pix), m.Stride, w, h, 2)
	case *image.Alpha:
		ok = covers(len(m.Pix), m.Stride, w, h, 1)
	case *image.Alpha16:
		ok = covers(len(m.Pix), m.Stride, w, h, 2)
	case *image.RGBA:
		ok = covers(len(m.Pix), m.Stride, w, h, 4)
	case *image.NRGBA:
		ok = covers(len(m.Pix), m.Stride, w, h, 4)
	case *image.RGBA64:
		ok = covers(len(m.Pix), m.Stride, w, h, 8)
	case *image.NRGBA64:
		ok = covers(len(m.Pix), m.Stride, w, h, 8)
	case *image.CMYK:
		ok = covers(len(m.Pix), m.Stride, w, h, 4)
	case *image.Paletted:
		if !covers(len(m.Pix), m.Stride, w, h, 1) {
			return errShortBuffer
		}
		return checkPaletteIndexes(m)
	case *image.YCbCr:
		ok = ycbcrCovers(m)
	case *image.NYCbCrA:
		ok = ycbcrCovers(&m.YCbCr) && covers(len(m.A), m.AStride, w, h, 1)
	}
	if !ok {
		return errShortBuffer
	}
	return nil
}

func ycbcrCovers(m *image.YCbCr) bool {
	r := m.Rect
	cw, ch := r.Dx(), r.Dy()
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		cw = (r.Max.X+1)/2 - r.Min.X/2
	case image.YCbCrSubsampleRatio420:
		cw = (r.Max.X+1)/2 - r.Min.X/2
		ch = (r.Max.Y+1)/2 - r.Min.Y/2
	case image.YCbCrSubsampleRatio440:
		ch = (r.Max.Y+1)/2 - r.Min.Y/2
	case image.YCbCrSubsampleRatio411:
		cw = (r.Max.X+3)/4 - r.Min.X/4
	case image.YCbCrSubsampleRatio410:
		cw = (r.Max.X+3)/4 - r.Min.X/4
		ch = (r.Max.Y+1)/2 - r.Min.Y/2
	}
	plane := func(n, stride, w, h int) bool { return stride >= w && n >= (h-1)*stride+w }
	return plane(len(m.Y), m.YStride, r.Dx(), r.Dy()) &&
		plane(len(m.Cb), m.CStride, cw, ch) && plane(len(m.Cr), m.CStride, cw, ch)
}

func checkPaletteIndexes(m *image.Paletted) error {
	n := len(m.Palette)
	if n >= 256 {
		return nil
	}
	r := m.Rect
	for y := 0; y < r.Dy(); y++ {
		row := m.Pix[y*m.Stride : y*m.Stride+r.Dx()]
		for _, i := range row {
			if int(i) >= n {
				return fmt.Errorf("palette index %d, palette has %d colours", i, n)
			}
		}
	}
	return nil
}
