package vics

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

func TestNSRLSamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file  string
		count int
	}{
		{"NSRL-CAID-ART.json", 1},
		{"NSRL-CAID-MPG.json", 3},
		{"NSRL-CAID-MOV.json", 9},
		{"NSRL-CAID-AVI.json", 30},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			h, c, ms := readAll(t, readSample(t, "nsrl-caid-1.2/"+tc.file), ReaderOptions{})
			wantH := Header{Version: "1.2", Variant: "US", Shape: HashSet, Key: "odata.metadata",
				URI: "http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media"}
			if diff := cmp.Diff(wantH, h); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if !cmp.Equal(c, Case{}) {
				t.Errorf("hash set has case %+v", c)
			}
			if len(ms) != tc.count {
				t.Fatalf("got %d records, want %d", len(ms), tc.count)
			}
			for i, m := range ms {
				if m.MediaID != 0 {
					t.Errorf("record %d: MediaID %d, want 0 (NSRL sets use 0 everywhere)", i, m.MediaID)
				}
				if m.Category != (Category{Variant: "UK", Code: 8}) {
					t.Errorf("record %d: category %v, want UK:8 (never on the US scale)", i, m.Category)
				}
				if len(m.MD5) != 32 || len(m.SHA1) != 40 || m.MD5 != strings.ToUpper(m.MD5) || m.SHA1 != strings.ToUpper(m.SHA1) {
					t.Errorf("record %d: digests %q %q, want upper-case MD5 and SHA-1", i, m.MD5, m.SHA1)
				}
				if m.MediaSize <= 0 {
					t.Errorf("record %d: MediaSize %d from a string size", i, m.MediaSize)
				}
				if len(m.MediaFiles) != 1 || m.MediaFiles[0].MD5 != m.MD5 || m.MediaFiles[0].FileName == "" || m.MediaFiles[0].FilePath == "" {
					t.Errorf("record %d: MediaFiles %+v, want one file with MD5, FileName, FilePath", i, m.MediaFiles)
				}
				if len(m.Extra) != 0 || len(m.MediaFiles[0].Extra) != 0 {
					t.Errorf("record %d: OData annotations kept as extra members: %+v %+v", i, m.Extra, m.MediaFiles[0].Extra)
				}
			}
		})
	}
}

func TestNSRLFirstRecord(t *testing.T) {
	t.Parallel()
	_, _, ms := readAll(t, readSample(t, "nsrl-caid-1.2/NSRL-CAID-MPG.json"), ReaderOptions{})
	want := Media{
		MD5:       "0CEF8332881A74AC9AE0E6F4C4323569",
		SHA1:      "2EC7CD699F82E0435B15B9EBF0999805155F8F90",
		MediaSize: 38733828,
		Category:  Category{Variant: "UK", Code: 8},
		MediaFiles: []MediaFile{{
			MD5: "0CEF8332881A74AC9AE0E6F4C4323569", FileName: "eggBreak.mpg", FilePath: "game/video",
		}},
	}
	if diff := cmp.Diff(want, ms[0]); diff != "" {
		t.Errorf("first record (-want +got):\n%s", diff)
	}
}

// TestToldVariant: a caller who knows a 1.x file's variant says so, and every code is on it.
func TestToldVariant(t *testing.T) {
	t.Parallel()
	for _, told := range []string{"UK", "uk", "US"} {
		h, _, ms := readAll(t, readSample(t, "nsrl-caid-1.2/NSRL-CAID-ART.json"), ReaderOptions{Variant: told})
		want := strings.ToUpper(told)
		if h.Variant != want || h.VariantStated {
			t.Errorf("told %q: header variant %q stated %v, want %q not stated", told, h.Variant, h.VariantStated, want)
		}
		if ms[0].Category != (Category{Variant: want, Code: 8}) {
			t.Errorf("told %q: category %v", told, ms[0].Category)
		}
	}
	// A variant the file states wins over the one told.
	h, _, ms := readAll(t, readSample(t, "synthetic/vics-2.0-hashset-synthetic.json"), ReaderOptions{Variant: "UK"})
	if h.Variant != "US" || ms[1].Category.Variant != "US" {
		t.Errorf("stated US, told UK: got header %q, category %v", h.Variant, ms[1].Category)
	}
}

