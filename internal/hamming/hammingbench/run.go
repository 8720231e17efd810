package hammingbench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"time"

	"github.com/vidb-project/vidb/internal/hamming"
)

// Config says what to measure.
type Config struct {
	// DB and Queries are raw code files (32 bytes per code, no header). With Gen, they are
	// written rather than read, if set.
	DB, Queries string
	// Gen, if positive, generates a data set of Gen codes and GenQueries queries (default
	// 10,000) from Seed instead of reading DB and Queries.
	Gen, GenQueries int
	Seed            uint64
	// Radius is the search radius, inclusive.
	Radius int
	// Tables fixes the number of substrings m; zero lets the index choose.
	Tables int
	// Single is the number of queries timed one by one on one core; zero means all of them.
	Single int
	// Check is the number of queries whose results are compared with a linear scan.
	Check int
	// Out, if set, receives the batch results as an HRS1 result set.
	Out string
	// Snapshot, if set, is where the index is saved and loaded back, to time a restart.
	Snapshot string
	// Progress, if set, receives a line of text now and then.
	Progress func(msg string)
}

// Report holds the measurements. The JSON names of the first eight fields are the ones
// issue 3 asks `vidb bench index` to print.
type Report struct {
	N       int `json:"n"`
	Radius  int `json:"radius"`
	Queries int `json:"queries"`
	Tables  int `json:"tables"`
	// ScanFrom is the radius from which the index answers by a linear scan.
	ScanFrom int `json:"scan_from"`

	// BuildS is the wall time of building the index from codes in memory.
	BuildS float64 `json:"build_s"`
	// BuildCPUS is the CPU time of the build, all threads together.
	BuildCPUS float64 `json:"build_cpu_s"`
	// BytesPerCode is the memory of the index (codes, ids, tables) per code; HeapBytesPerCode
	// is the Go heap's growth over the build per code, which also counts allocator overhead.
	BytesPerCode     float64 `json:"bytes_per_code"`
	HeapBytesPerCode float64 `json:"heap_bytes_per_code"`

	// QPS1Core is queries per second of one goroutine locked to one thread, from that thread's
	// CPU time (as the spec measures, since the machine is shared); QPS1CoreWall is the same
	// from wall time.
	QPS1Core float64 `json:"qps_1core"`
	// ThreadCPU is false where thread CPU time is not available and wall time stands in.
	ThreadCPU    bool    `json:"thread_cpu"`
	QPS1CoreWall float64 `json:"qps_1core_wall"`
	// P50us and P99us are single-query latencies in thread CPU time; the Wall ones in wall time.
	P50us     float64 `json:"p50_us"`
	P99us     float64 `json:"p99_us"`
	P50WallUs float64 `json:"p50_wall_us"`
	P99WallUs float64 `json:"p99_wall_us"`

	// QPSAllCores is the batch search's queries per second in wall time on Cores goroutines,
	// BatchS its wall time, and CoreShare the share of those cores the process actually got
	// (process CPU time / (wall time x cores)).
	QPSAllCores float64 `json:"qps_all_cores"`
	BatchS      float64 `json:"batch_s"`
	Cores       int     `json:"cores"`
	CoreShare   float64 `json:"core_share"`

	// Matches is the number of (query, code) pairs found; Checked the number of queries
	// compared with a linear scan (all agreed, or Run fails).
	Matches int `json:"matches"`
	Checked int `json:"checked"`

	// SaveS and LoadS time a snapshot written and read back, when one was asked for.
	SaveS float64 `json:"save_s,omitempty"`
	LoadS float64 `json:"load_s,omitempty"`
}

// ErrMismatch reports that the index and the linear scan disagreed.
var ErrMismatch = errors.New("hammingbench: the index and a linear scan disagree")

