package vics

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzReader feeds arbitrary bytes to the reader. It must never panic or hang; every error must
// wrap one of the package's sentinels; and whatever it reads must write and read back to the
// same records (and the same case, when the file holds one).
func FuzzReader(f *testing.F) {
	for _, name := range sampleFiles(f) {
		data, err := readFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, cut := range []int{1, 2, len(data) / 4, len(data) / 2, 3 * len(data) / 4, len(data) - 2, len(data) - 1} {
			if cut > 0 && cut < len(data) {
				f.Add(data[:cut])
			}
		}
	}
	hs := readSample(f, "synthetic/vics-2.0-hashset-synthetic.json")
	f.Add(utf16Bytes(string(hs), false, true))
	f.Add(append([]byte{0xEF, 0xBB, 0xBF}, hs...))
	for _, s := range []string{
		doc(`{"MediaID":"1","MediaSize":"488","Category":"8","VictimIdentified":"TRUE","X":{"a":[1,{"b":null}]}}`),
		doc(`{"Comments":"\ud834\udd1e\ud800 \u0000 \\ \" é"}`, `null`, `{}`),
		doc(`{"MediaFiles":[{"FileName":"a","Unallocated":true,"Extra":[]},null],"Exifs":[],"Segments":[{"Start":1}]}`),
		`{"odata.metadata":"http://x/1.3.xml#Cases","value":[{"CaseNumber":"A","Media":[{"MD5":"0cef8332881a74ac9ae0e6f4c4323569"}],"After":1},{"Media":[{}]}]}`,
		`{"@odata.context":"http://x/2.0.xml/UK/$metadata#Cases","value":[{"Media":null}]}`,
		`{"odata.metadata":"http://x/1.2.xml#Media"}`,
		`[]`, `{}`, ``, `{"value":[]}`,
		doc(`{"X":` + strings.Repeat("[", 30) + strings.Repeat("]", 30) + `}`),
		doc(`{"Comments":"` + strings.Repeat("x", 5000) + `"}`),
		doc(`{"Comments":"` + strings.Repeat(`\u00e9`, 800) + `"}`),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := ReaderOptions{Limits: Limits{MaxString: 4096, MaxRecord: 64 << 10, MaxDepth: 24}}
		r, err := NewReaderOptions(bytes.NewReader(data), opts)
		if err != nil {
			checkSentinel(t, err)
			return
		}
		var ms []Media
		cases := map[int]bool{}
		for {
			m, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				checkSentinel(t, err)
				return
			}
			ms = append(ms, m)
			cases[r.CaseIndex()] = true
		}
		h, c := r.Header(), r.Case()

		// Round trip: what was read writes, and reads back the same.
		wopts := writerOptionsFor(h, c)
		var buf bytes.Buffer
		w, err := NewWriter(&buf, wopts)
		if err != nil {
			t.Fatalf("NewWriter(%+v) for header %+v: %v", wopts, h, err)
		}
		for i, m := range ms {
			if err := w.Write(m); err != nil {
				t.Fatalf("writing record %d as read: %v\n%+v", i, err, m)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		h2, c2, ms2, err := tryReadAll(buf.Bytes(), ReaderOptions{Variant: wopts.Variant})
		if err != nil {
			t.Fatalf("reading back: %v\n%s", err, buf.Bytes())
		}
		if h2.Shape != h.Shape {
			t.Errorf("shape %v read back as %v", h.Shape, h2.Shape)
		}
		if diff := cmp.Diff(ms, ms2); diff != "" {
			t.Fatalf("records changed in a round trip (-read +reread):\n%s\n%s", diff, buf.Bytes())
		}
		if h.Shape == Cases && len(cases) <= 1 && r.CaseIndex() <= 0 {
			if diff := cmp.Diff(c, c2); diff != "" {
				t.Fatalf("case changed in a round trip (-read +reread):\n%s", diff)
			}
		}
	})
}

func checkSentinel(t *testing.T, err error) {
	t.Helper()
	for _, s := range []error{ErrSyntax, ErrRoot, ErrType, ErrDigest, ErrRange, ErrLimit} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("error wraps no sentinel: %v", err)
}
