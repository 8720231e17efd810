package ingest

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/hamming"
	"github.com/vidb-project/vidb/pdq"
)

// IndexHit is one stored PDQ hash found by Index.Search.
type IndexHit struct {
	Media catalog.MediaID
	// Frame is the video frame number, -1 for an image.
	Frame    int
	Distance int
}

// entryKey names one stored hash: an image's (Frame -1) or a video frame's.
type entryKey struct {
	media catalog.MediaID
	frame int
}

// Index is the near-duplicate index of the catalog's PDQ hashes (images and video frames with
// quality >= MinQuality), built from Store.PDQEntries and kept current by Sync (called by the
// Pipeline after each commit, and by Follow on replicas that share a PostgreSQL database).
//
// Each hash is held in a hamming.Index under a uint32 id of its own; ids are never reused, so a
// search that races with a removal at worst misses the removed hash. All methods are safe for
// concurrent use.
type Index struct {
	store      catalog.Reader
	minQuality int
	log        *slog.Logger

	syncMu sync.Mutex // serialises Sync; guards seq
	seq    int64

	mu   sync.RWMutex // guards the fields below (the hamming index itself is concurrent)
	hx   *hamming.Index
	ids  map[entryKey]uint32
	keys map[uint32]entryKey
	next uint32
}

// NewIndex returns an empty index over store's PDQ hashes of quality minQuality or more (0 means
// pdq.MinQuality). Call Sync to load it.
func NewIndex(store catalog.Reader, minQuality int, log *slog.Logger) *Index {
	if minQuality <= 0 {
		minQuality = pdq.MinQuality
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Index{
		store:      store,
		minQuality: minQuality,
		log:        log,
		hx:         hamming.New(hamming.Options{}),
		ids:        make(map[entryKey]uint32),
		keys:       make(map[uint32]entryKey),
	}
}

// Sync reads the change feed after the last sequence seen and applies it: new and changed hashes
// are added (replacing the one held for the same image or frame), removed ones are removed. The
// first Sync of an empty index builds it in one pass.
func (x *Index) Sync(ctx context.Context) error {
	x.syncMu.Lock()
	defer x.syncMu.Unlock()
	var batch []catalog.SeqPDQ
	for e, err := range x.store.PDQEntries(ctx, x.seq) {
		if err != nil {
			return fmt.Errorf("ingest: index sync after %d: %w", x.seq, err)
		}
		batch = append(batch, e)
	}
	if len(batch) == 0 {
		return nil
	}
	x.mu.RLock()
	empty := len(x.ids) == 0 && x.next == 0
	x.mu.RUnlock()
	var err error
	if empty {
		err = x.build(batch)
	} else {
		err = x.apply(batch)
	}
	if err != nil {
		return err
	}
	x.seq = batch[len(batch)-1].Seq
	x.log.Debug("index synced", "entries", len(batch), "seq", x.seq)
	return nil
}

// build loads an empty index from a feed in one hamming.Build.
func (x *Index) build(batch []catalog.SeqPDQ) error {
	latest := make(map[entryKey]catalog.SeqPDQ, len(batch))
	for _, e := range batch {
		k := entryKey{e.Media, e.Frame}
		if e.Deleted || e.Hash.Quality < x.minQuality {
			delete(latest, k)
			continue
		}
		latest[k] = e
	}
	if uint64(len(latest)) >= math.MaxUint32 {
		return fmt.Errorf("ingest: index: %w", hamming.ErrTooMany)
	}
	codes := make([]hamming.Code, 0, len(latest))
	ids := make([]uint32, 0, len(latest))
	keyOf := make(map[uint32]entryKey, len(latest))
	idOf := make(map[entryKey]uint32, len(latest))
	var next uint32
	for k, e := range latest {
		codes = append(codes, hamming.CodeFromBytes(e.Hash.Hash))
		ids = append(ids, next)
		keyOf[next], idOf[k] = k, next
		next++
	}
	hx, err := hamming.Build(codes, ids, hamming.Options{})
	if err != nil {
		return fmt.Errorf("ingest: index build: %w", err)
	}
	x.mu.Lock()
	old := x.hx
	x.hx, x.ids, x.keys, x.next = hx, idOf, keyOf, next
	x.mu.Unlock()
	old.Close()
	return nil
}

// apply applies feed entries one by one to a loaded index.
func (x *Index) apply(batch []catalog.SeqPDQ) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range batch {
		k := entryKey{e.Media, e.Frame}
		if id, ok := x.ids[k]; ok {
			x.hx.Remove(id)
			delete(x.ids, k)
			delete(x.keys, id)
		}
		if e.Deleted || e.Hash.Quality < x.minQuality {
			continue
		}
		if x.next == math.MaxUint32 {
			return fmt.Errorf("ingest: index: %w", hamming.ErrTooMany)
		}
		id := x.next
		x.next++
		x.hx.Add(id, hamming.CodeFromBytes(e.Hash.Hash))
		x.ids[k], x.keys[id] = id, k
	}
	return nil
}

// Follow calls Sync every interval until ctx is done, and then returns ctx's error. A failed
// Sync is logged and tried again at the next tick.
func (x *Index) Follow(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		return fmt.Errorf("ingest: follow interval %v", every)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := x.Sync(ctx); err != nil && ctx.Err() == nil {
			x.log.Warn("index sync failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Search returns every indexed hash within radius (inclusive) of h, nearest first (then by media
// and frame).
func (x *Index) Search(h pdq.Hash, radius int) []IndexHit {
	x.mu.RLock()
	defer x.mu.RUnlock()
	ms := x.hx.Search(hamming.CodeFromBytes(h), radius)
	hits := make([]IndexHit, 0, len(ms))
	for _, m := range ms {
		k, ok := x.keys[m.ID]
		if !ok {
			continue
		}
		hits = append(hits, IndexHit{Media: k.media, Frame: k.frame, Distance: int(m.Distance)})
	}
	slices.SortFunc(hits, func(a, b IndexHit) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.Media, b.Media), cmp.Compare(a.Frame, b.Frame))
	})
	return hits
}

// Len returns the number of hashes indexed.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.ids)
}

// Close waits for the index's background work to end. The index must not be used after.
func (x *Index) Close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.hx.Close()
}
