package exif

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"iter"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// info decodes the values the walk found into an Info. Each slot is decoded at most once.
func (p *parser) info() Info {
	var in Info
	in.Make = p.textOf(slotMake, false)
	in.Model = p.textOf(slotModel, false)
	in.Serial = p.textOf(slotBodySerialNumber, false)
	if in.Serial == "" {
		in.Serial = p.textOf(slotCameraSerialNumber, false)
	}
	in.Owner = p.textOf(slotCameraOwnerName, false)
	in.LensMake = p.textOf(slotLensMake, false)
	in.LensModel = p.textOf(slotLensModel, false)
	in.LensSerial = p.textOf(slotLensSerialNumber, false)
	in.Software = p.textOf(slotSoftware, false)
	in.HostComputer = p.textOf(slotHostComputer, false)
	in.Artist = p.textOf(slotArtist, false)
	in.Copyright = p.textOf(slotCopyright, true)
	in.ImageDescription = p.textOf(slotImageDescription, false)
	in.UserComment = p.userComment()
	in.ImageUniqueID = p.textOf(slotImageUniqueID, false)

	in.DateTimeOriginal = p.dateTime(slotDateTimeOriginal, slotSubSecTimeOriginal, slotOffsetTimeOriginal)
	in.DateTimeDigitized = p.dateTime(slotDateTimeDigitized, slotSubSecTimeDigitized, slotOffsetTimeDigitized)
	in.DateTime = p.dateTime(slotDateTime, slotSubSecTime, slotOffsetTime)

	if o, ok := p.unsigned(slotOrientation); ok && o >= 1 && o <= 8 {
		in.Orientation = int(o)
	}
	if w, h, ok := p.size(slotPixelXDimension, slotPixelYDimension); ok {
		in.Width, in.Height = w, h
	} else if w, h, ok := p.size(slotImageWidth, slotImageLength); ok {
		in.Width, in.Height = w, h
	}
	in.GPS = p.gps()
	in.Thumbnail = p.thumbnail()
	return in
}

// unsigned returns the first value of an unsigned integer entry (BYTE, SHORT or LONG).
func (p *parser) unsigned(s slot) (uint32, bool) {
	v, ok := p.value(s)
	if !ok || v.count == 0 {
		return 0, false
	}
	switch v.typ {
	case typeByte:
		return uint32(v.b[0]), true
	case typeShort:
		return uint32(p.u16(v.b)), true
	case typeLong:
		return p.u32(v.b), true
	}
	return 0, false
}

// size returns a width and a height, both present and in 1..MaxInt32.
func (p *parser) size(ws, hs slot) (int, int, bool) {
	w, okw := p.unsigned(ws)
	h, okh := p.unsigned(hs)
	if !okw || !okh || w == 0 || h == 0 || w > math.MaxInt32 || h > math.MaxInt32 {
		return 0, 0, false
	}
	return int(w), int(h), true
}

// rational returns the i-th value of a RATIONAL or SRATIONAL entry; false for a zero denominator.
func (p *parser) rational(v value, i int) (float64, bool) {
	if i >= int(v.count) {
		return 0, false
	}
	num, den := p.u32(v.b[8*i:]), p.u32(v.b[8*i+4:])
	if den == 0 {
		return 0, false
	}
	switch v.typ {
	case typeRational:
		return float64(num) / float64(den), true
	case typeSRational:
		return float64(int32(num)) / float64(int32(den)), true
	}
	return 0, false
}

// textBytes returns the raw bytes of a text entry (ASCII, BYTE or UNDEFINED), cut at
// lim.MaxStringLen. It charges them to the block's text budget: the values of a well-formed block
// are disjoint, so the text read from it cannot exceed its length; a block whose entries share
// their bytes (to make the reader copy them many times) is corrupt, and its text beyond the budget
// is dropped.
func (p *parser) textBytes(s slot) ([]byte, bool) {
	v, ok := p.value(s)
	if !ok || (v.typ != typeASCII && v.typ != typeByte && v.typ != typeUndefined) {
		return nil, false
	}
	b := v.b
	if len(b) > p.lim.MaxStringLen {
		b = dropPartialRune(b[:p.lim.MaxStringLen])
	}
	if len(b) > p.text {
		if p.problem() {
			p.err = fmt.Errorf("tag 0x%04X: its %d bytes of text overlap other values", p.u16(p.b[p.slots[s]-1:]), len(b))
		}
		return nil, false
	}
	p.text -= len(b)
	return b, true
}

