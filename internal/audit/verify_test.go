package audit

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/mod/sumdb/tlog"
)

// Tampering: what an attacker with write access to the database (but not the signing key)
// does to the rows of a MemLog.

// rowOf returns the index in l.events of the event with sequence number seq.
func rowOf(t testing.TB, l *MemLog, seq int64) int {
	t.Helper()
	i, ok := slices.BinarySearchFunc(l.events, seq, func(e Event, seq int64) int { return int(e.Seq - seq) })
	if !ok {
		t.Fatalf("no event %d", seq)
	}
	return i
}

// rewriteHashes replaces the stored hashes with those of the events as they now are, as an
// attacker who changed events would to make them match.
func rewriteHashes(t testing.TB, l *MemLog) {
	t.Helper()
	l.hashes = make(map[int64]tlog.Hash)
	for _, e := range l.events {
		hs, err := tlog.StoredHashes(e.Seq, Leaf(e), l)
		if err != nil {
			t.Fatalf("rewriting the hashes of event %d: %v", e.Seq, err)
		}
		for i, h := range hs {
			l.hashes[HashIndex(e.Seq)+int64(i)] = h
		}
	}
}

// removeEvents deletes the rows of events from..to-1.
func removeEvents(t testing.TB, l *MemLog, from, to int64) {
	t.Helper()
	l.events = slices.Delete(l.events, rowOf(t, l, from), rowOf(t, l, to-1)+1)
}

// removeTail deletes events from.. with their stored hashes and the checkpoints of more than
// from events: the log as it would have been had the store stopped at from.
func removeTail(t testing.TB, l *MemLog, from int64) {
	t.Helper()
	l.events = l.events[:rowOf(t, l, from)]
	for i := range l.hashes {
		if i >= HashIndex(from) {
			delete(l.hashes, i)
		}
	}
	l.checkpoints = slices.DeleteFunc(l.checkpoints, func(cp Checkpoint) bool { return cp.Size > from })
	l.size = from
}

// renumber shifts the sequence numbers of events from.. by d.
func renumber(l *MemLog, from, d int64) {
	for i := range l.events {
		if l.events[i].Seq >= from {
			l.events[i].Seq += d
		}
	}
}

// insertEvent inserts e as event at, renumbering the events from at on.
func insertEvent(t testing.TB, l *MemLog, at int64, e Event) {
	t.Helper()
	i := rowOf(t, l, at)
	renumber(l, at, 1)
	e.Seq = at
	l.events = slices.Insert(l.events, i, e)
}

// checkpointOf returns the index in l.checkpoints of the checkpoint covering event seq.
func checkpointOf(l *MemLog, seq int64) int {
	i, _ := slices.BinarySearchFunc(l.checkpoints, seq+1, func(cp Checkpoint, size int64) int { return int(cp.Size - size) })
	return i
}

// cloneLog returns a copy of l whose rows can be tampered with without changing l.
func cloneLog(l *MemLog) *MemLog {
	c := l.Snapshot()
	c.signer = l.signer
	c.events = slices.Clone(c.events)
	c.checkpoints = slices.Clone(c.checkpoints)
	return c
}

// layout is how a test log is built: n events in transactions of batch events.
type layout struct{ n, batch int64 }

// txFirst and txLast are the first and last events of the transaction holding event seq.
func (y layout) txFirst(seq int64) int64 { return seq / y.batch * y.batch }
func (y layout) txLast(seq int64) int64  { return min(y.txFirst(seq)+y.batch, y.n) - 1 }

// k is the event the tests tamper with: even, in the middle of a transaction.
func (y layout) k() int64 { return y.n * 2 / 5 }

var layouts = []layout{
	{n: 100, batch: 7},   // within one Verify batch
	{n: 3000, batch: 64}, // across several
}

