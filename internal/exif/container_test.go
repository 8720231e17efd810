package exif

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestContainers checks how Read finds (or does not find) the EXIF block in JPEG, PNG and WebP
// files, sound and broken.
func TestContainers(t *testing.T) {
	t.Parallel()
	block := doc{ifd0: []ent{asc(0x010F, "Good")}}.block(orders[1].bo)
	other := doc{ifd0: []ent{asc(0x010F, "Other")}}.block(orders[0].bo)
	good := Info{Make: "Good"}
	xmp := segment{0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>")}
	jpegSOI := []byte{0xFF, 0xD8}
	seg := func(m byte, p string) []byte {
		return append(append([]byte{0xFF, m}, binary.BigEndian.AppendUint16(nil, uint16(len(p)+2))...), p...)
	}
	cat := func(parts ...[]byte) []byte { return slices.Concat(parts...) }
	many := func(n int) []segment {
		s := make([]segment, n)
		for i := range s {
			s[i] = segment{0xFE, []byte("comment")}
		}
		return s
	}
	pngSig := pngSignature
	webp := func(chunks ...[]byte) []byte {
		body := cat(append([][]byte{[]byte("WEBP")}, chunks...)...)
		return cat([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body))), body)
	}
	tests := []struct {
		name    string
		data    []byte
		lim     Limits
		wantErr error
		want    Info
	}{
		{"JPEG", jpegFile(block), Limits{}, nil, good},
		{"JPEG, XMP APP1 first", jpegFile(block, xmp), Limits{}, nil, good},
		{"JPEG, EXIF after other segments",
			cat(jpegSOI, seg(0xDB, "q"), seg(0xC4, "h"), seg(0xFE, "c"), seg(0xE1, exifPrefix+string(block)), seg(0xDA, "s")),
			Limits{}, nil, good},
		{"JPEG, first of two EXIF segments", jpegFile(block, segment{0xE1, append([]byte(exifPrefix), other...)}), Limits{}, nil, Info{Make: "Other"}},
		{"JPEG, fill bytes and marker-only segments",
			cat(jpegSOI, []byte{0xFF, 0xFF, 0xFF, 0x01, 0xFF, 0xD3}, seg(0xE1, exifPrefix+string(block))), Limits{}, nil, good},
		{"JPEG, APP1 'Exif' without the two NULs", jpegFile(nil, segment{0xE1, append([]byte("Exif"), block...)}), Limits{}, ErrNoExif, Info{}},
		{"JPEG, EXIF in APP2", jpegFile(nil, segment{0xE2, append([]byte(exifPrefix), block...)}), Limits{}, ErrNoExif, Info{}},
		{"JPEG, empty EXIF segment", jpegFile(nil, segment{0xE1, []byte(exifPrefix)}), Limits{}, ErrNoExif, Info{}},
		{"JPEG without EXIF (look-alike in the scan)", jpegFile(nil), Limits{}, ErrNoExif, Info{}},
		{"JPEG, EXIF after SOS", cat(jpegSOI, seg(0xDA, "s"), seg(0xE1, exifPrefix+string(block))), Limits{}, ErrNoExif, Info{}},
		{"JPEG, EOI first", cat(jpegSOI, []byte{0xFF, 0xD9}), Limits{}, ErrNoExif, Info{}},
		{"JPEG, SOI only", jpegSOI, Limits{}, ErrCorrupt, Info{}},
		{"JPEG, fill bytes to the end", cat(jpegSOI, bytes.Repeat([]byte{0xFF}, 100)), Limits{}, ErrCorrupt, Info{}},
		{"JPEG, no marker", cat(jpegSOI, []byte{0x00, 0xFF, 0xE1}), Limits{}, ErrCorrupt, Info{}},
		{"JPEG, marker 00", cat(jpegSOI, []byte{0xFF, 0x00, 0x00, 0x04}), Limits{}, ErrCorrupt, Info{}},
		{"JPEG, second SOI", cat(jpegSOI, jpegSOI, seg(0xE1, exifPrefix+string(block))), Limits{}, ErrCorrupt, Info{}},
		{"JPEG, segment length 1", cat(jpegSOI, []byte{0xFF, 0xE0, 0x00, 0x01}), Limits{}, ErrCorrupt, Info{}},
		{"JPEG, segment length 0", cat(jpegSOI, []byte{0xFF, 0xE0, 0x00, 0x00}), Limits{}, ErrCorrupt, Info{}},
		{"JPEG, segment past the end", cat(jpegSOI, []byte{0xFF, 0xE0, 0xFF, 0xFF, 'J'}), Limits{}, ErrCorrupt, Info{}},
		{"JPEG, length cut", cat(jpegSOI, []byte{0xFF, 0xE0, 0x00}), Limits{}, ErrCorrupt, Info{}},
		{"JPEG, segments up to MaxSegments", jpegFile(block, many(9)...), Limits{MaxSegments: 11}, nil, good},
		{"JPEG, more segments than MaxSegments", jpegFile(block, many(10)...), Limits{MaxSegments: 11}, ErrCorrupt, Info{}},

		{"PNG", pngFile(block), Limits{}, nil, good},
		{"PNG, EXIF prefix in eXIf", pngFile(append([]byte(exifPrefix), block...)), Limits{}, nil, good},
		{"PNG without eXIf", pngFile(nil), Limits{}, ErrNoExif, Info{}},
		{"PNG, eXIf after IDAT",
			cat(pngSig, pngChunk("IHDR", make([]byte, 13)), pngChunk("IDAT", []byte{1}), pngChunk("eXIf", block), pngChunk("IEND", nil)),
			Limits{}, nil, good},
		{"PNG, no IEND", cat(pngSig, pngChunk("IHDR", make([]byte, 13))), Limits{}, ErrCorrupt, Info{}},
		{"PNG, chunk length over 2^31",
			cat(pngSig, []byte{0x80, 0, 0, 0}, []byte("tEXt"), pngChunk("eXIf", block)), Limits{}, ErrCorrupt, Info{}},
		{"PNG, chunk past the end", cat(pngSig, []byte{0, 0, 1, 0}, []byte("tEXt"), []byte("abc")), Limits{}, ErrCorrupt, Info{}},
		{"PNG, header cut", cat(pngSig, []byte{0, 0, 0}), Limits{}, ErrCorrupt, Info{}},
		{"PNG, more chunks than MaxSegments", pngFile(block), Limits{MaxSegments: 2}, ErrCorrupt, Info{}},

		{"WebP", webpFile(block), Limits{}, nil, good},
		{"WebP, EXIF prefix in EXIF", webpFile(append([]byte(exifPrefix), block...)), Limits{}, nil, good},
		{"WebP, odd-sized EXIF chunk", webpFile(append(slices.Clone(block), 0)), Limits{}, nil, good},
		{"WebP without EXIF", webpFile(nil), Limits{}, ErrNoExif, Info{}},
		{"WebP, odd last chunk unpadded", webp(webpChunk("VP8L", []byte{1, 2, 3})[:11]), Limits{}, ErrNoExif, Info{}},
		{"WebP, trailing bytes after RIFF", append(webpFile(nil), webpChunk("EXIF", block)...), Limits{}, ErrNoExif, Info{}},
		{"WebP, RIFF size past the end", webpFile(nil)[:len(webpFile(nil))-2], Limits{}, ErrCorrupt, Info{}},
		{"WebP, chunk past the RIFF",
			webp(cat([]byte("VP8L"), binary.LittleEndian.AppendUint32(nil, 0xFFFFFFF0), []byte{1, 2})), Limits{}, ErrCorrupt, Info{}},
		{"WebP, header only", []byte("RIFF\x04\x00\x00\x00WEBP"), Limits{}, ErrNoExif, Info{}},
		{"WebP, RIFF size 0", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), Limits{}, ErrNoExif, Info{}},
		{"WebP, more chunks than MaxSegments", webpFile(block), Limits{MaxSegments: 2}, ErrCorrupt, Info{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.lim.Read(tc.data)
			checkErr(t, err, tc.wantErr, "")
			if d := cmp.Diff(tc.want, got, cmpInfo); d != "" {
				t.Errorf("Info mismatch (-want +got):\n%s", d)
			}
		})
	}
}