// dropPartialRune drops the start of a UTF-8 sequence that a cut left at the end of b.
func dropPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

// textOf returns the text entry in slot s as a clean string (see Info). With parts set, the
// NUL-separated parts of the value are kept and joined with "; " (for Copyright); otherwise the
// value ends at its first NUL.
func (p *parser) textOf(s slot, parts bool) string {
	b, ok := p.textBytes(s)
	if !ok {
		return ""
	}
	if !parts {
		return cleanText(b)
	}
	// Two passes over the parts, the first to size the string exactly.
	size := 0
	for part := range nulParts(b) {
		if size > 0 {
			size += len("; ")
		}
		size += cleanLen(part)
	}
	var sb strings.Builder
	sb.Grow(size)
	for part := range nulParts(b) {
		if sb.Len() > 0 {
			sb.WriteString("; ")
		}
		writeClean(&sb, part)
	}
	return sb.String()
}

// nulParts yields the NUL-separated parts of b, trimmed of white space, that are not empty.
func nulParts(b []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			part := b
			if i := bytes.IndexByte(b, 0); i >= 0 {
				part, b = b[:i], b[i+1:]
			} else {
				b = nil
			}
			if part = bytes.TrimSpace(part); len(part) > 0 && !yield(part) {
				return
			}
		}
	}
}

// cleanText returns b up to its first NUL, trimmed of white space, as a string safe to show.
func cleanText(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return ""
	}
	if isPlain(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(cleanLen(b))
	writeClean(&sb, b)
	return strings.TrimSpace(sb.String())
}

// isPlain reports whether b is printable ASCII, which needs no cleaning.
func isPlain(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x7F {
			return false
		}
	}
	return true
}

// writeClean writes b to sb with each invalid UTF-8 byte, control character and bidirectional
// formatting character replaced by U+FFFD, and tabs and line and paragraph breaks by spaces.
func writeClean(sb *strings.Builder, b []byte) {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		sb.WriteRune(cleanRune(r))
		b = b[n:]
	}
}

// cleanLen returns the length of b once cleaned by writeClean, so that a string can be allocated
// once at its final size.
func cleanLen(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		n += utf8.RuneLen(cleanRune(r))
		b = b[size:]
	}
	return n
}

// cleanRune returns what writeClean writes for r.
func cleanRune(r rune) rune {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
		return ' '
	case unicode.IsControl(r) || isBidi(r) || !utf8.ValidRune(r):
		return utf8.RuneError
	}
	return r
}

