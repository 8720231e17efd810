package ingest

import "sync"

// keyLock serialises work on the same content (keyed by SHA-256) within the process, so that a
// blob written by one upload and deleted by another's rollback cannot interleave.
type keyLock struct {
	mu sync.Mutex
	m  map[[32]byte]*keyEntry
}

type keyEntry struct {
	mu      sync.Mutex
	waiters int
}

// lock locks key and returns the function that unlocks it.
func (k *keyLock) lock(key [32]byte) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = make(map[[32]byte]*keyEntry)
	}
	e := k.m[key]
	if e == nil {
		e = &keyEntry{}
		k.m[key] = e
	}
	e.waiters++
	k.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		k.mu.Lock()
		e.waiters--
		if e.waiters == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
