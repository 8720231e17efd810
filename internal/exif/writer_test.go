package exif

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"slices"
)

// This file is a small TIFF/EXIF writer for the tests: it writes IFDs of entries of every TIFF
// type in either byte order, lays out a whole EXIF block (IFD0, Exif IFD, GPS IFD, IFD1 and a
// thumbnail), and wraps blocks in JPEG, PNG and WebP files. It can also write what no camera
// would: entries whose count or offset lies, IFDs anywhere.

// byteOrder is a TIFF byte order: binary.LittleEndian ("II") or binary.BigEndian ("MM").
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// ent is one IFD entry to write.
type ent struct {
	tag, typ uint16
	// vals holds the value as units: one per value for most types, two (numerator, denominator)
	// per RATIONAL or SRATIONAL, the IEEE bits for FLOAT and DOUBLE. Ignored when raw is set.
	vals []uint64
	// raw holds the value's bytes for the 1-byte types (BYTE, ASCII, SBYTE, UNDEFINED).
	raw []byte
	// count, when non-zero, is written instead of the count the value has.
	count uint32
	// off, when setOff, is written as the value offset instead of where the value is put (the
	// value itself is then not written).
	off    uint32
	setOff bool
}

// withCount returns e declaring count values, whatever it holds.
func (e ent) withCount(n uint32) ent { e.count = n; return e }

// at returns e with its value offset field forced to off (the value is not written).
func (e ent) at(off uint32) ent { e.off, e.setOff = off, true; return e }

func asc(tag uint16, s string) ent  { return ent{tag: tag, typ: typeASCII, raw: []byte(s + "\x00")} }
func und(tag uint16, b string) ent  { return ent{tag: tag, typ: typeUndefined, raw: []byte(b)} }
func byt(tag uint16, b ...byte) ent { return ent{tag: tag, typ: typeByte, raw: b} }
func sbyt(tag uint16, b ...int8) ent {
	raw := make([]byte, len(b))
	for i, v := range b {
		raw[i] = byte(v)
	}
	return ent{tag: tag, typ: typeSByte, raw: raw}
}

// rawASCII is an ASCII entry holding exactly b (no NUL added).
func rawASCII(tag uint16, b string) ent { return ent{tag: tag, typ: typeASCII, raw: []byte(b)} }

func units[T int8 | int16 | int32 | uint16 | uint32 | uint64](v []T) []uint64 {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = uint64(x)
	}
	return out
}

func short(tag uint16, v ...uint16) ent  { return ent{tag: tag, typ: typeShort, vals: units(v)} }
func sshort(tag uint16, v ...int16) ent  { return ent{tag: tag, typ: typeSShort, vals: units(v)} }
func long(tag uint16, v ...uint32) ent   { return ent{tag: tag, typ: typeLong, vals: units(v)} }
func slong(tag uint16, v ...int32) ent   { return ent{tag: tag, typ: typeSLong, vals: units(v)} }
func ifdPtr(tag uint16, v uint32) ent    { return ent{tag: tag, typ: typeIFD, vals: []uint64{uint64(v)}} }
func rat(tag uint16, nd ...uint32) ent   { return ent{tag: tag, typ: typeRational, vals: units(nd)} }
func srat(tag uint16, nd ...int32) ent   { return ent{tag: tag, typ: typeSRational, vals: units(nd)} }
func float(tag uint16, v ...float32) ent { return ent{tag: tag, typ: typeFloat, vals: float32Bits(v)} }
func double(tag uint16, v ...float64) ent {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = math.Float64bits(x)
	}
	return ent{tag: tag, typ: typeDouble, vals: out}
}

func float32Bits(v []float32) []uint64 {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = uint64(math.Float32bits(x))
	}
	return out
}

// unitSize is the size of one unit of ent.vals for the type.
func unitSize(typ uint16) int {
	if typ == typeRational || typ == typeSRational {
		return 4
	}
	return int(typeSize(typ))
}

// data returns the encoded value of e and its natural count.
func (e ent) data(bo byteOrder) ([]byte, uint32) {
	if e.raw != nil || e.vals == nil {
		return e.raw, uint32(len(e.raw))
	}
	us := unitSize(e.typ)
	b := make([]byte, us*len(e.vals))
	for i, v := range e.vals {
		switch us {
		case 1:
			b[i] = byte(v)
		case 2:
			bo.PutUint16(b[2*i:], uint16(v))
		case 4:
			bo.PutUint32(b[4*i:], uint32(v))
		case 8:
			bo.PutUint64(b[8*i:], v)
		}
	}
	n := len(e.vals)
	if us == 4 && typeSize(e.typ) == 8 {
		n /= 2
	}
	return b, uint32(n)
}

