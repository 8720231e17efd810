package hamming

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"sync/atomic"
)

// ErrTooMany reports more codes than 32-bit row numbers can address.
var ErrTooMany = errors.New("hamming: more than 4294967295 codes")

// Options configure an Index. The zero value is ready to use.
type Options struct {
	// Tables is the number of substrings m. Zero chooses m from the number of codes at every
	// build and merge (13 at 1M codes, 11 at 10M, 10 from 50M).
	Tables int
	// MergeAt is the number of added codes plus removed ids, held outside the static tables,
	// at which a background merge starts. Zero chooses N/256 clamped to [4096, 65536]; a
	// negative value disables background merges (call Merge).
	MergeAt int
	// Workers bounds the goroutines of builds and merges; zero means GOMAXPROCS.
	Workers int
}

func (o Options) tables(n int) int {
	if o.Tables > 0 {
		return o.Tables
	}
	return defaultTables(n)
}

func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return workers()
}

func (o Options) mergeAt(n int) int {
	if o.MergeAt != 0 {
		return o.MergeAt
	}
	return min(max(n/256, 4096), 65536)
}

// view is one immutable state of the index. Searches load the current view with one atomic
// read and never see it change.
//
// The delta slices are shared between successive views: the writer appends past the end of the
// current view's slices, which no reader of an older (shorter) view reads. A removal from the
// delta, and a merge, copy the delta instead.
type view struct {
	st *static
	// dead holds removed ids, each with the sequence number of its removal. It hides those ids
	// in st only: every entry postdates st.
	dead   map[uint32]uint64
	dcodes []Code
	dids   []uint32
	dseq   []uint64 // sequence number of each delta entry's addition
}

// Index is a live, exact Hamming radius index over 256-bit codes, each stored with a uint32
// id. Several codes may carry the same id (a media item's dihedral hashes, say) and the same
// code may be stored under several ids.
//
// All methods are safe for concurrent use. Searches read an immutable view and never block;
// Add and Remove are serialised with each other and publish a new view before they return, so
// the next search sees them. Call Close to wait for a running background merge.
type Index struct {
	opts Options
	cur  atomic.Pointer[view]

	mu      sync.Mutex // serialises writers; guards seq and merging
	seq     uint64
	merging bool

	mergeMu sync.Mutex // serialises merges
	wg      sync.WaitGroup
	pool    sync.Pool // *Searcher

	// mergeHook, if set (by tests), runs in Merge after the new tables are built and before
	// they are published: writes made there are the ones that race with a merge.
	mergeHook func()
}

// New returns an empty index.
func New(opts Options) *Index {
	x := &Index{opts: opts}
	x.cur.Store(&view{st: emptyStatic})
	return x
}

// Build returns an index over codes, where codes[i] carries id ids[i]; if ids is nil, codes[i]
// carries id i. Build copies what it needs and leaves both slices unchanged.
func Build(codes []Code, ids []uint32, opts Options) (*Index, error) {
	if ids != nil && len(ids) != len(codes) {
		return nil, fmt.Errorf("hamming: build: %d codes but %d ids", len(codes), len(ids))
	}
	if uint64(len(codes)) > math.MaxUint32 {
		return nil, ErrTooMany
	}
	x := New(opts)
	st := buildStatic(codes, ids, newLayout(opts.tables(len(codes))), opts.workers())
	x.cur.Store(&view{st: st})
	return x, nil
}

// Add stores code c under id. The next search finds it.
func (x *Index) Add(id uint32, c Code) {
	x.mu.Lock()
	x.seq++
	v := x.cur.Load()
	nv := &view{
		st:     v.st,
		dead:   v.dead,
		dcodes: append(v.dcodes, c),
		dids:   append(v.dids, id),
		dseq:   append(v.dseq, x.seq),
	}
	x.cur.Store(nv)
	start := x.startMergeLocked(nv)
	x.mu.Unlock()
	if start {
		go x.backgroundMerge()
	}
}

// Remove removes every code stored under id. Removing an id that is not stored does nothing
// (until the next merge it costs a tombstone).
func (x *Index) Remove(id uint32) {
	x.mu.Lock()
	x.seq++
	v := x.cur.Load()
	nv := &view{st: v.st, dcodes: v.dcodes, dids: v.dids, dseq: v.dseq}
	// The tombstone is recorded even when the static tables are empty: a merge running now
	// may be folding this id's codes into the next static tables.
	nv.dead = make(map[uint32]uint64, len(v.dead)+1)
	maps.Copy(nv.dead, v.dead)
	nv.dead[id] = x.seq
	if slices.Contains(v.dids, id) {
		nv.dcodes, nv.dids, nv.dseq = nil, nil, nil
		for i, did := range v.dids {
			if did != id {
				nv.dcodes = append(nv.dcodes, v.dcodes[i])
				nv.dids = append(nv.dids, did)
				nv.dseq = append(nv.dseq, v.dseq[i])
			}
		}
	}
	x.cur.Store(nv)
	start := x.startMergeLocked(nv)
	x.mu.Unlock()
	if start {
		go x.backgroundMerge()
	}
}

