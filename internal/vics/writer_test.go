package vics

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden pins the writer's output for the sample files.
func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		golden string
		source string
		opts   WriterOptions
	}{
		{"hashset-2.0.golden", "synthetic/vics-2.0-hashset-synthetic.json", WriterOptions{Version: "2.0", Shape: HashSet, Variant: "US"}},
		{"case-2.0.golden", "synthetic/vics-2.0-case-synthetic.json", WriterOptions{Version: "2.0", Shape: Cases}},
		{"case-1.3.golden", "synthetic/vics-2.0-case-synthetic.json", WriterOptions{Version: "1.3", Shape: Cases}},
		{"nsrl-mpg-1.3.golden", "nsrl-caid-1.2/NSRL-CAID-MPG.json", WriterOptions{Version: "1.3"}},
		{"nsrl-mpg-2.0-uk.golden", "nsrl-caid-1.2/NSRL-CAID-MPG.json", WriterOptions{Version: "2.0", Variant: "UK"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			_, c, ms := readAll(t, readSample(t, tc.source), ReaderOptions{})
			tc.opts.Case = c
			got := writeAll(t, tc.opts, ms)
			if !json.Valid(got) || !utf8.Valid(got) {
				t.Fatalf("output is not valid UTF-8 JSON:\n%s", got)
			}
			path := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("output differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}

func TestWriterEmpty(t *testing.T) {
	t.Parallel()
	for _, opts := range []WriterOptions{
		{},
		{Version: "1.3", Shape: Cases},
		{Version: "2.0", Shape: Cases, Case: Case{CaseNumber: "X"}},
	} {
		out := writeAll(t, opts, nil)
		if !json.Valid(out) {
			t.Errorf("%+v: invalid JSON:\n%s", opts, out)
		}
		h, c, ms := readAll(t, out, ReaderOptions{})
		if len(ms) != 0 || h.Shape != max(opts.Shape, HashSet) || c.CaseNumber != opts.Case.CaseNumber {
			t.Errorf("%+v: read back %d records, header %+v, case %+v", opts, len(ms), h, c)
		}
	}
}

func TestWriterOptions(t *testing.T) {
	t.Parallel()
	for _, opts := range []WriterOptions{
		{Version: "3.0"},
		{Version: "2"},
		{Shape: 7},
		{Variant: "U S"},
		{Version: "2.0", Shape: Cases, Case: Case{Extra: []Field{{"CaseNumber", json.RawMessage(`"x"`)}}}},
		{Version: "2.0", Shape: Cases, Case: Case{Extra: []Field{{"Media", json.RawMessage(`[]`)}}}},
		{Version: "2.0", Shape: Cases, Case: Case{Extra: []Field{{"X", json.RawMessage(`{`)}}}},
		{Version: "2.0", Shape: Cases, Case: Case{TotalMediaFiles: -1}},
	} {
		var buf bytes.Buffer
		if _, err := NewWriter(&buf, opts); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewWriter(%+v) = %v, want ErrInvalid", opts, err)
		}
	}
}

func TestWriterRefuses(t *testing.T) {
	t.Parallel()
	const md5 = "0CEF8332881A74AC9AE0E6F4C4323569"
	for _, tc := range []struct {
		name  string
		opts  WriterOptions
		m     Media
		want  error
		field string
	}{
		{"short MD5", WriterOptions{}, Media{MD5: "ABC"}, ErrDigest, "MD5"},
		{"non-hex SHA1", WriterOptions{}, Media{SHA1: strings.Repeat("x", 40)}, ErrDigest, "SHA1"},
		{"bad file MD5", WriterOptions{}, Media{MediaFiles: []MediaFile{{}, {MD5: "1"}}}, ErrDigest, "MediaFiles[1].MD5"},
		{"UK in a US file", WriterOptions{Version: "2.0", Variant: "US"}, Media{Category: Category{"UK", 8}}, ErrVariant, "Category"},
		{"US in a UK file", WriterOptions{Version: "2.0", Variant: "UK"}, Media{Category: Category{"US", 1}}, ErrVariant, "Category"},
		{"US 8 in an unlabelled 1.x file", WriterOptions{Version: "1.3"}, Media{Category: Category{"US", 8}}, ErrVariant, "Category"},
		{"UK 1 in an unlabelled 1.x file", WriterOptions{Version: "1.3"}, Media{Category: Category{"UK", 1}}, ErrVariant, "Category"},
		{"US 1 in a 1.x file for UK readers", WriterOptions{Version: "1.3", Variant: "UK"}, Media{Category: Category{"US", 1}}, ErrVariant, "Category"},
		{"category out of range", WriterOptions{}, Media{Category: Category{"US", 1000}}, ErrRange, "Category"},
		{"negative size", WriterOptions{}, Media{MediaSize: -1}, ErrRange, "MediaSize"},
		{"bad flag", WriterOptions{}, Media{IsDistributed: 9}, ErrInvalid, "IsDistributed"},
		{"extra repeats a member", WriterOptions{}, Media{Extra: []Field{{"md5", json.RawMessage(`"x"`)}}}, ErrInvalid, "md5"},
		{"extra not JSON", WriterOptions{}, Media{Extra: []Field{{"X", json.RawMessage(`{"a":}`)}}}, ErrInvalid, "X"},
		{"extra two values", WriterOptions{}, Media{Extra: []Field{{"X", json.RawMessage(`1 2`)}}}, ErrInvalid, "X"},
		{"extra empty", WriterOptions{}, Media{Extra: []Field{{"X", nil}}}, ErrInvalid, "X"},
		{"file extra repeats a member", WriterOptions{}, Media{MediaFiles: []MediaFile{{Extra: []Field{{"FileName", json.RawMessage(`1`)}}}}}, ErrInvalid, "MediaFiles[0].FileName"},
		{"segments not JSON", WriterOptions{}, Media{Segments: json.RawMessage(`[`)}, ErrInvalid, "Segments"},
		{"too deep", WriterOptions{}, Media{Extra: []Field{{"X", json.RawMessage(strings.Repeat("[", 70) + strings.Repeat("]", 70))}}}, ErrInvalid, "X"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(Media{MD5: md5}); err != nil {
				t.Fatal(err)
			}
			err = w.Write(tc.m)
			var re *RecordError
			if !errors.Is(err, tc.want) || !errors.As(err, &re) || re.Index != 1 || re.Field != tc.field {
				t.Fatalf("Write = %v, want %v in record 1 field %q", err, tc.want, tc.field)
			}
			if strings.Contains(err.Error(), "(byte ") {
				t.Errorf("writer error %q mentions an input offset", err)
			}
			// The writer stays usable and its output valid.
			if err := w.Write(Media{MD5: md5, MediaID: 2}); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			_, _, ms := readAll(t, buf.Bytes(), ReaderOptions{})
			if len(ms) != 2 || ms[1].MediaID != 2 {
				t.Errorf("read back %+v, want the two good records", ms)
			}
		})
	}
}

func TestWriterClosed(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(Media{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

// TestWriterFailingOutput: an error from the destination is reported and sticks.
func TestWriterFailingOutput(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk full")
	w, err := NewWriter(errWriter{boom}, WriterOptions{})
	if err != nil {
		t.Fatal(err) // buffered: nothing reaches the destination yet
	}
	var werr error
	for i := 0; i < 10000 && werr == nil; i++ {
		werr = w.Write(Media{MediaID: int64(i), Comments: strings.Repeat("x", 100)})
	}
	if !errors.Is(werr, boom) {
		t.Fatalf("Write = %v, want %v", werr, boom)
	}
	if err := w.Write(Media{}); !errors.Is(err, boom) {
		t.Errorf("Write after failure = %v, want %v", err, boom)
	}
	if err := w.Close(); !errors.Is(err, boom) {
		t.Errorf("Close after failure = %v, want %v", err, boom)
	}
}

type errWriter struct{ err error }

func (e errWriter) Write([]byte) (int, error) { return 0, e.err }

// TestWriterStrings: whatever the strings hold, the output is valid UTF-8 JSON and reads back.
func TestWriterStrings(t *testing.T) {
	t.Parallel()
	nasty := "q\"b\\s/\x00\x01\x1f\n\r\t\u2028 é 日本 𝄞 \x7f"
	m := Media{Series: nasty, Comments: "bad \xff\xfe utf-8", MediaFiles: []MediaFile{{FilePath: `C:\Users\x\"a".png`}},
		Extra: []Field{{Name: "Odd \"name\"\n", Value: json.RawMessage(`{"k": "\u00e9", "n": [1, -2.5E+3]}`)}}}
	out := writeAll(t, WriterOptions{Version: "2.0"}, []Media{m})
	if !json.Valid(out) || !utf8.Valid(out) {
		t.Fatalf("invalid output:\n%s", out)
	}
	_, _, ms := readAll(t, out, ReaderOptions{})
	want := m
	want.Comments = "bad \uFFFD\uFFFD utf-8"
	want.Extra = []Field{{Name: "Odd \"name\"\n", Value: json.RawMessage(`{"k":"é","n":[1,-2.5E+3]}`)}}
	if diff := cmp.Diff([]Media{want}, ms); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
}
