package exif

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// TIFF field types (TIFF 6.0 section 2, plus IFD from TIFF-EP).
const (
	typeByte      = 1
	typeASCII     = 2
	typeShort     = 3
	typeLong      = 4
	typeRational  = 5
	typeSByte     = 6
	typeUndefined = 7
	typeSShort    = 8
	typeSLong     = 9
	typeSRational = 10
	typeFloat     = 11
	typeDouble    = 12
	typeIFD       = 13
)

// typeSize returns the size in bytes of one value of type typ, or 0 for a type this package does
// not know (an entry of such a type is ignored, as TIFF 6.0 asks of readers).
func typeSize(typ uint16) uint64 {
	switch typ {
	case typeByte, typeASCII, typeSByte, typeUndefined:
		return 1
	case typeShort, typeSShort:
		return 2
	case typeLong, typeSLong, typeFloat, typeIFD:
		return 4
	case typeRational, typeSRational, typeDouble:
		return 8
	}
	return 0
}

// kind names the IFDs this package reads. Each is read at most once per block.
type kind uint8

const (
	kindIFD0 kind = iota
	kindExif
	kindGPS
	kindIFD1
	numKinds
)

func (k kind) String() string {
	return [...]string{"IFD0", "Exif IFD", "GPS IFD", "IFD1"}[k]
}

// slot names a tag this package reads. While walking the IFDs the parser remembers, for each slot,
// where the first entry with that tag is; values are decoded afterwards, each once.
type slot uint8

const (
	// IFD0 and the Exif IFD: one namespace, since writers sometimes put a tag in the other one.
	slotImageWidth slot = iota
	slotImageLength
	slotImageDescription
	slotMake
	slotModel
	slotOrientation
	slotSoftware
	slotDateTime
	slotArtist
	slotHostComputer
	slotCopyright
	slotExifIFD
	slotGPSIFD
	slotDateTimeOriginal
	slotDateTimeDigitized
	slotOffsetTime
	slotOffsetTimeOriginal
	slotOffsetTimeDigitized
	slotUserComment
	slotSubSecTime
	slotSubSecTimeOriginal
	slotSubSecTimeDigitized
	slotPixelXDimension
	slotPixelYDimension
	slotImageUniqueID
	slotCameraOwnerName
	slotBodySerialNumber
	slotLensMake
	slotLensModel
	slotLensSerialNumber
	slotCameraSerialNumber
	// The GPS IFD.
	slotGPSLatitudeRef
	slotGPSLatitude
	slotGPSLongitudeRef
	slotGPSLongitude
	slotGPSAltitudeRef
	slotGPSAltitude
	slotGPSTimeStamp
	slotGPSMapDatum
	slotGPSDateStamp
	// IFD1.
	slotThumbnailOffset
	slotThumbnailLength
	numSlots
)

// slotOf returns the slot of the tag in an IFD of kind k, false for a tag this package ignores.
func slotOf(k kind, tag uint16) (slot, bool) {
	switch k {
	case kindIFD0, kindExif:
		switch tag {
		case 0x0100:
			return slotImageWidth, true
		case 0x0101:
			return slotImageLength, true
		case 0x010E:
			return slotImageDescription, true
		case 0x010F:
			return slotMake, true
		case 0x0110:
			return slotModel, true
		case 0x0112:
			return slotOrientation, true
		case 0x0131:
			return slotSoftware, true
		case 0x0132:
			return slotDateTime, true
		case 0x013B:
			return slotArtist, true
		case 0x013C:
			return slotHostComputer, true
		case 0x8298:
			return slotCopyright, true
		case 0x8769:
			return slotExifIFD, true
		case 0x8825:
			return slotGPSIFD, true
		case 0x9003:
			return slotDateTimeOriginal, true
		case 0x9004:
			return slotDateTimeDigitized, true
		case 0x9010:
			return slotOffsetTime, true
		case 0x9011:
			return slotOffsetTimeOriginal, true
		case 0x9012:
			return slotOffsetTimeDigitized, true
		case 0x9286:
			return slotUserComment, true
		case 0x9290:
			return slotSubSecTime, true
		case 0x9291:
			return slotSubSecTimeOriginal, true
		case 0x9292:
			return slotSubSecTimeDigitized, true
		case 0xA002:
			return slotPixelXDimension, true
		case 0xA003:
			return slotPixelYDimension, true
		case 0xA420:
			return slotImageUniqueID, true
		case 0xA430:
			return slotCameraOwnerName, true
		case 0xA431:
			return slotBodySerialNumber, true
		case 0xA433:
			return slotLensMake, true
		case 0xA434:
			return slotLensModel, true
		case 0xA435:
			return slotLensSerialNumber, true
		case 0xC62F:
			return slotCameraSerialNumber, true
		}
	case kindGPS:
		switch tag {
		case 0x0001:
			return slotGPSLatitudeRef, true
		case 0x0002:
			return slotGPSLatitude, true
		case 0x0003:
			return slotGPSLongitudeRef, true
		case 0x0004:
			return slotGPSLongitude, true
		case 0x0005:
			return slotGPSAltitudeRef, true
		case 0x0006:
			return slotGPSAltitude, true
		case 0x0007:
			return slotGPSTimeStamp, true
		case 0x0012:
			return slotGPSMapDatum, true
		case 0x001D:
			return slotGPSDateStamp, true
		}
	case kindIFD1:
		switch tag {
		case 0x0201:
			return slotThumbnailOffset, true
		case 0x0202:
			return slotThumbnailLength, true
		}
	}
	return 0, false
}

