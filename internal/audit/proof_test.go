package audit

import (
	"errors"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func TestInclusionProofs(t *testing.T) {
	t.Parallel()
	const n = 40
	l, _, _ := newTestLog(t, n, 1)
	for size := int64(1); size <= n; size++ {
		root, err := TreeHash(size, l)
		if err != nil {
			t.Fatal(err)
		}
		for seq := range size {
			p, err := ProveInclusion(seq, size, l)
			if err != nil {
				t.Fatalf("ProveInclusion(%d, %d): %v", seq, size, err)
			}
			e := l.events[seq]
			if err := CheckInclusion(p, size, root, e); err != nil {
				t.Errorf("CheckInclusion(event %d, size %d) = %v, want nil", seq, size, err)
			}
		}
	}

	// Wrong data is refused.
	const size, seq = 33, 17
	root, err := TreeHash(size, l)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ProveInclusion(seq, size, l)
	if err != nil {
		t.Fatal(err)
	}
	e := l.events[seq]
	changed, moved := e, e
	changed.Details = map[string]string{"n": "forged"}
	moved.Seq = seq + 1
	otherRoot, _ := TreeHash(size-1, l)
	bad := append(tlog.RecordProof(nil), p...)
	bad[0][0] ^= 1
	tests := []struct {
		name string
		p    tlog.RecordProof
		size int64
		root tlog.Hash
		e    Event
	}{
		{"changed event", p, size, root, changed},
		{"event at another seq", p, size, root, moved},
		{"wrong root", p, size, otherRoot, e},
		{"wrong size", p, 2 * size, root, e},
		{"altered proof", bad, size, root, e},
		{"short proof", p[1:], size, root, e},
		{"no proof", nil, size, root, e},
		{"event beyond the tree", p, seq, root, e},
	}
	for _, tt := range tests {
		if err := CheckInclusion(tt.p, tt.size, tt.root, tt.e); !errors.Is(err, ErrProof) {
			t.Errorf("%s: CheckInclusion = %v, want ErrProof", tt.name, err)
		}
	}
	for _, c := range [][2]int64{{-1, 5}, {5, 5}, {6, 5}} {
		if _, err := ProveInclusion(c[0], c[1], l); !errors.Is(err, ErrProof) {
			t.Errorf("ProveInclusion(%d, %d) = %v, want ErrProof", c[0], c[1], err)
		}
	}
	if _, err := ProveInclusion(0, n+1, l); !errors.Is(err, ErrHashNotFound) {
		t.Errorf("ProveInclusion beyond the log = %v, want ErrHashNotFound", err)
	}
}

func TestConsistencyProofs(t *testing.T) {
	t.Parallel()
	const n = 40
	l, _, _ := newTestLog(t, n, 1)
	roots := make([]tlog.Hash, n+1)
	for size := range int64(n + 1) {
		var err error
		if roots[size], err = TreeHash(size, l); err != nil {
			t.Fatal(err)
		}
	}
	for newSize := int64(0); newSize <= n; newSize++ {
		for oldSize := int64(0); oldSize <= newSize; oldSize++ {
			p, err := ProveConsistency(oldSize, newSize, l)
			if err != nil {
				t.Fatalf("ProveConsistency(%d, %d): %v", oldSize, newSize, err)
			}
			if err := CheckConsistency(p, oldSize, roots[oldSize], newSize, roots[newSize]); err != nil {
				t.Errorf("CheckConsistency(%d, %d) = %v, want nil", oldSize, newSize, err)
			}
			if oldSize > 0 && oldSize < newSize {
				if err := CheckConsistency(p, oldSize, roots[oldSize-1], newSize, roots[newSize]); !errors.Is(err, ErrProof) {
					t.Errorf("CheckConsistency(%d, %d) with the wrong old root = %v, want ErrProof", oldSize, newSize, err)
				}
				if err := CheckConsistency(p, oldSize, roots[oldSize], newSize, roots[newSize-1]); !errors.Is(err, ErrProof) {
					t.Errorf("CheckConsistency(%d, %d) with the wrong new root = %v, want ErrProof", oldSize, newSize, err)
				}
				if len(p) > 0 {
					bad := append(tlog.TreeProof(nil), p...)
					bad[len(bad)-1][3] ^= 1
					if err := CheckConsistency(bad, oldSize, roots[oldSize], newSize, roots[newSize]); !errors.Is(err, ErrProof) {
						t.Errorf("CheckConsistency(%d, %d) with an altered proof = %v, want ErrProof", oldSize, newSize, err)
					}
				}
			}
		}
	}

	// A log whose early event was changed (and its hashes recomputed) does not extend the old.
	forged, _, _ := newTestLog(t, n, 1)
	forged.events[5].Actor = "mallory"
	rewriteHashes(t, forged)
	forgedRoot, err := TreeHash(n, forged)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ProveConsistency(10, n, forged)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckConsistency(p, 10, roots[10], n, forgedRoot); !errors.Is(err, ErrProof) {
		t.Errorf("CheckConsistency of a forged log = %v, want ErrProof", err)
	}
	for _, c := range [][2]int64{{-1, 5}, {6, 5}} {
		if _, err := ProveConsistency(c[0], c[1], l); !errors.Is(err, ErrProof) {
			t.Errorf("ProveConsistency(%d, %d) = %v, want ErrProof", c[0], c[1], err)
		}
	}
	if err := CheckConsistency(nil, 0, roots[1], 5, roots[5]); !errors.Is(err, ErrProof) {
		t.Errorf("CheckConsistency from size 0 with a non-empty root = %v, want ErrProof", err)
	}
}
