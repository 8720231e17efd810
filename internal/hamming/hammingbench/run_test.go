package hammingbench

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/hamming"
)

func TestGenerateLayout(t *testing.T) {
	t.Parallel()
	const n = 20000
	db := Generate(n, 1)
	if len(db) != n {
		t.Fatalf("Generate returned %d codes, want %d", len(db), n)
	}
	if again := Generate(n, 1); again[n-1] != db[n-1] {
		t.Error("Generate is not deterministic for a seed")
	}
	// About a third of the rows are variants: count rows with a neighbour within 40 bits
	// among a sample.
	near := 0
	for i := range 2000 {
		for j := range db {
			if j != i && hamming.Distance(db[i], db[j]) <= 40 {
				near++
				break
			}
		}
	}
	if frac := float64(near) / 2000; frac < 0.25 || frac > 0.5 {
		t.Errorf("%.2f of rows have a neighbour within 40 bits, want about 0.34", frac)
	}
	qs := GenerateQueries(db, 1000, 2)
	for i, q := range qs {
		best := 256
		for _, c := range db {
			best = min(best, hamming.Distance(q, c))
		}
		if i%2 == 0 && best > 31 {
			t.Fatalf("query %d (a flipped stored row) is %d bits from every row, want <= 31", i, best)
		}
		if i%2 == 1 && best <= 70 {
			t.Fatalf("query %d (a fresh code) is %d bits from a row, want > 70", i, best)
		}
	}
}

func TestFlipBits(t *testing.T) {
	t.Parallel()
	db := Generate(1, 5)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{0, 1, 31, 256} {
		got := flipBits(rng, db[0], k)
		if d := hamming.Distance(got, db[0]); d != k {
			t.Errorf("flipBits(%d) changed %d bits", k, d)
		}
	}
}

func TestRunSmall(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := Config{
		Gen: 30000, GenQueries: 400, Seed: 1, Radius: 31, Check: 100,
		DB: filepath.Join(dir, "db.bin"), Queries: filepath.Join(dir, "queries.bin"),
		Out: filepath.Join(dir, "out.hrs"), Snapshot: filepath.Join(dir, "index.vhix"),
	}
	var msgs int
	cfg.Progress = func(string) { msgs++ }
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.N != 30000 || rep.Queries != 400 || rep.Checked != 100 || rep.QPS1Core <= 0 || rep.QPSAllCores <= 0 ||
		rep.P99us < rep.P50us || rep.BytesPerCode < 36 || rep.LoadS <= 0 || msgs == 0 {
		t.Errorf("implausible report %+v (%d progress messages)", rep, msgs)
	}
	// The files written with --gen read back, and the HRS1 output holds every query.
	cfg2 := Config{DB: cfg.DB, Queries: cfg.Queries, Radius: 31, Check: 50, Single: 10}
	rep2, err := Run(context.Background(), cfg2)
	if err != nil {
		t.Fatal(err)
	}
	if rep2.N != rep.N || rep2.Matches != rep.Matches {
		t.Errorf("rerun from files: n=%d matches=%d, want n=%d matches=%d", rep2.N, rep2.Matches, rep.N, rep.Matches)
	}
	r, res, err := hamming.ReadHRS1File(cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	if r != 31 || res.Len() != 400 || res.Total() != rep.Matches {
		t.Errorf("HRS1: radius %d, %d queries, %d matches; want 31, 400, %d", r, res.Len(), res.Total(), rep.Matches)
	}
}

func TestRunCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, Config{Gen: 2000, GenQueries: 3000, Radius: 31})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(101-i)*time.Microsecond)
	}
	if p50, p99 := Percentile(ds, 50), Percentile(ds, 99); p50 != 50 || p99 != 99 {
		t.Errorf("p50, p99 = %v, %v; want 50, 99", p50, p99)
	}
	if Percentile(nil, 50) != 0 {
		t.Error("Percentile(nil) != 0")
	}
}
