package vics

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writerOptionsFor returns options that write a file like the one read: the same version and
// variant where the writer can write them, otherwise 1.3 for files whose variant is unstated
// (categories attributed by code) and 2.0 for files that state it.
func writerOptionsFor(h Header, c Case) WriterOptions {
	opts := WriterOptions{Version: h.Version, Shape: h.Shape, Case: c}
	switch {
	case !h.VariantStated:
		if opts.Version != "1.1" && opts.Version != "1.2" && opts.Version != "1.3" {
			opts.Version = "1.3"
		}
	default:
		opts.Version, opts.Variant = "2.0", h.Variant
	}
	return opts
}

// TestRoundTrip: every sample reads, writes and reads back to the same records and case.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, f := range sampleFiles(t) {
		data, err := readFile(f)
		if err != nil {
			t.Fatal(err)
		}
		h, c, ms := readAll(t, data, ReaderOptions{})
		out := writeAll(t, writerOptionsFor(h, c), ms)
		h2, c2, ms2 := readAll(t, out, ReaderOptions{})
		if h2.Version != h.Version || h2.Variant != h.Variant || h2.Shape != h.Shape {
			t.Errorf("%s: header %+v became %+v", f, h, h2)
		}
		if diff := cmp.Diff(c, c2); diff != "" {
			t.Errorf("%s: case (-read +reread):\n%s", f, diff)
		}
		if diff := cmp.Diff(ms, ms2); diff != "" {
			t.Errorf("%s: records (-read +reread):\n%s", f, diff)
		}
	}
}

// TestRoundTripUnknown: members this package does not know survive at every level.
func TestRoundTripUnknown(t *testing.T) {
	t.Parallel()
	in := `{"@odata.context":"http://x/DataModels/2.0.xml/UK/$metadata#Cases","value":[{
		"CaseNumber":"N","CaseMetadata":{"Examiner":"x","List":[1,2,{"deep":[null]}]},
		"Media":[{
			"MediaID":"5","Category":"2","MD5":"0cef8332881a74ac9ae0e6f4c4323569","SelfGenerated":"true","Frames":[{"t":1.5,"pdq":"ab"}],
			"Segments":[{"SegmentIndex":0,"Start":"00:00:00","End":"00:00:05","Category":1}],
			"MediaFiles":[{"FileName":"a.jpg","ParentFileName":"b.zip","PhysicalLocation":123456789012},{"FileName":"c.jpg"}],
			"Exifs":[{"PropertyName":"GPS","PropertyValue":"1,2","Precision":3}],
			"AlternativeHashes":[{"HashName":"PhotoDNA","HashValue":"AAAA","Weird":{}}]
		}],
		"TotalPrecategorized":0}]}`
	h, c, ms := readAll(t, []byte(in), ReaderOptions{})
	m := ms[0]
	for _, x := range []struct {
		fields []Field
		name   string
		value  string
	}{
		{c.Extra, "CaseMetadata", `{"Examiner":"x","List":[1,2,{"deep":[null]}]}`},
		{c.Extra, "TotalPrecategorized", `0`},
		{m.Extra, "SelfGenerated", `"true"`},
		{m.Extra, "Frames", `[{"t":1.5,"pdq":"ab"}]`},
		{m.MediaFiles[0].Extra, "ParentFileName", `"b.zip"`},
		{m.MediaFiles[0].Extra, "PhysicalLocation", `123456789012`},
		{m.Exifs[0].Extra, "Precision", `3`},
		{m.AlternativeHashes[0].Extra, "Weird", `{}`},
	} {
		found := false
		for _, f := range x.fields {
			if f.Name == x.name {
				found = true
				if string(f.Value) != x.value {
					t.Errorf("%s = %s, want %s", x.name, f.Value, x.value)
				}
			}
		}
		if !found {
			t.Errorf("unknown member %s not kept", x.name)
		}
	}
	if m.AltHash("photodna") != "AAAA" {
		t.Errorf("AltHash(photodna) = %q", m.AltHash("photodna"))
	}
	for _, opts := range []WriterOptions{writerOptionsFor(h, c), {Version: "1.3", Shape: Cases, Variant: "UK", Case: c}} {
		out := writeAll(t, opts, ms)
		_, c2, ms2 := readAll(t, out, ReaderOptions{Variant: opts.Variant})
		if diff := cmp.Diff(c, c2); diff != "" {
			t.Errorf("%s: case (-read +reread):\n%s", opts.Version, diff)
		}
		if diff := cmp.Diff(ms, ms2); diff != "" {
			t.Errorf("%s: records (-read +reread):\n%s", opts.Version, diff)
		}
	}
}

// TestConvert1To2: NSRL 1.2 hash sets written as 2.0 keep their digests and categories; the
// variant must be one that keeps code 8 off the US scale.
func TestConvert1To2(t *testing.T) {
	t.Parallel()
	for _, f := range sampleFiles(t) {
		if !strings.Contains(f, "NSRL") {
			continue
		}
		data, err := readFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, _, ms := readAll(t, data, ReaderOptions{})
		out := writeAll(t, WriterOptions{Version: "2.0", Variant: "UK"}, ms)
		h, _, ms2 := readAll(t, out, ReaderOptions{})
		if h.Version != "2.0" || h.Variant != "UK" || !h.VariantStated {
			t.Errorf("%s: header %+v, want 2.0 UK", f, h)
		}
		if len(ms2) != len(ms) {
			t.Fatalf("%s: %d records became %d", f, len(ms), len(ms2))
		}
		for i := range ms {
			a, b := ms[i], ms2[i]
			if a.MD5 != b.MD5 || a.SHA1 != b.SHA1 || a.Category != b.Category || a.MediaSize != b.MediaSize || !cmp.Equal(a.MediaFiles, b.MediaFiles) {
				t.Errorf("%s record %d: %+v became %+v", f, i, a, b)
			}
		}
		if diff := cmp.Diff(ms, ms2); diff != "" {
			t.Errorf("%s (-1.2 +2.0):\n%s", f, diff)
		}
		// Writing them into a US file is refused rather than putting 8 on the US scale.
		var sink strings.Builder
		w, err := NewWriter(&sink, WriterOptions{Version: "2.0", Variant: "US"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(ms[0]); !errors.Is(err, ErrVariant) {
			t.Errorf("%s: writing UK:8 into a US file: %v, want ErrVariant", f, err)
		}
	}
}

// TestConvert2To1: the synthetic 2.0 files written as 1.3 read back equal (their codes are on
// the US scale, which a 1.x reader assumes).
func TestConvert2To1(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"synthetic/vics-2.0-hashset-synthetic.json", "synthetic/vics-2.0-case-synthetic.json"} {
		h, c, ms := readAll(t, readSample(t, src), ReaderOptions{})
		out := writeAll(t, WriterOptions{Version: "1.3", Shape: h.Shape, Case: c}, ms)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON")
		}
		h2, c2, ms2 := readAll(t, out, ReaderOptions{})
		if h2.Version != "1.3" || h2.Key != "odata.metadata" {
			t.Errorf("%s: header %+v", src, h2)
		}
		if diff := cmp.Diff(c, c2); diff != "" {
			t.Errorf("%s: case (-2.0 +1.3):\n%s", src, diff)
		}
		if diff := cmp.Diff(ms, ms2); diff != "" {
			t.Errorf("%s: records (-2.0 +1.3):\n%s", src, diff)
		}
	}
}
