package casework_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/catalog"
)

// need is the right a method needs, as the rules state it.
type need int

const (
	needNothing     need = iota // any signed-in user
	needCoordinator             // coordinators only
	needAuditLog                // auditors and coordinators
	needUserAdmin               // country admins (own country) and coordinators
	needScope                   // roles that read records
	needView                    // see the record
	needAnnotate                // see the record
	needCategorise              // the owner's reviewers, coordinators
	needIdentify                // the owner's reviewers, coordinators
	needReopen                  // the identifying country's reviewers, coordinators
	needManage                  // the owner's reviewers and coordinators
	needAuthor                  // the clue's author, or a reviewer/coordinator of its country
)

// expect restates the rules for a user of DE acting on FR's records, independently of the
// catalog's code: what the call must return.
func expect(u catalog.User, vis string, n need) error {
	if n == needNothing {
		return nil
	}
	if u.Disabled {
		return catalog.ErrForbidden
	}
	coord := u.Role == catalog.RoleCoordinator
	switch n {
	case needCoordinator:
		if coord {
			return nil
		}
		return catalog.ErrForbidden
	case needAuditLog:
		if coord || u.Role == catalog.RoleAuditor {
			return nil
		}
		return catalog.ErrForbidden
	case needUserAdmin:
		if coord || u.Role == catalog.RoleCountryAdmin {
			return nil
		}
		return catalog.ErrForbidden
	}
	if !coord && u.Role != catalog.RoleAnalyst && u.Role != catalog.RoleReviewer {
		return catalog.ErrForbidden
	}
	if n == needScope {
		return nil
	}
	if !coord && vis != "network" && vis != "listed-with-asker" {
		return catalog.ErrNotFound
	}
	switch n {
	case needView, needAnnotate:
		return nil
	case needCategorise, needIdentify, needReopen:
		// DE is neither the owner nor the identifying country.
		if coord {
			return nil
		}
		return catalog.ErrForbidden
	}
	return catalog.ErrForbidden // needManage, needAuthor: DE is not the owner nor the author's country
}

// method is one call of the service, on the fixture's records.
type method struct {
	name   string
	need   need
	action string // the audit action of a successful change; "" for reads
	call   func(ctx context.Context, f *fixture, u catalog.User) error
	// snap returns the state the call may change, read with the system scope.
	snap func(ctx context.Context, f *fixture) (any, error)
}

// contains turns "the listing lacks the record" into ErrNotFound, so that a listing is checked
// like a read of the record.
func contains[T any, ID comparable](xs []T, err error, id func(T) ID, want ID) error {
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(xs, func(x T) bool { return id(x) == want }) {
		return fmt.Errorf("listing without the record: %w", catalog.ErrNotFound)
	}
	return nil
}

func noSnap(context.Context, *fixture) (any, error) { return nil, nil }

func mediaSnap(ctx context.Context, f *fixture) (any, error) {
	return f.st.Media(ctx, catalog.SystemScope(), f.media)
}

func seriesSnap(id func(*fixture) catalog.SeriesID) func(context.Context, *fixture) (any, error) {
	return func(ctx context.Context, f *fixture) (any, error) {
		return f.st.Series(ctx, catalog.SystemScope(), id(f))
	}
}

func personSnap(id func(*fixture) catalog.PersonID) func(context.Context, *fixture) (any, error) {
	return func(ctx context.Context, f *fixture) (any, error) {
		return f.st.Person(ctx, catalog.SystemScope(), id(f))
	}
}

// newListed is an access none of the fixtures has, so that setting it is a change.
var newListed = catalog.Access{Visibility: catalog.VisibilityListed, SharedWith: []catalog.CountryCode{nl}}