func TestVerifyTampering(t *testing.T) {
	t.Parallel()
	p := func(kind Kind, seq, last int64) *Problem { return &Problem{Kind: kind, Seq: seq, Last: last} }
	tests := []struct {
		name    string
		tamper  func(t *testing.T, l *MemLog, y layout)
		trusted bool // verify with the checkpoint of the untouched log as trusted
		want    func(y layout) *Problem
	}{
		{
			name:   "untouched",
			tamper: func(t *testing.T, l *MemLog, y layout) {},
			want:   func(y layout) *Problem { return nil },
		},
		{
			name:    "untouched, with the trusted checkpoint",
			tamper:  func(t *testing.T, l *MemLog, y layout) {},
			trusted: true,
			want:    func(y layout) *Problem { return nil },
		},
		{
			name: "details of event k changed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				l.events[rowOf(t, l, y.k())].Details = map[string]string{"n": "0", "via": "web"}
			},
			want: func(y layout) *Problem { return p(KindChanged, y.k(), y.k()) },
		},
		{
			name: "actor of event k changed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				l.events[rowOf(t, l, y.k())].Actor = "someone-else"
			},
			want: func(y layout) *Problem { return p(KindChanged, y.k(), y.k()) },
		},
		{
			name: "time of event k changed by a microsecond",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				r := rowOf(t, l, y.k())
				l.events[r].Time = l.events[r].Time.Add(1000)
			},
			want: func(y layout) *Problem { return p(KindChanged, y.k(), y.k()) },
		},
		{
			name: "first event changed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				l.events[0].Action = "media.delete"
			},
			want: func(y layout) *Problem { return p(KindChanged, 0, 0) },
		},
		{
			name: "last event changed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				l.events[len(l.events)-1].Object = "media/0"
			},
			want: func(y layout) *Problem { return p(KindChanged, y.n-1, y.n-1) },
		},
		{
			name: "event k changed and all stored hashes rewritten to match",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				l.events[rowOf(t, l, y.k())].Details = nil
				rewriteHashes(t, l)
			},
			want: func(y layout) *Problem { return p(KindInconsistent, y.txFirst(y.k()), y.txLast(y.k())) },
		},
		{
			name: "event k changed, hashes rewritten, and the checkpoint after it removed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				l.events[rowOf(t, l, y.k())].Details = nil
				rewriteHashes(t, l)
				l.checkpoints = slices.Delete(l.checkpoints, checkpointOf(l, y.k()), checkpointOf(l, y.k())+1)
			},
			// The range widens to the next checkpoint's transaction.
			want: func(y layout) *Problem {
				return p(KindInconsistent, y.txFirst(y.k()), y.txLast(y.txLast(y.k())+1))
			},
		},
		{
			name: "event k and its stored leaf hash changed, the other hashes not",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				r := rowOf(t, l, y.k())
				l.events[r].Actor = "someone-else"
				l.hashes[HashIndex(y.k())] = LeafHash(l.events[r])
			},
			// k is even: the stored hash over k and k+1 gives it away.
			want: func(y layout) *Problem { return p(KindInconsistent, y.k(), y.k()+1) },
		},
		{
			name: "stored leaf hash of event k changed, not the event",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				l.hashes[HashIndex(y.k())] = tlog.RecordHash([]byte("x"))
			},
			want: func(y layout) *Problem { return p(KindInconsistent, y.k(), y.k()) },
		},
		{
			name: "stored hash over events k..k+3 changed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				l.hashes[tlog.StoredHashIndex(2, y.k()/4)] = tlog.RecordHash([]byte("x"))
			},
			want: func(y layout) *Problem { return p(KindInconsistent, y.k()/4*4, y.k()/4*4+3) },
		},
		{
			name: "stored leaf hash of event k removed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				delete(l.hashes, HashIndex(y.k()))
			},
			want: func(y layout) *Problem { return p(KindInconsistent, y.k(), y.k()) },
		},
		{
			name: "event k removed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				removeEvents(t, l, y.k(), y.k()+1)
			},
			want: func(y layout) *Problem { return p(KindRemoved, y.k(), y.k()) },
		},
		{
			name: "events k..k+2 removed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				removeEvents(t, l, y.k(), y.k()+3)
			},
			want: func(y layout) *Problem { return p(KindRemoved, y.k(), y.k()+2) },
		},
		{
			name: "first event removed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				removeEvents(t, l, 0, 1)
			},
			want: func(y layout) *Problem { return p(KindRemoved, 0, 0) },
		},
		{
			name: "event k removed and the later ones renumbered",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				removeEvents(t, l, y.k(), y.k()+1)
				renumber(l, y.k()+1, -1)
			},
			want: func(y layout) *Problem {
				return &Problem{Kind: KindReordered, Seq: y.k(), Last: y.k(), Other: y.k() + 1}
			},
		},
		{
			name: "event k removed, the later ones renumbered, hashes rewritten",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				removeEvents(t, l, y.k(), y.k()+1)
				renumber(l, y.k()+1, -1)
				rewriteHashes(t, l)
			},
			want: func(y layout) *Problem { return p(KindInconsistent, y.txFirst(y.k()), y.txLast(y.k())) },
		},
		{
			name: "events k and k+3 swapped",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				a, b := rowOf(t, l, y.k()), rowOf(t, l, y.k()+3)
				l.events[a], l.events[b] = l.events[b], l.events[a]
				l.events[a].Seq, l.events[b].Seq = l.events[b].Seq, l.events[a].Seq
			},
			want: func(y layout) *Problem {
				return &Problem{Kind: KindReordered, Seq: y.k(), Last: y.k(), Other: y.k() + 3}
			},
		},
		{
			name: "events 1 and n-1 swapped",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				a, b := 1, len(l.events)-1
				l.events[a], l.events[b] = l.events[b], l.events[a]
				l.events[a].Seq, l.events[b].Seq = l.events[b].Seq, l.events[a].Seq
			},
			want: func(y layout) *Problem { return &Problem{Kind: KindReordered, Seq: 1, Last: 1, Other: y.n - 1} },
		},
		{
			name: "events k and k+1 swapped, hashes rewritten",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				a, b := rowOf(t, l, y.k()), rowOf(t, l, y.k()+1)
				l.events[a], l.events[b] = l.events[b], l.events[a]
				l.events[a].Seq, l.events[b].Seq = l.events[b].Seq, l.events[a].Seq
				rewriteHashes(t, l)
			},
			want: func(y layout) *Problem { return p(KindInconsistent, y.txFirst(y.k()), y.txLast(y.k())) },
		},
		{
			name: "last 3 events removed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				removeEvents(t, l, y.n-3, y.n)
			},
			want: func(y layout) *Problem { return p(KindTruncated, y.n-3, y.n-1) },
		},
		{
			name: "last 3 events removed with their hashes and checkpoints",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				removeTail(t, l, y.n-3)
			},
			// The cut is inside a transaction: its first events remain, unsigned.
			want: func(y layout) *Problem { return p(KindUnsigned, y.txFirst(y.n-3), y.n-4) },
		},
		{
			name: "last transaction removed with its hashes and checkpoint",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				removeTail(t, l, y.txFirst(y.n-1))
			},
			// Undetectable without an external checkpoint: the log is as it was before.
			want: func(y layout) *Problem { return nil },
		},
		{
			name: "last transaction removed with its hashes and checkpoint, with the trusted checkpoint",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				removeTail(t, l, y.txFirst(y.n-1))
			},
			trusted: true,
			want:    func(y layout) *Problem { return p(KindTruncated, y.txFirst(y.n-1), y.n-1) },
		},
		{
			name: "everything removed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				removeTail(t, l, 0)
			},
			want: func(y layout) *Problem { return nil },
		},
		{
			name: "everything removed, with the trusted checkpoint",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				removeTail(t, l, 0)
			},
			trusted: true,
			want:    func(y layout) *Problem { return p(KindTruncated, 0, y.n-1) },
		},
		{
			name: "signature of the checkpoint after event k altered",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				i := checkpointOf(l, y.k())
				l.checkpoints[i].Note = alterSignature(l.checkpoints[i].Note)
			},
			want: func(y layout) *Problem { return p(KindBadSignature, y.txFirst(y.k()), y.txLast(y.k())) },
		},
		{
			name: "root of the checkpoint after event k altered in its row",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				l.checkpoints[checkpointOf(l, y.k())].Root[0] ^= 1
			},
			want: func(y layout) *Problem { return p(KindBadSignature, y.txFirst(y.k()), y.txLast(y.k())) },
		},
		{
			name: "root of the checkpoint after event k altered in its note and row",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				cp := &l.checkpoints[checkpointOf(l, y.k())]
				old := cp.Root.String()
				cp.Root[0] ^= 1
				cp.Note = []byte(strings.Replace(string(cp.Note), old, cp.Root.String(), 1))
			},
			want: func(y layout) *Problem { return p(KindBadSignature, y.txFirst(y.k()), y.txLast(y.k())) },
		},
		{
			name: "checkpoint after event k replaced by the previous one's note",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				i := checkpointOf(l, y.k())
				l.checkpoints[i].Note = l.checkpoints[i-1].Note
			},
			want: func(y layout) *Problem { return p(KindBadSignature, y.txFirst(y.k()), y.txLast(y.k())) },
		},
		{
			name: "checkpoint after event k signed by another key",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				i := checkpointOf(l, y.k())
				s, _ := testKeys(t, "vidb-audit")
				cp, err := SignCheckpoint(l.checkpoints[i].Size, l.checkpoints[i].Root, s)
				if err != nil {
					t.Fatal(err)
				}
				l.checkpoints[i] = cp
			},
			want: func(y layout) *Problem { return p(KindBadSignature, y.txFirst(y.k()), y.txLast(y.k())) },
		},
		{
			name: "event k changed, hashes rewritten, its checkpoint re-signed by another key",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				l.events[rowOf(t, l, y.k())].Details = nil
				rewriteHashes(t, l)
				s, _ := testKeys(t, "vidb-audit")
				for i := checkpointOf(l, y.k()); i < len(l.checkpoints); i++ {
					root, err := TreeHash(l.checkpoints[i].Size, l)
					if err != nil {
						t.Fatal(err)
					}
					if l.checkpoints[i], err = SignCheckpoint(l.checkpoints[i].Size, root, s); err != nil {
						t.Fatal(err)
					}
				}
			},
			want: func(y layout) *Problem { return p(KindBadSignature, y.txFirst(y.k()), y.txLast(y.k())) },
		},
		{
			name: "forged checkpoint beyond the end",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				s, _ := testKeys(t, "vidb-audit")
				cp, err := SignCheckpoint(y.n+5, tlog.Hash{}, s)
				if err != nil {
					t.Fatal(err)
				}
				l.checkpoints = append(l.checkpoints, cp)
			},
			want: func(y layout) *Problem { return p(KindBadSignature, y.n, y.n+4) },
		},
		{
			name: "all checkpoints removed",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				l.checkpoints = nil
			},
			want: func(y layout) *Problem { return p(KindUnsigned, 0, y.n-1) },
		},
		{
			name: "extra event appended with its hashes",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				e := testEvent(0)
				e.Seq = y.n
				hs, err := NewHashes(e, l)
				if err != nil {
					t.Fatal(err)
				}
				for i, h := range hs {
					l.hashes[HashIndex(e.Seq)+int64(i)] = h
				}
				l.events = append(l.events, e)
			},
			want: func(y layout) *Problem { return p(KindUnsigned, y.n, y.n) },
		},
		{
			name: "extra event inserted at k, the later ones renumbered",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				insertEvent(t, l, y.k(), testEvent(99999))
			},
			want: func(y layout) *Problem { return p(KindChanged, y.k(), y.k()) },
		},
		{
			name: "extra event inserted at k, the later ones renumbered, hashes rewritten",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				insertEvent(t, l, y.k(), testEvent(99999))
				rewriteHashes(t, l)
			},
			want: func(y layout) *Problem { return p(KindInconsistent, y.txFirst(y.k()), y.txLast(y.k())) },
		},
		{
			name: "event k duplicated over event k+1",
			tamper: func(t *testing.T, l *MemLog, y layout) {
				r := rowOf(t, l, y.k())
				l.events[r+1] = l.events[r]
				l.events[r+1].Seq = y.k() + 1
			},
			want: func(y layout) *Problem {
				return &Problem{Kind: KindReordered, Seq: y.k() + 1, Last: y.k() + 1, Other: y.k()}
			},
		},
	}
	for _, y := range layouts {
		orig, _, v := newTestLog(t, int(y.n), int(y.batch))
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%d by %d/%s", y.n, y.batch, tt.name), func(t *testing.T) {
				t.Parallel()
				l := cloneLog(orig)
				head := l.checkpoints[len(l.checkpoints)-1]
				tt.tamper(t, l, y)
				var trusted *Checkpoint
				if tt.trusted {
					trusted = &head
				}
				rep, err := Verify(t.Context(), l, v, trusted)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				want := tt.want(y)
				if diff := cmp.Diff(want, rep.Problem, cmpopts.IgnoreFields(Problem{}, "Detail")); diff != "" {
					t.Fatalf("Verify found the wrong problem (-want +got):\n%s\ngot %v", diff, rep.Problem)
				}
				if want == nil {
					return
				}
				if !strings.Contains(rep.Problem.Detail, fmt.Sprintf("event %d", want.Seq)) &&
					!strings.Contains(rep.Problem.Detail, fmt.Sprintf("events %d..", want.Seq)) {
					t.Errorf("the problem's detail %q does not name event %d", rep.Problem.Detail, want.Seq)
				}
				t.Logf("%v", rep.Problem)
			})
		}
	}
}

