package exif

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// exifPrefix starts the EXIF APP1 segment of a JPEG, and sometimes (against their specifications)
// the EXIF chunk of a WebP or the eXIf chunk of a PNG.
const exifPrefix = "Exif\x00\x00"

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// locate finds the EXIF block in data by its container format. truncated reports that the
// container declares the block longer than the data holds: the block returned is what there is.
func locate(data []byte, lim Limits) (block []byte, truncated bool, err error) {
	switch {
	case len(data) >= 2 && data[0] == 0xFF && data[1] == 0xD8:
		return locateJPEG(data, lim)
	case bytes.HasPrefix(data, pngSignature):
		return locatePNG(data, lim)
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return locateWebP(data, lim)
	case isTIFF(data), bytes.HasPrefix(data, []byte(exifPrefix)):
		return data, false, nil
	}
	return nil, false, fmt.Errorf("%w: not a JPEG, PNG, WebP or TIFF file", ErrNoExif)
}

// isTIFF reports whether b starts with a classic (not Big) TIFF header's byte-order mark and magic.
func isTIFF(b []byte) bool {
	return len(b) >= 4 && (string(b[:4]) == "II*\x00" || string(b[:4]) == "MM\x00*")
}

// corrupt returns an error wrapping ErrCorrupt with a formatted detail.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// locateJPEG walks the marker segments of a JPEG from SOI up to the first SOS (start of scan) or
// EOI, reading only their headers, and returns the payload after "Exif\0\0" of the first APP1
// segment that has it. Every step advances by at least one byte, and at most lim.MaxSegments
// segments are examined.
func locateJPEG(d []byte, lim Limits) ([]byte, bool, error) {
	i := 2 // after SOI
	for range lim.MaxSegments {
		if i >= len(d) {
			return nil, false, corrupt("JPEG ends at byte %d, before its image data", len(d))
		}
		if d[i] != 0xFF {
			return nil, false, corrupt("JPEG has no marker at byte %d", i)
		}
		for i < len(d) && d[i] == 0xFF { // fill bytes may precede a marker
			i++
		}
		if i >= len(d) {
			return nil, false, corrupt("JPEG ends at byte %d, before its image data", len(d))
		}
		m := d[i]
		i++
		switch {
		case m == 0xDA || m == 0xD9: // SOS, EOI: no EXIF comes before the image data
			return nil, false, fmt.Errorf("%w: JPEG has no EXIF segment", ErrNoExif)
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // TEM, RSTn: no length
			continue
		case m == 0x00 || m == 0xD8:
			return nil, false, corrupt("JPEG has marker 0x%02X at byte %d", m, i-1)
		}
		if i+2 > len(d) {
			return nil, false, corrupt("JPEG ends at byte %d, inside a segment header", len(d))
		}
		n := int(binary.BigEndian.Uint16(d[i:]))
		if n < 2 {
			return nil, false, corrupt("JPEG segment 0x%02X at byte %d has length %d", m, i-2, n)
		}
		start, end := i+2, i+n
		short := end > len(d)
		payload := d[start:min(end, len(d))]
		if m == 0xE1 && bytes.HasPrefix(payload, []byte(exifPrefix)) {
			return payload[len(exifPrefix):], short, nil
		}
		if short {
			return nil, false, corrupt("JPEG ends at byte %d, inside segment 0x%02X of %d bytes", len(d), m, n)
		}
		i = end
	}
	return nil, false, corrupt("JPEG has more than %d segments before its image data", lim.MaxSegments)
}

// locatePNG walks the chunks of a PNG, reading only their headers, up to IEND, and returns the
// payload of the eXIf chunk. At most lim.MaxSegments chunks are examined.
func locatePNG(d []byte, lim Limits) ([]byte, bool, error) {
	i := len(pngSignature)
	for range lim.MaxSegments {
		if i+8 > len(d) {
			return nil, false, corrupt("PNG ends at byte %d without an IEND chunk", len(d))
		}
		n := uint64(binary.BigEndian.Uint32(d[i:]))
		typ := string(d[i+4 : i+8])
		if n > 1<<31-1 {
			return nil, false, corrupt("PNG chunk at byte %d declares length %d", i, n)
		}
		start := uint64(i) + 8
		end := start + n
		short := end > uint64(len(d))
		switch typ {
		case "eXIf":
			payload := d[start:min(end, uint64(len(d)))]
			return bytes.TrimPrefix(payload, []byte(exifPrefix)), short, nil
		case "IEND":
			return nil, false, fmt.Errorf("%w: PNG has no eXIf chunk", ErrNoExif)
		}
		if end+4 > uint64(len(d)) {
			return nil, false, corrupt("PNG ends at byte %d, inside a chunk of %d bytes", len(d), n)
		}
		i = int(end + 4) // after the CRC
	}
	return nil, false, corrupt("PNG has more than %d chunks", lim.MaxSegments)
}

// locateWebP walks the chunks of a RIFF WebP, reading only their headers, and returns the payload
// of the EXIF chunk. At most lim.MaxSegments chunks are examined.
func locateWebP(d []byte, lim Limits) ([]byte, bool, error) {
	riffEnd := 8 + uint64(binary.LittleEndian.Uint32(d[4:]))
	end := min(riffEnd, uint64(len(d)))
	i := uint64(12)
	for range lim.MaxSegments {
		if i >= riffEnd {
			return nil, false, fmt.Errorf("%w: WebP has no EXIF chunk", ErrNoExif)
		}
		if i+8 > end {
			return nil, false, corrupt("WebP ends at byte %d, inside a chunk header", end)
		}
		n := uint64(binary.LittleEndian.Uint32(d[i+4:]))
		start := i + 8
		chunkEnd := start + n
		short := chunkEnd > end
		if string(d[i:i+4]) == "EXIF" {
			payload := d[start:min(chunkEnd, end)]
			return bytes.TrimPrefix(payload, []byte(exifPrefix)), short, nil
		}
		if short {
			return nil, false, corrupt("WebP ends at byte %d, inside a chunk of %d bytes", end, n)
		}
		i = chunkEnd + n&1 // chunks are padded to an even length
	}
	return nil, false, corrupt("WebP has more than %d chunks", lim.MaxSegments)
}
