package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/vidb-project/vidb/internal/hamming/hammingbench"
)

// runBench runs one of vidb's benchmarks: args[0] names it.
func runBench(ctx context.Context, args []string, s streams) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(s.stderr, "usage: vidb bench index [flags]")
		fmt.Fprintln(s.stderr, "\nbenchmarks:\n  index    exact Hamming radius search over 256-bit codes (internal/hamming)")
		if len(args) == 0 {
			return usageError{"missing benchmark name"}
		}
		return nil
	}
	switch args[0] {
	case "index":
		return runBenchIndex(ctx, args[1:], s)
	default:
		return usageError{fmt.Sprintf("unknown benchmark %q (known: index)", args[0])}
	}
}

// runBenchIndex is `vidb bench index`.
func runBenchIndex(ctx context.Context, args []string, s streams) error {
	fs := flag.NewFlagSet("vidb bench index", flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	var cfg hammingbench.Config
	fs.StringVar(&cfg.DB, "db", "", "raw code `file` to index (32 bytes per code, row r is id r); with --gen, written")
	fs.StringVar(&cfg.Queries, "queries", "", "raw code `file` of queries; with --gen, written")
	fs.IntVar(&cfg.Radius, "radius", 31, "search radius `r`, inclusive (0 to 256)")
	fs.StringVar(&cfg.Out, "out", "", "write the batch results to `file` as an HRS1 result set")
	fs.IntVar(&cfg.Gen, "gen", 0, "generate a data set of `N` codes (the spec's layout) instead of reading --db")
	fs.IntVar(&cfg.GenQueries, "gen-queries", 10_000, "number of queries `Q` to generate with --gen")
	seed := fs.Uint64("seed", 1, "seed of the generated data set")
	fs.IntVar(&cfg.Tables, "m", 0, "number of substrings (0: chosen from N)")
	fs.IntVar(&cfg.Single, "single", 0, "time only the first `K` queries one by one (0: all)")
	fs.IntVar(&cfg.Check, "check", 0, "compare the first `K` queries' results with a linear scan")
	fs.StringVar(&cfg.Snapshot, "snapshot", "", "save the index to `file` and load it back, timing both")
	jsonOnly := fs.Bool("json", false, "print only the JSON line")
	fs.Usage = func() {
		fmt.Fprintln(s.stderr, "usage: vidb bench index (--db FILE --queries FILE | --gen N [--db FILE --queries FILE]) [--radius R] [--out FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	cfg.Seed = *seed
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	case cfg.Gen < 0:
		return usageError{"--gen must be positive"}
	case cfg.Gen == 0 && (cfg.DB == "" || cfg.Queries == ""):
		return usageError{"need --db and --queries, or --gen N"}
	case cfg.Radius < 0 || cfg.Radius > 256:
		return usageError{fmt.Sprintf("--radius %d is outside 0 to 256", cfg.Radius)}
	case cfg.Radius > 255 && cfg.Out != "":
		return usageError{"HRS1 stores distances in a byte: --out needs --radius 255 or less"}
	}
	start := time.Now()
	if !*jsonOnly {
		cfg.Progress = func(msg string) {
			fmt.Fprintf(s.stderr, "[%6.1fs] %s\n", time.Since(start).Seconds(), msg)
		}
	}
	rep, err := hammingbench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if !*jsonOnly {
		printIndexReport(s.stdout, rep)
	}
	line, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "%s\n", line)
	return nil
}

func printIndexReport(w io.Writer, r hammingbench.Report) {
	fmt.Fprintf(w, "codes            %d (m=%d, linear scan from radius %d)\n", r.N, r.Tables, r.ScanFrom)
	fmt.Fprintf(w, "radius           %d\n", r.Radius)
	fmt.Fprintf(w, "build            %.2f s wall (%.2f s CPU)\n", r.BuildS, r.BuildCPUS)
	fmt.Fprintf(w, "memory           %.1f bytes per code (Go heap growth %.1f)\n", r.BytesPerCode, r.HeapBytesPerCode)
	if r.LoadS > 0 {
		fmt.Fprintf(w, "snapshot         saved in %.2f s, loaded in %.2f s\n", r.SaveS, r.LoadS)
	}
	fmt.Fprintf(w, "one core         %.0f queries/s thread CPU time (%.0f wall)\n", r.QPS1Core, r.QPS1CoreWall)
	fmt.Fprintf(w, "latency          p50 %.0f us, p99 %.0f us thread CPU time (wall: p50 %.0f us, p99 %.0f us)\n",
		r.P50us, r.P99us, r.P50WallUs, r.P99WallUs)
	fmt.Fprintf(w, "all cores        %.0f queries/s wall on %d cores (got %.0f%% of them): %d queries in %.2f s\n",
		r.QPSAllCores, r.Cores, 100*r.CoreShare, r.Queries, r.BatchS)
	fmt.Fprintf(w, "matches          %d (%.2f per query)\n", r.Matches, float64(r.Matches)/float64(max(r.Queries, 1)))
	if r.Checked > 0 {
		fmt.Fprintf(w, "checked          %d queries agree with a linear scan\n", r.Checked)
	}
}
