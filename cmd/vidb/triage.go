package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/vidb-project/vidb/internal/datadir"
	"github.com/vidb-project/vidb/internal/triage"
	"github.com/vidb-project/vidb/internal/triage/remote"
	"github.com/vidb-project/vidb/internal/vics"
)

const triageUsage = `usage: vidb triage [flags] PATH...

Sorts a seized folder, .zip, .tar or .tar.gz into known, near, unknown, not-media and failed
files, against any of: VICS hash sets (--known, repeatable), a local data folder (--data), and
a vidb server (--server, with an API token in --token or VIDB_TOKEN). Media is recognised by
content; images are hashed (digests, PDQ and its dihedral variants) on all cores; videos are
classified by digest. Archives are read in memory with bounded decompression: entries that
escape the archive and decompression bombs are refused and reported as failed.

Output: one line per file on stdout (class, path, and what matched), or with --json one JSON
object per file (path, size, mtime, class, digests, pdq, quality, matches, error); a summary
on stderr, with a progress bar on a terminal. --html DIR writes DIR/index.html (counts, the
unknown media as blurred greyscale previews, near matches with distances, every error).
--vics FILE writes a VICS 2.0 case export, pre-categorised from the known matches.

--resume skips files a previous run finished (by path, size and modification time), kept in
--state FILE or DIR/triage-state.jsonl with --html; the report is the same as an
uninterrupted run's. Exit status 3 when some files failed.

flags:
`

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// stateFileName is the resume state's name inside the --html folder.
const stateFileName = "triage-state.jsonl"

func runTriage(ctx context.Context, args []string, s streams) error {
	fs := flag.NewFlagSet("triage", flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() { fmt.Fprint(s.stderr, triageUsage); fs.PrintDefaults() }
	var known stringList
	fs.Var(&known, "known", "a VICS hash set `FILE` to match against (repeatable)")
	data := fs.String("data", "", "match against the catalog of this data `folder`")
	db := fs.String("db", "", "with --data: the catalog is in PostgreSQL at this `URL`")
	server := fs.String("server", "", "match against the vidb server at this `URL`")
	token := fs.String("token", "", "the server's API `token` (default: $VIDB_TOKEN)")
	asJSON := fs.Bool("json", false, "write one JSON object per file")
	htmlDir := fs.String("html", "", "write an HTML report into this `folder`")
	vicsOut := fs.String("vics", "", "write a VICS 2.0 case export of the device to this `file`")
	caseNumber := fs.String("case", "", "the case number written in the --vics export")
	resume := fs.Bool("resume", false, "skip files a previous run finished (needs --state or --html)")
	statePath := fs.String("state", "", "the resume state `file` (default: in the --html folder)")
	workers := fs.Int("workers", 0, "files hashed at once (default: the number of cores)")
	radius := fs.Int("radius", triage.DefaultRadius, "the PDQ `distance` within which a file is near a known one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{"no PATH given"}
	}
	if *radius < 0 || *radius > 256 {
		return usageError{fmt.Sprintf("--radius %d: want 0 to 256", *radius)}
	}
	if *statePath == "" && *htmlDir != "" {
		*statePath = filepath.Join(*htmlDir, stateFileName)
	}
	if *resume && *statePath == "" {
		return usageError{"--resume needs --state FILE or --html DIR"}
	}
	if *token == "" && s.getenv != nil {
		*token = s.getenv("VIDB_TOKEN")
	}
	if *server != "" && *token == "" {
		return usageError{"--server needs an API token: --token or VIDB_TOKEN"}
	}

	opts := triage.Options{Workers: *workers, Radius: *radius, Thumbnails: *htmlDir != ""}
	for _, p := range known {
		set, err := loadHashSet(ctx, p, *radius)
		if err != nil {
			return err
		}
		opts.Matchers = append(opts.Matchers, set)
	}
	if *data != "" {
		dep, err := datadir.Open(ctx, *data, datadir.Options{DB: *db, Logger: slog.New(slog.DiscardHandler), Getenv: s.getenv})
		if err != nil {
			return err
		}
		defer dep.Close()
		cm, err := triage.NewCatalogMatcher(ctx, dep.Store, *radius)
		if err != nil {
			return err
		}
		opts.Matchers = append(opts.Matchers, cm)
	}
	if *server != "" {
		opts.Matchers = append(opts.Matchers, &remote.Server{URL: *server, Token: *token})
		opts.Batch = remote.MaxBatch
	}

	var st *triage.State
	if *statePath != "" {
		if !*resume {
			if err := os.Remove(*statePath); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		if dir := filepath.Dir(*statePath); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
		}
		var err error
		if st, err = triage.OpenState(*statePath); err != nil {
			return err
		}
		defer st.Close()
		if *resume {
			opts.Resume = st.Lookup
		}
	}
	var html *triage.HTMLReport
	if *htmlDir != "" {
		var err error
		if html, err = triage.NewHTMLReport(*htmlDir); err != nil {
			return err
		}
	}
	var export *triage.VICSExport
	if *vicsOut != "" {
		f, err := os.Create(*vicsOut)
		if err != nil {
			return err
		}
		defer f.Close()
		if export, err = triage.NewVICSExport(f, vics.Case{CaseNumber: *caseNumber, SourceApplicationName: "vidb triage"}); err != nil {
			return err
		}
	}

	var bar *progressBar
	if s.stderrIsTerminal {
		bar = newProgressBar(s.stderr)
		opts.Progress = bar.update
	}
	var sum triage.Summary
	enc := json.NewEncoder(s.stdout)
	enc.SetEscapeHTML(false)
	err := triage.Run(ctx, fs.Args(), opts, func(r triage.Result) error {
		sum.Add(r)
		if r.Class == triage.ClassFailed {
			bar.clear()
			fmt.Fprintf(s.stderr, "vidb triage: %s: %s\n", r.Path, r.Error)
		}
		if *asJSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
		} else if _, err := fmt.Fprintln(s.stdout, triageLine(r)); err != nil {
			return err
		}
		if html != nil {
			if err := html.Add(r); err != nil {
				return err
			}
		}
		if export != nil {
			if err := export.Add(r); err != nil {
				fmt.Fprintf(s.stderr, "vidb triage: --vics: %s: %v\n", r.Path, err)
			}
		}
		if st != nil {
			return st.Record(r)
		}
		return nil
	})
	bar.finish()
	if err != nil {
		if errors.Is(err, context.Canceled) && st != nil {
			fmt.Fprintf(s.stderr, "vidb triage: interrupted; run again with --resume to go on\n")
		}
		return err
	}
	if html != nil {
		if err := html.Close(); err != nil {
			return err
		}
	}
	if export != nil {
		if err := export.Close(); err != nil {
			return err
		}
	}
	printTriageSummary(s, sum)
	if sum.ByClass[triage.ClassFailed] > 0 {
		return errPartial
	}
	return nil
}

