package triage

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/vics"
	"github.com/vidb-project/vidb/pdq"
)

// TestKnownRecordSegments checks the frames a VICS record's Segments give the import: first
// and last frame of each run, numbered from the segments or in order; other tools' segments
// give none; bad segments refuse the record.
func TestKnownRecordSegments(t *testing.T) {
	t.Parallel()
	h1, h2 := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	p := func(hexHash string, q int) catalog.PDQ {
		h, err := pdq.ParseHash(hexHash)
		if err != nil {
			t.Fatal(err)
		}
		return catalog.PDQ{Hash: h, Quality: q, Flavour: pdq.FullRes}
	}
	md5 := strings.Repeat("0F", 16)
	for _, tc := range []struct {
		name   string
		segs   string
		frames []catalog.Frame
		kind   catalog.MediaKind
		err    bool
	}{
		{"runs", string(vics.SegmentsJSON([]vics.Segment{
			{Start: 0, End: 2 * time.Second, StartFrame: 0, EndFrame: 60, PDQ: h1, Quality: 100},
			{Start: 3 * time.Second, End: 3 * time.Second, StartFrame: 90, EndFrame: 90, PDQ: h2, Quality: 40},
		})), []catalog.Frame{
			{Number: 0, Timestamp: 0, PDQ: p(h1, 100)},
			{Number: 60, Timestamp: 2 * time.Second, PDQ: p(h1, 100)},
			{Number: 90, Timestamp: 3 * time.Second, PDQ: p(h2, 40)},
		}, catalog.KindVideo, false},
		{"no frame numbers", `[{"Start":1,"End":2,"AlternativeHashes":[{"HashName":"PDQ","HashValue":"` + h1 + `"}]},` +
			`{"Start":3,"AlternativeHashes":[{"HashName":"PDQ","HashValue":"` + h2 + `"}]}]`, []catalog.Frame{
			{Number: 0, Timestamp: time.Second, PDQ: p(h1, 100)},
			{Number: 1, Timestamp: 2 * time.Second, PDQ: p(h1, 100)},
			{Number: 2, Timestamp: 3 * time.Second, PDQ: p(h2, 100)},
		}, catalog.KindVideo, false},
		{"another tool's segments", `[{"SegmentIndex":0,"Start":"00:00:00","End":"00:00:05","Category":1}]`, nil, catalog.KindUnknown, false},
		{"bad hash", `[{"Start":0,"AlternativeHashes":[{"HashName":"PDQ","HashValue":"zz"}]}]`, nil, "", true},
		{"repeated frame numbers", `[{"Start":0,"StartFrame":4,"AlternativeHashes":[{"HashName":"PDQ","HashValue":"` + h1 + `"}]},` +
			`{"Start":1,"StartFrame":4,"AlternativeHashes":[{"HashName":"PDQ","HashValue":"` + h2 + `"}]}]`, nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := KnownRecord(vics.Media{MD5: md5, Segments: json.RawMessage(tc.segs)})
			if tc.err {
				if err == nil {
					t.Fatalf("KnownRecord accepted %s", tc.segs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.frames, rec.Frames); diff != "" {
				t.Errorf("frames (-want +got):\n%s", diff)
			}
			if rec.Kind != tc.kind {
				t.Errorf("kind %q, want %q", rec.Kind, tc.kind)
			}
		})
	}
	if _, err := KnownRecord(vics.Media{Segments: json.RawMessage(`[]`)}); !errors.Is(err, ErrNoDigest) {
		t.Errorf("a record without digests: %v", err)
	}
}