// tw writes a TIFF block.
type tw struct {
	bo  byteOrder
	buf []byte
}

// newTW starts a block in the byte order, with the header pointing to IFD0 at byte 8.
func newTW(bo byteOrder) *tw {
	w := &tw{bo: bo}
	if bo == binary.LittleEndian {
		w.buf = []byte("II*\x00")
	} else {
		w.buf = []byte("MM\x00*")
	}
	w.buf = bo.AppendUint32(w.buf, 8)
	return w
}

// setIFD0 points the header to an IFD at off.
func (w *tw) setIFD0(off uint32) { w.bo.PutUint32(w.buf[4:], off) }

// ifdSize returns the bytes an IFD of the entries takes, with the values it holds out of line.
func ifdSize(bo byteOrder, es []ent) uint32 {
	n := uint32(2 + 12*len(es) + 4)
	for _, e := range es {
		if d, _ := e.data(bo); len(d) > 4 && !e.setOff {
			n += uint32(len(d) + len(d)&1)
		}
	}
	return n
}

// raw writes b (at an even offset) and returns its offset.
func (w *tw) raw(b []byte) uint32 {
	if len(w.buf)&1 == 1 {
		w.buf = append(w.buf, 0)
	}
	off := uint32(len(w.buf))
	w.buf = append(w.buf, b...)
	return off
}

// ifd writes an IFD of the entries, in the order given, with the next-IFD offset next, followed by
// the values too long to fit in their entries; it returns the IFD's offset.
func (w *tw) ifd(es []ent, next uint32) uint32 {
	off := w.raw(nil)
	w.buf = w.bo.AppendUint16(w.buf, uint16(len(es)))
	dataAt := off + 2 + 12*uint32(len(es)) + 4
	var out []byte
	for _, e := range es {
		d, n := e.data(w.bo)
		if e.count != 0 {
			n = e.count
		}
		w.buf = w.bo.AppendUint16(w.buf, e.tag)
		w.buf = w.bo.AppendUint16(w.buf, e.typ)
		w.buf = w.bo.AppendUint32(w.buf, n)
		var field [4]byte
		switch {
		case e.setOff:
			w.bo.PutUint32(field[:], e.off)
		case len(d) <= 4:
			copy(field[:], d)
		default:
			w.bo.PutUint32(field[:], dataAt+uint32(len(out)))
			out = append(out, d...)
			if len(out)&1 == 1 {
				out = append(out, 0)
			}
		}
		w.buf = append(w.buf, field[:]...)
	}
	w.buf = w.bo.AppendUint32(w.buf, next)
	w.buf = append(w.buf, out...)
	return off
}

// bytes returns the block written so far.
func (w *tw) bytes() []byte { return slices.Clone(w.buf) }

// doc is an EXIF block in its usual layout: IFD0 at byte 8 pointing to the Exif IFD, the GPS IFD
// and IFD1 (when they have entries), IFD1 pointing to the thumbnail. Entries are sorted by tag.
type doc struct {
	ifd0, exif, gps, ifd1 []ent
	thumb                 []byte
}

