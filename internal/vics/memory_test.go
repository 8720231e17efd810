package vics

import (
	"io"

	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestMemoryFlat streams a 2-million-record hash set from a writer to a reader through a pipe
// (nothing holds the file) and checks that the heap stays within a fixed budget: reading keeps
// one record at a time whatever the file's size.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 2 million records; skipped under -short")
	}
	const budget = 32 << 20 // heap growth allowed over the baseline, bytes
	records := 2_000_000
	if raceEnabled {
		records = 200_000 // the same property, at the race detector's pace
		t.Logf("race detector on: streaming %d records", records)
	}
	pr, pw := io.Pipe()
	go func() {
		w, err := NewWriter(pw, WriterOptions{Version: "2.0"})
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		for i := range records {
			if err := w.Write(synthMedia(i)); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(w.Close())
	}()
	defer pr.Close()

	start := time.Now()
	in := &countingReader{r: pr}
	r, err := NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	allocs0 := ms.Mallocs
	n := 0
	for m, err := range r.Media() {
		if err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		if m.MediaID != int64(n) {
			t.Fatalf("record %d has MediaID %d", n, m.MediaID)
		}
		if n%1000 == 0 {
			if diff := cmp.Diff(synthMedia(n), m); diff != "" {
				t.Fatalf("record %d (-want +got):\n%s", n, diff)
			}
		}
		n++
		if n%100_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapInuse)
	if n != records {
		t.Fatalf("read %d records, want %d", n, records)
	}
	elapsed := time.Since(start)
	t.Logf("%d records, %.0f MB streamed in %v; heap in use: %.1f MiB at start, %.1f MiB at peak (budget +%d MiB); %.1f allocations per record (writer and reader)",
		n, float64(in.n)/1e6, elapsed.Round(time.Millisecond), float64(base)/(1<<20), float64(peak)/(1<<20), budget>>20,
		float64(ms.Mallocs-allocs0)/float64(n))
	if peak > base+budget {
		t.Errorf("heap in use grew from %d to %d bytes, over the budget of %d: the reader is holding records", base, peak, budget)
	}
}
