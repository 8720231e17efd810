package audit

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// ProveInclusion returns the proof that the event at seq is in the log's first size events
// (RFC 6962's audit path), reading stored hashes from r.
func ProveInclusion(seq, size int64, r tlog.HashReader) (tlog.RecordProof, error) {
	if seq < 0 || seq >= size {
		return nil, fmt.Errorf("%w: event %d is not in a log of %d events", ErrProof, seq, size)
	}
	p, err := tlog.ProveRecord(size, seq, r)
	if err != nil {
		return nil, fmt.Errorf("audit: proving event %d is in the log of %d events: %w", seq, size, err)
	}
	return p, nil
}

// CheckInclusion checks that p proves e (at position e.Seq) is in the log of size events whose
// Merkle root is root; the error wraps ErrProof. root should come from a checkpoint opened
// with OpenCheckpoint.
func CheckInclusion(p tlog.RecordProof, size int64, root tlog.Hash, e Event) error {
	if e.Seq < 0 || e.Seq >= size {
		return fmt.Errorf("%w: event %d is not in a log of %d events", ErrProof, e.Seq, size)
	}
	if err := tlog.CheckRecord(p, size, root, e.Seq, LeafHash(e)); err != nil {
		return fmt.Errorf("%w: event %d, as given, is not in the log of %d events with root %v",
			ErrProof, e.Seq, size, root)
	}
	return nil
}

// ProveConsistency returns the proof that the log of newSize events extends the log of its
// first oldSize events (RFC 6962's consistency proof), reading stored hashes from r. The proof
// is empty when oldSize is 0 or equals newSize.
func ProveConsistency(oldSize, newSize int64, r tlog.HashReader) (tlog.TreeProof, error) {
	if oldSize < 0 || oldSize > newSize {
		return nil, fmt.Errorf("%w: a log of %d events cannot extend one of %d", ErrProof, newSize, oldSize)
	}
	if oldSize == 0 {
		return tlog.TreeProof{}, nil
	}
	p, err := tlog.ProveTree(newSize, oldSize, r)
	if err != nil {
		return nil, fmt.Errorf("audit: proving the log of %d events extends its first %d: %w", newSize, oldSize, err)
	}
	return p, nil
}

// CheckConsistency checks that p proves the log of newSize events with root newRoot extends
// the log of oldSize events with root oldRoot: that events 0..oldSize-1 were neither changed,
// removed nor reordered in between. The error wraps ErrProof.
func CheckConsistency(p tlog.TreeProof, oldSize int64, oldRoot tlog.Hash, newSize int64, newRoot tlog.Hash) error {
	if oldSize < 0 || oldSize > newSize {
		return fmt.Errorf("%w: a log of %d events cannot extend one of %d", ErrProof, newSize, oldSize)
	}
	if oldSize == 0 {
		if oldRoot != emptyRoot || len(p) != 0 {
			return fmt.Errorf("%w: not a proof from the empty log", ErrProof)
		}
		return nil
	}
	if err := tlog.CheckTree(p, newSize, newRoot, oldSize, oldRoot); err != nil {
		return fmt.Errorf("%w: the proof does not show that the log of %d events with root %v extends the log of %d events with root %v "+
			"(if both roots are genuine, some of events 0..%d were changed, removed or reordered)",
			ErrProof, newSize, newRoot, oldSize, oldRoot, oldSize-1)
	}
	return nil
}