// startMergeLocked reports whether a background merge should start now, and if so marks it
// running. x.mu must be held.
func (x *Index) startMergeLocked(v *view) bool {
	at := x.opts.mergeAt(v.st.len())
	if at < 0 || x.merging || len(v.dids)+len(v.dead) < at {
		return false
	}
	x.merging = true
	x.wg.Add(1)
	return true
}

func (x *Index) backgroundMerge() {
	defer x.wg.Done()
	x.Merge()
	x.mu.Lock()
	x.merging = false
	// Writes that arrived during the merge may call for another one.
	start := x.startMergeLocked(x.cur.Load())
	x.mu.Unlock()
	if start {
		go x.backgroundMerge()
	}
}

// Merge folds the delta and the tombstones into new static tables, choosing m afresh from the
// number of codes unless Options.Tables fixes it. Searches, additions and removals go on while
// it runs; what they change meanwhile stays in the delta and the tombstones of the new view.
// Merge returns when the new view is published.
func (x *Index) Merge() {
	x.mergeMu.Lock()
	defer x.mergeMu.Unlock()

	x.mu.Lock()
	v0, start := x.cur.Load(), x.seq
	x.mu.Unlock()
	if len(v0.dids) == 0 && len(v0.dead) == 0 {
		return
	}

	n := v0.st.len()
	codes := make([]Code, 0, n+len(v0.dcodes))
	ids := make([]uint32, 0, n+len(v0.dids))
	for i, id := range v0.st.ids {
		if _, ok := v0.dead[id]; !ok {
			codes = append(codes, v0.st.codes[i])
			ids = append(ids, id)
		}
	}
	codes = append(codes, v0.dcodes...)
	ids = append(ids, v0.dids...)
	st := buildStatic(codes, ids, newLayout(x.opts.tables(len(codes))), x.opts.workers())
	if x.mergeHook != nil {
		x.mergeHook()
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	v := x.cur.Load()
	nv := &view{st: st}
	for id, s := range v.dead {
		if s > start {
			if nv.dead == nil {
				nv.dead = make(map[uint32]uint64)
			}
			nv.dead[id] = s
		}
	}
	for i, s := range v.dseq {
		if s > start {
			nv.dcodes = append(nv.dcodes, v.dcodes[i])
			nv.dids = append(nv.dids, v.dids[i])
			nv.dseq = append(nv.dseq, s)
		}
	}
	x.cur.Store(nv)
}

// Close waits for a running background merge to finish. The index stays usable.
func (x *Index) Close() {
	x.wg.Wait()
}

// Stats describe the current state of an index.
type Stats struct {
	// Static is the number of codes in the static tables (including removed ones not yet
	// merged away), Delta the number added since the last merge, Tombstones the number of
	// removed ids not yet merged.
	Static, Delta, Tombstones int
	// Tables is the number of substrings m of the static tables (0 if there are none).
	Tables int
	// ScanFrom is the smallest radius that is answered by a linear scan.
	ScanFrom int
	// Bytes is the memory the index holds for codes, ids and tables.
	Bytes int64
}

// Stats returns the current state of the index.
func (x *Index) Stats() Stats {
	v := x.cur.Load()
	b := v.st.memoryBytes() + int64(len(v.dcodes))*(32+4+8) + int64(len(v.dead))*16
	return Stats{
		Static:     v.st.len(),
		Delta:      len(v.dcodes),
		Tombstones: len(v.dead),
		Tables:     len(v.st.tabs),
		ScanFrom:   v.st.scanFrom,
		Bytes:      b,
	}
}

// Searcher answers queries with its own scratch memory, so that a search allocates nothing
// once the scratch has grown. A Searcher must not be used by two goroutines at once; use one
// per goroutine.
type Searcher struct {
	x  *Index
	sc scratch
}

// NewSearcher returns a Searcher over x.
func (x *Index) NewSearcher() *Searcher { return &Searcher{x: x} }

// Search appends to dst every stored code within Hamming distance r (inclusive) of q, as
// matches sorted by id and then distance, and returns the extended slice. r below 0 finds
// nothing; r of 256 or more finds every code.
func (s *Searcher) Search(q Code, r int, dst []Match) []Match {
	return s.search(s.x.cur.Load(), &q, r, dst)
}

func (s *Searcher) search(v *view, q *Code, r int, dst []Match) []Match {
	if r < 0 {
		return dst
	}
	r = min(r, Bits)
	start := len(dst)
	dst = v.st.search(q, r, dst, &s.sc, v.dead)
	dst = scanCodes(q, r, v.dcodes, v.dids, dst, nil)
	slices.SortFunc(dst[start:], compareMatches)
	return dst
}

// Search returns every stored code within distance r of q, sorted by id and then distance.
// It is a convenience for single queries; a loop of queries should use a Searcher.
func (x *Index) Search(q Code, r int) []Match {
	s, _ := x.pool.Get().(*Searcher)
	if s == nil {
		s = x.NewSearcher()
	}
	res := s.Search(q, r, nil)
	x.pool.Put(s)
	return res
}
