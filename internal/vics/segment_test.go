package vics

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	hashA = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	hashB = "30a10efd71cc3d429013d48d0ffffc52e34e0e17ada952a9d29685211ea9e5af"
)

// TestAppendFrame checks that runs of identical frames become one segment and that a change
// of hash or quality starts the next.
func TestAppendFrame(t *testing.T) {
	t.Parallel()
	var segs []Segment
	for i, f := range []struct {
		pdq     string
		quality int
	}{{hashA, 100}, {hashA, 100}, {hashA, 100}, {hashB, 100}, {hashB, 40}, {hashA, 100}} {
		segs = AppendFrame(segs, 30*i, time.Duration(i)*time.Second, f.pdq, f.quality)
	}
	want := []Segment{
		{Index: 0, Start: 0, End: 2 * time.Second, StartFrame: 0, EndFrame: 60, PDQ: hashA, Quality: 100},
		{Index: 1, Start: 3 * time.Second, End: 3 * time.Second, StartFrame: 90, EndFrame: 90, PDQ: hashB, Quality: 100},
		{Index: 2, Start: 4 * time.Second, End: 4 * time.Second, StartFrame: 120, EndFrame: 120, PDQ: hashB, Quality: 40},
		{Index: 3, Start: 5 * time.Second, End: 5 * time.Second, StartFrame: 150, EndFrame: 150, PDQ: hashA, Quality: 100},
	}
	if diff := cmp.Diff(want, segs); diff != "" {
		t.Fatalf("segments (-want +got):\n%s", diff)
	}
}

