package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/datadir"
)

const initUsage = `usage: vidb init [--data DIR] [--country CC --country-name NAME] [--login LOGIN] [--db URL] [--blobs URL]

Creates a new deployment: the data folder with fresh keys (the age identity and blob naming key,
the audit signing key, the key that seals TOTP secrets), all readable by the owner only; the
catalog (in the folder, or in PostgreSQL with --db); the first country; and its first
coordinator account, whose one-time password is printed once: sign in with it and choose a new
one. It refuses to touch a folder that is not empty, so an existing deployment's keys are never
overwritten. Back up DIR/keys: without them the evidence cannot be read and the audit log cannot
be extended.

vidb serve runs the same on a folder that does not exist yet.

flags:
`

// firstRun says what a new deployment starts with.
type firstRun struct {
	country     string
	countryName string
	login       string
}

// register adds the first-run flags to fs.
func (f *firstRun) register(fs *flag.FlagSet) {
	fs.StringVar(&f.country, "country", "ZZ", "the first country's `code` (ISO 3166-1 alpha-2; ZZ, a user-assigned code, stands for the central coordination unit)")
	fs.StringVar(&f.countryName, "country-name", "Central coordination unit", "the first country's `name`")
	fs.StringVar(&f.login, "login", "coordinator", "the first coordinator's `login`")
}

func runInit(ctx context.Context, args []string, s streams) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() { fmt.Fprint(s.stderr, initUsage); fs.PrintDefaults() }
	df := deployFlags{getenv: s.getenv}
	df.register(fs)
	var first firstRun
	first.register(fs)
	if err := parseFlagsEnv(fs, args, s.getenv); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return initDeployment(ctx, df, first, s.stdout)
}

// initDeployment creates the deployment df names with its first country and coordinator, and
// tells w where the keys are and what the one-time password is.
func initDeployment(ctx context.Context, df deployFlags, first firstRun, w io.Writer) error {
	code, err := catalog.ParseCountryCode(first.country)
	if err != nil {
		return usageError{err.Error()}
	}
	u := catalog.User{Login: first.login, Country: code, Role: catalog.RoleCoordinator}
	if err := u.Validate(); err != nil {
		return usageError{err.Error()}
	}
	if err := datadir.Init(ctx, df.data, df.options(nil)); err != nil {
		return err
	}
	d, err := df.open(ctx, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	user, password, err := auth.Bootstrap(ctx, d.Store, catalog.Country{Code: code, Name: first.countryName}, first.login, auth.Config{SealKey: d.SealKey})
	if err != nil {
		return fmt.Errorf("creating the first coordinator: %w", err)
	}
	abs, _ := filepath.Abs(df.data)
	fmt.Fprintf(w, "created the deployment in %s\n", abs)
	fmt.Fprintf(w, "keys are in %s: back them up and keep them secret\n", filepath.Join(abs, datadir.KeysDir))
	fmt.Fprintf(w, "first country: %s (%s)\n", code, first.countryName)
	fmt.Fprintf(w, "coordinator login: %s\none-time password: %s\n", user.Login, password)
	fmt.Fprintln(w, "(shown once: sign in with it and choose a new password)")
	return nil
}