func methods() []method {
	sys := catalog.SystemScope()
	page := catalog.Page{}
	return []method{
		{"AddCountry", needCoordinator, "country.add",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.AddCountry(ctx, u, catalog.Country{Code: nl, Name: "Netherlands"})
				return err
			},
			func(ctx context.Context, f *fixture) (any, error) { return f.st.Countries(ctx) }},
		{"Countries", needNothing, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.Countries(ctx)
				return err
			}, noSnap},
		{"Users", needUserAdmin, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.Users(ctx, u, "", page)
				return err
			}, noSnap},
		{"Stats", needNothing, "",
			func(ctx context.Context, f *fixture, u catalog.User) error { _, err := f.svc.Stats(ctx); return err }, noSnap},
		{"AuditEvents", needAuditLog, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.AuditEvents(ctx, u, 0, 10)
				return err
			}, noSnap},
		{"CreateCase", needScope, "case.create",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.CreateCase(ctx, u, catalog.Case{Number: "NEW-1", Title: "new"})
				return err
			},
			func(ctx context.Context, f *fixture) (any, error) { return f.st.Cases(ctx, sys, page) }},
		{"Case", needView, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.Case(ctx, u, f.caseID)
				return err
			}, noSnap},
		{"Cases", needView, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				cs, err := f.svc.Cases(ctx, u, page)
				return contains(cs, err, func(c catalog.Case) catalog.CaseID { return c.ID }, f.caseID)
			}, noSnap},
		{"Media", needView, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.Media(ctx, u, f.media)
				return err
			}, noSnap},
		{"MediaList", needView, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				ms, err := f.svc.MediaList(ctx, u, catalog.MediaFilter{}, page)
				return contains(ms, err, func(m catalog.Media) catalog.MediaID { return m.ID }, f.media)
			}, noSnap},
		{"Sightings", needView, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				ss, err := f.svc.Sightings(ctx, u, f.media, page)
				return contains(ss, err, func(s catalog.Sighting) catalog.MediaID { return s.Media }, f.media)
			}, noSnap},
		{"Frames", needView, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.Frames(ctx, u, f.media)
				return err
			}, noSnap},
		{"Categorise", needCategorise, "media.categorise",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.Categorise(ctx, u, f.media, catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "1"})
				return err
			}, mediaSnap},
		{"SetSeries", needAnnotate, "media.set_series",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.SetSeries(ctx, u, f.media, f.series)
				return err
			}, mediaSnap},
		{"SetAccess", needManage, "media.set_access",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.SetAccess(ctx, u, f.media, newListed)
				return err
			}, mediaSnap},
		{"CreateSeries", needScope, "series.create",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.CreateSeries(ctx, u, catalog.Series{Name: "GREEN-FIELD"})
				return err
			},
			func(ctx context.Context, f *fixture) (any, error) { return f.st.SeriesList(ctx, sys, page) }},
		{"Series", needView, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.Series(ctx, u, f.series)
				return err
			}, noSnap},
		{"SeriesList", needView, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				xs, err := f.svc.SeriesList(ctx, u, page)
				return contains(xs, err, func(x catalog.Series) catalog.SeriesID { return x.ID }, f.series)
			}, noSnap},
		{"UpdateSeries/access", needManage, "series.update",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.UpdateSeries(ctx, u, catalog.Series{ID: f.series, Access: newListed})
				return err
			}, seriesSnap(func(f *fixture) catalog.SeriesID { return f.series })},
		{"UpdateSeries/status", needIdentify, "series.update",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.UpdateSeries(ctx, u, catalog.Series{ID: f.series2, Status: catalog.SeriesIdentified})
				return err
			}, seriesSnap(func(f *fixture) catalog.SeriesID { return f.series2 })},
		{"JoinSeries", needAnnotate, "series.join",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.JoinSeries(ctx, u, f.series)
				return err
			},
			seriesSnap(func(f *fixture) catalog.SeriesID { return f.series })},
		{"CreatePerson", needScope, "person.create",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.CreatePerson(ctx, u, catalog.Person{Kind: catalog.PersonOffender, Code: "O-1"})
				return err
			},
			func(ctx context.Context, f *fixture) (any, error) {
				return f.st.Persons(ctx, sys, catalog.PersonOffender, 0, page)
			}},
		{"Person", needView, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.Person(ctx, u, f.person)
				return err
			}, noSnap},
		{"Persons", needView, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				ps, err := f.svc.Persons(ctx, u, catalog.PersonVictim, 0, page)
				return contains(ps, err, func(p catalog.Person) catalog.PersonID { return p.ID }, f.person)
			}, noSnap},
		{"UpdatePerson/annotate", needAnnotate, "person.update",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				p, err := f.st.Person(ctx, sys, f.person)
				if err != nil {
					return err
				}
				p.AgeBand, p.Series = "10-13", []catalog.SeriesID{f.series}
				_, err = f.svc.UpdatePerson(ctx, u, p)
				return err
			}, personSnap(func(f *fixture) catalog.PersonID { return f.person })},
		{"UpdatePerson/access", needManage, "person.update",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				p, err := f.st.Person(ctx, sys, f.person2)
				if err != nil {
					return err
				}
				p.Access = newListed
				_, err = f.svc.UpdatePerson(ctx, u, p)
				return err
			}, personSnap(func(f *fixture) catalog.PersonID { return f.person2 })},
		{"Identify", needIdentify, "person.identify",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.Identify(ctx, u, f.victim, it)
				return err
			},
			personSnap(func(f *fixture) catalog.PersonID { return f.victim })},
		{"Reopen", needReopen, "person.reopen",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.Reopen(ctx, u, f.identified)
				return err
			},
			personSnap(func(f *fixture) catalog.PersonID { return f.identified })},
		{"AddClue", needAnnotate, "clue.add",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.AddClue(ctx, u, catalog.Clue{Media: f.media, Region: &catalog.Region{X: 10, Y: 10, W: 50, H: 50},
					Kind: catalog.ClueText, Text: "a shop sign", Tags: []string{"sign"}})
				return err
			},
			func(ctx context.Context, f *fixture) (any, error) {
				return f.st.Clues(ctx, sys, catalog.ClueFilter{}, page)
			}},
		{"Clue", needView, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				_, err := f.svc.Clue(ctx, u, f.clue)
				return err
			}, noSnap},
		{"Clues", needView, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				cs, err := f.svc.Clues(ctx, u, catalog.ClueFilter{Media: f.media}, page)
				return contains(cs, err, func(c catalog.Clue) catalog.ClueID { return c.ID }, f.clue)
			}, noSnap},
		{"DeleteClue", needAuthor, "clue.delete",
			func(ctx context.Context, f *fixture, u catalog.User) error { return f.svc.DeleteClue(ctx, u, f.clue) },
			func(ctx context.Context, f *fixture) (any, error) {
				return f.st.Clues(ctx, sys, catalog.ClueFilter{}, page)
			}},
		{"Alerts", needScope, "",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				as, err := f.svc.Alerts(ctx, u, false, page)
				return contains(as, err, func(a catalog.Alert) catalog.AlertID { return a.ID }, f.alert)
			}, noSnap},
		{"MarkAlertRead", needScope, "alert.read",
			func(ctx context.Context, f *fixture, u catalog.User) error {
				return f.svc.MarkAlertRead(ctx, u, f.alert)
			},
			func(ctx context.Context, f *fixture) (any, error) { return f.st.Alerts(ctx, de, false, page) }},
	}
}

