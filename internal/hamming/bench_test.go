package hamming_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/hamming"
	"github.com/vidb-project/vidb/internal/hamming/hammingbench"
)

// Benchmarks at the spec's sizes. They generate the spec's data set once per size per process
// (10M takes a few seconds). Sizes above 10M run only when HAMMING_BENCH_MAX_N allows them:
//
//	go test -run XXX -bench . -benchtime 10000x ./internal/hamming/
//	HAMMING_BENCH_MAX_N=100000000 go test -run XXX -bench 'Search/n=100M' -benchtime 1000x ./internal/hamming/

type dataSet struct {
	db, queries []hamming.Code
	index       *hamming.Index
}

// dataSets caches the data sets of this benchmark process, keyed by size and m.
type dataSets struct {
	mu   sync.Mutex
	sets map[string]*dataSet
}

func (d *dataSets) get(b *testing.B, n, m, nq int) *dataSet {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := fmt.Sprintf("%d/%d/%d", n, m, nq)
	if ds, ok := d.sets[key]; ok {
		return ds
	}
	if d.sets == nil {
		d.sets = map[string]*dataSet{}
	}
	for k := range d.sets { // keep one at a time: 10M and 100M sets are large
		delete(d.sets, k)
	}
	db := hammingbench.Generate(n, 1)
	x, err := hamming.Build(db, nil, hamming.Options{Tables: m, MergeAt: -1})
	if err != nil {
		b.Fatal(err)
	}
	ds := &dataSet{db: db, queries: hammingbench.GenerateQueries(db, nq, 2), index: x}
	d.sets[key] = ds
	return ds
}

var sets dataSets

func maxN() int {
	n, err := strconv.Atoi(os.Getenv("HAMMING_BENCH_MAX_N"))
	if err != nil {
		return 10_000_000
	}
	return n
}

var sizes = []struct {
	name string
	n    int
}{{"1M", 1_000_000}, {"10M", 10_000_000}, {"100M", 100_000_000}}

// BenchmarkSearch times single exact queries on one goroutine: half near a stored code, half
// fresh random codes (spec section 2).
func BenchmarkSearch(b *testing.B) {
	for _, size := range sizes {
		for _, r := range []int{31, 40, 52, 70} {
			for _, m := range []int{0} {
				b.Run(fmt.Sprintf("n=%s/r=%d/m=%d", size.name, r, m), func(b *testing.B) {
					if size.n > maxN() {
						b.Skipf("n=%d is above HAMMING_BENCH_MAX_N", size.n)
					}
					ds := sets.get(b, size.n, m, 10_000)
					s := ds.index.NewSearcher()
					var buf []hamming.Match
					i, matches := 0, 0
					for b.Loop() {
						buf = s.Search(ds.queries[i%len(ds.queries)], r, buf[:0])
						matches += len(buf)
						i++
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/query")
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
					b.ReportMetric(float64(matches)/float64(b.N), "matches/query")
					b.ReportMetric(0, "ns/op")
				})
			}
		}
	}
}

// BenchmarkSearchTables compares numbers of substrings m at r = 31.
func BenchmarkSearchTables(b *testing.B) {
	for _, size := range sizes[:2] {
		for _, m := range []int{10, 11, 12, 13, 16} {
			b.Run(fmt.Sprintf("n=%s/m=%d", size.name, m), func(b *testing.B) {
				if size.n > maxN() {
					b.Skipf("n=%d is above HAMMING_BENCH_MAX_N", size.n)
				}
				ds := sets.get(b, size.n, m, 10_000)
				s := ds.index.NewSearcher()
				var buf []hamming.Match
				i := 0
				for b.Loop() {
					buf = s.Search(ds.queries[i%len(ds.queries)], 31, buf[:0])
					i++
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/query")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
				b.ReportMetric(float64(ds.index.Stats().Bytes)/float64(size.n), "bytes/code")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// BenchmarkSearchBatch times a batch of 100,000 queries on all cores at r = 31.
func BenchmarkSearchBatch(b *testing.B) {
	for _, size := range sizes {
		b.Run("n="+size.name+"/q=100k", func(b *testing.B) {
			if size.n > maxN() {
				b.Skipf("n=%d is above HAMMING_BENCH_MAX_N", size.n)
			}
			ds := sets.get(b, size.n, 0, 100_000)
			for b.Loop() {
				if _, err := ds.index.SearchBatch(context.Background(), ds.queries, 31, hamming.BatchOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			per := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(per.Seconds(), "s/batch")
			b.ReportMetric(float64(len(ds.queries))/per.Seconds(), "queries/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// BenchmarkBuild times building the index from codes in memory.
func BenchmarkBuild(b *testing.B) {
	for _, size := range sizes {
		b.Run("n="+size.name, func(b *testing.B) {
			if size.n > maxN() {
				b.Skipf("n=%d is above HAMMING_BENCH_MAX_N", size.n)
			}
			db := hammingbench.Generate(size.n, 1)
			for b.Loop() {
				if _, err := hamming.Build(db, nil, hamming.Options{MergeAt: -1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/build")
			b.ReportMetric(0, "ns/op")
		})
	}
}
