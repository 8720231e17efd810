package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/vidb-project/vidb/internal/catalog"
)

// scopeCase is an asker in the access table.
type scopeCase struct {
	name  string
	scope catalog.Scope
}

// accessScopes are the askers of the access table: every role in the owner's country, in
// another country, in a country a record is listed with and one it is not; coordinators;
// disabled users; and the scopes that are not a user's.
func accessScopes() []scopeCase {
	user := func(c catalog.CountryCode, r catalog.Role, disabled bool) catalog.Scope {
		return catalog.ScopeOf(catalog.User{Login: "x", Country: c, Role: r, Disabled: disabled})
	}
	var out []scopeCase
	for _, c := range []catalog.CountryCode{fr, de, it, gb, nl} {
		for _, r := range catalog.Roles() {
			out = append(out, scopeCase{fmt.Sprintf("%s %s", c, r), user(c, r, false)})
		}
	}
	return append(out,
		scopeCase{"FR analyst, disabled", user(fr, catalog.RoleAnalyst, true)},
		scopeCase{"IT reviewer, disabled", user(it, catalog.RoleReviewer, true)},
		scopeCase{"GB coordinator, disabled", user(gb, catalog.RoleCoordinator, true)},
		scopeCase{"zero Scope", catalog.Scope{}},
		scopeCase{"SystemScope", catalog.SystemScope()},
		scopeCase{"None with a country", catalog.Scope{Country: fr, None: true}},
		scopeCase{"None and All", catalog.Scope{Country: fr, None: true, All: true}},
		scopeCase{"All without a country", catalog.Scope{All: true}},
	)
}

// accessTable are the accesses of the records in the access table: for two owners, every
// visibility, listed with and without the asker, listed with nobody, and owner-only records
// that name countries (which the visibility makes meaningless).
func accessTable() []catalog.Access {
	var out []catalog.Access
	for _, owner := range []catalog.CountryCode{fr, de} {
		out = append(out,
			acc(owner, catalog.VisibilityNetwork),
			acc(owner, catalog.VisibilityNetwork, nl),
			acc(owner, catalog.VisibilityListed, it),
			acc(owner, catalog.VisibilityListed, it, gb),
			acc(owner, catalog.VisibilityListed),
			acc(owner, catalog.VisibilityOwner),
			acc(owner, catalog.VisibilityOwner, it),
		)
	}
	return out
}

// accessFixture is one record of each protected kind per access, plus a network media item
// that every case has a sighting of.
type accessFixture struct {
	access    []catalog.Access
	cases     []catalog.Case
	media     []catalog.Media
	series    []catalog.Series
	persons   []catalog.Person
	clues     []catalog.Clue
	sightings []catalog.Sighting // sightings[i] is of base, in cases[i]
	base      catalog.Media
}

func newAccessFixture(t *testing.T, st catalog.Store) *accessFixture {
	addCountries(t, st)
	u := addUser(t, st, "uploader", fr, catalog.RoleAnalyst)
	f := &accessFixture{access: accessTable()}
	write(t, st, func(tx catalog.Tx) error {
		var err error
		if f.base, _, err = tx.PutMedia(ctx(t), image("base", acc(gb, catalog.VisibilityNetwork))); err != nil {
			return err
		}
		for i, a := range f.access {
			c, err := tx.CreateCase(ctx(t), catalog.Case{Access: a, Number: fmt.Sprintf("C-%d", i), Title: "case"})
			if err != nil {
				return err
			}
			m, _, err := tx.PutMedia(ctx(t), image(fmt.Sprintf("access-%d", i), a))
			if err != nil {
				return err
			}
			s, err := tx.CreateSeries(ctx(t), catalog.Series{Access: a, Name: fmt.Sprintf("S-%d", i), Status: catalog.SeriesUnidentified, Countries: []catalog.CountryCode{a.Owner}})
			if err != nil {
				return err
			}
			kind := catalog.PersonVictim
			if i%2 == 1 {
				kind = catalog.PersonOffender
			}
			p, err := tx.CreatePerson(ctx(t), catalog.Person{Kind: kind, Access: a, Code: fmt.Sprintf("P-%d", i), Status: catalog.PersonUnidentified, Series: []catalog.SeriesID{s.ID}})
			if err != nil {
				return err
			}
			cl, err := tx.AddClue(ctx(t), catalog.Clue{Access: a, Media: f.base.ID, Kind: catalog.ClueObject, Text: fmt.Sprintf("clue %d", i), Author: u.ID})
			if err != nil {
				return err
			}
			sg, err := tx.AddSighting(ctx(t), catalog.Sighting{Media: f.base.ID, Case: c.ID, Path: fmt.Sprintf("/%d.jpg", i), Uploader: u.ID, Country: a.Owner})
			if err != nil {
				return err
			}
			f.cases = append(f.cases, c)
			f.media = append(f.media, m)
			f.series = append(f.series, s)
			f.persons = append(f.persons, p)
			f.clues = append(f.clues, cl)
			f.sightings = append(f.sightings, sg)
		}
		return nil
	})
	return f
}

