package hamming

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// entry is one stored (id, code) pair of the brute-force reference.
type entry struct {
	id   uint32
	code Code
}

// bruteForce returns every entry within r of q, sorted like Search's results.
func bruteForce(entries []entry, q Code, r int) []Match {
	var out []Match
	for _, e := range entries {
		if d := Distance(e.code, q); d <= r {
			out = append(out, Match{ID: e.id, Distance: uint16(d)})
		}
	}
	slices.SortFunc(out, compareMatches)
	return out
}

// diffMatches returns "" if got equals want, else a readable diff. It compares cheaply first:
// results at large radii hold thousands of matches.
func diffMatches(want, got []Match) string {
	if len(want) == len(got) && (len(want) == 0 || slices.Equal(want, got)) {
		return ""
	}
	return cmp.Diff(want, got)
}

func randomCode(rng *rand.Rand) Code {
	return Code{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()}
}

// flip returns c with k distinct random bits flipped.
func flip(rng *rand.Rand, c Code, k int) Code {
	for _, b := range rng.Perm(Bits)[:k] {
		c[b/64] ^= 1 << (b % 64)
	}
	return c
}

// dataset makes n codes: random ones, or clusters of near-duplicates (spec section 2's layout,
// denser), plus exact duplicates and a few low-entropy codes that fill single buckets.
func dataset(rng *rand.Rand, n int, clustered bool) []Code {
	codes := make([]Code, 0, n)
	for len(codes) < n {
		c := randomCode(rng)
		codes = append(codes, c)
		if !clustered {
			continue
		}
		switch rng.IntN(10) {
		case 0, 1, 2:
			for range 1 + rng.IntN(20) {
				codes = append(codes, flip(rng, c, 2+rng.IntN(39)))
			}
		case 3:
			codes = append(codes, c, c) // exact duplicates
		case 4:
			codes = append(codes, flip(rng, Code{}, rng.IntN(8))) // near the all-zero code
		}
	}
	return codes[:n]
}

// queriesFor makes queries: stored codes with 0 to maxFlip bits flipped, and fresh codes.
func queriesFor(rng *rand.Rand, codes []Code, nq, maxFlip int) []Code {
	qs := make([]Code, nq)
	for i := range qs {
		if i%2 == 0 && len(codes) > 0 {
			qs[i] = flip(rng, codes[rng.IntN(len(codes))], rng.IntN(maxFlip+1))
		} else {
			qs[i] = randomCode(rng)
		}
	}
	return qs
}

var testRadii = []int{-1, 0, 1, 2, 5, 9, 10, 11, 12, 13, 20, 31, 32, 40, 47, 52, 64, 70, 90, 128, 200, 256, 300}

func TestSearchMatchesBruteForce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		n, tables int
		clustered bool
	}{
		{"empty", 0, 0, false},
		{"one", 1, 0, false},
		{"random-3000", 3000, 0, false},
		{"clustered-3000", 3000, 0, true},
		{"clustered-4000-m13", 4000, 13, true},
		{"clustered-5000-m16", 5000, 16, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.tables)))
			codes := dataset(rng, tc.n, tc.clustered)
			ids := make([]uint32, len(codes))
			entries := make([]entry, len(codes))
			for i := range codes {
				ids[i] = uint32(rng.IntN(1 << 20)) // ids repeat now and then
				entries[i] = entry{ids[i], codes[i]}
			}
			x, err := Build(codes, ids, Options{Tables: tc.tables})
			if err != nil {
				t.Fatal(err)
			}
			qs := queriesFor(rng, codes, 40, 40)
			s := x.NewSearcher()
			for _, r := range testRadii {
				qs := qs
				if r > 70 {
					qs = qs[:6] // thousands of matches each: a few queries suffice
				}
				for qi, q := range qs {
					got := s.Search(q, r, nil)
					want := bruteForce(entries, q, r)
					if diff := diffMatches(want, got); diff != "" {
						t.Fatalf("r=%d query %d: Search differs from brute force (-want +got):\n%s", r, qi, diff)
					}
				}
			}
		})
	}
}

