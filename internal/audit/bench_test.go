package audit

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// mapHashes is a stored-hashes table in a map, as a store's table behind a tlog.HashReader.
type mapHashes map[int64]tlog.Hash

func (m mapHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := m[x]
		if !ok {
			return nil, fmt.Errorf("%w: index %d", ErrHashNotFound, x)
		}
		out[i] = h
	}
	return out, nil
}

// BenchmarkAppend measures what a store does per appended event apart from SQL: NewHashes,
// reading earlier hashes from a map, and keeping the new ones.
func BenchmarkAppend(b *testing.B) {
	hashes := mapHashes{}
	events := make([]Event, 1024)
	for i := range events {
		events[i] = testEvent(i)
	}
	var n int64
	b.ReportAllocs()
	cpu := -cpuTime()
	for b.Loop() {
		e := events[n%int64(len(events))]
		e.Seq = n
		hs, err := NewHashes(e, hashes)
		if err != nil {
			b.Fatal(err)
		}
		for i, h := range hs {
			hashes[HashIndex(n)+int64(i)] = h
		}
		n++
	}
	cpu += cpuTime()
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "appends/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/append")
	}
}

// BenchmarkSignCheckpoint measures the end of each appending transaction.
func BenchmarkSignCheckpoint(b *testing.B) {
	s, _ := testKeys(b, "vidb-audit")
	root := tlog.RecordHash([]byte("root"))
	for b.Loop() {
		if _, err := SignCheckpoint(123456, root, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures Verify over a MemLog of 100,000 events, appended in transactions
// of 100 events (1,000 checkpoints) and of 1 event (100,000 checkpoints, the worst case: one
// signature to check per event).
func BenchmarkVerify(b *testing.B) {
	const n = 100_000
	for _, batch := range []int{100, 1} {
		b.Run(fmt.Sprintf("events=%d/tx=%d", n, batch), func(b *testing.B) {
			l, _, v := newTestLog(b, n, batch)
			b.ReportAllocs()
			var cpu time.Duration
			for b.Loop() {
				cpu -= cpuTime()
				rep, err := Verify(b.Context(), l, v, nil)
				if err != nil || !rep.OK() || rep.Events != n {
					b.Fatalf("Verify = %+v, %v", rep, err)
				}
				cpu += cpuTime()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			if cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(n)/float64(b.N), "cpu-ns/event")
			}
		})
	}
}