// visibleIDs returns the IDs of the records whose access sc Sees, in ID order.
func visibleIDs[T any, ID ~int64](sc catalog.Scope, rs []T, access func(T) catalog.Access, id func(T) ID) []ID {
	var out []ID
	for _, r := range rs {
		if sc.Sees(access(r)) {
			out = append(out, id(r))
		}
	}
	slices.Sort(out)
	return out
}

// checkGet checks one get method: the record when the scope Sees it, ErrNotFound otherwise.
func checkGet[T any](t *testing.T, what string, sees bool, got T, err error, want T) {
	t.Helper()
	switch {
	case sees && err != nil:
		t.Errorf("%s: %v, want the record (the scope sees it)", what, err)
	case sees:
		diff(t, what, got, want)
	case !errors.Is(err, catalog.ErrNotFound):
		t.Errorf("%s: got %+v, %v; want ErrNotFound (the scope does not see it)", what, got, err)
	}
}

// distinctScopes groups the askers by the Scope they have: a store sees only the Scope, so
// each distinct one is checked once, named by the askers that have it.
func distinctScopes() []scopeCase {
	var out []scopeCase
	var names [][]string
	for _, sc := range accessScopes() {
		i := slices.IndexFunc(out, func(o scopeCase) bool { return o.scope == sc.scope })
		if i < 0 {
			out = append(out, sc)
			names = append(names, []string{sc.name})
			continue
		}
		names[i] = append(names[i], sc.name)
	}
	for i, ns := range names {
		switch {
		case len(ns) > 3:
			out[i].name = fmt.Sprintf("%s and %d others with its scope", ns[0], len(ns)-1)
		default:
			out[i].name = strings.Join(ns, ", ")
		}
	}
	return out
}

