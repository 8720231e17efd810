package audit

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// testEvent returns the i'th event of the test logs.
func testEvent(i int) Event {
	return Event{
		Time:    at(time.Duration(i) * 1001 * time.Microsecond),
		Actor:   fmt.Sprintf("user%d", i%17),
		ActorID: int64(i % 17),
		Country: []string{"NL", "DE", "FR"}[i%3],
		Action:  "media.view",
		Object:  fmt.Sprintf("media/%d", i),
		Details: map[string]string{"n": strconv.Itoa(i), "via": "web"},
	}
}

// newTestLog returns a log of n test events appended in transactions of batch events.
func newTestLog(t testing.TB, n, batch int) (*MemLog, note.Signer, note.Verifier) {
	t.Helper()
	s, v := testKeys(t, "vidb-audit")
	l := NewMemLog(s)
	appendTestEvents(t, l, 0, n, batch)
	return l, s, v
}

// appendTestEvents appends test events from..to-1 in transactions of batch events.
func appendTestEvents(t testing.TB, l *MemLog, from, to, batch int) {
	t.Helper()
	for lo := from; lo < to; lo += batch {
		var es []Event
		for i := lo; i < min(lo+batch, to); i++ {
			es = append(es, testEvent(i))
		}
		if _, err := l.Append(es...); err != nil {
			t.Fatalf("Append(events %d..%d): %v", lo, lo+len(es)-1, err)
		}
	}
}

// mth is RFC 6962's Merkle tree hash, computed from its definition (section 2.1).
func mth(leaves [][]byte) tlog.Hash {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, leaves[0]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := mth(leaves[:k]), mth(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

func TestMemLogRootsAreRFC6962(t *testing.T) {
	t.Parallel()
	l, _, v := newTestLog(t, 70, 3)
	var leaves [][]byte
	for i := range 70 {
		e := testEvent(i)
		e.Seq = int64(i)
		leaves = append(leaves, Leaf(e))
	}
	for _, cp := range l.checkpoints {
		if _, err := OpenCheckpoint(cp.Note, v); err != nil {
			t.Fatalf("checkpoint of size %d: %v", cp.Size, err)
		}
		if want := mth(leaves[:cp.Size]); cp.Root != want {
			t.Errorf("checkpoint of size %d has root %v, want RFC 6962's %v", cp.Size, cp.Root, want)
		}
		got, err := TreeHash(cp.Size, l)
		if err != nil || got != cp.Root {
			t.Errorf("TreeHash(%d) = %v, %v; want %v", cp.Size, got, err, cp.Root)
		}
	}
	if got, want := len(l.checkpoints), 24; got != want {
		t.Errorf("70 events in transactions of 3 made %d checkpoints, want %d", got, want)
	}
	if got, want := int64(len(l.hashes)), tlog.StoredHashCount(70); got != want {
		t.Errorf("70 events stored %d hashes, want %d", got, want)
	}
}

func TestMemLogAppendIsAtomic(t *testing.T) {
	t.Parallel()
	l, _, v := newTestLog(t, 10, 4)
	bad := testEvent(11)
	bad.Actor = ""
	_, err := l.Append(testEvent(10), bad)
	if !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("Append with an invalid event = %v, want ErrInvalidEvent", err)
	}
	if got, want := l.Size(), int64(10); got != want {
		t.Errorf("Size after a failed Append = %d, want %d", got, want)
	}
	if len(l.events) != 10 || int64(len(l.hashes)) != tlog.StoredHashCount(10) || len(l.checkpoints) != 3 {
		t.Errorf("a failed Append left rows behind: %d events, %d hashes, %d checkpoints",
			len(l.events), len(l.hashes), len(l.checkpoints))
	}
	if _, err := l.Append(); err == nil {
		t.Errorf("Append() = nil error, want an error")
	}
	// The caller's map is not the log's.
	e := testEvent(10)
	if _, err := l.Append(e); err != nil {
		t.Fatal(err)
	}
	e.Details["n"] = "changed"
	if rep, err := Verify(t.Context(), l, v, nil); err != nil || !rep.OK() {
		t.Errorf("Verify after the caller changed its event = %+v, %v; want OK", rep, err)
	}
}

func TestMemLogConcurrentAppends(t *testing.T) {
	t.Parallel()
	s, v := testKeys(t, "vidb-audit")
	l := NewMemLog(s)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	verified := make(chan int)
	go func() {
		// Verify meanwhile, on snapshots: each must be a consistent, verifiable log.
		n := 0
		defer func() { verified <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			rep, err := Verify(t.Context(), l.Snapshot(), v, nil)
			if err != nil || !rep.OK() {
				t.Errorf("Verify of a snapshot taken during appends = %+v, %v; want OK", rep, err)
				return
			}
			n++
		}
	}()
	for w := range 8 {
		wg.Go(func() {
			for i := range 25 {
				if _, err := l.Append(testEvent(w*100+i), testEvent(w*100+i+50)); err != nil {
					t.Errorf("Append: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	t.Logf("%d verifications ran during the appends", <-verified)
	rep, err := Verify(t.Context(), l, v, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("Verify = %+v, %v; want OK", rep, err)
	}
	if got, want := rep.Events, int64(400); got != want {
		t.Errorf("Verify checked %d events, want %d", got, want)
	}
}