func TestSyntheticHashSet(t *testing.T) {
	t.Parallel()
	h, _, ms := readAll(t, readSample(t, "synthetic/vics-2.0-hashset-synthetic.json"), ReaderOptions{})
	wantH := Header{Version: "2.0", Variant: "US", VariantStated: true, Shape: HashSet, Key: "@odata.context",
		URI: "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"}
	if diff := cmp.Diff(wantH, h); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	photoDNA := strings.Repeat("A", 192)
	want := []Media{
		{MediaID: 1, MD5: "161619F15531C9D45A6CF69F663F199C", SHA1: "CFE7D5CA21181AC4F24074D1393EC44539373D70",
			MediaSize: 15, DateUpdated: "2025-01-02T03:04:05.000Z", IsPrecategorized: False, Category: Category{"US", 0}},
		{MediaID: 2, MD5: "4F9259F379584775586D8D4E16CB15C4", SHA1: "EABAD05DAAA4B1E65B1BB4042CFE58840E2BA883",
			MediaSize: 15, DateUpdated: "2025-01-02T03:04:05.000Z", IsPrecategorized: False, Category: Category{"US", 1},
			Series: "SYNTHETIC-SERIES-A", VictimIdentified: True, OffenderIdentified: False, IsDistributed: True,
			PhotoDNA: photoDNA},
		{MediaID: 3, MD5: "8025F81127926C2D6C430A2A109D94CF", SHA1: "136842CD23DDD962106778815A102A11BE492FF7",
			MediaSize: 15, DateUpdated: "2025-01-02T03:04:05.000Z", IsPrecategorized: False},
		{MediaID: 4, MD5: "C7185C468D762DB1C72840D4BB5A771C", SHA1: "108569D6FF19AD57D4489324E9CDEAA3D21679BB",
			MediaSize: 15, DateUpdated: "2025-01-02T03:04:05.000Z", IsPrecategorized: False, Category: Category{"US", 4}},
	}
	if diff := cmp.Diff(want, ms); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if !ms[2].Category.IsZero() {
		t.Errorf("absent Category read as %v, want uncategorised", ms[2].Category)
	}
	raw, err := base64.StdEncoding.DecodeString(ms[1].PhotoDNA)
	if err != nil || len(raw) != 144 || !bytes.Equal(raw, make([]byte, 144)) {
		t.Errorf("PhotoDNA decodes to %d bytes (%v), want 144 zero bytes", len(raw), err)
	}
	if s, c := ms[1].Category.SchemeCode(); s != "vics-us" || c != "1" {
		t.Errorf("SchemeCode = %q, %q, want vics-us, 1", s, c)
	}
	if l, ok := Label(ms[3].Category); !ok || l == "" {
		t.Errorf("US 4 has no label")
	}
}

