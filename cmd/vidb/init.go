package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/vidb-project/vidb/internal/datadir"
)

const initUsage = `usage: vidb init [--data DIR]

Creates a new data folder for the embedded deployment: the catalog database, the encrypted blob
store, and fresh keys (the age identity and blob naming key, the audit signing key), all
readable by the owner only. It refuses to touch a folder that is not empty, so an existing
deployment's keys are never overwritten. Back up DIR/keys: without them the evidence cannot be
read and the audit log cannot be extended.

flags:
`

func runInit(ctx context.Context, args []string, s streams) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() { fmt.Fprint(s.stderr, initUsage); fs.PrintDefaults() }
	dir := fs.String("data", defaultDataDir, "the data `folder` to create")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := datadir.Init(ctx, *dir, time.Now); err != nil {
		return err
	}
	abs, _ := filepath.Abs(*dir)
	fmt.Fprintf(s.stdout, "created the data folder %s\nkeys are in %s: back them up and keep them secret\n", abs, filepath.Join(abs, datadir.KeysDir))
	return nil
}