// visibilities are the accesses of FR's records the matrix runs under.
var visibilities = []struct {
	name   string
	access catalog.Access
}{
	{"network", catalog.Access{Owner: fr, Visibility: catalog.VisibilityNetwork}},
	{"listed-with-asker", catalog.Access{Owner: fr, Visibility: catalog.VisibilityListed, SharedWith: []catalog.CountryCode{de, it}}},
	{"listed-without-asker", catalog.Access{Owner: fr, Visibility: catalog.VisibilityListed, SharedWith: []catalog.CountryCode{it}}},
	{"owner", catalog.Access{Owner: fr, Visibility: catalog.VisibilityOwner}},
}

// TestAccessMatrix runs every method as every role of a second country (DE) on FR's records
// under every visibility, and checks the outcome against the rules; a refused call must leave
// the record and the audit log as they were, an allowed change must add its audit event.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) { matrix(t, kind) })
}

func matrix(t *testing.T, kind string) {
	for _, v := range visibilities {
		for _, r := range roleUsers {
			if r.country != de {
				continue
			}
			t.Run(v.name+"/"+r.login, func(t *testing.T) {
				t.Parallel()
				ctx := t.Context()
				f := newFixture(t, kind, v.access)
				u := f.users[r.login]
				for _, m := range methods() {
					want := expect(u, v.name, m.need)
					before, err := m.snap(ctx, f)
					if err != nil {
						t.Fatalf("%s: snapshot: %v", m.name, err)
					}
					n := len(events(t, f.st))
					err = m.call(ctx, f, u)
					wantErr(t, m.name, err, want)
					after, serr := m.snap(ctx, f)
					if serr != nil {
						t.Fatalf("%s: snapshot: %v", m.name, serr)
					}
					es := events(t, f.st)
					switch {
					case err != nil || m.action == "":
						if len(es) != n {
							t.Errorf("%s: audit log grew from %d to %d events (err %v)", m.name, n, len(es), err)
						}
						if d := cmp.Diff(before, after, cmpOpts); d != "" {
							t.Errorf("%s: refused or read-only call changed the record (-before +after):\n%s", m.name, d)
						}
					default:
						if len(es) <= n || es[n].Action != m.action {
							t.Errorf("%s: no %q audit event after the change (log %d -> %d)", m.name, m.action, n, len(es))
						} else if es[n].Actor != u.Login || es[n].Country != string(u.Country) {
							t.Errorf("%s: audit event by %s/%s, want %s/%s", m.name, es[n].Actor, es[n].Country, u.Login, u.Country)
						}
						if before != nil && cmp.Equal(before, after, cmpOpts) {
							t.Errorf("%s: allowed change left the record unchanged", m.name)
						}
					}
				}
			})
		}
	}
}