func TestSyntheticCase(t *testing.T) {
	t.Parallel()
	r, err := NewReader(bytes.NewReader(readSample(t, "synthetic/vics-2.0-case-synthetic.json")))
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Header(); h.Shape != Cases || h.Version != "2.0" || h.Variant != "US" {
		t.Errorf("header %+v, want a 2.0 US case export", h)
	}
	if r.CaseIndex() != -1 {
		t.Errorf("CaseIndex before the first record = %d, want -1", r.CaseIndex())
	}
	var ms []Media
	for m, err := range r.Media() {
		if err != nil {
			t.Fatal(err)
		}
		if r.CaseIndex() != 0 || r.Case().CaseNumber != "SYNTH-CASE-001" {
			t.Errorf("record %d: case %d %q, want case 0 SYNTH-CASE-001", len(ms), r.CaseIndex(), r.Case().CaseNumber)
		}
		ms = append(ms, m)
	}
	wantCase := Case{
		CaseID: "00000000-0000-4000-8000-000000000001", CaseNumber: "SYNTH-CASE-001",
		ContactOrganization: "Example Agency", ContactName: "Analyst Example",
		ContactEmail: "analyst@example.invalid", ContactPhone: "+00 0000 0000", ContactTitle: "Analyst",
		SeizureDate: "2025-01-01T00:00:00Z", SourceApplicationName: "SyntheticExample",
		SourceApplicationVersion: "0.0.1", TotalMediaFiles: 2,
	}
	if diff := cmp.Diff(wantCase, r.Case()); diff != "" {
		t.Errorf("case (-want +got):\n%s", diff)
	}
	const md5 = "4F9259F379584775586D8D4E16CB15C4"
	want := []Media{
		{
			MediaID: 1, MD5: md5, SHA1: "EABAD05DAAA4B1E65B1BB4042CFE58840E2BA883", Category: Category{"US", 2},
			MediaSize: 15, MimeType: "image/png", RelativeFilePath: `Files\4f9259f379584775586d8d4e16cb15c4.png`,
			DateUpdated: "2025-01-02T03:04:05.000Z", Series: "SYNTHETIC-SERIES-A",
			VictimIdentified: True, OffenderIdentified: False, IsDistributed: True, IsPrecategorized: True,
			PrecategorizationSource: "SyntheticExample", Comments: "benign synthetic record", Tags: "synthetic",
			PhotoDNA: strings.Repeat("A", 192),
			Exifs:    []Exif{{MD5: md5, PropertyName: "Make", PropertyValue: "ExampleCam"}},
			MediaFiles: []MediaFile{
				{MD5: md5, FileName: "IMG_0001.png", FilePath: `\DCIM\100EXAMP\IMG_0001.png`,
					Created: "2024-12-31T10:00:00.000Z", Written: "2024-12-31T10:00:00.000Z", Accessed: "2025-01-01T09:00:00.000Z",
					Unallocated: False, Deleted: False, SourceID: "EXHIBIT-01"},
				{MD5: md5, FileName: "copy.png", FilePath: `\Users\x\Pictures\copy.png`, SourceID: "EXHIBIT-01"},
			},
		},
		{
			MediaID: 2, MD5: "1F2CE7D992AB690D236E92C695AB0EBD", SHA1: "8CB80127612B23B2B15ED2599CB37F935BA9AD42",
			MediaSize: 15, MimeType: "video/mp4", RelativeFilePath: `Files\1f2ce7d992ab690d236e92c695ab0ebd.mp4`,
			MediaFiles: []MediaFile{{MD5: "1F2CE7D992AB690D236E92C695AB0EBD", FileName: "clip.mp4", FilePath: `\Movies\clip.mp4`, SourceID: "EXHIBIT-02"}},
		},
	}
	if diff := cmp.Diff(want, ms); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if _, err := ParseTime(ms[0].MediaFiles[0].Created); err != nil {
		t.Errorf("ParseTime(%q): %v", ms[0].MediaFiles[0].Created, err)
	}
}

// doc builds a 2.0 hash set around records.
func doc(records ...string) string {
	return `{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media","value":[` +
		strings.Join(records, ",") + `]}`
}

func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var out []byte
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

