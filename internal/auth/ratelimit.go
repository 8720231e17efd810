package auth

import (
	"sync"
	"time"
)

// limiter is a token bucket per key (a remote address): each holds up to burst attempts and
// refills at rate per minute. Buckets that have refilled completely are forgotten, so memory
// is bounded by the addresses seen within one refill period.
type limiter struct {
	mu        sync.Mutex
	perSecond float64
	burst     float64
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute, burst int) *limiter {
	return &limiter{perSecond: float64(perMinute) / 60, burst: float64(burst), buckets: map[string]*bucket{}}
}

// fullAfter is how long an untouched bucket takes to refill from empty.
func (l *limiter) fullAfter() time.Duration {
	return time.Duration(l.burst / l.perSecond * float64(time.Second))
}

// allow takes one attempt from key's bucket at time now and reports whether there was one.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= l.fullAfter() {
		l.sweep(now)
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(l.burst, b.tokens+el.Seconds()*l.perSecond)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep forgets buckets that would be full again by now.
func (l *limiter) sweep(now time.Time) {
	full := l.fullAfter()
	for k, b := range l.buckets {
		if now.Sub(b.last) >= full {
			delete(l.buckets, k)
		}
	}
	l.lastSweep = now
}

// size returns how many buckets are held.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
