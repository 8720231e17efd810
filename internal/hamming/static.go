package hamming

import (
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// static is an immutable multi-index over a fixed set of codes (spec section 5). The codes are
// kept in the order of their table-0 key, so table 0 needs no row list: its bucket k is the
// rows offs[0][k] to offs[0][k+1]-1 of codes. Every other table j is a direct-addressed CSR
// table: bucket k holds rows[j][offs[j][k]:offs[j][k+1]], in ascending row order.
//
// Memory is 36 bytes per code (code and id), 4(m-1) bytes per code for the row lists, and
// 4 * 2^width bytes per table for the offsets.
type static struct {
	tabs  []table
	codes []Code
	ids   []uint32
	offs  [][]uint32
	rows  [][]uint32 // rows[0] is nil
	// scanFrom is the smallest radius at which a linear scan is expected to be cheaper than
	// probing the tables.
	scanFrom int
}

// emptyStatic is the static part of an index that has none.
var emptyStatic = &static{scanFrom: 0}

func (st *static) len() int { return len(st.codes) }

// memoryBytes returns the bytes the static part holds.
func (st *static) memoryBytes() int64 {
	b := int64(len(st.codes))*32 + int64(len(st.ids))*4
	for j := range st.offs {
		b += int64(len(st.offs[j])) * 4
		b += int64(len(st.rows[j])) * 4
	}
	return b
}

// buildStatic builds the tables for codes and ids (both left unchanged) with substrings tabs,
// using up to workers goroutines. It copies the codes and ids into table-0 order.
func buildStatic(codes []Code, ids []uint32, tabs []table, workers int) *static {
	n := len(codes)
	if n == 0 {
		return emptyStatic
	}
	m := len(tabs)
	st := &static{
		tabs:  tabs,
		codes: makeLarge[Code](n),
		ids:   makeLarge[uint32](n),
		offs:  make([][]uint32, m),
		rows:  make([][]uint32, m),
	}

	// Table 0: a counting sort of the codes themselves.
	t0 := &tabs[0]
	var scr0 sortScratch
	st.offs[0] = partitionSort(codes, t0, &scr0, func(dst int, row uint32) {
		st.codes[dst] = codes[row]
		if ids == nil {
			st.ids[dst] = row
		} else {
			st.ids[dst] = ids[row]
		}
	})

	// Tables 1..m-1: a counting sort of row numbers each, built in parallel.
	var next atomic.Int32
	next.Store(1)
	var wg sync.WaitGroup
	for w := range min(max(workers, 1), m-1) {
		wg.Go(func() {
			var scr sortScratch
			if w == 0 {
				scr = scr0 // reuse table 0's buffers rather than leave them to the GC
			}
			for {
				j := int(next.Add(1)) - 1
				if j >= m {
					return
				}
				st.offs[j], st.rows[j] = buildTable(st.codes, &tabs[j], &scr)
			}
		})
	}
	wg.Wait()
	st.collapseTables()
	st.scanFrom = crossover(tabs, n)
	return st
}

// buildTable builds one CSR table over codes: offsets and, bucket by bucket, row numbers in
// ascending order.
func buildTable(codes []Code, t *table, scr *sortScratch) (off, rows []uint32) {
	rows = makeLarge[uint32](len(codes) + rowsPad)[:len(codes)]
	off = partitionSort(codes, t, scr, func(dst int, row uint32) { rows[dst] = row })
	return off, rows
}

// rowsPad is the number of entries past the end of each table's row list, which gather may
// read, and past a searcher's candidates, which it may write.
const rowsPad = 3

// sortScratch holds partitionSort's buffers (6 bytes per code), reused from table to table.
type sortScratch struct {
	rows []uint32
	low  []uint16
}

// partitionBits is the number of high key bits that partitionSort partitions by first.
const partitionBits = 11

// partitionSort is a counting sort of the rows of codes by table t's key that stays in cache: a
// direct counting sort over 2^24 buckets would miss the cache and the TLB twice per code. It
// first partitions the rows by the key's top bits (a few thousand sequential write streams),
// then sorts each partition by the remaining bits with counts that fit in L1/L2. It calls
// place(dst, row) for every row, in ascending row order within each bucket, and returns the
// bucket offsets (2^width+1 of them: bucket k is dst offs[k] to offs[k+1]-1).
func partitionSort(codes []Code, t *table, scr *sortScratch, place func(dst int, row uint32)) []uint32 {
	n := len(codes)
	hb := min(t.width, partitionBits)
	lb := uint(t.width - hb)
	lmask := uint32(1)<<lb - 1
	nparts := 1 << hb

	pstart := make([]int, nparts+1)
	for i := range codes {
		pstart[t.key(&codes[i])>>lb+1]++
	}
	for p := range nparts {
		pstart[p+1] += pstart[p]
	}
	// The rows, and the low bits of their keys, grouped by partition.
	if len(scr.rows) < n {
		scr.rows, scr.low = makeLarge[uint32](n), makeLarge[uint16](n)
	}
	prow, plow := scr.rows[:n], scr.low[:n]
	cursor := append([]int(nil), pstart[:nparts]...)
	for i := range codes {
		k := t.key(&codes[i])
		p := k >> lb
		c := cursor[p]
		prow[c], plow[c] = uint32(i), uint16(k&lmask)
		cursor[p] = c + 1
	}

	off := makeLarge[uint32](1<<t.width + 1)
	local := make([]uint32, 1<<lb)
	for p := range nparts {
		lo, hi := pstart[p], pstart[p+1]
		clear(local)
		for _, l := range plow[lo:hi] {
			local[l]++
		}
		pos := uint32(lo)
		base := p << lb
		for k, c := range local {
			off[base+k] = pos
			local[k] = pos
			pos += c
		}
		for i := lo; i < hi; i++ {
			l := plow[i]
			place(int(local[l]), prow[i])
			local[l]++
		}
	}
	off[1<<t.width] = uint32(n)
	return off
}

// Cost model constants, in nanoseconds of one core, fitted to measurements on the project's
// machine (AMD EPYC Zen 5, a 2-core VM shared with other jobs): a bucket probe is a random read
// of two offsets; a candidate a random read of a row number and of a code; a scanned code a
// sequential read and four POPCNTs. Only their ratios matter: they choose m and the radius from
// which a linear scan is cheaper.
const (
	costProbe     = 50.0
	costCandidate = 70.0
	costScan      = 5.0
)

// mihCost estimates the nanoseconds of one table search at radius r over n codes.
func mihCost(tabs []table, n, r int) float64 {
	var rad [maxTables]int
	radii(tabs, r, &rad)
	total := 0.0
	for j, t := range tabs {
		p := probeCount(t.width, rad[j])
		total += p * (costProbe + costCandidate*float64(n)/math.Exp2(float64(t.width)))
	}
	return total
}

// crossover returns the smallest radius at which a linear scan of n codes is expected to be
// cheaper than probing the tables.
func crossover(tabs []table, n int) int {
	scan := costScan * float64(n)
	for r := 0; r <= Bits; r++ {
		if mihCost(tabs, n, r) > scan {
			return r
		}
	}
	return Bits + 1
}

// scratch is one searcher's working memory, reused from query to query.
type scratch struct {
	ranges []uint32
	cand   []uint32
	hits   []uint32
	rad    [maxTables]int
}

// search appends to dst every code of st within distance r of q whose id is not in dead.
func (st *static) search(q *Code, r int, dst []Match, sc *scratch, dead map[uint32]uint64) []Match {
	if len(st.codes) == 0 || r < 0 {
		return dst
	}
	if r >= st.scanFrom {
		return st.scan(q, r, dst, dead)
	}
	return st.searchTables(q, r, dst, sc, dead)
}

// searchTables is multi-index hashing with the tightened pigeonhole rule and two-phase probing
// (spec section 5, items 4-6). A match is reported only by the first table that can find it, so
// no "seen" set is needed: a code within r of q is found by table j exactly when its substring
// distance there is at most rad[j], which the verifier checks for the earlier tables.
//
// Each phase is a small loop of its own whose memory reads are independent of each other, so
// that many are in flight at once; the rare work on a match is kept out of the loops.
func (st *static) searchTables(q *Code, r int, dst []Match, sc *scratch, dead map[uint32]uint64) []Match {
	rad := &sc.rad
	radii(st.tabs, r, rad)
	for j := range st.tabs {
		rho := rad[j]
		if rho < 0 {
			continue
		}
		t := &st.tabs[j]
		need := 2 * int(probeCount(t.width, rho))
		if cap(sc.ranges) < need {
			sc.ranges = make([]uint32, need)
		}
		ranges := probe(st.offs[j], t.key(q), t.width, rho, sc.ranges[:need])

		total := 0
		for p := 0; p < len(ranges); p += 2 {
			total += int(ranges[p+1] - ranges[p])
		}
		if cap(sc.cand) < total+rowsPad+1 {
			sc.cand = make([]uint32, total+total/4+rowsPad+1)
		}
		cand := gather(st.rows[j], ranges, sc.cand[:total+rowsPad+1])
		if cap(sc.hits) < len(cand) {
			sc.hits = make([]uint32, cap(sc.cand))
		}
		for _, row := range verify(st.codes, q, r, cand, sc.hits[:len(cand)]) {
			dst = st.confirm(q, r, j, row, rad, dead, dst)
		}
	}
	return dst
}

// probe is phase 1: it stores into ranges the bounds of every bucket of a table (offsets off)
// within radius rho of key qk, empty ones included, and returns them. ranges must hold two
// entries per probe. Neither a branch nor a store address depends on the values loaded, so the
// processor can run far ahead with many loads in flight.
func probe(off []uint32, qk uint32, width, rho int, ranges []uint32) []uint32 {
	np := 0
	limit := uint32(1) << width
	for d := 0; d <= rho; d++ {
		mask := uint32(1)<<d - 1
		for mask < limit {
			k := qk ^ mask
			ranges[np], ranges[np+1] = off[k], off[k+1]
			np += 2
			if mask == 0 {
				break
			}
			// Gosper's hack: the next larger mask with the same number of bits.
			c := mask & -mask
			s := mask + c
			mask = (s^mask)>>2>>bits.TrailingZeros32(c) | s
		}
	}
	return ranges[:np]
}

// gather is phase 2: it stores into cand the rows of the buckets in ranges and returns them.
// rows is nil for table 0, whose buckets are runs of rows. Most buckets hold at most
// rowsPad+1 rows; those are moved rowsPad+1 at a time, past the bucket's end into the padding
// of rows and cand, so that the loop does not branch on bucket sizes and the processor can run
// far ahead with many reads of rows in flight.
func gather(rows []uint32, ranges, cand []uint32) []uint32 {
	nc := 0
	if rows == nil {
		for p := 0; p < len(ranges); p += 2 {
			lo, hi := ranges[p], ranges[p+1]
			if lo == hi {
				continue
			}
			if hi-lo > rowsPad+1 {
				for row := lo; row < hi; row++ {
					cand[nc] = row
					nc++
				}
				continue
			}
			c := cand[nc : nc+rowsPad+1]
			c[0], c[1], c[2], c[3] = lo, lo+1, lo+2, lo+3
			nc += int(hi - lo)
		}
		return cand[:nc]
	}
	rows = rows[:cap(rows)] // the padding
	for p := 0; p < len(ranges); p += 2 {
		lo, hi := ranges[p], ranges[p+1]
		if lo == hi {
			continue // an empty bucket: this branch waits on no slow load
		}
		if hi-lo > rowsPad+1 {
			nc += copy(cand[nc:], rows[lo:hi])
			continue
		}
		c, b := cand[nc:nc+rowsPad+1], rows[lo:lo+rowsPad+1]
		c[0], c[1], c[2], c[3] = b[0], b[1], b[2], b[3]
		nc += int(hi - lo)
	}
	return cand[:nc]
}

// verify is phase 3: it stores into hits, and returns, the candidates whose first 128 bits
// are within r of q's. Almost none are. The loop makes no call, so that it stays small and
// many loads are in flight.
func verify(codes []Code, q *Code, r int, cand, hits []uint32) []uint32 {
	q0, q1 := q[0], q[1]
	nh := 0
	for _, row := range cand {
		c := &codes[row]
		// The branch is almost never taken, so it is predicted well; a branch-free
		// "hits[nh] = row; nh += keep" measured slower, as each store's address would wait
		// for the previous load.
		if bits.OnesCount64(q0^c[0])+bits.OnesCount64(q1^c[1]) <= r {
			hits[nh] = row
			nh++
		}
	}
	return hits[:nh]
}

// confirm finishes the check of one candidate of table j whose first half is within r of q,
// and appends it to dst if it matches, no earlier table reports it, and it is not dead.
func (st *static) confirm(q *Code, r, j int, row uint32, rad *[maxTables]int, dead map[uint32]uint64, dst []Match) []Match {
	c := &st.codes[row]
	x := Code{q[0] ^ c[0], q[1] ^ c[1], q[2] ^ c[2], q[3] ^ c[3]}
	d := bits.OnesCount64(x[0]) + bits.OnesCount64(x[1]) + bits.OnesCount64(x[2]) + bits.OnesCount64(x[3])
	if d > r {
		return dst
	}
	for i := range j {
		if rad[i] >= 0 && st.tabs[i].subDistance(&x) <= rad[i] {
			return dst // an earlier table has reported it
		}
	}
	id := st.ids[row]
	if len(dead) != 0 {
		if _, ok := dead[id]; ok {
			return dst
		}
	}
	return append(dst, Match{ID: id, Distance: uint16(d)})
}

// scan appends every code of st within r of q whose id is not in dead, by a linear scan.
func (st *static) scan(q *Code, r int, dst []Match, dead map[uint32]uint64) []Match {
	return scanCodes(q, r, st.codes, st.ids, dst, dead)
}

// scanCodes appends every code of codes within r of q whose id is not in dead.
func scanCodes(q *Code, r int, codes []Code, ids []uint32, dst []Match, dead map[uint32]uint64) []Match {
	q0, q1, q2, q3 := q[0], q[1], q[2], q[3]
	for i := range codes {
		c := &codes[i]
		d := bits.OnesCount64(q0^c[0]) + bits.OnesCount64(q1^c[1]) +
			bits.OnesCount64(q2^c[2]) + bits.OnesCount64(q3^c[3])
		if d > r {
			continue
		}
		id := ids[i]
		if len(dead) != 0 {
			if _, ok := dead[id]; ok {
				continue
			}
		}
		dst = append(dst, Match{ID: id, Distance: uint16(d)})
	}
	return dst
}

// workers returns the number of goroutines to use for parallel work.
func workers() int { return runtime.GOMAXPROCS(0) }
