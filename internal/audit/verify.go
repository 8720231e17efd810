package audit

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/bits"
	"runtime"
	"strconv"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Source is what Verify reads: a store's three audit tables (events, stored hashes,
// checkpoints), exactly as stored.
//
// Contract, for every implementation:
//   - All three methods read one consistent snapshot of the tables (one read transaction at
//     snapshot or repeatable-read isolation), so that appends committed meanwhile are not
//     half seen: a snapshot taken between two reads would show events beyond the last
//     checkpoint, or checkpoints beyond the last event, which Verify reports as problems.
//   - Events yields the events with Seq >= from in increasing Seq order, each as stored, and
//     stops at the first error, which it yields. Time is the stored microsecond in any
//     location; nil and empty Details are the same.
//   - StoredHashes returns the hashes stored at indexes, in the same order; if any of them is
//     not stored, it returns an error wrapping ErrHashNotFound.
//   - Checkpoints yields every stored checkpoint in increasing Size order (equal sizes in any
//     order), each row's Size, Root and Note as stored, and stops at the first error, which it
//     yields.
//   - Verify calls StoredHashes and advances the Checkpoints iterator while it ranges over
//     Events. A store whose connection cannot have two queries open at once (pgx in a
//     transaction) reads events and checkpoints in pages (WHERE seq >= $1 ORDER BY seq LIMIT n).
type Source interface {
	// Events yields the events with Seq >= from, in increasing Seq order.
	Events(ctx context.Context, from int64) iter.Seq2[Event, error]
	// StoredHashes returns the stored hashes at the given indexes (see tlog.StoredHashIndex).
	StoredHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// Checkpoints yields the stored checkpoints in increasing Size order.
	Checkpoints(ctx context.Context) iter.Seq2[Checkpoint, error]
}

// Kind is what kind of problem Verify found. Its values are stable: the CLI prints them.
type Kind string

// The kinds of problem.
const (
	// KindChanged: an event's content differs from the one that was appended.
	KindChanged Kind = "changed"
	// KindRemoved: events are missing from the middle (or the start) of the log.
	KindRemoved Kind = "removed"
	// KindReordered: an event is stored at another position than the one it was appended at,
	// or the events come out of order.
	KindReordered Kind = "reordered"
	// KindBadSignature: a checkpoint's signature does not verify, or its row does not match
	// the note that was signed.
	KindBadSignature Kind = "bad-signature"
	// KindTruncated: events were removed from the end of the log: a checkpoint was signed for
	// more events than the log holds.
	KindTruncated Kind = "truncated"
	// KindInconsistent: the events do not match a signed checkpoint although they match the
	// stored hashes (which were rewritten to hide a change, somewhere in the named range), or
	// the stored hashes were changed or removed while the events are intact.
	KindInconsistent Kind = "inconsistent"
	// KindUnsigned: events after the last signed checkpoint: every store signs a checkpoint
	// in the transaction that appends events, so these were added without the signing key.
	KindUnsigned Kind = "unsigned"
)

// Problem is the first thing Verify found wrong, pinned to events by sequence number.
type Problem struct {
	Kind Kind `json:"kind"`
	// Seq is the first event concerned: the changed or first missing event, or the first
	// event of the range that a checkpoint does not vouch for.
	Seq int64 `json:"seq"`
	// Last is the last event concerned; it equals Seq when one event is named.
	Last int64 `json:"last"`
	// Other is, for KindReordered, the position at which the event stored at Seq was
	// appended (its content matches that position's stored leaf hash); otherwise 0.
	Other int64 `json:"other"`
	// Detail says what was found, naming the events by sequence number, for people.
	Detail string `json:"detail"`
}

// String returns the problem's kind and detail.
func (p Problem) String() string { return string(p.Kind) + ": " + p.Detail }

// Report is the result of Verify.
type Report struct {
	// Events is how many events were read and recomputed.
	Events int64 `json:"events"`
	// Checkpoints is how many checkpoints were verified: signature, and root against the
	// recomputed tree (the trusted checkpoint included).
	Checkpoints int64 `json:"checkpoints"`
	// Head is the largest checkpoint that verified, nil if none did. Keeping a copy of it
	// outside the database, and passing it to the next Verify as trusted, is what detects
	// the removal of the events that follow it together with their checkpoints.
	Head *Checkpoint `json:"head,omitempty"`
	// Problem is the first problem found, nil if the log verified.
	Problem *Problem `json:"problem,omitempty"`
}

