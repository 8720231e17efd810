package exif

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// cmpInfo compares Infos: times by instant and zone offset, floats to 1e-9.
var cmpInfo = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool {
		_, oa := a.Zone()
		_, ob := b.Zone()
		return a.Equal(b) && oa == ob
	}),
	cmpopts.EquateApprox(0, 1e-9),
	cmpopts.EquateEmpty(),
}

func ptr[T any](v T) *T { return &v }

// at returns a Time in a zone offset minutes east of UTC, with the offset known.
func at(y int, mo time.Month, d, h, mi, s, ns, offMinutes int) *Time {
	return &Time{Time: time.Date(y, mo, d, h, mi, s, ns, time.FixedZone("", offMinutes*60)), OffsetKnown: true}
}

// wall returns a Time whose offset is unknown: the wall clock labelled UTC.
func wall(y int, mo time.Month, d, h, mi, s, ns int) *Time {
	return &Time{Time: time.Date(y, mo, d, h, mi, s, ns, time.UTC)}
}

// thumbJPEG is a real 16x8 JPEG, the kind of thumbnail IFD1 points to.
func thumbJPEG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewGray(image.Rect(0, 0, 16, 8))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 50}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// cameraDoc is the block a camera with GPS would write: every field Info has, in the IFDs where
// the standard puts them, with the tags around them that this package ignores, values of every
// TIFF type, and a thumbnail.
func cameraDoc(tb testing.TB) doc {
	return doc{
		ifd0: []ent{
			asc(0x010E, "Harbour at dusk   "),
			asc(0x010F, "NIKON CORPORATION"),
			asc(0x0110, "NIKON D750"),
			short(0x0112, 6),
			rat(0x011A, 300, 1),
			rat(0x011B, 300, 1),
			short(0x0128, 2),
			asc(0x0131, "Ver.1.10 "),
			asc(0x0132, "2021:06:05 14:03:22"),
			asc(0x013B, "J. Doe"),
			asc(0x013C, "lab-pc"),
			short(0x0213, 1),
			rawASCII(0x8298, "J. Doe\x00Agency X\x00"),
			// Private tags of every other type, which must be skipped.
			sbyt(0xC000, -1, 2, -3, 4, -5),
			sshort(0xC001, -300, 300, -3),
			slong(0xC002, -70000, 70000),
			float(0xC003, 1.5, -2.25),
			double(0xC004, 3.125),
			srat(0xC005, -1, 3, 5, -7),
			ifdPtr(0xC006, 0),
			byt(0xC007, 1, 2, 3, 4, 5, 6),
		},
		exif: []ent{
			rat(0x829A, 1, 250),
			rat(0x829D, 28, 10),
			short(0x8827, 400),
			und(0x9000, "0231"),
			asc(0x9003, "2021:06:05 14:03:21"),
			asc(0x9004, "2021:06:05 14:03:20"),
			asc(0x9010, "+02:00"),
			asc(0x9011, "+02:00"),
			asc(0x9012, "-03:30"),
			srat(0x9204, -1, 3),
			und(0x9286, "ASCII\x00\x00\x00on the pier  "),
			asc(0x9290, "5"),
			asc(0x9291, "123"),
			asc(0x9292, "04"),
			long(0xA002, 6016),
			short(0xA003, 4016),
			long(0xA005, 0), // Interop IFD: not followed
			asc(0xA420, "0123456789abcdef0123456789abcdef"),
			asc(0xA430, "Jane Roe"),
			asc(0xA431, "3012345"),
			rat(0xA432, 24, 1, 70, 1, 28, 10, 28, 10),
			asc(0xA433, "NIKON"),
			asc(0xA434, "AF-S 24-70mm f/2.8G"),
			asc(0xA435, "205566"),
		},
		gps: []ent{
			byt(0x0000, 2, 3, 0, 0),
			asc(0x0001, "S"),
			rat(0x0002, 33, 1, 51, 1, 3540, 100),
			asc(0x0003, "E"),
			rat(0x0004, 151, 1, 12, 1, 4020, 100),
			byt(0x0005, 1),
			rat(0x0006, 125, 10),
			rat(0x0007, 12, 1, 3, 1, 2150, 100),
			asc(0x0012, "WGS-84"),
			asc(0x001D, "2021:06:05"),
		},
		ifd1:  []ent{short(0x0103, 6), rat(0x011A, 72, 1)},
		thumb: thumbJPEG(tb),
	}
}

