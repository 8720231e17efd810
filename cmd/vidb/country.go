package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/casework"
	"github.com/vidb-project/vidb/internal/catalog"
)

const countryUsage = `usage: vidb country add|list [flags]

Registers the countries a deployment connects (ISO 3166-1 alpha-2 codes), on the data folder
directly, as the system; every change is recorded in the audit log.

  vidb country add CODE NAME...    e.g. vidb country add FR France
  vidb country list [--json]
`

func runCountry(ctx context.Context, args []string, s streams) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(s.stderr, countryUsage)
		if len(args) == 0 {
			return usageError{"missing subcommand"}
		}
		return errHelp
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("country "+sub, flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() { fmt.Fprint(s.stderr, countryUsage); fs.PrintDefaults() }
	var df deployFlags
	df.register(fs)
	switch sub {
	case "add":
		if err := parseFlagsEnv(fs, args, s.getenv); err != nil {
			return err
		}
		if fs.NArg() < 2 {
			return usageError{"vidb country add takes a CODE and a NAME"}
		}
		code, err := catalog.ParseCountryCode(fs.Arg(0))
		if err != nil {
			return usageError{err.Error()}
		}
		name := strings.Join(fs.Args()[1:], " ")
		d, err := df.open(ctx, nil)
		if err != nil {
			return err
		}
		defer d.Close()
		c, err := casework.New(d.Store, time.Now, nil).AddCountry(ctx, auth.System(), catalog.Country{Code: code, Name: name})
		if err != nil {
			return err
		}
		fmt.Fprintf(s.stdout, "added %s (%s)\n", c.Code, c.Name)
		return nil
	case "list":
		asJSON := fs.Bool("json", false, "one JSON object per line")
		if err := parseFlagsEnv(fs, args, s.getenv); err != nil {
			return err
		}
		d, err := df.open(ctx, nil)
		if err != nil {
			return err
		}
		defer d.Close()
		countries, err := d.Store.Countries(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(s.stdout)
			for _, c := range countries {
				if err := enc.Encode(map[string]string{"code": string(c.Code), "name": c.Name}); err != nil {
					return err
				}
			}
			return nil
		}
		tw := tabwriter.NewWriter(s.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tNAME")
		for _, c := range countries {
			fmt.Fprintf(tw, "%s\t%s\n", c.Code, c.Name)
		}
		return tw.Flush()
	}
	return usageError{fmt.Sprintf("unknown subcommand %q (add, list)", sub)}
}