// TestSearchTablesAtEveryRadius forces the table path (no switch to the scan) at radii the
// cost model would scan, so that both paths are checked everywhere.
func TestSearchTablesAtEveryRadius(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	codes := dataset(rng, 2000, true)
	entries := make([]entry, len(codes))
	for i, c := range codes {
		entries[i] = entry{uint32(i), c}
	}
	for _, m := range []int{16, 32} {
		st := buildStatic(codes, nil, newLayout(m), 2)
		var sc scratch
		for _, r := range []int{0, 3, 15, 16, 17, 31, 33, 47, 48, 63, 64, 65, 80} {
			for _, q := range queriesFor(rng, codes, 10, 60) {
				got := st.searchTables(&q, r, nil, &sc, nil)
				slices.SortFunc(got, compareMatches)
				if diff := diffMatches(bruteForce(entries, q, r), got); diff != "" {
					t.Fatalf("m=%d r=%d: table search differs from brute force (-want +got):\n%s", m, r, diff)
				}
			}
		}
	}
}

// TestSearchUnindexedBits checks layouts that leave bits out of every table (the widths are
// capped), which must stay exact.
func TestSearchUnindexedBits(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(8, 8))
	codes := dataset(rng, 3000, true)
	entries := make([]entry, len(codes))
	for i, c := range codes {
		entries[i] = entry{uint32(i), c}
	}
	for _, tc := range []struct{ m, maxBits int }{{3, 12}, {7, 14}, {10, 16}, {20, 9}} {
		st := buildStatic(codes, nil, cappedLayout(tc.m, tc.maxBits), 2)
		var sc scratch
		for _, r := range []int{0, 1, 2, 10, 20, 31} {
			for _, q := range queriesFor(rng, codes, 20, 31) {
				got := st.searchTables(&q, r, nil, &sc, nil)
				slices.SortFunc(got, compareMatches)
				if diff := diffMatches(bruteForce(entries, q, r), got); diff != "" {
					t.Fatalf("%+v r=%d: table search differs from brute force (-want +got):\n%s", tc, r, diff)
				}
			}
		}
	}
}