func TestQuirks(t *testing.T) {
	t.Parallel()
	const md5 = "0cef8332881a74ac9ae0e6f4c4323569"
	const MD5 = "0CEF8332881A74AC9AE0E6F4C4323569"
	plain := doc(`{"MD5":"` + md5 + `","Series":"é ✓ 日本"}`)
	wantPlain := []Media{{MD5: MD5, Series: "é ✓ 日本"}}
	for _, tc := range []struct {
		name string
		in   []byte
		opts ReaderOptions
		want []Media
	}{
		{"utf-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, plain...), ReaderOptions{}, wantPlain},
		{"utf-16le BOM", utf16Bytes(plain, false, true), ReaderOptions{}, wantPlain},
		{"utf-16be BOM", utf16Bytes(plain, true, true), ReaderOptions{}, wantPlain},
		{"utf-16le no BOM", utf16Bytes(plain, false, false), ReaderOptions{}, wantPlain},
		{"utf-16be no BOM", utf16Bytes(plain, true, false), ReaderOptions{}, wantPlain},
		{"utf-16 surrogate pair", utf16Bytes(doc(`{"Series":"𝄞"}`), false, true), ReaderOptions{}, []Media{{Series: "𝄞"}}},
		{"string flags", []byte(doc(`{"VictimIdentified":"TRUE","OffenderIdentified":" false ","IsDistributed":"","IsSuspected":"1","IsPrecategorized":"0"}`)),
			ReaderOptions{}, []Media{{VictimIdentified: True, OffenderIdentified: False, IsSuspected: True, IsPrecategorized: False}}},
		{"JSON flags", []byte(doc(`{"VictimIdentified":true,"OffenderIdentified":false,"IsDistributed":null,"IsSuspected":1}`)),
			ReaderOptions{}, []Media{{VictimIdentified: True, OffenderIdentified: False, IsSuspected: True}}},
		{"string numbers", []byte(doc(`{"MediaID":"7","MediaSize":" 488 ","Category":"3"}`)),
			ReaderOptions{}, []Media{{MediaID: 7, MediaSize: 488, Category: Category{"US", 3}}}},
		{"integral decimals", []byte(doc(`{"MediaID":7.0,"MediaSize":15.00}`)), ReaderOptions{}, []Media{{MediaID: 7, MediaSize: 15}}},
		{"absent and null categories", []byte(doc(`{"Category":null}`, `{"Category":""}`, `{}`)), ReaderOptions{}, []Media{{}, {}, {}}},
		{"hex case and spaces", []byte(doc(`{"MD5":" ` + md5 + ` ","SHA1":"2ec7cd699f82e0435b15b9ebf0999805155f8f90","SHA256":"` + strings.Repeat("aB", 32) + `"}`)),
			ReaderOptions{}, []Media{{MD5: MD5, SHA1: "2EC7CD699F82E0435B15B9EBF0999805155F8F90", SHA256: strings.Repeat("AB", 32)}}},
		{"empty digests are absent", []byte(doc(`{"MD5":"","SHA1":null}`)), ReaderOptions{}, []Media{{}}},
		{"duplicate MediaIDs", []byte(doc(`{"MediaID":0,"MD5":"`+md5+`"}`, `{"MediaID":0,"MD5":"`+md5+`"}`)),
			ReaderOptions{}, []Media{{MD5: MD5}, {MD5: MD5}}},
		{"annotations ignored", []byte(doc(`{"odata.id":"Media(1)","@odata.etag":"W/1","MediaFiles@odata.navigationLinkUrl":"/x","MediaFiles":[{"Media@odata.navigationLinkUrl":"/y","FileName":"a"}]}`)),
			ReaderOptions{}, []Media{{MediaFiles: []MediaFile{{FileName: "a"}}}}},
		{"member names in any case", []byte(doc(`{"md5":"` + md5 + `","mediasize":3,"CATEGORY":1}`)),
			ReaderOptions{}, []Media{{MD5: MD5, MediaSize: 3, Category: Category{"US", 1}}}},
		{"unknown members kept", []byte(doc(`{"MediaID":1,"SelfGenerated":"true","Nested":{"a": [1, 2.5e3, "x\u00e9\n", null, true]},"MediaFiles":[{"FileName":"a","PhysicalLocation":1234,"ParentMD5":"abc"}],"Exifs":[{"PropertyName":"Make","Rank":1}],"AlternativeHashes":[{"HashName":"SHA256","HashValue":"ab","Source":"x"}]}`)),
			ReaderOptions{}, []Media{{
				MediaID: 1,
				Extra: []Field{{"SelfGenerated", json.RawMessage(`"true"`)},
					{"Nested", json.RawMessage(`{"a":[1,2.5e3,"xé\n",null,true]}`)}},
				MediaFiles:        []MediaFile{{FileName: "a", Extra: []Field{{"PhysicalLocation", json.RawMessage(`1234`)}, {"ParentMD5", json.RawMessage(`"abc"`)}}}},
				Exifs:             []Exif{{PropertyName: "Make", Extra: []Field{{"Rank", json.RawMessage(`1`)}}}},
				AlternativeHashes: []AltHash{{HashName: "SHA256", HashValue: "ab", Extra: []Field{{"Source", json.RawMessage(`"x"`)}}}},
			}}},
		{"segments kept raw", []byte(doc(`{"Segments":[ {"Start":"00:00:01", "End":"00:00:02","Category":1} ]}`, `{"Segments":null}`)),
			ReaderOptions{}, []Media{{Segments: json.RawMessage(`[{"Start":"00:00:01","End":"00:00:02","Category":1}]`)}, {}}},
		{"null arrays and elements", []byte(doc(`{"MediaFiles":null,"Exifs":[null],"AlternativeHashes":[]}`, `null`)),
			ReaderOptions{}, []Media{{}}},
		{"text from numbers", []byte(doc(`{"Series":12,"Comments":true,"PhotoDNA":null}`)), ReaderOptions{}, []Media{{Series: "12", Comments: "true"}}},
		{"escapes", []byte(doc(`{"Comments":"a\"b\\c\/d\b\f\n\r\t\u0041\ud834\udd1e\ud800x"}`)),
			ReaderOptions{}, []Media{{Comments: "a\"b\\c/d\b\f\n\r\tA𝄞\uFFFDx"}}},
		{"invalid UTF-8 replaced", []byte(doc("{\"Comments\":\"a\xffb\"}")), ReaderOptions{}, []Media{{Comments: "a\uFFFDb"}}},
		{"white space everywhere", []byte(" \r\n\t{ \"@odata.context\" : \"http://x/DataModels/2.0.xml/US/$metadata#Media\" , \"value\" : [ { \"MediaID\" : 1 } , { } ] } \n"),
			ReaderOptions{}, []Media{{MediaID: 1}, {}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, ms := readAll(t, tc.in, tc.opts)
			if diff := cmp.Diff(tc.want, ms); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoots(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		in    string
		want  Header
		count int
	}{
		{"1.3 case", `{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases","value":[]}`,
			Header{Version: "1.3", Variant: "US", Shape: Cases, Key: "odata.metadata", URI: "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases"}, 0},
		{"2.0 UK", `{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media","value":[{"Category":1}]}`,
			Header{Version: "2.0", Variant: "UK", VariantStated: true, Shape: HashSet, Key: "@odata.context", URI: "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media"}, 1},
		{"2.0 Default", `{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media","value":[]}`,
			Header{Version: "2.0", Variant: "DEFAULT", VariantStated: true, Shape: HashSet, Key: "@odata.context", URI: "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"}, 0},
		{"2.0 without variant", `{"@odata.context":"http://x/DataModels/2.0.xml/$metadata#Media","value":[]}`,
			Header{Version: "2.0", Variant: "US", Shape: HashSet, Key: "@odata.context", URI: "http://x/DataModels/2.0.xml/$metadata#Media"}, 0},
		{"other root members ignored", `{"@odata.count":3,"odata.metadata":"http://x/1.1.xml#media","odata.nextLink":"y","value":null,"extra":{"a":[1]}}`,
			Header{Version: "1.1", Variant: "US", Shape: HashSet, Key: "odata.metadata", URI: "http://x/1.1.xml#media"}, 0},
		{"no value", `{"odata.metadata":"http://x/1.2.xml#Media"}`,
			Header{Version: "1.2", Variant: "US", Shape: HashSet, Key: "odata.metadata", URI: "http://x/1.2.xml#Media"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _, ms := readAll(t, []byte(tc.in), ReaderOptions{})
			if diff := cmp.Diff(tc.want, h); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if len(ms) != tc.count {
				t.Errorf("got %d records, want %d", len(ms), tc.count)
			}
		})
	}
}

// TestSeveralCases: records of several cases, case members after Media, cases without Media.
func TestSeveralCases(t *testing.T) {
	t.Parallel()
	in := `{"@odata.context":"http://x/DataModels/2.0.xml/UK/$metadata#Cases","value":[
		{"CaseNumber":"A","Media":[{"MediaID":1,"Category":2},{"MediaID":2}],"ContactName":"after","TotalMediaFiles":"2","Custom":[1,2]},
		{"CaseNumber":"B"},
		null,
		{"Media":null,"CaseNumber":"C","Media":[{"MediaID":3}]}
	]}`
	r, err := NewReader(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		ID      int64
		Cat     Category
		CaseIdx int
		Number  string
	}
	var got []seen
	for m, err := range r.Media() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, seen{m.MediaID, m.Category, r.CaseIndex(), r.Case().CaseNumber})
		if m.MediaID == 2 && r.Case().ContactName != "" {
			t.Errorf("member after Media known before the Media array ended")
		}
	}
	want := []seen{{1, Category{"UK", 2}, 0, "A"}, {2, Category{}, 0, "A"}, {3, Category{}, 2, "C"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if r.Count() != 3 {
		t.Errorf("Count = %d, want 3", r.Count())
	}
}

func TestCaseMembersAfterMedia(t *testing.T) {
	t.Parallel()
	in := `{"@odata.context":"http://x/DataModels/2.0.xml/US/$metadata#Cases","value":[
		{"CaseNumber":"A","Media":[{"MediaID":1}],"ContactName":"after","TotalMediaFiles":"2","Custom":[1, 2]}]}`
	_, c, _ := readAll(t, []byte(in), ReaderOptions{})
	want := Case{CaseNumber: "A", ContactName: "after", TotalMediaFiles: 2, Extra: []Field{{"Custom", json.RawMessage(`[1,2]`)}}}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("case after EOF (-want +got):\n%s", diff)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	const md5 = "0CEF8332881A74AC9AE0E6F4C4323569"
	ok := `{"MD5":"` + md5 + `"}`
	small := ReaderOptions{Limits: Limits{MaxString: 128, MaxRecord: 1024, MaxDepth: 8}}
	for _, tc := range []struct {
		name   string
		in     string
		opts   ReaderOptions
		want   error
		index  int64 // the failing record's index, or -1 when the error is not a record's
		field  string
		substr string
	}{
		{"empty input", ``, ReaderOptions{}, ErrSyntax, -1, "", "end of input"},
		{"array root", `[{"MD5":"x"}]`, ReaderOptions{}, ErrRoot, -1, "", "not a JSON object"},
		{"no model", `{"value":[]}`, ReaderOptions{}, ErrRoot, -1, "", "before"},
		{"no model at all", `{"a":1}`, ReaderOptions{}, ErrRoot, -1, "", "no \"odata.metadata\""},
		{"model not a string", `{"odata.metadata":1,"value":[]}`, ReaderOptions{}, ErrRoot, -1, "", "not a string"},
		{"unknown entity set", `{"odata.metadata":"http://x/1.2.xml#Things","value":[]}`, ReaderOptions{}, ErrRoot, -1, "", "Things"},
		{"no entity set", `{"odata.metadata":"http://x/1.2.xml","value":[]}`, ReaderOptions{}, ErrRoot, -1, "", "entity set"},
		{"version 3", `{"@odata.context":"http://x/3.0.xml/US/$metadata#Media","value":[]}`, ReaderOptions{}, ErrRoot, -1, "", "3.0"},
		{"no version", `{"@odata.context":"http://x/US/$metadata#Media","value":[]}`, ReaderOptions{}, ErrRoot, -1, "", "version"},
		{"bad variant", `{"@odata.context":"http://x/2.0.xml/U S/$metadata#Media","value":[]}`, ReaderOptions{}, ErrRoot, -1, "", "variant"},
		{"value not array", `{"odata.metadata":"http://x/1.2.xml#Media","value":{}}`, ReaderOptions{}, ErrRoot, -1, "", "not an array"},
		{"truncated in a record", doc(ok, ok)[:120], ReaderOptions{}, ErrSyntax, 0, "MD5", "end of input"},
		{"truncated between records", doc(ok, ok)[:len(doc(ok, ok))-2], ReaderOptions{}, ErrSyntax, 2, "", "end of input"},
		{"trailing comma", doc(ok) + `x`, ReaderOptions{}, ErrSyntax, -1, "", "after the root"},
		{"missing comma", strings.Replace(doc(ok, ok), "},{", "}{", 1), ReaderOptions{}, ErrSyntax, 1, "", "expected ','"},
		{"comma before close", doc(ok, ok+`,`), ReaderOptions{}, ErrSyntax, 2, "", "trailing comma"},
		{"bad literal", doc(`{"IsDistributed":tru}`), ReaderOptions{}, ErrSyntax, 0, "IsDistributed", "literal"},
		{"bad number", doc(`{"MediaSize":01}`), ReaderOptions{}, ErrSyntax, 0, "MediaSize", "number"},
		{"control character", doc("{\"Series\":\"a\x01b\"}"), ReaderOptions{}, ErrSyntax, 0, "Series", "control"},
		{"bad escape", doc(`{"Series":"a\qb"}`), ReaderOptions{}, ErrSyntax, 0, "Series", "escape"},
		{"short MD5", doc(ok, `{"MD5":"0CEF8332881A74AC9AE0E6F4C432356"}`), ReaderOptions{}, ErrDigest, 1, "MD5", "length 31"},
		{"long SHA1", doc(`{"SHA1":"` + strings.Repeat("a", 41) + `"}`), ReaderOptions{}, ErrDigest, 0, "SHA1", "41"},
		{"non-hex", doc(`{"MD5":"0CEF8332881A74AC9AE0E6F4C432356G"}`), ReaderOptions{}, ErrDigest, 0, "MD5", "hex"},
		{"digest in a file", doc(`{"MediaFiles":[{"FileName":"a"},{"MD5":"12"}]}`), ReaderOptions{}, ErrDigest, 0, "MediaFiles[1].MD5", ""},
		{"digest as number", doc(`{"MD5":123}`), ReaderOptions{}, ErrType, 0, "MD5", "number"},
		{"absurd size", doc(`{"MediaSize":"99999999999999999"}`), ReaderOptions{}, ErrRange, 0, "MediaSize", "outside"},
		{"negative size", doc(`{"MediaSize":-1}`), ReaderOptions{}, ErrRange, 0, "MediaSize", ""},
		{"overflow", doc(`{"MediaID":99999999999999999999}`), ReaderOptions{}, ErrRange, 0, "MediaID", "64 bits"},
		{"category out of range", doc(`{"Category":1000}`), ReaderOptions{}, ErrRange, 0, "Category", ""},
		{"fractional category", doc(`{"Category":1.5}`), ReaderOptions{}, ErrType, 0, "Category", "integer"},
		{"category object", doc(`{"Category":{}}`), ReaderOptions{}, ErrType, 0, "Category", "object"},
		{"bad flag", doc(`{"VictimIdentified":"maybe"}`), ReaderOptions{}, ErrType, 0, "VictimIdentified", "maybe"},
		{"string as object", doc(`{"Series":{"a":1}}`), ReaderOptions{}, ErrType, 0, "Series", "object"},
		{"files not array", doc(`{"MediaFiles":"a"}`), ReaderOptions{}, ErrType, 0, "MediaFiles", "string"},
		{"file not object", doc(`{"MediaFiles":[1]}`), ReaderOptions{}, ErrType, 0, "MediaFiles[0]", "number"},
		{"record not object", doc(ok, `"x"`), ReaderOptions{}, ErrType, 1, "", "string"},
		{"case not object", `{"odata.metadata":"http://x/1.3.xml#Cases","value":[1]}`, ReaderOptions{}, ErrType, -1, "", "case 0"},
		{"case Media not array", `{"odata.metadata":"http://x/1.3.xml#Cases","value":[{"Media":{}}]}`, ReaderOptions{}, ErrType, -1, "", "Media"},
		{"long string", doc(`{"Comments":"` + strings.Repeat("x", 129) + `"}`), small, ErrLimit, 0, "Comments", "string"},
		{"long escaped string", doc(`{"Comments":"` + strings.Repeat(`\n`, 70) + `"}`), small, ErrLimit, 0, "Comments", "string"},
		{"long key", doc(`{"` + strings.Repeat("k", 129) + `":1}`), small, ErrLimit, 0, "", "string"},
		{"deep nesting", doc(`{"X":` + strings.Repeat("[", 10) + strings.Repeat("]", 10) + `}`), small, ErrLimit, 0, "X", "deeper"},
		{"big record", doc(`{"X":[` + strings.Repeat(`"abcdefghij",`, 200) + `1]}`), small, ErrLimit, 0, "X", "bytes"},
		{"many files", doc(`{"MediaFiles":[` + strings.Repeat(`{"FileName":"abcdefghij"},`, 100) + `{}]}`), small, ErrLimit, 0, "MediaFiles[38]", "bytes"},
		{"big case", `{"odata.metadata":"http://x/1.3.xml#Cases","value":[{"A":"` + strings.Repeat("x", 60) + `","B":[` + strings.Repeat(`"abcdefghij",`, 100) + `1]}]}`,
			small, ErrLimit, -1, "", "case 0"},
		{"long number", doc(`{"X":1` + strings.Repeat("0", 300) + `}`), ReaderOptions{}, ErrLimit, 0, "X", "number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, ms, err := tryReadAll([]byte(tc.in), tc.opts)
			if err == nil {
				t.Fatalf("no error; read %d records", len(ms))
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("error %q does not wrap %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.substr) {
				t.Errorf("error %q does not mention %q", err, tc.substr)
			}
			var re *RecordError
			switch {
			case tc.index < 0 && errors.As(err, &re):
				t.Errorf("error %q names record %d; want no record", err, re.Index)
			case tc.index >= 0 && !errors.As(err, &re):
				t.Errorf("error %q names no record; want record %d", err, tc.index)
			case tc.index >= 0:
				if re.Index != tc.index || re.Field != tc.field {
					t.Errorf("error names record %d field %q, want record %d field %q", re.Index, re.Field, tc.index, tc.field)
				}
				if !strings.Contains(err.Error(), "media record ") {
					t.Errorf("message %q does not say which record", err)
				}
			}
		})
	}
}

// TestErrorSticks: after an error the reader keeps returning it, and returns no records.
func TestErrorSticks(t *testing.T) {
	t.Parallel()
	r, err := NewReader(strings.NewReader(doc(`{"MD5":"1"}`, `{}`)))
	if err != nil {
		t.Fatal(err)
	}
	_, err1 := r.Next()
	m, err2 := r.Next()
	if err1 == nil || err1 != err2 || !cmp.Equal(m, Media{}) {
		t.Errorf("Next after error = %+v, %v; want the same error %v", m, err2, err1)
	}
	n := 0
	for _, err := range r.Media() {
		n++
		if err != err1 {
			t.Errorf("iterator yielded %v, want %v", err, err1)
		}
	}
	if n != 1 {
		t.Errorf("iterator yielded %d times after an error, want 1", n)
	}
}

// TestReadErrors: a failing underlying reader's error comes through.
func TestReadErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	d := doc(`{"MediaID":1}`)
	in := io.MultiReader(strings.NewReader(d[:len(d)-4]), errReader{boom})
	r, err := NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, boom) {
		t.Errorf("Next = %v, want %v", err, boom)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestSmallReads: the tokenizer is right whatever the read sizes (strings, numbers and
// literals split across reads).
func TestSmallReads(t *testing.T) {
	t.Parallel()
	for _, f := range sampleFiles(t) {
		data, err := readFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, _, want := readAll(t, data, ReaderOptions{})
		for _, size := range []int{1, 2, 3, 7} {
			r, err := NewReader(&chunkReader{data: data, size: size})
			if err != nil {
				t.Fatalf("%s by %d: %v", f, size, err)
			}
			var got []Media
			for m, err := range r.Media() {
				if err != nil {
					t.Fatalf("%s by %d: %v", f, size, err)
				}
				got = append(got, m)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s read %d bytes at a time (-want +got):\n%s", f, size, diff)
			}
		}
	}
}

type chunkReader struct {
	data []byte
	size int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(c.size, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string // RFC 3339 in UTC, or "" for an error
	}{
		{"2025-01-02T03:04:05.000Z", "2025-01-02T03:04:05Z"},
		{"2023-06-07T02:31:49.8300Z", "2023-06-07T02:31:49.83Z"},
		{"2024-12-31T10:00:00.1234567Z", "2024-12-31T10:00:00.1234567Z"},
		{"2025-01-02T03:04:05-05:00", "2025-01-02T08:04:05Z"},
		{"2025-01-02T03:04:05", "2025-01-02T03:04:05Z"},
		{"2025-01-02 03:04:05", "2025-01-02T03:04:05Z"},
		{"2025-01-02T03:04:05.000+01:00Z", "2025-01-02T02:04:05Z"},
		{"/Date(1700000000000)/", "2023-11-14T22:13:20Z"},
		{"/Date(1700000000000+0100)/", "2023-11-14T22:13:20Z"},
		{"yesterday", ""},
		{"/Date(x)/", ""},
	} {
		got, err := ParseTime(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseTime(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got.UTC().Format("2006-01-02T15:04:05.999999999Z07:00") != tc.want {
			t.Errorf("ParseTime(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestCategory(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c            Category
		scheme, code string
		published    bool
	}{
		{Category{}, "", "", false},
		{Category{"US", 0}, "vics-us", "0", true},
		{Category{"US", 4}, "vics-us", "4", true},
		{Category{"US", 8}, "vics-us", "8", false},
		{Category{"UK", 8}, "vics-uk", "8", false},
		{Category{"DEFAULT", 1}, "vics-default", "1", false},
		{Category{"X Y", 1}, "vics-x-y", "1", false},
	} {
		s, c := tc.c.SchemeCode()
		if s != tc.scheme || c != tc.code || tc.c.Published() != tc.published {
			t.Errorf("%v: SchemeCode = %q, %q, Published = %v; want %q, %q, %v", tc.c, s, c, tc.c.Published(), tc.scheme, tc.code, tc.published)
		}
	}
	for code, want := range map[int]string{0: "US", 4: "US", 5: "UK", 8: "UK"} {
		if got := attribute("", code); got != want {
			t.Errorf("unlabelled code %d attributed to %s, want %s", code, got, want)
		}
	}
}
