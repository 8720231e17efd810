package exif

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestHostile reads blocks whose offsets, counts, types and IFD links lie, in both byte orders:
// each must give the documented error and exactly the fields that can still be read.
func TestHostile(t *testing.T) {
	t.Parallel()
	makeModel := []ent{asc(0x010F, "abc"), asc(0x0110, "xyz")} // inline values
	tests := []struct {
		name    string
		block   func(bo byteOrder) []byte
		lim     Limits
		wantErr error // nil, ErrNoExif or ErrCorrupt
		want    Info
		detail  string // a substring of the error message, when set
	}{
		{"IFD0 outside the block", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd(makeModel, 0)
			w.setIFD0(0xFFFFFFF0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{}, "outside"},
		{"IFD0 at the last byte", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd(makeModel, 0)
			w.setIFD0(uint32(len(w.buf) - 1))
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{}, "outside"},
		{"IFD0 offset 0", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd(makeModel, 0)
			w.setIFD0(0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{}, "no IFD0"},
		{"IFD0 inside the header", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.setIFD0(2) // reads the magic as an entry count
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{}, ""},
		{"header only", func(bo byteOrder) []byte { return newTW(bo).bytes() }, Limits{}, ErrCorrupt, Info{}, "outside"},
		{"65535 entries declared, 2 present", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd(makeModel, 0)
			bo.PutUint16(w.buf[8:], 0xFFFF)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{Make: "abc", Model: "xyz"}, "declares 65535 entries"},
		{"entries cut mid-entry", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd(makeModel, 0)
			return w.bytes()[:8+2+12+5]
		}, Limits{}, ErrCorrupt, Info{Make: "abc"}, ""},
		{"next-IFD offset missing", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd(makeModel, 0)
			return w.bytes()[:8+2+24]
		}, Limits{}, ErrCorrupt, Info{Make: "abc", Model: "xyz"}, "next-IFD"},
		{"more entries than MaxEntries", func(bo byteOrder) []byte {
			es := []ent{asc(0x010F, "abc")}
			for i := range 18 {
				es = append(es, short(0xC000+uint16(i), 1))
			}
			es = append(es, asc(0x0110, "xyz"))
			w := newTW(bo)
			w.ifd(es, 0)
			return w.bytes()
		}, Limits{MaxEntries: 10}, ErrCorrupt, Info{Make: "abc"}, "limit of 10"},
		{"Exif IFD outside the block", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd(append(makeModel, long(0x8769, 0x7FFFFFFF)), 0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{Make: "abc", Model: "xyz"}, "Exif IFD at byte 2147483647 is outside"},
		{"Exif IFD is IFD0 (loop)", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd(append(makeModel, long(0x8769, 8)), 0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{Make: "abc", Model: "xyz"}, "loop"},
		{"GPS IFD is the Exif IFD", func(bo byteOrder) []byte {
			w := newTW(bo)
			exifAt := 8 + ifdSize(bo, []ent{long(0x8769, 0), long(0x8825, 0)})
			w.ifd([]ent{long(0x8769, exifAt), long(0x8825, exifAt)}, 0)
			w.ifd([]ent{asc(0x9003, "2016:08:17 11:11:37")}, 0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{DateTimeOriginal: wall(2016, 8, 17, 11, 11, 37, 0)}, "loop"},
		{"IFD0 is its own next IFD", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd(makeModel, 8)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{Make: "abc", Model: "xyz"}, "IFD1 at byte 8 is IFD0 again"},
		{"IFD1 is the GPS IFD", func(bo byteOrder) []byte {
			w := newTW(bo)
			gpsAt := 8 + ifdSize(bo, []ent{long(0x8825, 0)})
			w.ifd([]ent{long(0x8825, gpsAt)}, gpsAt)
			w.ifd([]ent{asc(0x0001, "N"), rat(0x0002, 1, 1), asc(0x0003, "E"), rat(0x0004, 2, 1)}, 0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{GPS: &GPS{Latitude: 1, Longitude: 2}}, "loop"},
		{"IFD1 points back to IFD0: not followed", func(bo byteOrder) []byte {
			w := newTW(bo)
			ifd1At := 8 + ifdSize(bo, makeModel)
			w.ifd(makeModel, ifd1At)
			w.ifd([]ent{short(0x0103, 6)}, 8)
			return w.bytes()
		}, Limits{}, nil, Info{Make: "abc", Model: "xyz"}, ""},
		{"Exif IFD pointer as text", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd(append(makeModel, asc(0x8769, "abc")), 0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{Make: "abc", Model: "xyz"}, "type 2"},
		{"Exif IFD pointer with count 2", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd(append(makeModel, long(0x8769, 8, 8)), 0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{Make: "abc", Model: "xyz"}, "count 2"},
		{"Exif IFD pointer 0: absent", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd(append(makeModel, long(0x8769, 0), long(0x8825, 0)), 0)
			return w.bytes()
		}, Limits{}, nil, Info{Make: "abc", Model: "xyz"}, ""},
		{"IFD at an odd offset", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.buf = append(w.buf, 0)
			w.setIFD0(9)
			w.buf = bo.AppendUint16(w.buf, 1)
			w.buf = bo.AppendUint16(w.buf, 0x0112)
			w.buf = bo.AppendUint16(w.buf, typeShort)
			w.buf = bo.AppendUint32(w.buf, 1)
			w.buf = bo.AppendUint16(w.buf, 3)
			w.buf = append(w.buf, 0, 0, 0, 0, 0, 0)
			return w.bytes()
		}, Limits{}, nil, Info{Orientation: 3}, ""},
		{"huge text count, tiny data", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd([]ent{asc(0x010F, "abcdefgh").withCount(0xFFFFFFFF).at(8), asc(0x0110, "xyz")}, 0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{Model: "xyz"}, "4294967295 values"},
		{"RATIONAL count*8 wraps 32 bits", func(bo byteOrder) []byte {
			w := newTW(bo)
			gpsAt := 8 + ifdSize(bo, []ent{long(0x8825, 0)})
			w.ifd([]ent{long(0x8825, gpsAt)}, 0)
			// 0x20000001*8 = 2^32+8: in 32 bits, 8 bytes at byte 8, which exist.
			w.ifd([]ent{asc(0x0001, "N"), rat(0x0002, 1, 1).withCount(0x20000001).at(8), asc(0x0003, "E"), rat(0x0004, 2, 1)}, 0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{}, "overrun"},
		{"LONG count*4 wraps to 0", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd([]ent{long(0xA002, 640).withCount(0x40000000), long(0xA003, 480)}, 0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{}, "overrun"},
		{"offset+size wraps", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd([]ent{asc(0x010F, strings.Repeat("a", 31)).at(0xFFFFFFF0), asc(0x0110, "xyz")}, 0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{Model: "xyz"}, "overrun"},
		{"value ends at the last byte", func(bo byteOrder) []byte {
			w := newTW(bo)
			const start = 8 + 2 + 12 + 4 // after IFD0: the block's last 5 bytes
			w.ifd([]ent{asc(0x010F, "abcd").at(start)}, 0)
			w.buf = append(w.buf, "abcd\x00"...)
			return w.bytes()
		}, Limits{}, nil, Info{Make: "abcd"}, ""},
		{"value ends one byte past the block", func(bo byteOrder) []byte {
			w := newTW(bo)
			const start = 8 + 2 + 12 + 4
			w.ifd([]ent{asc(0x010F, "abcd").at(start + 1)}, 0)
			w.buf = append(w.buf, "abcd\x00"...)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{}, "overrun"},
		{"text values share their bytes", func(bo byteOrder) []byte {
			text := strings.Repeat("A", 300)
			var es []ent
			for _, tag := range []uint16{0x010F, 0x0110, 0x0131, 0x013B, 0x8298} {
				es = append(es, asc(tag, text).at(200))
			}
			w := newTW(bo)
			w.ifd(es, 0)
			w.buf = append(w.buf, make([]byte, 200+301-len(w.buf))...)
			copy(w.buf[200:], text+"\x00")
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{Make: strings.Repeat("A", 300)}, "overlap"},
		{"thumbnail overruns the block", func(bo byteOrder) []byte {
			w := newTW(bo)
			ifd1At := 8 + ifdSize(bo, makeModel)
			w.ifd(makeModel, ifd1At)
			w.ifd([]ent{long(0x0201, ifd1At), long(0x0202, 1000)}, 0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{Make: "abc", Model: "xyz"}, "thumbnail"},
		{"thumbnail offset and length wrap", func(bo byteOrder) []byte {
			w := newTW(bo)
			ifd1At := 8 + ifdSize(bo, makeModel)
			w.ifd(makeModel, ifd1At)
			w.ifd([]ent{long(0x0201, 0xFFFFFFFF), long(0x0202, 0xFFFFFFFF)}, 0)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{Make: "abc", Model: "xyz"}, "thumbnail"},
		{"unknown type with a huge count is skipped", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd([]ent{{tag: 0x010F, typ: 0x4242, raw: []byte("abcd"), count: 0xFFFFFFFF}, asc(0x0110, "xyz")}, 0)
			return w.bytes()
		}, Limits{}, nil, Info{Model: "xyz"}, ""},
		{"zero denominators everywhere", func(bo byteOrder) []byte {
			return doc{gps: []ent{
				asc(0x0001, "N"), rat(0x0002, 1, 0, 1, 0, 1, 0), asc(0x0003, "E"), rat(0x0004, 0, 0),
				rat(0x0006, 1, 0), rat(0x0007, 1, 0, 1, 0, 1, 0), asc(0x001D, "2020:01:01"),
			}}.block(bo)
		}, Limits{}, nil, Info{}, ""},
		{"every problem at once", func(bo byteOrder) []byte {
			w := newTW(bo)
			w.ifd([]ent{
				asc(0x010F, "abcdefgh").withCount(0xFFFFFFFF),
				long(0x8769, 8), long(0x8825, 0xFFFFFF00),
			}, 8)
			bo.PutUint16(w.buf[8:], 50)
			return w.bytes()
		}, Limits{}, ErrCorrupt, Info{}, "more problems"},
	}
	for _, tc := range tests {
		for _, o := range orders {
			t.Run(tc.name+"/"+o.name, func(t *testing.T) {
				t.Parallel()
				block := tc.block(o.bo)
				got, err := tc.lim.ReadTIFF(block)
				checkErr(t, err, tc.wantErr, tc.detail)
				if d := cmp.Diff(tc.want, got, cmpInfo); d != "" {
					t.Errorf("Info mismatch (-want +got):\n%s", d)
				}
				// The same block in a JPEG reads the same.
				got2, err2 := tc.lim.Read(jpegFile(block))
				if !errors.Is(err2, tc.wantErr) || (tc.wantErr == nil && err2 != nil) || !cmp.Equal(got, got2, cmpInfo) {
					t.Errorf("in a JPEG: %v, %v; bare: %v, %v", got2, err2, got, err)
				}
			})
		}
	}
}

// checkErr checks that err is nil when want is nil, or wraps want and contains detail.
func checkErr(t *testing.T, err, want error, detail string) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("err = %v, want nil", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("err = %v, want %v", err, want)
	case err != nil && !strings.Contains(err.Error(), detail):
		t.Errorf("err = %q, want it to mention %q", err, detail)
	}
}

// TestHeaders checks what is and is not a TIFF header, through ReadTIFF and Read.
func TestHeaders(t *testing.T) {
	t.Parallel()
	valid := doc{ifd0: []ent{short(0x0112, 2)}}.block(orders[0].bo)
	tests := []struct {
		name             string
		data             []byte
		tiffErr, readErr error
	}{
		{"empty", nil, ErrNoExif, ErrNoExif},
		{"Exif prefix only", []byte(exifPrefix), ErrNoExif, ErrNoExif},
		{"4 bytes", []byte("II*\x00"), ErrCorrupt, ErrCorrupt},
		{"7 bytes", []byte("MM\x00*\x00\x00\x00"), ErrCorrupt, ErrCorrupt},
		{"mixed byte order", append([]byte("IM"), valid[2:]...), ErrCorrupt, ErrNoExif},
		{"wrong magic", append([]byte("II\x2b\x00"), valid[4:]...), ErrCorrupt, ErrNoExif},
		{"BigTIFF", []byte("II+\x00\x08\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00"), ErrCorrupt, ErrNoExif},
		{"big-endian magic in a little-endian header", append([]byte("II\x00*"), valid[4:]...), ErrCorrupt, ErrNoExif},
		{"HEIC", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), ErrCorrupt, ErrNoExif},
		{"text", []byte("Exif is a metadata format"), ErrCorrupt, ErrNoExif},
		{"valid", valid, nil, nil},
		{"valid, prefixed", append([]byte(exifPrefix), valid...), nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			info, err := ReadTIFF(tc.data)
			checkErr(t, err, tc.tiffErr, "")
			if tc.tiffErr != nil && !cmp.Equal(info, Info{}, cmpInfo) {
				t.Errorf("ReadTIFF: Info = %+v with %v, want empty", info, err)
			}
			_, err = Read(tc.data)
			checkErr(t, err, tc.readErr, "")
		})
	}
}

// TestNoAliasing checks that Info holds no reference to the input but Thumbnail: changing the
// input after Read changes nothing else.
func TestNoAliasing(t *testing.T) {
	t.Parallel()
	data := jpegFile(cameraDoc(t).block(orders[1].bo))
	info, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	want := info
	want.Thumbnail = bytes.Clone(info.Thumbnail)
	for i := range data {
		data[i] = 'x'
	}
	info.Thumbnail = want.Thumbnail
	if d := cmp.Diff(cameraInfo(t), info, cmpInfo); d != "" {
		t.Errorf("Info changed with its input (-want +got):\n%s", d)
	}
}