func TestVerifyReport(t *testing.T) {
	t.Parallel()
	l, _, v := newTestLog(t, 100, 7)
	rep, err := Verify(t.Context(), l, v, &l.checkpoints[5])
	if err != nil {
		t.Fatal(err)
	}
	want := &Report{Events: 100, Checkpoints: 16, Head: &l.checkpoints[14]}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("Verify report differs (-want +got):\n%s", diff)
	}

	empty := NewMemLog(nil)
	rep, err = Verify(t.Context(), empty, v, nil)
	if err != nil || !rep.OK() || rep.Events != 0 || rep.Head != nil {
		t.Errorf("Verify of an empty log = %+v, %v; want OK with nothing checked", rep, err)
	}
}

func TestVerifyTrustedErrors(t *testing.T) {
	t.Parallel()
	l, s, v := newTestLog(t, 30, 4)
	otherS, _ := testKeys(t, "vidb-audit")
	foreign, err := SignCheckpoint(30, l.checkpoints[len(l.checkpoints)-1].Root, otherS)
	if err != nil {
		t.Fatal(err)
	}
	mismatched := l.checkpoints[3]
	mismatched.Size++
	tests := []struct {
		name    string
		trusted Checkpoint
		want    error
	}{
		{"signed by another key", foreign, ErrBadSignature},
		{"fields differ from the note", mismatched, ErrMalformedCheckpoint},
		{"no note", Checkpoint{Size: 30}, ErrMalformedCheckpoint},
	}
	for _, tt := range tests {
		if _, err := Verify(t.Context(), l, v, &tt.trusted); !errors.Is(err, tt.want) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.want)
		}
	}

	// A trusted checkpoint of another history signed by the same key (a fork) is inconsistent.
	fork := NewMemLog(s)
	appendTestEvents(t, fork, 0, 20, 4)
	if _, err := fork.Append(testEvent(0)); err != nil {
		t.Fatal(err)
	}
	forkHead := fork.checkpoints[len(fork.checkpoints)-1]
	rep, err := Verify(t.Context(), l, v, &forkHead)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem == nil || rep.Problem.Kind != KindInconsistent || rep.Problem.Seq != 20 {
		t.Errorf("Verify with a forked trusted checkpoint: problem %v, want inconsistent at event 20", rep.Problem)
	}
}