// Run performs the measurements that cfg describes.
func Run(ctx context.Context, cfg Config) (Report, error) {
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			cfg.Progress(fmt.Sprintf(format, args...))
		}
	}
	db, queries, err := loadData(cfg, progress)
	if err != nil {
		return Report{}, err
	}
	rep := Report{N: len(db), Radius: cfg.Radius, Queries: len(queries)}

	progress("building the index over %d codes", len(db))
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	t0, cpu0 := time.Now(), processCPU()
	x, err := hamming.Build(db, nil, hamming.Options{Tables: cfg.Tables, MergeAt: -1})
	if err != nil {
		return rep, err
	}
	rep.BuildS = time.Since(t0).Seconds()
	rep.BuildCPUS = (processCPU() - cpu0).Seconds()
	runtime.GC()
	runtime.ReadMemStats(&after)
	st := x.Stats()
	rep.Tables, rep.ScanFrom = st.Tables, st.ScanFrom
	n := float64(max(len(db), 1))
	rep.BytesPerCode = float64(st.Bytes) / n
	rep.HeapBytesPerCode = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
	if cfg.Check <= 0 {
		// The index holds its own copy of the codes; let the input go (at 100M it is 3.2 GB).
		db = nil
		debug.FreeOSMemory()
	}
	progress("built in %.2f s (%.2f s CPU): m=%d, %.1f bytes per code, linear scan from radius %d",
		rep.BuildS, rep.BuildCPUS, rep.Tables, rep.BytesPerCode, rep.ScanFrom)

	if cfg.Snapshot != "" {
		if x, err = snapshot(x, cfg.Snapshot, &rep, progress); err != nil {
			return rep, err
		}
	}

	single := queries
	if cfg.Single > 0 && cfg.Single < len(single) {
		single = single[:cfg.Single]
	}
	progress("timing %d single queries on one core", len(single))
	if err := timeSingle(ctx, x, single, cfg.Radius, &rep); err != nil {
		return rep, err
	}

	rep.Cores = runtime.GOMAXPROCS(0)
	progress("searching a batch of %d queries on %d cores", len(queries), rep.Cores)
	cpu0, w0 := processCPU(), time.Now()
	res, err := x.SearchBatch(ctx, queries, cfg.Radius, hamming.BatchOptions{})
	if err != nil {
		return rep, err
	}
	wall := time.Since(w0)
	rep.BatchS = wall.Seconds()
	rep.QPSAllCores = float64(len(queries)) / wall.Seconds()
	if cpu := processCPU() - cpu0; cpu > 0 {
		rep.CoreShare = cpu.Seconds() / (wall.Seconds() * float64(rep.Cores))
	}
	rep.Matches = res.Total()

	if cfg.Check > 0 {
		k := min(cfg.Check, len(queries))
		progress("checking %d queries against a linear scan", k)
		if err := check(ctx, db, queries[:k], cfg.Radius, res); err != nil {
			return rep, err
		}
		rep.Checked = k
	}
	if cfg.Out != "" {
		if err := hamming.WriteHRS1File(cfg.Out, cfg.Radius, res); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// loadData reads or generates the codes and the queries.
func loadData(cfg Config, progress func(string, ...any)) (db, queries []hamming.Code, err error) {
	if cfg.Gen > 0 {
		nq := cfg.GenQueries
		if nq <= 0 {
			nq = 10_000
		}
		progress("generating %d codes and %d queries (seed %d)", cfg.Gen, nq, cfg.Seed)
		db = Generate(cfg.Gen, cfg.Seed)
		queries = GenerateQueries(db, nq, cfg.Seed+1)
		if cfg.DB != "" {
			if err := hamming.WriteCodesFile(cfg.DB, db); err != nil {
				return nil, nil, err
			}
		}
		if cfg.Queries != "" {
			if err := hamming.WriteCodesFile(cfg.Queries, queries); err != nil {
				return nil, nil, err
			}
		}
		return db, queries, nil
	}
	progress("reading %s and %s", cfg.DB, cfg.Queries)
	if db, err = hamming.ReadCodesFile(cfg.DB); err != nil {
		return nil, nil, err
	}
	if queries, err = hamming.ReadCodesFile(cfg.Queries); err != nil {
		return nil, nil, err
	}
	return db, queries, nil
}

// timeSingle runs queries one at a time on one locked thread and records throughput and
// latency percentiles.
func timeSingle(ctx context.Context, x *hamming.Index, queries []hamming.Code, r int, rep *Report) error {
	if len(queries) == 0 {
		return nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s := x.NewSearcher()
	var buf []hamming.Match
	for _, q := range queries[:min(len(queries), 100)] { // warm the scratch and the caches
		buf = s.Search(q, r, buf[:0])
	}
	cpu := make([]time.Duration, len(queries))
	wall := make([]time.Duration, len(queries))
	c0, w0 := threadCPU(), time.Now()
	for i, q := range queries {
		if i%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		c, w := threadCPU(), time.Now()
		buf = s.Search(q, r, buf[:0])
		cpu[i], wall[i] = threadCPU()-c, time.Since(w)
	}
	totalCPU, totalWall := threadCPU()-c0, time.Since(w0)
	n := float64(len(queries))
	rep.QPS1Core = n / totalCPU.Seconds()
	rep.ThreadCPU = threadCPUAvailable
	rep.QPS1CoreWall = n / totalWall.Seconds()
	rep.P50us, rep.P99us = Percentile(cpu, 50), Percentile(cpu, 99)
	rep.P50WallUs, rep.P99WallUs = Percentile(wall, 50), Percentile(wall, 99)
	return nil
}

// Percentile returns the p-th percentile (0 to 100, nearest rank) of ds, in microseconds. It
// sorts ds.
func Percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	k := int(p/100*float64(len(ds))+0.999999) - 1
	k = min(max(k, 0), len(ds)-1)
	return float64(ds[k]) / float64(time.Microsecond)
}

// check compares the results of queries with a linear scan of db (ids are row numbers).
func check(ctx context.Context, db, queries []hamming.Code, r int, res *hamming.Results) error {
	var want []hamming.Match
	for i, q := range queries {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		want = want[:0]
		for id, c := range db {
			if d := hamming.Distance(q, c); d <= r {
				want = append(want, hamming.Match{ID: uint32(id), Distance: uint16(d)})
			}
		}
		if got := res.Matches(i); !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) {
			return fmt.Errorf("%w: query %d: %d matches, the scan finds %d", ErrMismatch, i, len(got), len(want))
		}
	}
	return nil
}

// snapshot saves x to path, loads it back, and records both times.
func snapshot(x *hamming.Index, path string, rep *Report, progress func(string, ...any)) (*hamming.Index, error) {
	t0 := time.Now()
	if err := x.Save(path); err != nil {
		return nil, err
	}
	rep.SaveS = time.Since(t0).Seconds()
	t0 = time.Now()
	y, err := hamming.Load(path, hamming.Options{MergeAt: -1})
	if err != nil {
		return nil, err
	}
	rep.LoadS = time.Since(t0).Seconds()
	progress("snapshot saved in %.2f s and loaded in %.2f s", rep.SaveS, rep.LoadS)
	return y, nil
}