// check checks every read method with a Scope, on r, against Scope.Sees.
func (f *accessFixture) check(t *testing.T, r catalog.Reader) {
	page := catalog.Page{Limit: catalog.MaxPageSize}
	for _, sc := range distinctScopes() {
		t.Run(sc.name, func(t *testing.T) {
			s := sc.scope
			for i, a := range f.access {
				sees := s.Sees(a)
				what := func(m string) string { return fmt.Sprintf("%s of a record with access %+v", m, a) }
				c, err := r.Case(ctx(t), s, f.cases[i].ID)
				checkGet(t, what("Case"), sees, c, err, f.cases[i])
				c, err = r.CaseByNumber(ctx(t), s, a.Owner, f.cases[i].Number)
				checkGet(t, what("CaseByNumber"), sees, c, err, f.cases[i])
				m, err := r.Media(ctx(t), s, f.media[i].ID)
				checkGet(t, what("Media"), sees, m, err, f.media[i])
				se, err := r.Series(ctx(t), s, f.series[i].ID)
				checkGet(t, what("Series"), sees, se, err, f.series[i])
				se, err = r.SeriesByName(ctx(t), s, f.series[i].Name)
				checkGet(t, what("SeriesByName"), sees, se, err, f.series[i])
				p, err := r.Person(ctx(t), s, f.persons[i].ID)
				checkGet(t, what("Person"), sees, p, err, f.persons[i])
				cl, err := r.Clue(ctx(t), s, f.clues[i].ID)
				checkGet(t, what("Clue"), sees, cl, err, f.clues[i])
			}

			caseAccess := func(c catalog.Case) catalog.Access { return c.Access }
			caseID := func(c catalog.Case) catalog.CaseID { return c.ID }
			diff(t, "Cases", ids(must(r.Cases(ctx(t), s, page))(t), caseID), visibleIDs(s, f.cases, caseAccess, caseID))

			mediaAccess := func(m catalog.Media) catalog.Access { return m.Access }
			mediaID := func(m catalog.Media) catalog.MediaID { return m.ID }
			allMedia := append([]catalog.Media{f.base}, f.media...)
			diff(t, "MediaList", ids(must(r.MediaList(ctx(t), s, catalog.MediaFilter{}, page))(t), mediaID), visibleIDs(s, allMedia, mediaAccess, mediaID))
			var owned []catalog.Media
			for _, m := range allMedia {
				if m.Access.Owner == de {
					owned = append(owned, m)
				}
			}
			diff(t, "MediaList(owner DE)", ids(must(r.MediaList(ctx(t), s, catalog.MediaFilter{Owner: de}, page))(t), mediaID), visibleIDs(s, owned, mediaAccess, mediaID))

			seriesAccess := func(x catalog.Series) catalog.Access { return x.Access }
			seriesID := func(x catalog.Series) catalog.SeriesID { return x.ID }
			diff(t, "SeriesList", ids(must(r.SeriesList(ctx(t), s, page))(t), seriesID), visibleIDs(s, f.series, seriesAccess, seriesID))

			personAccess := func(p catalog.Person) catalog.Access { return p.Access }
			personID := func(p catalog.Person) catalog.PersonID { return p.ID }
			for _, kind := range []catalog.PersonKind{catalog.PersonVictim, catalog.PersonOffender} {
				var ofKind []catalog.Person
				for _, p := range f.persons {
					if p.Kind == kind {
						ofKind = append(ofKind, p)
					}
				}
				diff(t, "Persons("+string(kind)+")", ids(must(r.Persons(ctx(t), s, kind, 0, page))(t), personID), visibleIDs(s, ofKind, personAccess, personID))
			}
			// Persons of one series: the person linked to it, if the scope sees the person.
			for i := range f.access {
				p := f.persons[i]
				got := ids(must(r.Persons(ctx(t), s, p.Kind, f.series[i].ID, page))(t), personID)
				diff(t, fmt.Sprintf("Persons(%s, series %d)", p.Kind, i), got, visibleIDs(s, []catalog.Person{p}, personAccess, personID))
			}

			clueAccess := func(c catalog.Clue) catalog.Access { return c.Access }
			clueID := func(c catalog.Clue) catalog.ClueID { return c.ID }
			diff(t, "Clues", ids(must(r.Clues(ctx(t), s, catalog.ClueFilter{}, page))(t), clueID), visibleIDs(s, f.clues, clueAccess, clueID))
			diff(t, "Clues(media)", ids(must(r.Clues(ctx(t), s, catalog.ClueFilter{Media: f.base.ID}, page))(t), clueID), visibleIDs(s, f.clues, clueAccess, clueID))

			// A sighting is visible to whoever sees its case.
			var wantSightings []catalog.SightingID
			for i, sg := range f.sightings {
				if s.Sees(f.cases[i].Access) {
					wantSightings = append(wantSightings, sg.ID)
				}
			}
			slices.Sort(wantSightings)
			sightingID := func(x catalog.Sighting) catalog.SightingID { return x.ID }
			diff(t, "Sightings", ids(must(r.Sightings(ctx(t), s, f.base.ID, page))(t), sightingID), wantSightings)
		})
	}
}

func testAccess(t *testing.T, st catalog.Store) {
	f := newAccessFixture(t, st)
	// The records as stored, read with SystemScope, are what the askers must get.
	f.reload(t, st)
	f.check(t, st)
}

func testAccessInTx(t *testing.T, st catalog.Store) {
	f := newAccessFixture(t, st)
	f.reload(t, st)
	// A read-only transaction needs no audit event.
	err := st.Update(ctx(t), func(tx catalog.Tx) error {
		f.check(t, tx)
		return nil
	})
	if err != nil {
		t.Fatalf("read-only Update: %v", err)
	}
}

// reload replaces the fixture's records by what the store returns for them with SystemScope.
func (f *accessFixture) reload(t *testing.T, r catalog.Reader) {
	all := catalog.SystemScope()
	for i := range f.access {
		f.cases[i] = must(r.Case(ctx(t), all, f.cases[i].ID))(t)
		f.media[i] = must(r.Media(ctx(t), all, f.media[i].ID))(t)
		f.series[i] = must(r.Series(ctx(t), all, f.series[i].ID))(t)
		f.persons[i] = must(r.Person(ctx(t), all, f.persons[i].ID))(t)
		f.clues[i] = must(r.Clue(ctx(t), all, f.clues[i].ID))(t)
		if got, want := f.cases[i].Access, f.access[i].Normalize(); !slices.Equal(got.SharedWith, want.SharedWith) || got.Visibility != want.Visibility || got.Owner != want.Owner {
			t.Errorf("case with access %+v stored as %+v, want the normalised %+v", f.access[i], got, want)
		}
	}
	f.base = must(r.Media(ctx(t), all, f.base.ID))(t)
}