// failingSource fails its reads after some events.
type failingSource struct {
	*MemLog
	failEvents, failHashes, failCheckpoints bool
}

var errDisk = errors.New("disk on fire")

func (s failingSource) Events(ctx context.Context, from int64) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for e, err := range s.MemLog.Events(ctx, from) {
			if s.failEvents && e.Seq == 50 {
				yield(Event{}, errDisk)
				return
			}
			if !yield(e, err) {
				return
			}
		}
	}
}

func (s failingSource) StoredHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	if s.failHashes {
		return nil, errDisk
	}
	return s.MemLog.StoredHashes(ctx, indexes)
}

func (s failingSource) Checkpoints(ctx context.Context) iter.Seq2[Checkpoint, error] {
	return func(yield func(Checkpoint, error) bool) {
		for cp, err := range s.MemLog.Checkpoints(ctx) {
			if s.failCheckpoints && cp.Size > 50 {
				yield(Checkpoint{}, errDisk)
				return
			}
			if !yield(cp, err) {
				return
			}
		}
	}
}

func TestVerifySourceErrors(t *testing.T) {
	t.Parallel()
	l, _, v := newTestLog(t, 100, 7)
	for _, src := range []failingSource{
		{MemLog: l, failEvents: true},
		{MemLog: l, failHashes: true},
		{MemLog: l, failCheckpoints: true},
	} {
		rep, err := Verify(t.Context(), src, v, nil)
		if !errors.Is(err, errDisk) || rep != nil {
			t.Errorf("Verify of %+v = %v, %v; want nil, the source's error", src, rep, err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Verify(ctx, l, v, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify with a cancelled context = %v, want context.Canceled", err)
	}

	// Checkpoints out of order break the Source contract.
	l.checkpoints[3], l.checkpoints[4] = l.checkpoints[4], l.checkpoints[3]
	if _, err := Verify(t.Context(), l, v, nil); err == nil {
		t.Errorf("Verify with checkpoints out of order = nil error, want an error")
	}
}