// OK reports whether the log verified.
func (r *Report) OK() bool { return r.Problem == nil }

// verifyBatch is how many events Verify reads the stored hashes of at once.
const verifyBatch = 1024

// Verify recomputes the log from src and checks it against its stored hashes and signed
// checkpoints, and against trusted if it is not nil: a checkpoint kept outside the database.
// It streams the events, holding O(log n) hashes and one batch of events, so memory stays
// bounded whatever the log's size.
//
// It returns a Report whose Problem is the first problem found, in the order of the events
// (nil if none), and an error only when src fails, ctx ends, or trusted does not verify under
// v. What it detects, with the events it names (Problem.Seq .. Problem.Last):
//
//   - KindRemoved: a gap in the sequence numbers; Seq is the first missing event.
//   - KindChanged: an event whose leaf does not match its stored leaf hash; Seq is the event.
//     (If the next signed checkpoint matches the event as it is, the event is as appended and
//     its stored hash was changed instead: KindInconsistent.)
//   - KindReordered: the same, when the event's content matches the stored leaf hash of
//     another position (a swap, a move, or later events renumbered after a removal); Seq is
//     where it is stored, Other where it was appended. Also events coming out of order.
//   - KindInconsistent, when the attacker rewrote the stored hashes to match a change: the
//     recomputed root at the first checkpoint after the change differs from the signed one;
//     Seq..Last is the range of events since the previous good checkpoint (with one
//     checkpoint per transaction, the transaction's events). Also when stored hashes were
//     changed or removed while the signed checkpoint confirms the events themselves.
//   - KindBadSignature: a checkpoint that does not verify under v, or whose row does not match
//     its signed note; Seq..Last are the events it covers since the previous good checkpoint.
//   - KindTruncated: a validly signed checkpoint (or trusted) for more events than the log
//     holds; Seq is the first missing event.
//   - KindUnsigned: events after the last good checkpoint; Seq is the first of them.
//
// Without trusted, one tampering goes undetected: removing the last events together with
// their stored hashes and every checkpoint signed over them, back to a transaction boundary
// (the log then looks exactly as it did earlier), or emptying the log. Removing fewer
// checkpoints, or cutting inside a transaction, is detected as KindTruncated or
// KindUnsigned. Removing checkpoints in the middle only widens the ranges named.
func Verify(ctx context.Context, src Source, v note.Verifier, trusted *Checkpoint) (*Report, error) {
	if v == nil {
		return nil, errors.New("audit: verify: no verifier")
	}
	vf := &verification{ctx: ctx, src: src, v: v, rep: &Report{}}
	vf.cps.last = math.MinInt64
	vf.cps.v = v
	if trusted != nil {
		t, err := OpenCheckpoint(trusted.Note, v)
		if err != nil {
			return nil, fmt.Errorf("audit: the trusted checkpoint: %w", err)
		}
		if t.Size != trusted.Size || t.Root != trusted.Root {
			return nil, fmt.Errorf("%w: the trusted checkpoint's size and root do not match its signed note",
				ErrMalformedCheckpoint)
		}
		vf.cps.trusted = &t
	}
	next, stop := iter.Pull2(src.Checkpoints(ctx))
	defer stop()
	vf.cps.next = next

	if err := vf.reach(); err != nil {
		return nil, err
	}
	if err := vf.events(); err != nil {
		return nil, err
	}
	if err := vf.end(); err != nil {
		return nil, err
	}
	vf.rep.Events = vf.n
	vf.rep.Problem = vf.problem
	return vf.rep, nil
}

// verification is the state of one Verify.
type verification struct {
	ctx context.Context
	src Source
	v   note.Verifier
	rep *Report
	cps checkpointQueue

	// n is how many events were read and hashed: the size of the recomputed tree.
	n int64
	// edge holds the roots of the recomputed tree's complete subtrees, largest first: one
	// per bit set in n.
	edge []tlog.Hash
	// good is the size of the last checkpoint that verified against the recomputed tree, and
	// below the size of the last one smaller than good.
	good, below int64
	// pending is a disagreement between the events and their stored hashes, waiting for the
	// next good checkpoint to tell whether the events or the hashes were changed.
	pending *suspect
	// problem is the first problem; once it is set, verification stops.
	problem *Problem

	leaf []byte      // scratch: the leaf being hashed
	out  []tlog.Hash // scratch: the stored hashes an event's append wrote
	idx  []int64     // scratch: stored-hash indexes
}