// cameraInfo is what cameraDoc reads as.
func cameraInfo(tb testing.TB) Info {
	return Info{
		Make:              "NIKON CORPORATION",
		Model:             "NIKON D750",
		Serial:            "3012345",
		Owner:             "Jane Roe",
		LensMake:          "NIKON",
		LensModel:         "AF-S 24-70mm f/2.8G",
		LensSerial:        "205566",
		Software:          "Ver.1.10",
		HostComputer:      "lab-pc",
		Artist:            "J. Doe",
		Copyright:         "J. Doe; Agency X",
		ImageDescription:  "Harbour at dusk",
		UserComment:       "on the pier",
		ImageUniqueID:     "0123456789abcdef0123456789abcdef",
		DateTimeOriginal:  at(2021, 6, 5, 14, 3, 21, 123e6, 120),
		DateTimeDigitized: at(2021, 6, 5, 14, 3, 20, 40e6, -210),
		DateTime:          at(2021, 6, 5, 14, 3, 22, 500e6, 120),
		Orientation:       6,
		Width:             6016,
		Height:            4016,
		GPS: &GPS{
			Latitude:  -(33 + 51.0/60 + 35.4/3600),
			Longitude: 151 + 12.0/60 + 40.2/3600,
			Altitude:  ptr(-12.5),
			Time:      ptr(time.Date(2021, 6, 5, 12, 3, 21, 500e6, time.UTC)),
			MapDatum:  "WGS-84",
		},
		Thumbnail: thumbJPEG(tb),
	}
}

// TestCamera reads the full camera block in both byte orders, bare and in every container.
func TestCamera(t *testing.T) {
	t.Parallel()
	want := cameraInfo(t)
	for _, o := range orders {
		block := cameraDoc(t).block(o.bo)
		for _, c := range []struct {
			name string
			read func() (Info, error)
		}{
			{"ReadTIFF", func() (Info, error) { return ReadTIFF(block) }},
			{"ReadTIFF-prefixed", func() (Info, error) { return ReadTIFF(append([]byte(exifPrefix), block...)) }},
			{"TIFF", func() (Info, error) { return Read(block) }},
			{"Exif-prefixed", func() (Info, error) { return Read(append([]byte(exifPrefix), block...)) }},
			{"JPEG", func() (Info, error) { return Read(jpegFile(block)) }},
			{"PNG", func() (Info, error) { return Read(pngFile(block)) }},
			{"WebP", func() (Info, error) { return Read(webpFile(block)) }},
		} {
			t.Run(o.name+"/"+c.name, func(t *testing.T) {
				got, err := c.read()
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				if d := cmp.Diff(want, got, cmpInfo); d != "" {
					t.Errorf("Info mismatch (-want +got):\n%s", d)
				}
				if _, err := jpeg.DecodeConfig(bytes.NewReader(got.Thumbnail)); err != nil {
					t.Errorf("thumbnail does not decode: %v", err)
				}
			})
		}
	}
}

