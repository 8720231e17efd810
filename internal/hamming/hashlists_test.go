package hamming

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// hashlists is the shared PDQ hash-list test data: a haystack, needles, and the brute-force
// pairs within distance 31.
var hashlists = filepath.Join("..", "..", "..", "shared", "testdata", "pdq", "hashlists")

// readLines returns the non-empty lines of a shared test file, skipping the test only where the
// file is genuinely absent outside CI.
func readLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(hashlists, name))
	if os.IsNotExist(err) && os.Getenv("CI") == "" {
		t.Skipf("shared test data not found: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func parseCodes(t *testing.T, lines []string) []Code {
	t.Helper()
	codes := make([]Code, len(lines))
	for i, l := range lines {
		c, err := ParseCode(l)
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		codes[i] = c
	}
	return codes
}

// TestHashlistsWithin31 searches the shared needles against the shared haystack at radius 31
// and compares the result with the 250 brute-force pairs shipped with the data, with the index
// built at several m, live (added one by one), and in a batch.
func TestHashlistsWithin31(t *testing.T) {
	t.Parallel()
	haystack := parseCodes(t, readLines(t, "haystack.txt"))
	needles := parseCodes(t, readLines(t, "needles.txt"))
	rows := readLines(t, "needles_vs_haystack_within31.tsv")[1:] // skip the header

	// want[i] are needle i's matches; ids are 1-based haystack line numbers.
	want := make([][]Match, len(needles))
	for _, row := range rows {
		f := strings.Split(row, "\t")
		if len(f) != 5 {
			t.Fatalf("malformed row %q", row)
		}
		nl, err1 := strconv.Atoi(f[0])
		hl, err2 := strconv.Atoi(f[2])
		d, err3 := strconv.Atoi(f[4])
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("malformed row %q", row)
		}
		if got := Distance(needles[nl-1], haystack[hl-1]); got != d {
			t.Fatalf("row %q: Distance = %d, want %d", row, got, d)
		}
		want[nl-1] = append(want[nl-1], Match{ID: uint32(hl), Distance: uint16(d)})
	}
	if len(rows) != 250 {
		t.Fatalf("%d brute-force pairs, want 250", len(rows))
	}
	for i := range want {
		want[i] = sortedMatches(want[i])
	}

	ids := make([]uint32, len(haystack))
	for i := range ids {
		ids[i] = uint32(i + 1)
	}
	check := func(name string, x *Index) {
		t.Helper()
		s := x.NewSearcher()
		total := 0
		for i, q := range needles {
			got := s.Search(q, 31, nil)
			total += len(got)
			if diff := cmp.Diff(want[i], got, cmp.Comparer(matchesEqual)); diff != "" {
				t.Errorf("%s: needle %d (-want +got):\n%s", name, i+1, diff)
			}
		}
		if total != 250 {
			t.Errorf("%s: %d pairs within 31, want 250", name, total)
		}
		res, err := x.SearchBatch(context.Background(), needles, 31, BatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range needles {
			if diff := cmp.Diff(want[i], res.Matches(i), cmp.Comparer(matchesEqual)); diff != "" {
				t.Errorf("%s: batch, needle %d (-want +got):\n%s", name, i+1, diff)
			}
		}
	}
	for _, m := range []int{0, 13, 16, 24} {
		x, err := Build(haystack, ids, Options{Tables: m})
		if err != nil {
			t.Fatal(err)
		}
		check("built m="+strconv.Itoa(m), x)
	}
	live := New(Options{MergeAt: 300})
	for i, c := range haystack {
		live.Add(ids[i], c)
	}
	live.Close()
	check("live", live)
}

func sortedMatches(ms []Match) []Match {
	out := append([]Match(nil), ms...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && compareMatches(out[j-1], out[j]) > 0; j-- {
			out[j-1], out[j] = out[j], out[j-1]
		}
	}
	return out
}

func matchesEqual(a, b []Match) bool { return diffMatches(a, b) == "" }