// isBidi reports whether r is a bidirectional embedding, override or isolate, which can make
// text display in an order other than the one stored.
func isBidi(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// userComment decodes UserComment: an 8-byte character code, then the text.
func (p *parser) userComment() string {
	b, ok := p.textBytes(slotUserComment)
	if !ok {
		return ""
	}
	if len(b) < 8 {
		return cleanText(b)
	}
	code, text := b[:8], b[8:]
	switch string(code) {
	case "ASCII\x00\x00\x00", "\x00\x00\x00\x00\x00\x00\x00\x00":
		return cleanText(text)
	case "UNICODE\x00":
		return decodeUTF16(text, p.big)
	case "JIS\x00\x00\x00\x00\x00":
		return ""
	}
	return cleanText(b) // no character code: the writer put the text alone
}

// decodeUTF16 decodes UCS-2 or UTF-16 text, in the block's byte order unless a byte-order mark
// says otherwise, up to its first U+0000, cleaned as writeClean does.
func decodeUTF16(b []byte, big bool) string {
	var order binary.ByteOrder = binary.LittleEndian
	if big {
		order = binary.BigEndian
	}
	if len(b) >= 2 {
		switch {
		case b[0] == 0xFE && b[1] == 0xFF:
			order, b = binary.BigEndian, b[2:]
		case b[0] == 0xFF && b[1] == 0xFE:
			order, b = binary.LittleEndian, b[2:]
		}
	}
	size := 0
	for r := range utf16Runes(b, order) {
		size += utf8.RuneLen(cleanRune(r))
	}
	var sb strings.Builder
	sb.Grow(size)
	for r := range utf16Runes(b, order) {
		sb.WriteRune(cleanRune(r))
	}
	return strings.TrimSpace(sb.String())
}

// utf16Runes yields the runes of UTF-16 text up to its first U+0000, with U+FFFD for each
// unpaired surrogate.
func utf16Runes(b []byte, order binary.ByteOrder) iter.Seq[rune] {
	return func(yield func(rune) bool) {
		for len(b) >= 2 {
			r := rune(order.Uint16(b))
			b = b[2:]
			if r == 0 {
				return
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if len(b) >= 2 {
					r2 = rune(order.Uint16(b))
				}
				if r = utf16.DecodeRune(r, r2); r != utf8.RuneError {
					b = b[2:]
				}
			}
			if !yield(r) {
				return
			}
		}
	}
}

// thumbnail returns the JPEG that IFD1 points to, as a sub-slice of the block.
func (p *parser) thumbnail() []byte {
	off, okOff := p.unsigned(slotThumbnailOffset)
	n, okLen := p.unsigned(slotThumbnailLength)
	if !okOff || !okLen || n == 0 {
		return nil
	}
	end := uint64(off) + uint64(n)
	if end > uint64(len(p.b)) {
		if p.problem() {
			p.err = fmt.Errorf("the thumbnail at byte %d, %d bytes, overruns the %d-byte block", off, n, len(p.b))
		}
		return nil
	}
	t := p.b[off:end:end]
	if len(t) < 2 || t[0] != 0xFF || t[1] != 0xD8 {
		return nil // not a JPEG (an old-style JPEG-in-TIFF page, or garbage)
	}
	return t
}

// trimmed returns the ASCII bytes of a short text value (a date, an offset, a reference letter):
// up to its first NUL, trimmed of spaces. It does not allocate or charge the text budget.
func (p *parser) trimmed(s slot) ([]byte, bool) {
	v, ok := p.value(s)
	if !ok || (v.typ != typeASCII && v.typ != typeUndefined && v.typ != typeByte) {
		return nil, false
	}
	b := v.b
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return bytes.TrimSpace(b), true
}

// digits parses b, all ASCII digits, as a number.
func digits(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseDate parses "YYYY:MM:DD" (or with '-' between the fields) into a valid calendar date.
func parseDate(b []byte) (year int, month time.Month, day int, ok bool) {
	if len(b) != 10 || b[4] != b[7] || (b[4] != ':' && b[4] != '-') {
		return 0, 0, 0, false
	}
	y, ok1 := digits(b[0:4])
	m, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return 0, 0, 0, false
	}
	return y, time.Month(m), d, true
}

// daysIn returns the number of days of the month in the year.
func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseClock parses "HH:MM:SS" into hours, minutes and seconds within a day.
func parseClock(b []byte) (h, m, s int, ok bool) {
	if len(b) != 8 || b[2] != ':' || b[5] != ':' {
		return 0, 0, 0, false
	}
	h, ok1 := digits(b[0:2])
	m, ok2 := digits(b[3:5])
	s, ok3 := digits(b[6:8])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || s > 59 {
		return 0, 0, 0, false
	}
	return h, m, s, true
}

// dateTime decodes a date and time tag ("YYYY:MM:DD HH:MM:SS"), with its sub-second and offset
// tags when they are present and valid. A blank, zero or malformed date gives nil.
func (p *parser) dateTime(ds, subs, offs slot) *Time {
	b, ok := p.trimmed(ds)
	if !ok || len(b) != 19 || (b[10] != ' ' && b[10] != 'T') {
		return nil
	}
	y, mo, d, ok1 := parseDate(b[:10])
	h, mi, s, ok2 := parseClock(b[11:])
	if !ok1 || !ok2 {
		return nil
	}
	ns := 0
	if sub, ok := p.trimmed(subs); ok && len(sub) > 0 {
		if len(sub) > 9 {
			sub = sub[:9]
		}
		if n, ok := digits(sub); ok {
			for range 9 - len(sub) {
				n *= 10
			}
			ns = n
		}
	}
	loc, known := time.UTC, false
	if off, ok := p.trimmed(offs); ok {
		if secs, ok := parseOffset(off); ok {
			loc, known = time.FixedZone("", secs), true
		}
	}
	return &Time{Time: time.Date(y, mo, d, h, mi, s, ns, loc), OffsetKnown: known}
}

// parseOffset parses an offset from UTC, "+HH:MM" or "-HH:MM", within ±14:00, into seconds.
func parseOffset(b []byte) (int, bool) {
	if len(b) != 6 || (b[0] != '+' && b[0] != '-') || b[3] != ':' {
		return 0, false
	}
	h, ok1 := digits(b[1:3])
	m, ok2 := digits(b[4:6])
	if !ok1 || !ok2 || m > 59 || h*60+m > 14*60 {
		return 0, false
	}
	secs := (h*60 + m) * 60
	if b[0] == '-' {
		secs = -secs
	}
	return secs, true
}

// gps decodes the GPS IFD. Without a valid latitude and longitude, with their references, it is
// nil.
func (p *parser) gps() *GPS {
	lat, ok1 := p.coordinate(slotGPSLatitude, slotGPSLatitudeRef, 'N', 'S', 90)
	lon, ok2 := p.coordinate(slotGPSLongitude, slotGPSLongitudeRef, 'E', 'W', 180)
	if !ok1 || !ok2 {
		return nil
	}
	g := &GPS{Latitude: lat, Longitude: lon}
	if v, ok := p.value(slotGPSAltitude); ok && v.typ == typeRational && v.count == 1 {
		if alt, ok := p.rational(v, 0); ok {
			ref, refOK := p.unsigned(slotGPSAltitudeRef)
			switch {
			case !refOK || ref == 0:
				g.Altitude = &alt
			case ref == 1:
				alt = -alt
				g.Altitude = &alt
			}
		}
	}
	g.Time = p.gpsTime()
	if b, ok := p.textBytes(slotGPSMapDatum); ok {
		g.MapDatum = cleanText(b)
	}
	return g
}

// coordinate decodes a latitude or longitude: one to three non-negative (S)RATIONALs (degrees,
// minutes, seconds; minutes and seconds below 60), signed by its reference letter (pos or neg),
// at most limit degrees. A missing reference makes the coordinate invalid: guessing a hemisphere
// would place the picture wrongly.
func (p *parser) coordinate(vs, refs slot, pos, neg byte, limit float64) (float64, bool) {
	ref, ok := p.trimmed(refs)
	if !ok || len(ref) != 1 {
		return 0, false
	}
	sign := 1.0
	switch ref[0] | 0x20 { // lower case
	case pos | 0x20:
	case neg | 0x20:
		sign = -1
	default:
		return 0, false
	}
	v, ok := p.value(vs)
	if !ok || (v.typ != typeRational && v.typ != typeSRational) || v.count < 1 || v.count > 3 {
		return 0, false
	}
	deg := 0.0
	for i, scale := range [3]float64{1, 60, 3600} {
		if i >= int(v.count) {
			break
		}
		x, ok := p.rational(v, i)
		if !ok || x < 0 || (i > 0 && x >= 60) {
			return 0, false
		}
		deg += x / scale
	}
	if deg > limit {
		return 0, false
	}
	return sign * deg, true
}

// gpsTime combines GPSDateStamp ("YYYY:MM:DD") and GPSTimeStamp (three RATIONALs: hours, minutes,
// seconds, UTC) into a time, nil unless both are present and valid.
func (p *parser) gpsTime() *time.Time {
	db, ok := p.trimmed(slotGPSDateStamp)
	if !ok {
		return nil
	}
	y, mo, d, ok := parseDate(db)
	if !ok {
		return nil
	}
	v, ok := p.value(slotGPSTimeStamp)
	if !ok || v.typ != typeRational || v.count != 3 {
		return nil
	}
	h, ok1 := p.rational(v, 0)
	m, ok2 := p.rational(v, 1)
	s, ok3 := p.rational(v, 2)
	if !ok1 || !ok2 || !ok3 || h < 0 || h >= 24 || m < 0 || m >= 60 || s < 0 || s >= 61 {
		return nil
	}
	secs := h*3600 + m*60 + s
	t := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Add(time.Duration(math.Round(secs * 1e9)))
	return &t
}
