package fingerprint

import (
	"bytes"

	"github.com/vidb-project/vidb/internal/imaging"
)

// Kind is what a file is, recognised from its content (never from its name).
type Kind string

// The kinds of file vidb distinguishes.
const (
	KindImage Kind = "image" // a still image in a format vidb decodes, or a recognised image format it cannot decode
	KindVideo Kind = "video" // a video container; hashed by digest only until the video pipeline exists
	KindOther Kind = "other" // anything else: not media
)

// sniffLen is how many leading bytes Sniff looks at: two MPEG transport stream packets.
const sniffLen = 2 * 188

// Sniff recognises media from the first bytes of a file and names its format: one of
// imaging's formats for decodable images, "heic" or "avif" for images vidb cannot decode yet,
// and a container name for videos.
func Sniff(head []byte) (Kind, string) {
	if f, ok := imaging.Sniff(head); ok {
		return KindImage, string(f)
	}
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		switch brand := string(head[8:12]); brand {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1":
			return KindImage, "heic"
		case "avif", "avis":
			return KindImage, "avif"
		default:
			return KindVideo, "mp4"
		}
	}
	switch {
	case len(head) >= 8 && (string(head[4:8]) == "moov" || string(head[4:8]) == "mdat" || string(head[4:8]) == "wide"):
		return KindVideo, "mov"
	case bytes.HasPrefix(head, []byte{0x1a, 0x45, 0xdf, 0xa3}):
		return KindVideo, "matroska"
	case len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "AVI ":
		return KindVideo, "avi"
	case bytes.HasPrefix(head, []byte{0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11}):
		return KindVideo, "asf"
	case bytes.HasPrefix(head, []byte("FLV\x01")):
		return KindVideo, "flv"
	case bytes.HasPrefix(head, []byte{0, 0, 1, 0xba}), bytes.HasPrefix(head, []byte{0, 0, 1, 0xb3}):
		return KindVideo, "mpeg"
	case len(head) >= 1 && head[0] == 0x47 && looksLikeTransportStream(head):
		return KindVideo, "mpegts"
	}
	return KindOther, ""
}

// looksLikeTransportStream needs the sync byte at the start of the second 188-byte packet too;
// a single 0x47 ('G') is far too common in text to mean anything.
func looksLikeTransportStream(head []byte) bool {
	return len(head) > 188 && head[188] == 0x47
}