func TestSearchBatch(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	codes := dataset(rng, 3000, true)
	x, err := Build(codes, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	x.Add(999999, codes[0])
	x.Remove(17)
	qs := queriesFor(rng, codes, 150, 35)
	qs = append(qs, qs[:50]...) // duplicates
	qs = append(qs, qs[3], qs[3], qs[3])
	for _, r := range []int{0, 8, 31, 70, 100} {
		for _, w := range []int{0, 1, 3} {
			res, err := x.SearchBatch(context.Background(), qs, r, BatchOptions{Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			if res.Len() != len(qs) {
				t.Fatalf("Len = %d, want %d", res.Len(), len(qs))
			}
			for i, q := range qs {
				if diff := diffMatches(x.Search(q, r), res.Matches(i)); diff != "" {
					t.Fatalf("r=%d workers=%d query %d: batch differs from Search:\n%s", r, w, i, diff)
				}
			}
		}
	}
}

func TestSearchBatchCancelled(t *testing.T) {
	t.Parallel()
	x, _ := Build(dataset(rand.New(rand.NewPCG(1, 1)), 100, false), nil, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := x.SearchBatch(ctx, make([]Code, 1000), 31, BatchOptions{}); err == nil {
		t.Fatal("SearchBatch with a cancelled context returned no error")
	}
}

// TestLiveIndexMatchesBruteForce interleaves additions, removals, merges and searches, with
// searchers running concurrently, and compares every search with the brute-force reference.
func TestLiveIndexMatchesBruteForce(t *testing.T) {
	t.Parallel()
	for _, mergeAt := range []int{-1, 50, 400} {
		t.Run(fmt.Sprintf("mergeAt=%d", mergeAt), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(mergeAt+10), 9))
			codes := dataset(rng, 3000, true)
			x, err := Build(codes[:1000], nil, Options{MergeAt: mergeAt})
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			var ref []entry
			for i, c := range codes[:1000] {
				ref = append(ref, entry{uint32(i), c})
			}

			// Background readers: they check nothing but race the writers (run with -race) and
			// that every result is sorted and within the radius.
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for g := range 2 {
				wg.Go(func() {
					s := x.NewSearcher()
					rr := rand.New(rand.NewPCG(uint64(g), 1))
					var buf []Match
					for {
						select {
						case <-stop:
							return
						default:
						}
						q := codes[rr.IntN(len(codes))]
						buf = s.Search(q, 31, buf[:0])
						for _, m := range buf {
							if m.Distance > 31 {
								t.Errorf("match at distance %d > 31", m.Distance)
								return
							}
						}
					}
				})
			}

			s := x.NewSearcher()
			next := uint32(1000)
			for step := range 1500 {
				switch op := rng.IntN(10); {
				case op < 5: // add a new code, or a variant of a stored one
					c := codes[1000+rng.IntN(2000)]
					if rng.IntN(2) == 0 && len(ref) > 0 {
						c = flip(rng, ref[rng.IntN(len(ref))].code, rng.IntN(20))
					}
					id := next
					if rng.IntN(5) == 0 && len(ref) > 0 {
						id = ref[rng.IntN(len(ref))].id // a second code under an existing id
					} else {
						next++
					}
					x.Add(id, c)
					ref = append(ref, entry{id, c})
				case op < 7: // remove an id (sometimes one that is not stored)
					id := uint32(rng.IntN(int(next) + 10))
					x.Remove(id)
					ref = slices.DeleteFunc(ref, func(e entry) bool { return e.id == id })
				case op == 7 && mergeAt < 0 && step%50 == 0:
					x.Merge()
				default: // search, usually near something stored
					q := randomCode(rng)
					if len(ref) > 0 {
						q = flip(rng, ref[rng.IntN(len(ref))].code, rng.IntN(32))
					}
					r := testRadii[rng.IntN(len(testRadii))]
					got := s.Search(q, r, nil)
					if diff := diffMatches(bruteForce(ref, q, r), got); diff != "" {
						close(stop)
						wg.Wait()
						t.Fatalf("step %d r=%d: Search differs from brute force (-want +got):\n%s", step, r, diff)
					}
				}
			}
			close(stop)
			wg.Wait()
			x.Close()
			x.Merge()
			for _, q := range queriesFor(rng, codes, 50, 30) {
				if diff := diffMatches(bruteForce(ref, q, 31), s.Search(q, 31, nil)); diff != "" {
					t.Fatalf("after the final merge: Search differs from brute force (-want +got):\n%s", diff)
				}
			}
			if st := x.Stats(); st.Delta != 0 || st.Tombstones != 0 || st.Static != len(ref) {
				t.Errorf("after the final merge: Stats = %+v, want %d static codes and no delta or tombstones", st, len(ref))
			}
		})
	}
}

// TestWritesDuringMerge makes additions and removals land between a merge's start and its
// publication, where they must survive into the merged view.
func TestWritesDuringMerge(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 11))
	a, b, c, d := randomCode(rng), randomCode(rng), randomCode(rng), randomCode(rng)
	for _, static := range []bool{false, true} {
		var x *Index
		if static {
			x, _ = Build([]Code{d}, []uint32{9}, Options{MergeAt: -1})
		} else {
			x = New(Options{MergeAt: -1})
		}
		x.Add(5, a)
		x.Add(6, b)
		x.Add(9, d)
		x.mergeHook = func() {
			x.Remove(5) // in the tables being built
			x.Add(7, c) // not in them
			x.Remove(9) // in the old static tables and the delta
			x.Add(9, a) // re-added under a new code
		}
		x.Merge()
		x.mergeHook = nil
		want := map[Code][]Match{a: {{9, 0}}, b: {{6, 0}}, c: {{7, 0}}, d: nil}
		check := func(when string) {
			t.Helper()
			for q, w := range want {
				if diff := diffMatches(w, x.Search(q, 0)); diff != "" {
					t.Errorf("static=%v %s: Search(%v) (-want +got):\n%s", static, when, q, diff)
				}
			}
		}
		check("after a merge with concurrent writes")
		x.Merge()
		check("after a second merge")
		if st := x.Stats(); st.Static != 3 || st.Delta != 0 || st.Tombstones != 0 {
			t.Errorf("static=%v: Stats = %+v, want 3 static codes only", static, st)
		}
	}
}

func TestSearchAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	codes := dataset(rng, 20000, true)
	x, _ := Build(codes, nil, Options{})
	x.Add(1, codes[1])
	s := x.NewSearcher()
	qs := queriesFor(rng, codes, 100, 31)
	buf := make([]Match, 0, 1024)
	for _, q := range qs { // grow the scratch
		buf = s.Search(q, 31, buf[:0])
	}
	allocs := testing.AllocsPerRun(10, func() {
		for _, q := range qs {
			buf = s.Search(q, 31, buf[:0])
		}
	})
	if allocs != 0 {
		t.Errorf("Search allocated %v times per 100 queries, want 0", allocs)
	}
}

func TestCodeRoundTrip(t *testing.T) {
	t.Parallel()
	const h = "f162eb9daab170c0567fe3632d9a5548c5612982dd5e374a7424ebbc8a835c95"
	c, err := ParseCode(h)
	if err != nil {
		t.Fatal(err)
	}
	if c[0] != 0xf162eb9daab170c0 {
		t.Errorf("word 0 = %#x, want 0xf162eb9daab170c0", c[0])
	}
	if got := c.String(); got != h {
		t.Errorf("String() = %s, want %s", got, h)
	}
	if got := CodeFromBytes(c.Bytes()); got != c {
		t.Errorf("CodeFromBytes(Bytes()) = %v, want %v", got, c)
	}
	for _, bad := range []string{"", "zz", h[:63], h + "0", "g" + h[1:]} {
		if _, err := ParseCode(bad); err == nil {
			t.Errorf("ParseCode(%q) succeeded, want an error", bad)
		}
	}
}

func TestLayoutCoversDisjointBits(t *testing.T) {
	t.Parallel()
	for m := 1; m <= maxTables; m++ {
		var seen Code
		for _, tb := range newLayout(m) {
			if tb.width < 1 || tb.width > maxTableBits {
				t.Fatalf("m=%d: width %d", m, tb.width)
			}
			mask := Code{}
			mask[tb.w1] |= tb.m1
			if tb.m2 != 0 {
				mask[tb.w2] |= tb.m2
			}
			for k := range 4 {
				if seen[k]&mask[k] != 0 {
					t.Fatalf("m=%d: tables overlap", m)
				}
				seen[k] |= mask[k]
			}
			// key and subDistance agree with each other.
			c := Code{0x0123456789abcdef, 0xfedcba9876543210, 0xdeadbeefcafef00d, 0x0f1e2d3c4b5a6978}
			if got, want := bitsOnes(tb.key(&c)), tb.subDistance(&c); got != want {
				t.Fatalf("m=%d table at %d: key has %d bits set, subDistance says %d", m, tb.start, got, want)
			}
		}
	}
	for _, tc := range []struct{ n, m int }{{1_000_000, 13}, {10_000_000, 11}, {50_000_000, 10}, {100_000_000, 10}} {
		if got := defaultTables(tc.n); got != tc.m {
			t.Errorf("defaultTables(%d) = %d, want %d", tc.n, got, tc.m)
		}
	}
}

func bitsOnes(k uint32) int {
	n := 0
	for ; k != 0; k &= k - 1 {
		n++
	}
	return n
}