func loadHashSet(ctx context.Context, path string, radius int) (*triage.HashSet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	set := triage.NewHashSet(filepath.Base(path), radius)
	if _, err := set.Load(ctx, f); err != nil {
		return nil, fmt.Errorf("--known %s: %w", path, err)
	}
	return set, nil
}

// triageLine is the text form of a result: class, path, and the first match.
func triageLine(r triage.Result) string {
	line := fmt.Sprintf("%-9s %s", r.Class, r.Path)
	switch {
	case r.Class == triage.ClassFailed:
		line += "  (" + r.Error + ")"
	case len(r.Matches) > 0:
		m := r.Matches[0]
		desc := m.Source
		if m.HitMessage != "" {
			desc += ": " + m.HitMessage
		} else {
			if m.Kind != triage.MatchExact {
				desc += fmt.Sprintf(" at distance %d", m.Distance)
			}
			if m.Category != nil {
				desc += ", category " + m.Category.String()
			}
			if m.Series != "" {
				desc += ", series " + m.Series
			}
		}
		line += "  (" + desc + ")"
	}
	return line
}

func printTriageSummary(s streams, sum triage.Summary) {
	var parts []string
	for _, c := range triage.Classes {
		parts = append(parts, fmt.Sprintf("%d %s", sum.ByClass[c], c))
	}
	fmt.Fprintf(s.stderr, "vidb triage: %d files, %.1f MB: %s\n", sum.Files, float64(sum.Bytes)/1e6, strings.Join(parts, ", "))
	for _, c := range sum.Categories() {
		fmt.Fprintf(s.stderr, "  known in category %s: %d\n", c, sum.ByCategory[c])
	}
}
