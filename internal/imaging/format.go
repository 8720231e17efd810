package imaging

import (
	"encoding/binary"
)

// Format names an image file format that this package decodes. The values are stable: they are
// stored and shown to users.
type Format string

// The formats that Decode supports.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	GIF  Format = "gif"
	WebP Format = "webp"
	BMP  Format = "bmp"
	TIFF Format = "tiff"
)

// SniffLen is the number of leading bytes of a file that Sniff needs to recognise every format.
// Sniff looks at no byte beyond these.
const SniffLen = 16

// Magic numbers.
const (
	magicJPEG   = "\xff\xd8\xff"
	magicPNG    = "\x89PNG\r\n\x1a\n"
	magicGIF87a = "GIF87a"
	magicGIF89a = "GIF89a"
	magicTIFFLE = "II*\x00"
	magicTIFFBE = "MM\x00*"
)

// Sniff reports the format of a file from its leading bytes (its magic number), never from its
// name. It needs at most the first SniffLen bytes; a shorter header is recognised when it holds the
// whole magic of its format. It reports false for formats this package does not decode (BigTIFF,
// HEIC, AVIF, ...) and for text that merely begins like an image. A recognised format can still
// use a variant Decode refuses as ErrUnsupported, such as an animated WebP.
func Sniff(header []byte) (Format, bool) {
	if len(header) > SniffLen {
		header = header[:SniffLen]
	}
	switch {
	case hasPrefix(header, magicJPEG):
		return JPEG, true
	case hasPrefix(header, magicPNG):
		return PNG, true
	case hasPrefix(header, magicGIF87a), hasPrefix(header, magicGIF89a):
		return GIF, true
	case hasPrefix(header, magicTIFFLE), hasPrefix(header, magicTIFFBE):
		return TIFF, true
	case isWebP(header):
		return WebP, true
	case isBMP(header):
		return BMP, true
	}
	return "", false
}

func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// isWebP matches "RIFF", a 4-byte size, "WEBP", then the first chunk's identifier: "VP8 " (lossy),
// "VP8L" (lossless) or "VP8X" (extended).
func isWebP(h []byte) bool {
	if len(h) < 16 || string(h[0:4]) != "RIFF" || string(h[8:15]) != "WEBPVP8" {
		return false
	}
	switch h[15] {
	case ' ', 'L', 'X':
		return true
	}
	return false
}

// isBMP matches the BITMAPFILEHEADER: "BM", the file size, two reserved 16-bit fields that must
// be zero, and the offset of the pixel data, which must lie after the smallest DIB header. Two
// letters alone would match too much text.
func isBMP(h []byte) bool {
	if len(h) < 14 || h[0] != 'B' || h[1] != 'M' {
		return false
	}
	if binary.LittleEndian.Uint32(h[6:10]) != 0 {
		return false
	}
	const fileHeaderLen, smallestDIBHeaderLen = 14, 12
	return binary.LittleEndian.Uint32(h[10:14]) >= fileHeaderLen+smallestDIBHeaderLen
}
