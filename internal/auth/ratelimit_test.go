package auth

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	t.Parallel()
	l := newLimiter(6, 3) // one attempt every 10 s, bursts of 3
	t0 := time.Unix(1_800_000_000, 0)
	for i := range 3 {
		if !l.allow("198.51.100.1", t0) {
			t.Fatalf("attempt %d of the burst refused", i+1)
		}
	}
	if l.allow("198.51.100.1", t0) {
		t.Fatalf("fourth attempt in the same instant allowed")
	}
	if !l.allow("198.51.100.2", t0) {
		t.Fatalf("another address refused: buckets must be per address")
	}
	if l.allow("198.51.100.1", t0.Add(9*time.Second)) {
		t.Errorf("attempt after 9 s allowed; the refill is one per 10 s")
	}
	if !l.allow("198.51.100.1", t0.Add(10*time.Second)) {
		t.Errorf("attempt after 10 s refused")
	}
	if l.allow("198.51.100.1", t0.Add(11*time.Second)) {
		t.Errorf("second attempt after 11 s allowed")
	}
	// Idle buckets are forgotten once full again (30 s), at the next sweep.
	if n := l.size(); n != 2 {
		t.Errorf("%d buckets, want 2", n)
	}
	if !l.allow("203.0.113.9", t0.Add(2*time.Minute)) {
		t.Errorf("new address refused")
	}
	if n := l.size(); n != 1 {
		t.Errorf("after two idle minutes %d buckets, want 1 (the idle ones expire)", n)
	}
	if !l.allow("198.51.100.1", t0.Add(2*time.Minute)) {
		t.Errorf("the address that was limited is still refused after two idle minutes")
	}
}