// block writes d in the byte order.
func (d doc) block(bo byteOrder) []byte {
	sorted := func(es []ent) []ent {
		es = slices.Clone(es)
		slices.SortStableFunc(es, func(a, b ent) int { return int(a.tag) - int(b.tag) })
		return es
	}
	// Placeholders of the right size first, to compute where everything goes.
	ifd0 := slices.Clone(d.ifd0)
	if d.exif != nil {
		ifd0 = append(ifd0, long(0x8769, 0))
	}
	if d.gps != nil {
		ifd0 = append(ifd0, long(0x8825, 0))
	}
	ifd1 := slices.Clone(d.ifd1)
	if d.thumb != nil {
		ifd1 = append(ifd1, long(0x0201, 0), long(0x0202, uint32(len(d.thumb))))
	}
	even := func(n uint32) uint32 { return n + n&1 }
	off0 := uint32(8)
	offExif := even(off0 + ifdSize(bo, ifd0))
	offGPS := even(offExif + ifdSize(bo, d.exif))
	if d.exif == nil {
		offGPS = offExif
	}
	off1 := even(offGPS + ifdSize(bo, d.gps))
	if d.gps == nil {
		off1 = offGPS
	}
	offThumb := even(off1 + ifdSize(bo, ifd1))
	for i := range ifd0 {
		switch ifd0[i].tag {
		case 0x8769:
			ifd0[i] = long(0x8769, offExif)
		case 0x8825:
			ifd0[i] = long(0x8825, offGPS)
		}
	}
	for i := range ifd1 {
		if ifd1[i].tag == 0x0201 && d.thumb != nil {
			ifd1[i] = long(0x0201, offThumb)
		}
	}
	w := newTW(bo)
	next := uint32(0)
	if len(ifd1) > 0 {
		next = off1
	}
	must(w.ifd(sorted(ifd0), next) == off0)
	if d.exif != nil {
		must(w.ifd(sorted(d.exif), 0) == offExif)
	}
	if d.gps != nil {
		must(w.ifd(sorted(d.gps), 0) == offGPS)
	}
	if len(ifd1) > 0 {
		must(w.ifd(sorted(ifd1), 0) == off1)
	}
	if d.thumb != nil {
		must(w.raw(d.thumb) == offThumb)
	}
	return w.bytes()
}

func must(ok bool) {
	if !ok {
		panic("test writer: layout mismatch")
	}
}

// orders are the two TIFF byte orders, named for subtests.
var orders = []struct {
	name string
	bo   byteOrder
}{{"II", binary.LittleEndian}, {"MM", binary.BigEndian}}

// segment is one JPEG marker segment: marker and payload.
type segment struct {
	marker  byte
	payload []byte
}

// jpegFile wraps an EXIF block in a JPEG: SOI, APP0 JFIF, the segments before, APP1 Exif, a DQT,
// SOF0 and SOS headers, some scan bytes (with a stuffed FF 00 and an FF E1 "Exif" look-alike that
// a reader must not take for a segment), EOI. The file is not decodable; only its structure counts.
func jpegFile(block []byte, before ...segment) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	seg := func(m byte, p []byte) {
		b.Write([]byte{0xFF, m})
		b.Write(binary.BigEndian.AppendUint16(nil, uint16(len(p)+2)))
		b.Write(p)
	}
	seg(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	for _, s := range before {
		seg(s.marker, s.payload)
	}
	if block != nil {
		seg(0xE1, append([]byte(exifPrefix), block...))
	}
	seg(0xDB, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...))
	seg(0xC0, []byte{8, 0, 16, 0, 16, 1, 1, 0x11, 0})
	seg(0xDA, []byte{1, 1, 0, 0, 63, 0})
	b.Write([]byte{0x12, 0xFF, 0x00, 0x34, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', '*', 0, 0x56})
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

// pngChunk encodes one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// pngFile wraps an EXIF block in a PNG's eXIf chunk, between IHDR and IDAT (the IDAT is not valid
// zlib; only the structure counts).
func pngFile(block []byte) []byte {
	b := slices.Clone(pngSignature)
	b = append(b, pngChunk("IHDR", []byte{0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0})...)
	b = append(b, pngChunk("tEXt", []byte("Comment\x00eXIf"))...)
	if block != nil {
		b = append(b, pngChunk("eXIf", block)...)
	}
	b = append(b, pngChunk("IDAT", []byte{1, 2, 3})...)
	return append(b, pngChunk("IEND", nil)...)
}

// webpChunk encodes one RIFF chunk, padded to an even length.
func webpChunk(fourcc string, data []byte) []byte {
	b := append([]byte(fourcc), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	b = append(b, data...)
	if len(data)&1 == 1 {
		b = append(b, 0)
	}
	return b
}

// webpFile wraps an EXIF block in an extended WebP's EXIF chunk, after a VP8X chunk and an
// odd-sized image chunk (to exercise the padding).
func webpFile(block []byte) []byte {
	body := []byte("WEBP")
	body = append(body, webpChunk("VP8X", []byte{0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0})...)
	body = append(body, webpChunk("VP8L", []byte{0x2F, 0, 0, 0, 0})...)
	if block != nil {
		body = append(body, webpChunk("EXIF", block)...)
	}
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}