// TestSegmentsRoundTrip writes segments, checks the JSON shape, and reads them back, through a
// whole VICS file.
func TestSegmentsRoundTrip(t *testing.T) {
	t.Parallel()
	segs := []Segment{
		{Index: 0, Start: 0, End: 4*time.Second + 999*time.Millisecond, StartFrame: 0, EndFrame: 149, PDQ: hashA, Quality: 100},
		{Index: 1, Start: 3723*time.Second + 5*time.Millisecond, End: 3723*time.Second + 5*time.Millisecond, StartFrame: 111690, EndFrame: 111690, PDQ: hashB, Quality: 49},
	}
	raw := SegmentsJSON(segs)
	wantJSON := `[{"SegmentIndex":0,"Start":"00:00:00.000","End":"00:00:04.999","StartFrame":0,"EndFrame":149,"AlternativeHashes":[{"HashName":"PDQ","HashValue":"` + hashA + `"}],"PDQQuality":100},` +
		`{"SegmentIndex":1,"Start":"01:02:03.005","End":"01:02:03.005","StartFrame":111690,"EndFrame":111690,"AlternativeHashes":[{"HashName":"PDQ","HashValue":"` + hashB + `"}],"PDQQuality":49}]`
	if string(raw) != wantJSON {
		t.Fatalf("SegmentsJSON:\n got %s\nwant %s", raw, wantJSON)
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, WriterOptions{Version: "2.0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(Media{MD5: strings.Repeat("AB", 16), MimeType: "video/mp4", Segments: raw}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseSegments(m.Segments)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(segs, got); diff != "" {
		t.Fatalf("segments after a round trip (-want +got):\n%s", diff)
	}
	if SegmentsJSON(nil) != nil {
		t.Error("SegmentsJSON(nil) is not nil")
	}
}

// TestParseSegments covers the accepted variations, other tools' shapes and bad values.
func TestParseSegments(t *testing.T) {
	t.Parallel()
	pdq := `"AlternativeHashes":[{"HashName":"pdq","HashValue":"` + hashA + `"}]`
	for _, tc := range []struct {
		name string
		raw  string
		want []Segment
		err  error
	}{
		{"empty", ``, nil, nil},
		{"null", `null`, nil, nil},
		{"no segments", `[]`, []Segment{}, nil},
		{"start only, seconds", `[{"Start":1.5,` + pdq + `}]`,
			[]Segment{{Start: 1500 * time.Millisecond, End: 1500 * time.Millisecond, StartFrame: -1, EndFrame: -1, PDQ: hashA, Quality: 100}}, nil},
		{"no fraction", `[{"SegmentIndex":3,"Start":"00:01:02","End":"00:01:03",` + pdq + `}]`,
			[]Segment{{Index: 3, Start: 62 * time.Second, End: 63 * time.Second, StartFrame: -1, EndFrame: -1, PDQ: hashA, Quality: 100}}, nil},
		{"another tool's shape", `[{"SegmentIndex":0,"Start":"00:00:00","End":"00:00:05","Category":1}]`, nil, ErrNotVidbSegments},
		{"not an array", `{"Start":"00:00:00"}`, nil, ErrNotVidbSegments},
		{"no start", `[{` + pdq + `}]`, nil, ErrNotVidbSegments},
		{"bad time", `[{"Start":"1:2",` + pdq + `}]`, nil, ErrInvalid},
		{"minutes out of range", `[{"Start":"00:61:00",` + pdq + `}]`, nil, ErrInvalid},
		{"exponent", `[{"Start":"00:00:1e1",` + pdq + `}]`, nil, ErrInvalid},
		{"negative seconds", `[{"Start":-1,` + pdq + `}]`, nil, ErrInvalid},
		{"a day and more", `[{"Start":"30:00:00",` + pdq + `}]`,
			[]Segment{{Start: 30 * time.Hour, End: 30 * time.Hour, StartFrame: -1, EndFrame: -1, PDQ: hashA, Quality: 100}}, nil},
		{"beyond a year", `[{"Start":"8761:00:00",` + pdq + `}]`, nil, ErrInvalid},
		{"huge seconds", `[{"Start":1e300,` + pdq + `}]`, nil, ErrInvalid},
		{"ends before it starts", `[{"Start":"00:00:02","End":"00:00:01",` + pdq + `}]`, nil, ErrInvalid},
		{"negative frame", `[{"Start":0,"StartFrame":-2,` + pdq + `}]`, nil, ErrInvalid},
		{"end frame alone is ignored", `[{"Start":0,"EndFrame":7,` + pdq + `}]`,
			[]Segment{{StartFrame: -1, EndFrame: -1, PDQ: hashA, Quality: 100}}, nil},
		{"start frame alone", `[{"Start":0,"StartFrame":7,` + pdq + `}]`,
			[]Segment{{StartFrame: 7, EndFrame: 7, PDQ: hashA, Quality: 100}}, nil},
		{"frames backwards", `[{"Start":0,"StartFrame":5,"EndFrame":4,` + pdq + `}]`, nil, ErrInvalid},
		{"quality too high", `[{"Start":0,"PDQQuality":101,` + pdq + `}]`, nil, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSegments(json.RawMessage(tc.raw))
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParseSegments checks that no input panics and that whatever parses writes back to the
// same segments.
func FuzzParseSegments(f *testing.F) {
	f.Add([]byte(`[{"SegmentIndex":0,"Start":"00:00:01.5","End":2,"StartFrame":1,"EndFrame":2,"AlternativeHashes":[{"HashName":"PDQ","HashValue":"x"}],"PDQQuality":7}]`))
	f.Add([]byte(`[{"Start":"00:00:00","Category":1}]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		segs, err := ParseSegments(raw)
		if err != nil || len(segs) == 0 {
			return
		}
		for i := range segs {
			segs[i].Index = i
			segs[i].Start = segs[i].Start.Truncate(time.Millisecond)
			segs[i].End = segs[i].End.Truncate(time.Millisecond)
		}
		again, err := ParseSegments(SegmentsJSON(segs))
		if err != nil {
			t.Fatalf("reading back %v: %v", segs, err)
		}
		if diff := cmp.Diff(segs, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
