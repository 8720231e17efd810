package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/vidb-project/vidb/internal/datadir"
)

// deployFlags are the flags that say where a deployment lives: its data folder (keys, spool,
// and on the embedded default the catalog and blobs), and optionally PostgreSQL and S3.
type deployFlags struct {
	data, db, blobs string
	// getenv reads the S3 credentials; nil means os.Getenv.
	getenv func(string) string
}

// register adds --data, --db and --blobs to fs.
func (d *deployFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.data, "data", defaultDataDir, "the data `folder` (keys, spool; catalog and blobs on the embedded default)")
	fs.StringVar(&d.db, "db", "", "keep the catalog in PostgreSQL at this `URL` (postgres://...) instead of the data folder")
	fs.StringVar(&d.blobs, "blobs", "", "keep the blobs in S3-compatible storage at this `URL` (s3://BUCKET[/PREFIX]?endpoint=HOST); credentials from VIDB_S3_ACCESS_KEY and VIDB_S3_SECRET_KEY")
}

// options returns the datadir options for these flags.
func (d *deployFlags) options(log *slog.Logger) datadir.Options {
	return datadir.Options{DB: d.db, Blobs: d.blobs, Logger: log, Getenv: d.getenv}
}

// open opens the deployment, explaining the usual mistakes.
func (d *deployFlags) open(ctx context.Context, log *slog.Logger) (*datadir.Deployment, error) {
	dep, err := datadir.Open(ctx, d.data, d.options(log))
	switch {
	case errors.Is(err, datadir.ErrLocked):
		return nil, fmt.Errorf("%w (is vidb serve running on it? then use the web UI or the API)", err)
	case err != nil:
		return nil, err
	}
	return dep, nil
}

// parseFlagsEnv parses args into fs, then fills every flag not given on the command line from
// the environment variable VIDB_NAME (the flag's name in upper case, '-' as '_'), so that a
// service's configuration can live in its environment: flags win over the environment.
func parseFlagsEnv(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if getenv == nil {
		return nil
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		name := "VIDB_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	})
	if len(errs) > 0 {
		return usageError{errors.Join(errs...).Error()}
	}
	return nil
}

// folderIsNew reports whether dir does not exist or is empty: a deployment to create.
func folderIsNew(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return len(entries) == 0, nil
}
