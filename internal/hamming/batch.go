package hamming

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// Results holds the matches of a batch of queries, in query order, in one flat slice.
type Results struct {
	lims    []int // matches of query i are matches[lims[i]:lims[i+1]]
	matches []Match
}

// Len returns the number of queries.
func (r *Results) Len() int { return len(r.lims) - 1 }

// Total returns the number of matches of all queries together.
func (r *Results) Total() int { return len(r.matches) }

// Matches returns the matches of query i, sorted by id and then distance. The slice belongs to
// r; do not modify it.
func (r *Results) Matches(i int) []Match { return r.matches[r.lims[i]:r.lims[i+1]:r.lims[i+1]] }

// BatchOptions configure SearchBatch.
type BatchOptions struct {
	// Workers is the number of goroutines; zero means GOMAXPROCS (all cores).
	Workers int
	// Progress, if set, is called from the workers now and then with the number of distinct
	// queries done and their total. It must be safe for concurrent use and quick.
	Progress func(done, total int)
}

const (
	// batchChunk is the number of distinct queries a worker takes at a time on the table path.
	batchChunk = 64
	// scanBlock is the number of queries that share one pass over the codes on the scan path,
	// and scanSpan the number of codes (a quarter of a 1 MiB L2) each query meets per step.
	scanBlock = 32
	scanSpan  = 8192
)

// SearchBatch searches all queries at radius r against one view of the index (additions and
// removals made while it runs are not seen) and returns their matches in query order.
//
// Identical queries are searched once; the distinct queries are sorted, so that neighbours
// share cache lines, and spread over the workers, each with its own scratch memory. Above the
// crossover radius, blocks of queries share each pass of a linear scan. SearchBatch stops early
// and returns ctx's error if ctx is cancelled.
func (x *Index) SearchBatch(ctx context.Context, queries []Code, r int, opts BatchOptions) (*Results, error) {
	v := x.cur.Load()
	nq := len(queries)

	// Deduplicate: order[k] is the index of the k-th query in code order; uniq[u] the first of
	// the u-th distinct code; which[i] the distinct code of query i.
	order := make([]int32, nq)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return compareCodes(&queries[a], &queries[b]) })
	which := make([]int32, nq)
	var uniq []int32
	for k, i := range order {
		if k == 0 || queries[i] != queries[order[k-1]] {
			uniq = append(uniq, i)
		}
		which[i] = int32(len(uniq) - 1)
	}
	nu := len(uniq)

	// Each distinct query's matches land in its worker's buffer at [ustart, uend).
	ustart := make([]int, nu)
	uend := make([]int, nu)
	uworker := make([]uint16, nu)

	nw := opts.Workers
	if nw <= 0 {
		nw = workers()
	}
	nw = min(nw, 1<<16-1, max(nu, 1))
	bufs := make([][]Match, nw)
	var next, done atomic.Int64
	var stop atomic.Bool
	scanPath := r >= v.st.scanFrom || v.st.len() == 0
	chunk := batchChunk
	if scanPath {
		chunk = scanBlock
	}

	var wg sync.WaitGroup
	for w := range nw {
		wg.Go(func() {
			s := x.NewSearcher()
			var buf []Match
			var blk blockScratch
			for !stop.Load() {
				lo := int(next.Add(int64(chunk))) - chunk
				if lo >= nu {
					break
				}
				if ctx.Err() != nil {
					stop.Store(true)
					break
				}
				hi := min(lo+chunk, nu)
				if scanPath {
					buf = blk.search(v, queries, uniq[lo:hi], r, buf, ustart[lo:hi], uend[lo:hi])
				} else {
					for u := lo; u < hi; u++ {
						ustart[u] = len(buf)
						buf = s.search(v, &queries[uniq[u]], r, buf)
						uend[u] = len(buf)
					}
				}
				for u := lo; u < hi; u++ {
					uworker[u] = uint16(w)
				}
				d := done.Add(int64(hi - lo))
				if opts.Progress != nil {
					opts.Progress(int(d), nu)
				}
			}
			bufs[w] = buf
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	res := &Results{lims: make([]int, nq+1)}
	for i := range nq {
		u := which[i]
		res.lims[i+1] = res.lims[i] + uend[u] - ustart[u]
	}
	res.matches = make([]Match, res.lims[nq])
	for i := range nq {
		u := which[i]
		copy(res.matches[res.lims[i]:], bufs[uworker[u]][ustart[u]:uend[u]])
	}
	return res, nil
}

// compareCodes orders codes lexicographically, which is also the order of their hex strings.
func compareCodes(a, b *Code) int {
	for k := range 4 {
		if a[k] != b[k] {
			if a[k] < b[k] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// blockScratch is a worker's memory for the query-batched scan.
type blockScratch struct {
	per [scanBlock][]Match
}

// search scans the view once for a block of queries (their indexes in qs), appends each
// query's matches to buf in turn and records where they start and end.
func (b *blockScratch) search(v *view, queries []Code, qs []int32, r int, buf []Match, starts, ends []int) []Match {
	for k := range qs {
		b.per[k] = b.per[k][:0]
	}
	st := v.st
	n := st.len()
	for lo := 0; lo < n; lo += scanSpan {
		hi := min(lo+scanSpan, n)
		codes, ids := st.codes[lo:hi], st.ids[lo:hi]
		for k, qi := range qs {
			b.per[k] = scanCodes(&queries[qi], r, codes, ids, b.per[k], v.dead)
		}
	}
	for k, qi := range qs {
		b.per[k] = scanCodes(&queries[qi], r, v.dcodes, v.dids, b.per[k], nil)
		slices.SortFunc(b.per[k], compareMatches)
		starts[k] = len(buf)
		buf = append(buf, b.per[k]...)
		ends[k] = len(buf)
	}
	return buf
}