// parser holds the state of reading one EXIF block. It lives on the stack of readTIFF; the only
// memory a read allocates is for the values it returns and for one error.
type parser struct {
	b   []byte // the TIFF block, from its byte-order mark
	big bool   // big-endian ("MM")
	lim Limits

	slots    [numSlots]int    // 1 + the position in b of the entry for each slot; 0 when absent
	seen     [numKinds]uint64 // 1 + the offset of each IFD read; 0 when not read
	text     int              // bytes of text values that may still be read (see parser.textBytes)
	err      error            // the detail of the first problem found
	problems int              // how many problems were found
}

func (p *parser) u16(b []byte) uint16 {
	if p.big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (p *parser) u32(b []byte) uint32 {
	if p.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// problem counts a problem and reports whether it is the first, whose detail the caller then
// records in p.err. Only the first is formatted, so that a block full of problems costs one
// message, not one per problem.
func (p *parser) problem() bool {
	p.problems++
	return p.problems == 1
}

// result returns the error for the problems counted, nil when there were none.
func (p *parser) result() error {
	switch {
	case p.problems == 0:
		return nil
	case p.problems > 1:
		return fmt.Errorf("%w: %w (and %d more problems)", ErrCorrupt, p.err, p.problems-1)
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, p.err)
}

// readTIFF reads a TIFF-structured EXIF block. truncated says its container cut it short.
func (l Limits) readTIFF(block []byte, truncated bool) (Info, error) {
	block = bytes.TrimPrefix(block, []byte(exifPrefix))
	if len(block) == 0 {
		if truncated {
			return Info{}, corrupt("the EXIF block is cut off before its first byte")
		}
		return Info{}, fmt.Errorf("%w: the EXIF block is empty", ErrNoExif)
	}
	if len(block) < 8 {
		return Info{}, corrupt("the EXIF block is %d bytes, shorter than a TIFF header", len(block))
	}
	if !isTIFF(block) {
		return Info{}, corrupt("the EXIF block does not start with a TIFF header")
	}
	p := parser{b: block, big: block[0] == 'M', lim: l, text: len(block)}
	if truncated && p.problem() {
		p.err = fmt.Errorf("the container cuts the EXIF block off at %d bytes", len(block))
	}
	p.walk()
	info := p.info()
	return info, p.result()
}

// walk reads IFD0, then the Exif IFD and the GPS IFD it points to, then IFD1 (which holds only the
// thumbnail). Each IFD is read at most once: the walk cannot loop, and reads at most
// numKinds*lim.MaxEntries entries.
func (p *parser) walk() {
	off := p.u32(p.b[4:])
	if off == 0 {
		if p.problem() {
			p.err = errors.New("the TIFF header points to no IFD0")
		}
		return
	}
	next, ok := p.readIFD(kindIFD0, off, true)
	if !ok {
		return
	}
	if off, ok := p.pointer(slotExifIFD); ok {
		p.readIFD(kindExif, off, false)
	}
	// The GPS pointer belongs in IFD0; one found only in the Exif IFD is followed as well.
	if off, ok := p.pointer(slotGPSIFD); ok {
		p.readIFD(kindGPS, off, false)
	}
	if next != 0 {
		p.readIFD(kindIFD1, next, false)
	}
}

// pointer returns the IFD offset held by a pointer tag (LONG or IFD, count 1), false when the tag
// is absent, malformed or 0.
func (p *parser) pointer(s slot) (uint32, bool) {
	pos := p.slots[s] - 1
	if pos < 0 {
		return 0, false
	}
	e := p.b[pos : pos+12]
	typ, count := p.u16(e[2:]), p.u32(e[4:])
	if (typ != typeLong && typ != typeIFD) || count != 1 {
		if p.problem() {
			p.err = fmt.Errorf("IFD pointer tag 0x%04X at byte %d has type %d and count %d", p.u16(e), pos, typ, count)
		}
		return 0, false
	}
	off := p.u32(e[8:])
	return off, off != 0
}

// readIFD reads the entries of the IFD of kind k at offset off, remembering the position of the
// first entry of each slot. When wantNext is set it returns the offset of the next IFD, which
// must then be present. It reports false when nothing of the IFD could be read.
func (p *parser) readIFD(k kind, off uint32, wantNext bool) (next uint32, ok bool) {
	for other, at := range p.seen {
		if at == uint64(off)+1 {
			if p.problem() {
				p.err = fmt.Errorf("%s at byte %d is %s again (a loop)", k, off, kind(other))
			}
			return 0, false
		}
	}
	if uint64(off)+2 > uint64(len(p.b)) {
		if p.problem() {
			p.err = fmt.Errorf("%s at byte %d is outside the %d-byte block", k, off, len(p.b))
		}
		return 0, false
	}
	p.seen[k] = uint64(off) + 1
	start := int(off) + 2
	declared := int(p.u16(p.b[off:]))
	n := declared
	if fit := (len(p.b) - start) / 12; n > fit {
		if p.problem() {
			p.err = fmt.Errorf("%s at byte %d declares %d entries, the block holds %d", k, off, declared, fit)
		}
		n = fit
	}
	if n > p.lim.MaxEntries {
		if p.problem() {
			p.err = fmt.Errorf("%s at byte %d declares %d entries, more than the limit of %d", k, off, declared, p.lim.MaxEntries)
		}
		n = p.lim.MaxEntries
	}
	for i := range n {
		pos := start + 12*i
		if s, ok := slotOf(k, p.u16(p.b[pos:])); ok && p.slots[s] == 0 {
			p.slots[s] = pos + 1
		}
	}
	if !wantNext {
		return 0, true
	}
	at := start + 12*declared
	if at+4 > len(p.b) {
		if at <= len(p.b) && p.problem() { // else the missing entries were reported already
			p.err = fmt.Errorf("%s at byte %d: the block ends before its next-IFD offset", k, off)
		}
		return 0, true
	}
	return p.u32(p.b[at:]), true
}

// value is the type, count and bytes of an entry's value.
type value struct {
	typ   uint16
	count uint32
	b     []byte // count * typeSize(typ) bytes, inside the block
}

// value returns the value of the entry in slot s, false when the slot is empty, the type unknown,
// or the value (count*size bytes at its offset) not inside the block, which is a problem recorded.
// It never allocates: the value's bytes are a sub-slice of the block.
func (p *parser) value(s slot) (value, bool) {
	pos := p.slots[s] - 1
	if pos < 0 {
		return value{}, false
	}
	e := p.b[pos : pos+12]
	v := value{typ: p.u16(e[2:]), count: p.u32(e[4:])}
	size := typeSize(v.typ)
	if size == 0 {
		return value{}, false
	}
	n := uint64(v.count) * size // at most (2^32-1)*8: no overflow in 64 bits
	if n <= 4 {
		v.b = e[8 : 8+n]
		return v, true
	}
	off := uint64(p.u32(e[8:]))
	if off+n > uint64(len(p.b)) {
		if p.problem() {
			p.err = fmt.Errorf("tag 0x%04X at byte %d: %d values of type %d at byte %d overrun the %d-byte block",
				p.u16(e), pos, v.count, v.typ, off, len(p.b))
		}
		return value{}, false
	}
	v.b = p.b[off : off+n]
	return v, true
}
