package audit

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"sort"
	"sync"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// MemLog is the in-memory reference implementation of an audit store: the executable
// description of what the SQLite and PostgreSQL stores do, in tests and nowhere else. It keeps
// the three tables a store keeps: events (keyed by Seq), stored hashes (keyed by index) and
// checkpoints (keyed by size). It is safe for concurrent use; Verify it through Snapshot while
// others append.
type MemLog struct {
	signer note.Signer

	mu          sync.Mutex
	size        int64               // the tree's size: the next event's Seq
	events      []Event             // the events table, in Seq order
	hashes      map[int64]tlog.Hash // the stored-hashes table
	checkpoints []Checkpoint        // the checkpoints table, in Size order
}

var (
	_ Source          = (*MemLog)(nil)
	_ tlog.HashReader = (*MemLog)(nil)
)

// NewMemLog returns an empty log that signs its checkpoints with s.
func NewMemLog(s note.Signer) *MemLog {
	return &MemLog{signer: s, hashes: make(map[int64]tlog.Hash)}
}

// Append appends events as one transaction, the way a store does inside the transaction of
// the change they record: each event gets Seq = the tree's current size, its stored hashes
// come from NewHashes (reading earlier hashes, those of this transaction included, through
// the transaction), and the transaction ends by signing a checkpoint of the new tree head.
// Either all of it is kept or, on error, none of it. It returns the checkpoint.
func (l *MemLog) Append(events ...Event) (Checkpoint, error) {
	if len(events) == 0 {
		return Checkpoint{}, errors.New("audit: append: no events")
	}
	l.mu.Lock()
	defer l.mu.Unlock()

	// The transaction: new rows, read through tx together with the committed ones.
	tx := &memTx{l: l, hashes: make(map[int64]tlog.Hash)}
	rows := make([]Event, 0, len(events))
	n := l.size
	for _, e := range events {
		e.Seq = n
		e.Details = maps.Clone(e.Details)
		hs, err := NewHashes(e, tx)
		if err != nil {
			return Checkpoint{}, err // rolled back: nothing was written to l
		}
		for i, h := range hs {
			tx.hashes[HashIndex(n)+int64(i)] = h
		}
		rows = append(rows, e)
		n++
	}
	root, err := TreeHash(n, tx)
	if err != nil {
		return Checkpoint{}, err
	}
	cp, err := SignCheckpoint(n, root, l.signer)
	if err != nil {
		return Checkpoint{}, err
	}

	// Commit.
	l.events = append(l.events, rows...)
	maps.Copy(l.hashes, tx.hashes)
	l.checkpoints = append(l.checkpoints, cp)
	l.size = n
	return cp, nil
}

// memTx reads the stored hashes of a MemLog transaction: its own, then the committed ones.
type memTx struct {
	l      *MemLog // locked by the transaction
	hashes map[int64]tlog.Hash
}

func (tx *memTx) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := tx.hashes[x]
		if !ok {
			if h, ok = tx.l.hashes[x]; !ok {
				return nil, fmt.Errorf("%w: index %d", ErrHashNotFound, x)
			}
		}
		out[i] = h
	}
	return out, nil
}

// Snapshot returns a copy of the log as it is now, which later appends do not change: the
// analogue of a store's read transaction, and what Verify must read while others append
// (a Source's methods must read one consistent state). The copy cannot append.
func (l *MemLog) Snapshot() *MemLog {
	l.mu.Lock()
	defer l.mu.Unlock()
	return &MemLog{
		size:        l.size,
		events:      l.events[:len(l.events):len(l.events)],
		hashes:      maps.Clone(l.hashes),
		checkpoints: l.checkpoints[:len(l.checkpoints):len(l.checkpoints)],
	}
}

// Size returns the number of events appended.
func (l *MemLog) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size
}

// ReadHashes implements tlog.HashReader, for ProveInclusion, ProveConsistency and TreeHash.
func (l *MemLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	return l.StoredHashes(context.Background(), indexes)
}

// StoredHashes implements Source.
func (l *MemLog) StoredHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := l.hashes[x]
		if !ok {
			return nil, fmt.Errorf("%w: index %d", ErrHashNotFound, x)
		}
		out[i] = h
	}
	return out, nil
}

// Events implements Source. It iterates over the events as they were when it started.
func (l *MemLog) Events(ctx context.Context, from int64) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		l.mu.Lock()
		rows := l.events[:len(l.events):len(l.events)]
		l.mu.Unlock()
		i := sort.Search(len(rows), func(i int) bool { return rows[i].Seq >= from })
		for k, e := range rows[i:] {
			if k%1024 == 0 {
				if err := ctx.Err(); err != nil {
					yield(Event{}, err)
					return
				}
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// Checkpoints implements Source. It iterates over the checkpoints as they were when it
// started.
func (l *MemLog) Checkpoints(ctx context.Context) iter.Seq2[Checkpoint, error] {
	return func(yield func(Checkpoint, error) bool) {
		l.mu.Lock()
		cps := l.checkpoints[:len(l.checkpoints):len(l.checkpoints)]
		l.mu.Unlock()
		for _, cp := range cps {
			if err := ctx.Err(); err != nil {
				yield(Checkpoint{}, err)
				return
			}
			if !yield(cp, nil) {
				return
			}
		}
	}
}
