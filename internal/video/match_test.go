package video

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/pdq"
)

// readTSV reads a TSV file whose first line names the columns.
func readTSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var header []string
	var rows []map[string]string
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if header == nil {
			header = fields
			continue
		}
		if len(fields) != len(header) {
			t.Fatalf("%s: line %d has %d fields, want %d", path, len(rows)+2, len(fields), len(header))
		}
		row := map[string]string{}
		for i, name := range header {
			row[name] = fields[i]
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no rows", path)
	}
	return rows
}

// TestCompareMatchesReferences scores every (query, target) pair of the upstream sample hash
// files and compares both percentages, to the printed precision, with python-threatexchange's
// match_VPDQ_hash_brute (the default semantics) and the C++ match-hashes-brute (Strict).
func TestCompareMatchesReferences(t *testing.T) {
	dir := vpdqDir(t)
	cases := []struct {
		table   string
		strict  bool
		decimal int
	}{
		{"vpdq_match_python-threatexchange_d31_q50.tsv", false, 4},
		{"vpdq_match_cpp_match-hashes-brute_d31_q50.tsv", true, 2},
	}
	hashes := map[string][]Frame{}
	load := func(name string) []Frame {
		if f, ok := hashes[name]; ok {
			return f
		}
		f := readFramesFile(t, filepath.Join(dir, "vpdq-sample-hashes", name))
		hashes[name] = f
		return f
	}
	for _, c := range cases {
		t.Run(c.table, func(t *testing.T) {
			rows := readTSV(t, filepath.Join(dir, "expected", c.table))
			if len(rows) != 256 {
				t.Errorf("%d rows, want 256 (16 x 16 sample files)", len(rows))
			}
			m := DefaultMatcher()
			m.Strict = c.strict
			for _, row := range rows {
				got := m.Compare(load(row["query"]), load(row["target"]))
				gq := strconv.FormatFloat(got.QueryPct, 'f', c.decimal, 64)
				gt := strconv.FormatFloat(got.TargetPct, 'f', c.decimal, 64)
				if gq != row["query_match_pct"] || gt != row["target_match_pct"] {
					t.Errorf("%s vs %s: got %s %s, want %s %s", row["query"], row["target"],
						gq, gt, row["query_match_pct"], row["target_match_pct"])
				}
				if !c.strict {
					q, tg := Compare(load(row["query"]), load(row["target"]), pdq.MatchDistance)
					if q != got.QueryPct || tg != got.TargetPct {
						t.Errorf("%s vs %s: Compare = %v %v, Matcher.Compare = %v %v", row["query"], row["target"], q, tg, got.QueryPct, got.TargetPct)
					}
				}
			}
		})
	}
}

// frame returns a test frame: number n at one frame per second, the hash with the first b bits
// of a 256-bit pattern flipped, and quality q.
func frame(n int, base pdq.Hash, flips, q int) Frame {
	h := base
	for i := range flips {
		h[i/8] ^= 1 << (i % 8)
	}
	return Frame{Number: n, Seconds: float32(n), Timestamp: time.Duration(n) * time.Second, Hash: h, Quality: q}
}

func TestMatcherSemantics(t *testing.T) {
	var a, b, c pdq.Hash
	for i := range a {
		a[i], b[i], c[i] = 0x00, 0xff, 0x0f
	}
	// query: a a(dup) a+31 bits, a+32 bits, a(low quality), b
	query := []Frame{
		frame(0, a, 0, 100),
		frame(1, a, 0, 90),  // exact duplicate of frame 0
		frame(2, a, 31, 80), // distance 31 from a
		frame(3, a, 32, 80), // distance 32 from a
		frame(4, c, 0, 49),  // below the quality threshold
		frame(5, b, 0, 100),
	}
	target := []Frame{frame(0, a, 0, 100), frame(1, b, 0, 10)}

	m := DefaultMatcher()
	got := m.Compare(query, target)
	want := Comparison{
		// Usable query frames after dedup and quality: 0, 2, 3, 5; 0 and 2 match (31 inclusive).
		QueryPct: 50, TargetPct: 100,
		QueryFrames: 4, TargetFrames: 1,
		QueryMatched: 2, TargetMatched: 1,
		Match: false,
		QueryRanges: []Range{
			{Start: 0, End: 2 * time.Second, First: 0, Last: 2, Frames: 3},
		},
		TargetRanges: []Range{{Start: 0, End: 0, First: 0, Last: 0, Frames: 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("python semantics (-want +got):\n%s", diff)
	}

	m.Strict = true
	got = m.Compare(query, target)
	// No dedup, strict <: usable frames 0, 1, 2, 3, 5; 0 and 1 match.
	if got.QueryFrames != 5 || got.QueryMatched != 2 || got.QueryPct != 40 {
		t.Errorf("strict: frames %d matched %d pct %v, want 5 2 40", got.QueryFrames, got.QueryMatched, got.QueryPct)
	}

	m = DefaultMatcher()
	m.QueryPct = 50
	if got := m.Compare(query, target); !got.Match {
		t.Errorf("query share 50 %% with threshold 50 %%: no match")
	}
	m.TargetPct = 100.1
	if got := m.Compare(query, target); got.Match {
		t.Errorf("target threshold above 100 %%: match")
	}

	// Nothing usable on one side: 0 %, no match, no ranges, no panic.
	for _, tc := range [][2][]Frame{{nil, target}, {query, nil}, {[]Frame{frame(0, a, 0, 10)}, target}} {
		got := DefaultMatcher().Compare(tc[0], tc[1])
		if got.QueryPct != 0 || got.TargetPct != 0 || got.Match || got.QueryRanges != nil {
			t.Errorf("Compare(%d frames, %d frames) = %+v, want zero", len(tc[0]), len(tc[1]), got)
		}
	}
}

func TestRanges(t *testing.T) {
	var a, z pdq.Hash
	z[0] = 0xff
	for i := range z {
		z[i] = 0xff
	}
	// Matched frames 0,1 | unmatched 2 | matched 3, low quality 4 (ignored), matched 5 | matched 7
	// after unmatched 6.
	query := []Frame{
		frame(0, a, 0, 100), frame(1, a, 1, 100), frame(2, z, 0, 100), frame(3, a, 2, 100),
		frame(4, z, 0, 0), frame(5, a, 3, 100), frame(6, z, 0, 100), frame(7, a, 4, 100),
	}
	got := DefaultMatcher().Compare(query, []Frame{frame(0, a, 0, 100)}).QueryRanges
	want := []Range{
		{Start: 0, End: time.Second, First: 0, Last: 1, Frames: 2},
		{Start: 3 * time.Second, End: 5 * time.Second, First: 3, Last: 5, Frames: 2},
		{Start: 7 * time.Second, End: 7 * time.Second, First: 7, Last: 7, Frames: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ranges (-want +got):\n%s", diff)
	}
}

func TestDedup(t *testing.T) {
	var a, b pdq.Hash
	b[0] = 1
	in := []Frame{frame(0, a, 0, 10), frame(1, b, 0, 100), frame(2, a, 0, 100), frame(3, b, 0, 5)}
	got := Dedup(in)
	want := []Frame{in[0], in[1]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Dedup (-want +got):\n%s", diff)
	}
	// python-threatexchange de-duplicates before filtering: the first a has quality 10, so no
	// a is left at all.
	if got := FilterQuality(Dedup(in), 50); len(got) != 1 || got[0].Number != 1 {
		t.Errorf("FilterQuality(Dedup) = %+v, want frame 1 only", got)
	}
}