// TestFields reads small blocks, each about one field or rule, in both byte orders.
func TestFields(t *testing.T) {
	t.Parallel()
	utc := func(y int, mo time.Month, d, h, mi, s int) *time.Time {
		return ptr(time.Date(y, mo, d, h, mi, s, 0, time.UTC))
	}
	// gps builds a GPS IFD from a base position (10°30'N 20°15'W) with entries replaced or added.
	gps := func(es ...ent) []ent {
		base := []ent{
			asc(0x0001, "N"), rat(0x0002, 10, 1, 30, 1, 0, 1),
			asc(0x0003, "W"), rat(0x0004, 20, 1, 15, 1, 0, 1),
		}
		for _, e := range es {
			replaced := false
			for i := range base {
				if base[i].tag == e.tag {
					base[i], replaced = e, true
				}
			}
			if !replaced {
				base = append(base, e)
			}
		}
		return base
	}
	basePos := func(g GPS) *GPS { g.Latitude, g.Longitude = 10.5, -20.25; return &g }
	// Entries that must always be ignored, whatever the rest.
	tests := []struct {
		name string
		doc  doc
		lim  Limits
		want Info
	}{
		{"empty IFD0", doc{ifd0: []ent{}}, Limits{}, Info{}},
		{"make model software",
			doc{ifd0: []ent{asc(0x010F, "Canon"), asc(0x0110, "Canon EOS R5"), asc(0x0131, "Firmware 1.8.1")}}, Limits{},
			Info{Make: "Canon", Model: "Canon EOS R5", Software: "Firmware 1.8.1"}},
		{"inline text", doc{ifd0: []ent{asc(0x010F, "abc"), asc(0x0110, "")}}, Limits{}, Info{Make: "abc"}},
		{"text cut at NUL, trimmed", doc{ifd0: []ent{rawASCII(0x010F, "  Canon \x00garbage")}}, Limits{}, Info{Make: "Canon"}},
		{"text without NUL", doc{ifd0: []ent{rawASCII(0x010F, "Canon")}}, Limits{}, Info{Make: "Canon"}},
		{"text of NULs", doc{ifd0: []ent{rawASCII(0x010F, "\x00\x00\x00\x00\x00\x00")}}, Limits{}, Info{}},
		{"text as BYTE and UNDEFINED",
			doc{ifd0: []ent{byt(0x010F, 'H', 'T', 'C'), und(0x0110, "One M8\x00")}}, Limits{},
			Info{Make: "HTC", Model: "One M8"}},
		{"text of wrong type", doc{ifd0: []ent{short(0x010F, 65), long(0x0110, 66), rat(0x0131, 1, 2)}}, Limits{}, Info{}},
		{"UTF-8 kept", doc{ifd0: []ent{asc(0x013B, "Jérôme Ünal 北京 😀")}}, Limits{}, Info{Artist: "Jérôme Ünal 北京 😀"}},
		{"invalid UTF-8 replaced",
			doc{ifd0: []ent{asc(0x013B, "\xffJ\xe9r\xf4me\xc3")}}, Limits{},
			Info{Artist: "\uFFFDJ\uFFFDr\uFFFDme\uFFFD"}},
		{"controls and bidi replaced, breaks to spaces",
			doc{ifd0: []ent{asc(0x013B, "a\x1b[31mb\tc\r\nd\u202Ee\x7f\u0085f\u2028g\u2066h")}}, Limits{},
			Info{Artist: "a\uFFFD[31mb c  d\uFFFDe\uFFFD\uFFFDf g\uFFFDh"}},
		{"text capped at MaxStringLen",
			doc{ifd0: []ent{asc(0x010E, "0123456789abcdef"), asc(0x013B, "ééééé")}}, Limits{MaxStringLen: 5},
			Info{ImageDescription: "01234", Artist: "éé"}},
		{"copyright photographer and editor",
			doc{ifd0: []ent{rawASCII(0x8298, "Jane Roe\x00Agency X\x00")}}, Limits{}, Info{Copyright: "Jane Roe; Agency X"}},
		{"copyright editor only",
			doc{ifd0: []ent{rawASCII(0x8298, " \x00Agency X\x00")}}, Limits{}, Info{Copyright: "Agency X"}},
		{"copyright photographer only",
			doc{ifd0: []ent{asc(0x8298, "(c) Jane \xff")}}, Limits{}, Info{Copyright: "(c) Jane \uFFFD"}},
		{"all the text fields",
			doc{
				ifd0: []ent{asc(0x010E, "desc"), asc(0x013C, "host"), asc(0x013B, "artist")},
				exif: []ent{asc(0xA420, "uid"), asc(0xA430, "owner"), asc(0xA431, "body"),
					asc(0xA433, "lmake"), asc(0xA434, "lmodel"), asc(0xA435, "lserial")},
			}, Limits{},
			Info{ImageDescription: "desc", HostComputer: "host", Artist: "artist", ImageUniqueID: "uid",
				Owner: "owner", Serial: "body", LensMake: "lmake", LensModel: "lmodel", LensSerial: "lserial"}},
		{"serial: body serial before DNG camera serial",
			doc{ifd0: []ent{asc(0xC62F, "dng-123")}, exif: []ent{asc(0xA431, "body-456")}}, Limits{},
			Info{Serial: "body-456"}},
		{"serial: DNG camera serial alone", doc{ifd0: []ent{asc(0xC62F, "dng-123")}}, Limits{}, Info{Serial: "dng-123"}},
		{"serial: empty body serial falls back",
			doc{ifd0: []ent{asc(0xC62F, "dng-123")}, exif: []ent{asc(0xA431, "   ")}}, Limits{}, Info{Serial: "dng-123"}},

		{"user comment ASCII", doc{exif: []ent{und(0x9286, "ASCII\x00\x00\x00Hello  ")}}, Limits{}, Info{UserComment: "Hello"}},
		{"user comment undefined code, blank", doc{exif: []ent{und(0x9286, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")}}, Limits{}, Info{}},
		{"user comment undefined code, text", doc{exif: []ent{und(0x9286, "\x00\x00\x00\x00\x00\x00\x00\x00Hi\x00")}}, Limits{}, Info{UserComment: "Hi"}},
		{"user comment JIS not decoded", doc{exif: []ent{und(0x9286, "JIS\x00\x00\x00\x00\x00\x1b$B$3\x1b(B")}}, Limits{}, Info{}},
		{"user comment Unicode with BOM (BE)",
			doc{exif: []ent{und(0x9286, "UNICODE\x00\xfe\xff\x00H\x00\xe9\xd8\x3d\xde\x00\x00\x00\x00x")}}, Limits{},
			Info{UserComment: "Hé😀"}},
		{"user comment Unicode with BOM (LE)",
			doc{exif: []ent{und(0x9286, "UNICODE\x00\xff\xfeH\x00\xe9\x00 \x00")}}, Limits{},
			Info{UserComment: "Hé"}},
		{"user comment Unicode, lone surrogate and control",
			doc{exif: []ent{und(0x9286, "UNICODE\x00\xfe\xff\xd8\x00\x00A\x00\x07\x00B")}}, Limits{},
			Info{UserComment: "\uFFFDA\uFFFDB"}},
		{"user comment without code", doc{exif: []ent{und(0x9286, "short")}}, Limits{}, Info{UserComment: "short"}},
		{"user comment wrong type", doc{exif: []ent{short(0x9286, 1, 2, 3, 4, 5)}}, Limits{}, Info{}},

		{"orientation SHORT", doc{ifd0: []ent{short(0x0112, 3)}}, Limits{}, Info{Orientation: 3}},
		{"orientation LONG", doc{ifd0: []ent{long(0x0112, 8)}}, Limits{}, Info{Orientation: 8}},
		{"orientation BYTE", doc{ifd0: []ent{byt(0x0112, 5)}}, Limits{}, Info{Orientation: 5}},
		{"orientation 0", doc{ifd0: []ent{short(0x0112, 0)}}, Limits{}, Info{}},
		{"orientation 9", doc{ifd0: []ent{short(0x0112, 9)}}, Limits{}, Info{}},
		{"orientation as text", doc{ifd0: []ent{asc(0x0112, "6")}}, Limits{}, Info{}},
		{"orientation count 0", doc{ifd0: []ent{short(0x0112).withCount(0)}}, Limits{}, Info{}},
		{"orientation signed", doc{ifd0: []ent{sshort(0x0112, 6)}}, Limits{}, Info{}},

		{"pixel dimensions", doc{exif: []ent{long(0xA002, 4000), short(0xA003, 3000)}}, Limits{}, Info{Width: 4000, Height: 3000}},
		{"pixel dimensions before IFD0 size",
			doc{ifd0: []ent{short(0x0100, 1600), short(0x0101, 1004)}, exif: []ent{long(0xA002, 1004), long(0xA003, 1600)}}, Limits{},
			Info{Width: 1004, Height: 1600}},
		{"IFD0 size when no pixel dimensions", doc{ifd0: []ent{long(0x0100, 7360), long(0x0101, 4912)}}, Limits{}, Info{Width: 7360, Height: 4912}},
		{"IFD0 size when a pixel dimension is 0",
			doc{ifd0: []ent{short(0x0100, 64), short(0x0101, 48)}, exif: []ent{long(0xA002, 0), long(0xA003, 10)}}, Limits{},
			Info{Width: 64, Height: 48}},
		{"half a size", doc{exif: []ent{long(0xA002, 640)}}, Limits{}, Info{}},
		{"size over MaxInt32", doc{exif: []ent{long(0xA002, 1<<31), long(0xA003, 1)}}, Limits{}, Info{}},

		{"times with sub-seconds and offsets",
			doc{ifd0: []ent{asc(0x0132, "2024:02:29 23:59:59")},
				exif: []ent{asc(0x9003, "1999:12:31 00:00:00"), asc(0x9004, "2000:01:01 12:30:45"),
					asc(0x9010, "-00:00"), asc(0x9011, "+14:00"), asc(0x9012, "-12:00"),
					asc(0x9290, "999999999999"), asc(0x9291, "1"), asc(0x9292, "000001")}}, Limits{},
			Info{DateTime: at(2024, 2, 29, 23, 59, 59, 999999999, 0),
				DateTimeOriginal:  at(1999, 12, 31, 0, 0, 0, 100e6, 14*60),
				DateTimeDigitized: at(2000, 1, 1, 12, 30, 45, 1000, -12*60)}},
		{"times without offsets",
			doc{ifd0: []ent{asc(0x0132, "2016:08:17 11:11:38")}, exif: []ent{asc(0x9003, "2016:08:17 11:11:37")}}, Limits{},
			Info{DateTime: wall(2016, 8, 17, 11, 11, 38, 0), DateTimeOriginal: wall(2016, 8, 17, 11, 11, 37, 0)}},
		{"time separators", doc{exif: []ent{asc(0x9003, "2016-08-17T11:11:37"), asc(0x9004, "2016-08-17 11:11:37 ")}}, Limits{},
			Info{DateTimeOriginal: wall(2016, 8, 17, 11, 11, 37, 0), DateTimeDigitized: wall(2016, 8, 17, 11, 11, 37, 0)}},
		{"invalid offsets ignored",
			doc{ifd0: []ent{asc(0x0132, "2016:08:17 11:11:38"), asc(0x9010, "+14:01")},
				exif: []ent{asc(0x9003, "2016:08:17 11:11:37"), asc(0x9011, "Z"), asc(0x9004, "2016:08:17 11:11:36"), asc(0x9012, "+01:60")}}, Limits{},
			Info{DateTime: wall(2016, 8, 17, 11, 11, 38, 0), DateTimeOriginal: wall(2016, 8, 17, 11, 11, 37, 0),
				DateTimeDigitized: wall(2016, 8, 17, 11, 11, 36, 0)}},
		{"invalid sub-seconds ignored",
			doc{ifd0: []ent{asc(0x0132, "2016:08:17 11:11:38"), asc(0x9290, "12a")}}, Limits{},
			Info{DateTime: wall(2016, 8, 17, 11, 11, 38, 0)}},
		{"blank and zero dates", doc{ifd0: []ent{asc(0x0132, "    :  :     :  :  ")}, exif: []ent{asc(0x9003, "0000:00:00 00:00:00"), asc(0x9004, "")}}, Limits{}, Info{}},
		{"impossible dates",
			doc{ifd0: []ent{asc(0x0132, "2023:02:29 10:00:00")}, exif: []ent{asc(0x9003, "2021:13:01 10:00:00"), asc(0x9004, "2021:01:01 24:00:00")}}, Limits{},
			Info{}},
		{"malformed dates",
			doc{ifd0: []ent{asc(0x0132, "2021:01:01 10:00:00 +02:00")}, exif: []ent{asc(0x9003, "2021:01-01 10:00:00"), asc(0x9004, "2021:01:01 10:0a:00")}}, Limits{},
			Info{}},
		{"date of wrong type", doc{exif: []ent{short(0x9003, 2021, 1, 1)}}, Limits{}, Info{}},

		{"GPS minimal", doc{gps: gps()}, Limits{}, Info{GPS: basePos(GPS{})}},
		{"GPS decimal degrees", doc{gps: gps(rat(0x0002, 1050, 100), rat(0x0004, 2025, 100))}, Limits{}, Info{GPS: basePos(GPS{})}},
		{"GPS degrees and decimal minutes", doc{gps: gps(rat(0x0002, 10, 1, 300, 10), rat(0x0004, 20, 1, 1500, 100))}, Limits{}, Info{GPS: basePos(GPS{})}},
		{"GPS positive SRATIONALs", doc{gps: gps(srat(0x0002, 21, 2), srat(0x0004, 81, 4))}, Limits{}, Info{GPS: basePos(GPS{})}},
		{"GPS lower-case references", doc{gps: gps(asc(0x0001, "s"), asc(0x0003, "e"))}, Limits{}, Info{GPS: &GPS{Latitude: -10.5, Longitude: 20.25}}},
		{"GPS poles and antimeridian", doc{gps: gps(rat(0x0002, 90, 1), rat(0x0004, 180, 1, 0, 1, 0, 1))}, Limits{}, Info{GPS: &GPS{Latitude: 90, Longitude: -180}}},
		{"GPS altitude above sea level", doc{gps: gps(byt(0x0005, 0), rat(0x0006, 8848, 1))}, Limits{}, Info{GPS: basePos(GPS{Altitude: ptr(8848.0)})}},
		{"GPS altitude without reference", doc{gps: gps(rat(0x0006, 1, 4))}, Limits{}, Info{GPS: basePos(GPS{Altitude: ptr(0.25)})}},
		{"GPS altitude below sea level", doc{gps: gps(byt(0x0005, 1), rat(0x0006, 430, 1))}, Limits{}, Info{GPS: basePos(GPS{Altitude: ptr(-430.0)})}},
		{"GPS altitude, unknown reference", doc{gps: gps(byt(0x0005, 2), rat(0x0006, 430, 1))}, Limits{}, Info{GPS: basePos(GPS{})}},
		{"GPS altitude, zero denominator", doc{gps: gps(rat(0x0006, 430, 0))}, Limits{}, Info{GPS: basePos(GPS{})}},
		{"GPS altitude, wrong type", doc{gps: gps(srat(0x0006, -430, 1))}, Limits{}, Info{GPS: basePos(GPS{})}},
		{"GPS time", doc{gps: gps(rat(0x0007, 23, 1, 59, 1, 5999, 100), asc(0x001D, "2020:02:29"))}, Limits{},
			Info{GPS: basePos(GPS{Time: ptr(time.Date(2020, 2, 29, 23, 59, 59, 990e6, time.UTC))})}},
		{"GPS time, integer fields", doc{gps: gps(rat(0x0007, 7, 1, 8, 1, 9, 1), asc(0x001D, "2020-02-28"))}, Limits{},
			Info{GPS: basePos(GPS{Time: utc(2020, 2, 28, 7, 8, 9)})}},
		{"GPS time without date", doc{gps: gps(rat(0x0007, 7, 1, 8, 1, 9, 1))}, Limits{}, Info{GPS: basePos(GPS{})}},
		{"GPS date without time", doc{gps: gps(asc(0x001D, "2020:02:28"))}, Limits{}, Info{GPS: basePos(GPS{})}},
		{"GPS time out of range", doc{gps: gps(rat(0x0007, 24, 1, 0, 1, 0, 1), asc(0x001D, "2020:02:28"))}, Limits{}, Info{GPS: basePos(GPS{})}},
		{"GPS time, zero denominator", doc{gps: gps(rat(0x0007, 1, 1, 0, 0, 0, 1), asc(0x001D, "2020:02:28"))}, Limits{}, Info{GPS: basePos(GPS{})}},
		{"GPS invalid date", doc{gps: gps(rat(0x0007, 1, 1, 0, 1, 0, 1), asc(0x001D, "2020:02:30"))}, Limits{}, Info{GPS: basePos(GPS{})}},
		{"GPS map datum", doc{gps: gps(asc(0x0012, "WGS-84 "))}, Limits{}, Info{GPS: basePos(GPS{MapDatum: "WGS-84"})}},
		{"GPS latitude over 90", doc{gps: gps(rat(0x0002, 90, 1, 0, 1, 1, 100))}, Limits{}, Info{}},
		{"GPS longitude over 180", doc{gps: gps(rat(0x0004, 181, 1))}, Limits{}, Info{}},
		{"GPS minutes of 60", doc{gps: gps(rat(0x0002, 10, 1, 60, 1, 0, 1))}, Limits{}, Info{}},
		{"GPS seconds of 60", doc{gps: gps(rat(0x0004, 10, 1, 0, 1, 60, 1))}, Limits{}, Info{}},
		{"GPS zero denominator", doc{gps: gps(rat(0x0002, 10, 1, 30, 0, 0, 1))}, Limits{}, Info{}},
		{"GPS all zero denominators", doc{gps: gps(rat(0x0002, 0, 0, 0, 0, 0, 0), rat(0x0004, 0, 0, 0, 0, 0, 0))}, Limits{}, Info{}},
		{"GPS negative SRATIONAL", doc{gps: gps(srat(0x0002, -10, 1))}, Limits{}, Info{}},
		{"GPS negative denominator", doc{gps: gps(srat(0x0002, 10, -1))}, Limits{}, Info{}},
		{"GPS four components", doc{gps: gps(rat(0x0002, 10, 1, 30, 1, 0, 1, 0, 1))}, Limits{}, Info{}},
		{"GPS wrong type", doc{gps: gps(long(0x0002, 10, 30, 0))}, Limits{}, Info{}},
		{"GPS without latitude reference", doc{gps: gps(asc(0x0001, ""))}, Limits{}, Info{}},
		{"GPS with unknown reference", doc{gps: gps(asc(0x0003, "X"))}, Limits{}, Info{}},
		{"GPS with long reference", doc{gps: gps(asc(0x0003, "EW"))}, Limits{}, Info{}},
		{"GPS without longitude", doc{gps: []ent{asc(0x0001, "N"), rat(0x0002, 10, 1)}}, Limits{}, Info{}},
		{"GPS tags outside the GPS IFD ignored",
			doc{ifd0: []ent{asc(0x0001, "N"), rat(0x0002, 10, 1), asc(0x0003, "E"), rat(0x0004, 10, 1)}}, Limits{}, Info{}},

		{"thumbnail not a JPEG", doc{thumb: []byte("PNG?")}, Limits{}, Info{}},
		{"thumbnail of length 0", doc{ifd1: []ent{long(0x0201, 8), long(0x0202, 0)}}, Limits{}, Info{}},
		{"thumbnail offset as SHORT", doc{ifd1: []ent{short(0x0201, 0), short(0x0202, 2)}}, Limits{}, Info{}},

		{"unknown types ignored",
			doc{ifd0: []ent{{tag: 0x010F, typ: 99, raw: []byte("Canon\x00")}, {tag: 0x0110, typ: 0, raw: []byte("R5\x00")},
				{tag: 0xC010, typ: 16, vals: []uint64{1}}}}, Limits{}, Info{}},
		{"duplicate tag: first wins", doc{ifd0: []ent{asc(0x010F, "First"), asc(0x010F, "Second")}}, Limits{}, Info{Make: "First"}},
		{"Exif tags in IFD0 and IFD0 tags in the Exif IFD",
			doc{ifd0: []ent{asc(0x9003, "2016:08:17 11:11:37")}, exif: []ent{asc(0x010F, "Sony")}}, Limits{},
			Info{Make: "Sony", DateTimeOriginal: wall(2016, 8, 17, 11, 11, 37, 0)}},
		{"IFD1 tags outside IFD1 ignored", doc{ifd0: []ent{long(0x0201, 8), long(0x0202, 2)}}, Limits{}, Info{}},
		{"IFD1 size tags ignored", doc{ifd1: []ent{long(0x0100, 160), long(0x0101, 120), short(0x0112, 3)}}, Limits{}, Info{}},
	}
	for _, tc := range tests {
		for _, o := range orders {
			t.Run(tc.name+"/"+o.name, func(t *testing.T) {
				t.Parallel()
				got, err := tc.lim.ReadTIFF(tc.doc.block(o.bo))
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				if d := cmp.Diff(tc.want, got, cmpInfo); d != "" {
					t.Errorf("Info mismatch (-want +got):\n%s", d)
				}
			})
		}
	}
}

// TestPointers checks the forms of IFD pointers that are followed: LONG or IFD typed, and a GPS
// pointer found only in the Exif IFD.
func TestPointers(t *testing.T) {
	t.Parallel()
	gpsEnts := []ent{asc(0x0001, "N"), rat(0x0002, 1, 1), asc(0x0003, "E"), rat(0x0004, 2, 1)}
	for _, o := range orders {
		for _, typ := range []uint16{typeLong, typeIFD} {
			ptrTo := func(tag uint16, off uint32) ent { return ent{tag: tag, typ: typ, vals: []uint64{uint64(off)}} }
			w := newTW(o.bo)
			offExif := 8 + ifdSize(o.bo, []ent{long(0x8769, 0)})
			offGPS := offExif + ifdSize(o.bo, []ent{long(0x8825, 0)})
			w.ifd([]ent{ptrTo(0x8769, offExif)}, 0)
			w.ifd([]ent{ptrTo(0x8825, offGPS)}, 0)
			w.ifd(gpsEnts, 0)
			got, err := ReadTIFF(w.bytes())
			if err != nil {
				t.Fatal(err)
			}
			if want := (&GPS{Latitude: 1, Longitude: 2}); !cmp.Equal(got.GPS, want, cmpInfo) {
				t.Errorf("%s, type %d: GPS = %v, want %v", o.name, typ, got.GPS, want)
			}
		}
	}
}

// TestTimeOffsetUnknownConvention pins the documented convention for times without an offset: the
// wall clock as written, in UTC, with OffsetKnown false.
func TestTimeOffsetUnknownConvention(t *testing.T) {
	t.Parallel()
	info, err := ReadTIFF(doc{exif: []ent{asc(0x9003, "2016:08:17 11:11:37")}}.block(orders[0].bo))
	if err != nil {
		t.Fatal(err)
	}
	tm := info.DateTimeOriginal
	if tm == nil || tm.OffsetKnown || tm.Time.Location() != time.UTC || tm.Time.Format(time.DateTime) != "2016-08-17 11:11:37" {
		t.Errorf("DateTimeOriginal = %+v, want 2016-08-17 11:11:37 in UTC with OffsetKnown false", tm)
	}
}

// TestErrorsWrapOneSentinel checks that every error wraps exactly one of the package's sentinels.
func TestErrorsWrapOneSentinel(t *testing.T) {
	t.Parallel()
	for _, data := range [][]byte{nil, []byte("GIF89a"), []byte("II*\x00\xff\x00\x00\x00"), jpegFile(nil), []byte{0xFF, 0xD8, 0x00}} {
		_, err := Read(data)
		if errors.Is(err, ErrNoExif) == errors.Is(err, ErrCorrupt) {
			t.Errorf("Read(%q) error %v: want exactly one of ErrNoExif, ErrCorrupt", data, err)
		}
	}
}

// TestLogValueRedacts checks that logging an Info or a GPS shows no position and no serial.
func TestLogValueRedacts(t *testing.T) {
	t.Parallel()
	info := cameraInfo(t)
	for _, s := range []string{info.LogValue().String(), info.GPS.LogValue().String(), info.GPS.String()} {
		for _, leak := range []string{"33.8", "151.2", "-12.5", "3012345", "Jane", "pier"} {
			if bytes.Contains([]byte(s), []byte(leak)) {
				t.Errorf("log value %q shows %q", s, leak)
			}
		}
	}
	if s := info.LogValue().String(); !bytes.Contains([]byte(s), []byte("NIKON D750")) {
		t.Errorf("Info.LogValue() = %q, want the model", s)
	}
}
