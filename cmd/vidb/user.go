package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/datadir"
)

const userUsage = `usage: vidb user add|list|disable|enable|reset-password [flags]

Manages accounts on the data folder directly, as the system (for the first accounts, or when the
server is stopped; while vidb serve runs, admins use the API or the web UI). Every change is
recorded in the audit log.

  vidb user add --login LOGIN --country CC --role ROLE [--name NAME]   prints a one-time password
  vidb user list [--country CC] [--json]
  vidb user disable LOGIN          signs the user out everywhere and refuses new sign-ins
  vidb user enable LOGIN
  vidb user reset-password LOGIN   prints a new one-time password and signs the user out

roles: analyst, reviewer, country-admin, coordinator, auditor, partner
`

func runUser(ctx context.Context, args []string, s streams) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(s.stderr, userUsage)
		if len(args) == 0 {
			return usageError{"missing subcommand"}
		}
		return errHelp
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() { fmt.Fprint(s.stderr, userUsage); fs.PrintDefaults() }
	var df deployFlags
	df.register(fs)
	switch sub {
	case "add":
		login := fs.String("login", "", "the new user's `login` (lower-case letters, digits, . - _ @)")
		country := fs.String("country", "", "the user's country `code`")
		role := fs.String("role", "analyst", "the user's `role`")
		name := fs.String("name", "", "the user's display `name`")
		if err := parseFlagsEnv(fs, args, s.getenv); err != nil {
			return err
		}
		code, err := catalog.ParseCountryCode(*country)
		if err != nil {
			return usageError{err.Error()}
		}
		r, err := catalog.ParseRole(*role)
		if err != nil {
			return usageError{err.Error()}
		}
		u := catalog.User{Login: *login, Name: *name, Country: code, Role: r}
		if err := u.Validate(); err != nil {
			return usageError{err.Error()}
		}
		return withAccounts(ctx, df, func(d *datadir.Deployment, a *auth.Service) error {
			u, password, err := a.CreateUser(ctx, auth.System(), u)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.stdout, "created %s (%s, %s)\none-time password: %s\n(shown once: the user signs in with it and chooses a new password)\n", u.Login, u.Role, u.Country, password)
			return nil
		})
	case "list":
		country := fs.String("country", "", "list only this country's users")
		asJSON := fs.Bool("json", false, "one JSON object per line")
		if err := parseFlagsEnv(fs, args, s.getenv); err != nil {
			return err
		}
		var code catalog.CountryCode
		if *country != "" {
			c, err := catalog.ParseCountryCode(*country)
			if err != nil {
				return usageError{err.Error()}
			}
			code = c
		}
		d, err := df.open(ctx, nil)
		if err != nil {
			return err
		}
		defer d.Close()
		return listUsers(ctx, d.Store, code, *asJSON, s)
	case "disable", "enable", "reset-password":
		if err := parseFlagsEnv(fs, args, s.getenv); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usageError{fmt.Sprintf("vidb user %s takes one LOGIN", sub)}
		}
		login := fs.Arg(0)
		return withAccounts(ctx, df, func(d *datadir.Deployment, a *auth.Service) error {
			u, err := d.Store.UserByLogin(ctx, login)
			if err != nil {
				return fmt.Errorf("user %q: %w", login, err)
			}
			switch sub {
			case "reset-password":
				password, err := a.ResetPassword(ctx, auth.System(), u.ID)
				if err != nil {
					return err
				}
				fmt.Fprintf(s.stdout, "new one-time password for %s: %s\n(shown once; the user's sessions and tokens are revoked)\n", u.Login, password)
				return nil
			default:
				if err := a.SetDisabled(ctx, auth.System(), u.ID, sub == "disable"); err != nil {
					return err
				}
				fmt.Fprintf(s.stdout, "%sd %s\n", sub, u.Login)
				return nil
			}
		})
	}
	return usageError{fmt.Sprintf("unknown subcommand %q (add, list, disable, enable, reset-password)", sub)}
}

// withAccounts opens the deployment and its account service for fn.
func withAccounts(ctx context.Context, df deployFlags, fn func(*datadir.Deployment, *auth.Service) error) error {
	d, err := df.open(ctx, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	a, err := auth.New(d.Store, auth.Config{SealKey: d.SealKey}, nil)
	if err != nil {
		return err
	}
	return fn(d, a)
}

type userJSON struct {
	ID       int64  `json:"id"`
	Login    string `json:"login"`
	Name     string `json:"name,omitempty"`
	Country  string `json:"country"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
	Created  string `json:"created"`
}

// listUsers prints every user of a country ("" for all), page by page.
func listUsers(ctx context.Context, st catalog.Reader, country catalog.CountryCode, asJSON bool, s streams) error {
	tw := tabwriter.NewWriter(s.stdout, 0, 4, 2, ' ', 0)
	if !asJSON {
		fmt.Fprintln(tw, "LOGIN\tCOUNTRY\tROLE\tSTATE\tNAME")
	}
	enc := json.NewEncoder(s.stdout)
	var after int64
	for {
		users, err := st.Users(ctx, country, catalog.Page{After: after, Limit: catalog.MaxPageSize})
		if err != nil {
			return err
		}
		for _, u := range users {
			if asJSON {
				if err := enc.Encode(userJSON{ID: int64(u.ID), Login: u.Login, Name: u.Name, Country: string(u.Country),
					Role: string(u.Role), Disabled: u.Disabled, Created: u.Created.UTC().Format("2006-01-02T15:04:05Z")}); err != nil {
					return err
				}
				continue
			}
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Login, u.Country, u.Role, state, u.Name)
		}
		if len(users) < catalog.MaxPageSize {
			break
		}
		after = int64(users[len(users)-1].ID)
	}
	if !asJSON {
		return tw.Flush()
	}
	return nil
}