// suspect is an event (or a range, for an interior hash) whose stored hash disagrees with the
// events. If a later signed checkpoint matches the recomputed events, the events are as
// signed and the stored hashes were changed; otherwise changed is the problem.
type suspect struct {
	seq, last int64
	level     int
	changed   Problem
}

func (v *verification) fail(p Problem) {
	if v.problem == nil {
		v.problem = &p
	}
}

// events streams the events, in batches, checking their sequence numbers.
func (v *verification) events() error {
	if v.problem != nil {
		return nil
	}
	batch := make([]Event, 0, verifyBatch)
	for e, err := range v.src.Events(v.ctx, 0) {
		if err != nil {
			return fmt.Errorf("audit: reading events after event %d: %w", v.n+int64(len(batch))-1, err)
		}
		if want := v.n + int64(len(batch)); e.Seq != want {
			if err := v.flush(batch); err != nil || v.problem != nil {
				return err
			}
			v.outOfSequence(e.Seq, want)
			return nil
		}
		batch = append(batch, e)
		if len(batch) == cap(batch) {
			if err := v.flush(batch); err != nil || v.problem != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return v.flush(batch)
}

// outOfSequence reports that event seq came where event want should have.
func (v *verification) outOfSequence(seq, want int64) {
	if v.pending != nil {
		v.fail(v.pending.changed)
		return
	}
	if seq < want {
		v.fail(Problem{Kind: KindReordered, Seq: seq, Last: seq, Other: want - 1,
			Detail: fmt.Sprintf("event %d comes again after event %d: the log's events are duplicated or out of order", seq, want-1)})
		return
	}
	var d string
	switch {
	case want == 0:
		d = fmt.Sprintf("the log starts at event %d", seq)
	default:
		d = fmt.Sprintf("the log goes from event %d to event %d", want-1, seq)
	}
	v.fail(Problem{Kind: KindRemoved, Seq: want, Last: seq - 1, Detail: fmt.Sprintf("%s removed: %s", were(want, seq-1), d)})
}

// flush checks a batch of events that follow the n already checked.
func (v *verification) flush(batch []Event) error {
	if len(batch) == 0 || v.problem != nil {
		return nil
	}
	if err := v.ctx.Err(); err != nil {
		return fmt.Errorf("audit: verify: %w", err)
	}
	if v.pending != nil {
		// The stored hashes no longer matter: the next good checkpoint decides.
		for _, e := range batch {
			if err := v.add(e, nil); err != nil || v.problem != nil {
				return err
			}
		}
		return nil
	}
	first, last := batch[0].Seq, batch[len(batch)-1].Seq
	v.idx = v.idx[:0]
	for i := HashIndex(first); i < tlog.StoredHashCount(last+1); i++ {
		v.idx = append(v.idx, i)
	}
	stored, err := v.src.StoredHashes(v.ctx, v.idx)
	switch {
	case errors.Is(err, ErrHashNotFound) && len(batch) > 1:
		// Check the events one at a time, up to the first whose hashes are missing.
		for i := range batch {
			if err := v.flush(batch[i : i+1]); err != nil || v.problem != nil {
				return err
			}
		}
		return nil
	case errors.Is(err, ErrHashNotFound):
		v.fail(Problem{Kind: KindInconsistent, Seq: first, Last: first,
			Detail: fmt.Sprintf("the stored hashes of event %d are missing (%v)", first, err)})
		return nil
	case err != nil:
		return fmt.Errorf("audit: reading the stored hashes of events %d..%d: %w", first, last, err)
	case len(stored) != len(v.idx):
		return fmt.Errorf("audit: reading the stored hashes of events %d..%d: got %d hashes, want %d",
			first, last, len(stored), len(v.idx))
	}
	for _, e := range batch {
		k := 1 + bits.TrailingZeros64(uint64(e.Seq+1)) // hashes written by e's append
		if err := v.add(e, stored[:k]); err != nil || v.problem != nil {
			return err
		}
		stored = stored[k:]
	}
	return nil
}

// add hashes event e (which must be event n) into the recomputed tree, compares the hashes
// its append stored (unless stored is nil), and checks the checkpoints it completes.
func (v *verification) add(e Event, stored []tlog.Hash) error {
	v.leaf = appendLeaf(v.leaf[:0], e)
	h := tlog.RecordHash(v.leaf)
	v.out = append(v.out[:0], h)
	for i := v.n; i&1 == 1; i >>= 1 {
		h = tlog.NodeHash(v.edge[len(v.edge)-1], h)
		v.edge = v.edge[:len(v.edge)-1]
		v.out = append(v.out, h)
	}
	v.edge = append(v.edge, h)

	if stored != nil && v.pending == nil {
		if stored[0] != v.out[0] {
			if err := v.suspectLeaf(e); err != nil {
				return err
			}
		} else {
			for l := 1; l < len(v.out); l++ {
				if stored[l] != v.out[l] {
					v.suspectNode(l)
					break
				}
			}
		}
	}
	v.n++
	return v.reach()
}

// suspectLeaf records that event e (event n) does not match its stored leaf hash.
func (v *verification) suspectLeaf(e Event) error {
	p := Problem{Kind: KindChanged, Seq: e.Seq, Last: e.Seq,
		Detail: fmt.Sprintf("event %d was changed: it does not match the hash stored when it was appended", e.Seq)}
	j, moved, err := v.findMoved(e)
	if err != nil {
		return err
	}
	if moved {
		p = Problem{Kind: KindReordered, Seq: e.Seq, Last: e.Seq, Other: j,
			Detail: fmt.Sprintf("events %d and %d were reordered: the event stored as event %d was appended as event %d", e.Seq, j, e.Seq, j)}
		if j == e.Seq+1 {
			p.Detail += fmt.Sprintf(" (or event %d was removed and the later events renumbered)", e.Seq)
		}
	}
	v.pending = &suspect{seq: e.Seq, last: e.Seq, changed: p}
	return nil
}

// suspectNode records that the stored hash at level l completed by event n disagrees with
// events n+1-2^l..n, which all match their stored leaf hashes.
func (v *verification) suspectNode(l int) {
	first, last := v.n+1-int64(1)<<l, v.n
	from := max(first, v.good) // events before the last good checkpoint are as signed
	v.pending = &suspect{seq: first, last: last, level: l, changed: Problem{
		Kind: KindInconsistent, Seq: from, Last: last,
		Detail: fmt.Sprintf("one of %s was changed and its stored leaf hash rewritten to match: "+
			"they do not match the stored hash over %s", span(from, last), span(first, last)),
	}}
}

// findMoved looks for the position j != e.Seq whose stored leaf hash is the hash of e placed
// at j. It reads every stored leaf hash: it runs at most once per Verify.
func (v *verification) findMoved(e Event) (int64, bool, error) {
	enc := appendLeaf(nil, e)
	rest := enc[len(leafPrefix)+len(strconv.FormatInt(e.Seq, 10)):]
	buf := make([]byte, 0, len(enc)+20)
	match := func(j int64, h tlog.Hash) bool {
		if j == e.Seq {
			return false
		}
		buf = append(strconv.AppendInt(append(buf[:0], leafPrefix...), j, 10), rest...)
		return tlog.RecordHash(buf) == h
	}
	const chunk = 1024
	idx := make([]int64, 0, chunk)
	for lo := int64(0); ; lo += chunk {
		if err := v.ctx.Err(); err != nil {
			return 0, false, fmt.Errorf("audit: verify: %w", err)
		}
		idx = idx[:0]
		for j := lo; j < lo+chunk; j++ {
			idx = append(idx, HashIndex(j))
		}
		hs, err := v.src.StoredHashes(v.ctx, idx)
		if errors.Is(err, ErrHashNotFound) {
			// The stored leaf hashes end in this chunk: look at them one at a time.
			for j := lo; j < lo+chunk; j++ {
				hs, err := v.src.StoredHashes(v.ctx, []int64{HashIndex(j)})
				if errors.Is(err, ErrHashNotFound) {
					return 0, false, nil
				}
				if err != nil || len(hs) != 1 {
					return 0, false, fmt.Errorf("audit: reading the stored hash of event %d: %w", j, err)
				}
				if match(j, hs[0]) {
					return j, true, nil
				}
			}
			return 0, false, nil
		}
		if err != nil || len(hs) != len(idx) {
			return 0, false, fmt.Errorf("audit: reading the stored hashes of events %d..%d: %w", lo, lo+chunk-1, err)
		}
		for i, h := range hs {
			if match(lo+int64(i), h) {
				return lo + int64(i), true, nil
			}
		}
	}
}

// root returns the recomputed tree's Merkle root.
func (v *verification) root() tlog.Hash {
	if len(v.edge) == 0 {
		return emptyRoot
	}
	h := v.edge[len(v.edge)-1]
	for i := len(v.edge) - 2; i >= 0; i-- {
		h = tlog.NodeHash(v.edge[i], h)
	}
	return h
}

// reach checks every checkpoint of the size reached.
func (v *verification) reach() error {
	for v.problem == nil {
		q, ok, err := v.cps.peek()
		if err != nil || !ok || q.cp.Size > v.n {
			return err
		}
		v.cps.pop(q)
		v.check(q)
	}
	return nil
}

// since returns the first event a checkpoint of size covers after the last good checkpoint
// smaller than it.
func (v *verification) since(size int64) int64 {
	switch {
	case v.good < size:
		return v.good
	case v.below < size:
		return v.below
	}
	return 0
}

// badSignature returns the problem with a stored checkpoint's signature or row, or nil.
func (v *verification) badSignature(q queued) *Problem {
	<-q.sig.done
	cp, opened, err := q.cp, q.sig.opened, q.sig.err
	from := v.since(cp.Size)
	switch {
	case err != nil:
		return &Problem{Kind: KindBadSignature, Seq: from, Last: cp.Size - 1,
			Detail: fmt.Sprintf("the checkpoint of %d events, covering %s, does not verify: %v",
				cp.Size, span(from, cp.Size-1), err)}
	case opened.Size != cp.Size || opened.Root != cp.Root:
		return &Problem{Kind: KindBadSignature, Seq: from, Last: cp.Size - 1,
			Detail: fmt.Sprintf("the checkpoint row of %d events (root %v), covering %s, "+
				"does not match its signed note (%d events, root %v)", cp.Size, cp.Root, span(from, cp.Size-1), opened.Size, opened.Root)}
	}
	return nil
}

// check checks a checkpoint of size n against the recomputed tree.
func (v *verification) check(q queued) {
	cp := q.cp
	if cp.Size < 0 {
		v.fail(Problem{Kind: KindBadSignature, Seq: 0, Last: 0,
			Detail: fmt.Sprintf("a checkpoint row has the negative size %d", cp.Size)})
		return
	}
	if !q.trusted {
		if p := v.badSignature(q); p != nil {
			// While a suspect waits for a good checkpoint, a bad one is passed over.
			if v.pending == nil {
				v.fail(*p)
			}
			return
		}
	}
	what := fmt.Sprintf("the signed checkpoint of %d events", cp.Size)
	if q.trusted {
		what = fmt.Sprintf("the trusted checkpoint of %d events", cp.Size)
	}
	if v.root() != cp.Root {
		if v.pending != nil {
			v.fail(v.pending.changed)
			return
		}
		from := v.since(cp.Size)
		v.fail(Problem{Kind: KindInconsistent, Seq: from, Last: cp.Size - 1,
			Detail: fmt.Sprintf("%s do not match %s although they match their stored hashes: "+
				"one of them was changed, removed or reordered and the stored hashes rewritten to hide it (the first event of the range is %d)",
				span(from, cp.Size-1), what, from)})
		return
	}
	if s := v.pending; s != nil {
		p := Problem{Kind: KindInconsistent, Seq: s.seq, Last: s.last}
		if s.level == 0 {
			p.Detail = fmt.Sprintf("the stored hash of event %d was changed: the event itself matches %s", s.seq, what)
		} else {
			p.Detail = fmt.Sprintf("the stored hash over %s was changed: the events match %s", span(s.seq, s.last), what)
		}
		v.fail(p)
		return
	}
	if cp.Size > v.good {
		v.below = v.good
	}
	v.good = cp.Size
	v.rep.Checkpoints++
	v.rep.Head = &cp
}

// end checks what remains once the events are exhausted: checkpoints beyond the log, a
// pending suspect, and events no checkpoint covers.
func (v *verification) end() error {
	var beyond *queued // the largest good checkpoint beyond the log
	for v.problem == nil {
		q, ok, err := v.cps.peek()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		v.cps.pop(q)
		// reach checked every checkpoint of size n or less, so q.cp.Size > n.
		if !q.trusted {
			if p := v.badSignature(q); p != nil {
				// A truncation, or a suspect, comes before it.
				if beyond == nil && v.pending == nil {
					v.fail(*p)
				}
				continue
			}
		}
		if beyond == nil || q.cp.Size >= beyond.cp.Size {
			beyond = &q
		}
	}
	if v.problem != nil {
		return nil
	}
	if v.pending != nil {
		v.fail(v.pending.changed)
		return nil
	}
	if beyond != nil {
		what := "a checkpoint"
		if beyond.trusted {
			what = "the trusted checkpoint"
		}
		last := beyond.cp.Size - 1
		ends := fmt.Sprintf("the log ends at event %d", v.n-1)
		if v.n == 0 {
			ends = "the log is empty"
		}
		v.fail(Problem{Kind: KindTruncated, Seq: v.n, Last: last,
			Detail: fmt.Sprintf("%s removed from the end of the log: %s was signed for %d events, but %s",
				were(v.n, last), what, last+1, ends)})
		return nil
	}
	if v.n > v.good {
		last := "no checkpoint verified"
		if v.good > 0 {
			last = fmt.Sprintf("the last good checkpoint covers %d events", v.good)
		}
		v.fail(Problem{Kind: KindUnsigned, Seq: v.good, Last: v.n - 1,
			Detail: fmt.Sprintf("%s not covered by any signed checkpoint (%s): added without the signing key",
				are(v.good, v.n-1), last)})
	}
	return nil
}

// span names the events first..last: "event 4" or "events 4..9".
func span(first, last int64) string {
	if first == last {
		return fmt.Sprintf("event %d", first)
	}
	return fmt.Sprintf("events %d..%d", first, last)
}

// were is span with its verb: "event 4 was" or "events 4..9 were".
func were(first, last int64) string {
	if first == last {
		return span(first, last) + " was"
	}
	return span(first, last) + " were"
}

// are is span with its verb: "event 4 is" or "events 4..9 are".
func are(first, last int64) string {
	if first == last {
		return span(first, last) + " is"
	}
	return span(first, last) + " are"
}

// queued is a checkpoint to check: a stored one, with the check of its signature, or the
// trusted one.
type queued struct {
	cp      Checkpoint
	trusted bool
	sig     *signatureCheck // nil for the trusted one
}

// signatureCheck is OpenCheckpoint of a stored checkpoint, running in its own goroutine.
type signatureCheck struct {
	done   chan struct{}
	opened Checkpoint
	err    error
}

// checkpointQueue merges the stored checkpoints with the trusted one, in size order. It reads
// the stored ones ahead of the events that reach them, so that their signatures are checked
// in parallel, on all cores: with a checkpoint per transaction there is a signature to check
// per event or so, and Ed25519 verification would otherwise dominate.
type checkpointQueue struct {
	next  func() (Checkpoint, error, bool)
	v     note.Verifier
	ahead []queued // stored checkpoints read, in order
	// lookahead is how many stored checkpoints to read ahead.
	lookahead int
	done      bool  // the source has no more
	last      int64 // the size of the last stored checkpoint read
	trusted   *Checkpoint
}

func (q *checkpointQueue) peek() (queued, bool, error) {
	if q.lookahead == 0 {
		q.lookahead = max(16, 4*runtime.GOMAXPROCS(0))
	}
	for len(q.ahead) < q.lookahead && !q.done {
		cp, err, ok := q.next()
		switch {
		case !ok:
			q.done = true
			continue
		case err != nil:
			return queued{}, false, fmt.Errorf("audit: reading checkpoints after the one of size %d: %w", q.last, err)
		case cp.Size < q.last:
			return queued{}, false, fmt.Errorf("audit: reading checkpoints: the one of size %d came after the one of size %d; a source yields them in increasing size",
				cp.Size, q.last)
		}
		q.last = cp.Size
		sc := &signatureCheck{done: make(chan struct{})}
		go func() {
			defer close(sc.done)
			sc.opened, sc.err = OpenCheckpoint(cp.Note, q.v)
		}()
		q.ahead = append(q.ahead, queued{cp: cp, sig: sc})
	}
	switch {
	case len(q.ahead) > 0 && (q.trusted == nil || q.ahead[0].cp.Size <= q.trusted.Size):
		return q.ahead[0], true, nil
	case q.trusted != nil:
		return queued{cp: *q.trusted, trusted: true}, true, nil
	}
	return queued{}, false, nil
}

func (q *checkpointQueue) pop(x queued) {
	if x.trusted {
		q.trusted = nil
		return
	}
	q.ahead[0] = queued{}
	q.ahead = q.ahead[1:]
}
