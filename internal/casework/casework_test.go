package casework_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/casework"
	"github.com/vidb-project/vidb/internal/catalog"
)

var (
	ownerOnly = catalog.Access{Owner: fr, Visibility: catalog.VisibilityOwner}
	network   = catalog.Access{Owner: fr, Visibility: catalog.VisibilityNetwork}
)

// checkEvent fails unless e is action on object with the details want.
func checkEvent(t *testing.T, e audit.Event, action, object string, want map[string]string) {
	t.Helper()
	if e.Action != action || e.Object != object {
		t.Errorf("audit event %s %s, want %s %s", e.Action, e.Object, action, object)
	}
	if want != nil {
		if d := cmp.Diff(want, e.Details, cmpOpts); d != "" {
			t.Errorf("%s details (-want +got):\n%s", action, d)
		}
	}
}

// unchanged runs fn, which must fail with want and append no audit event.
func unchanged(t *testing.T, f *fixture, what string, want error, fn func() error) {
	t.Helper()
	n := len(events(t, f.st))
	wantErr(t, what, fn(), want)
	if got := len(events(t, f.st)); got != n {
		t.Errorf("%s: audit log grew from %d to %d", what, n, got)
	}
}

func TestCases(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		f := newFixture(t, kind, ownerOnly)
		rev, ana, coord := f.users["fr.reviewer"], f.users["fr.analyst"], f.users["de.coordinator"]

		c := must(f.svc.CreateCase(ctx, ana, catalog.Case{Number: "FR-9", Title: "operation"}))(t)
		want := catalog.Case{ID: c.ID, Access: ownerOnly, Number: "FR-9", Title: "operation", Created: t0}
		if d := cmp.Diff(want, c, cmpOpts); d != "" {
			t.Errorf("CreateCase (-want +got):\n%s", d)
		}
		checkEvent(t, lastEvent(t, f.st), "case.create", "case/"+itoa(c.ID), map[string]string{"owner": "FR", "visibility": "owner"})
		if got := must(f.svc.Case(ctx, rev, c.ID))(t); !cmp.Equal(got, c, cmpOpts) {
			t.Errorf("Case: got %+v, want %+v", got, c)
		}
		wantErr(t, "Case as DE coordinator", must2(f.svc.Case(ctx, coord, c.ID)), nil)

		unchanged(t, f, "case for another country by an analyst", catalog.ErrForbidden, func() error {
			_, err := f.svc.CreateCase(ctx, ana, catalog.Case{Access: catalog.Access{Owner: it}, Number: "X"})
			return err
		})
		unchanged(t, f, "duplicate case number", catalog.ErrConflict, func() error {
			_, err := f.svc.CreateCase(ctx, rev, catalog.Case{Number: "FR-9"})
			return err
		})
		unchanged(t, f, "empty case number", catalog.ErrInvalid, func() error {
			_, err := f.svc.CreateCase(ctx, rev, catalog.Case{})
			return err
		})
		unchanged(t, f, "bad visibility", catalog.ErrInvalid, func() error {
			_, err := f.svc.CreateCase(ctx, rev, catalog.Case{Number: "Y", Access: catalog.Access{Visibility: "everyone"}})
			return err
		})
		c2 := must(f.svc.CreateCase(ctx, coord, catalog.Case{Number: "IT-1", Access: catalog.Access{Owner: it, Visibility: catalog.VisibilityNetwork}}))(t)
		if c2.Access.Owner != it {
			t.Errorf("coordinator's case for IT: owner %s", c2.Access.Owner)
		}
	})
}

func must2[T any](_ T, err error) error { return err }

func itoa[ID ~int64](id ID) string { return strconv.FormatInt(int64(id), 10) }

func TestCategorise(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		f := newFixture(t, kind, ownerOnly)
		rev := f.users["fr.reviewer"]
		obj := "media/" + itoa(f.media)

		m := must(f.svc.Categorise(ctx, rev, f.media, catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "2"}))(t)
		if m.Category.Code != "2" {
			t.Errorf("category %+v", m.Category)
		}
		checkEvent(t, lastEvent(t, f.st), "media.categorise", obj, map[string]string{"old": "none", "new": "vics-us:2"})
		m = must(f.svc.Categorise(ctx, rev, f.media, catalog.Category{Scheme: "vics-uk", Code: "Category A"}))(t)
		checkEvent(t, lastEvent(t, f.st), "media.categorise", obj, map[string]string{"old": "vics-us:2", "new": "vics-uk:Category A"})
		if got := must(f.st.Media(ctx, catalog.SystemScope(), f.media))(t); got.Category != m.Category {
			t.Errorf("stored category %+v, want %+v", got.Category, m.Category)
		}

		for _, c := range []catalog.Category{
			{Scheme: catalog.SchemeVICSUS, Code: "5"},
			{Scheme: catalog.SchemeVICSUS, Code: "12"},
			{Scheme: catalog.SchemeVICSUS},
			{Code: "1"},
			{Scheme: "other", Code: strings.Repeat("x", 33)},
			{Scheme: strings.Repeat("s", 33), Code: "1"},
			{Scheme: "other", Code: "a\x00b"},
		} {
			unchanged(t, f, "categorise "+c.Scheme+":"+c.Code, catalog.ErrInvalid, func() error {
				_, err := f.svc.Categorise(ctx, rev, f.media, c)
				return err
			})
		}
		unchanged(t, f, "categorise by an analyst", catalog.ErrForbidden, func() error {
			_, err := f.svc.Categorise(ctx, f.users["fr.analyst"], f.media, catalog.Category{Scheme: "vics-us", Code: "1"})
			return err
		})
		unchanged(t, f, "categorise missing media", catalog.ErrNotFound, func() error {
			_, err := f.svc.Categorise(ctx, rev, 9999, catalog.Category{Scheme: "vics-us", Code: "1"})
			return err
		})
		if got := must(f.st.Media(ctx, catalog.SystemScope(), f.media))(t); got.Category != m.Category {
			t.Errorf("refused categorisations changed the category to %+v", got.Category)
		}
	})
}

func TestSetSeriesAndAccess(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		f := newFixture(t, kind, ownerOnly)
		rev, ana := f.users["fr.reviewer"], f.users["fr.analyst"]
		obj := "media/" + itoa(f.media)

		m := must(f.svc.SetSeries(ctx, ana, f.media, f.series))(t)
		if m.Series != f.series {
			t.Errorf("series %d, want %d", m.Series, f.series)
		}
		checkEvent(t, lastEvent(t, f.st), "media.set_series", obj, map[string]string{"old": "0", "new": itoa(f.series)})
		unchanged(t, f, "link to a missing series", catalog.ErrNotFound, func() error {
			_, err := f.svc.SetSeries(ctx, ana, f.media, 9999)
			return err
		})
		m = must(f.svc.SetSeries(ctx, ana, f.media, 0))(t)
		if m.Series != 0 {
			t.Errorf("unlinked series %d", m.Series)
		}

		unchanged(t, f, "set access by an analyst", catalog.ErrForbidden, func() error {
			_, err := f.svc.SetAccess(ctx, ana, f.media, network)
			return err
		})
		unchanged(t, f, "give the media away", catalog.ErrInvalid, func() error {
			_, err := f.svc.SetAccess(ctx, rev, f.media, catalog.Access{Owner: it, Visibility: catalog.VisibilityNetwork})
			return err
		})
		m = must(f.svc.SetAccess(ctx, rev, f.media, catalog.Access{Visibility: catalog.VisibilityListed, SharedWith: []catalog.CountryCode{it, de, it, fr}}))(t)
		want := catalog.Access{Owner: fr, Visibility: catalog.VisibilityListed, SharedWith: []catalog.CountryCode{de, it}}
		if d := cmp.Diff(want, m.Access); d != "" {
			t.Errorf("access (-want +got):\n%s", d)
		}
		checkEvent(t, lastEvent(t, f.st), "media.set_access", obj, map[string]string{"owner": "FR", "visibility": "listed", "shared_with": "DE,IT"})
		// Now DE sees it.
		wantErr(t, "DE analyst reads shared media", must2(f.svc.Media(ctx, f.users["de.analyst"], f.media)), nil)
	})
}

func TestSeries(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		f := newFixture(t, kind, ownerOnly)
		rev, deRev := f.users["fr.reviewer"], f.users["de.reviewer"]

		x := must(f.svc.CreateSeries(ctx, rev, catalog.Series{Name: " GREY-SKY ", Access: network, Countries: []catalog.CountryCode{it}}))(t)
		want := catalog.Series{ID: x.ID, Access: network, Name: "GREY-SKY", Status: catalog.SeriesUnidentified,
			Countries: []catalog.CountryCode{fr}, Created: t0, Updated: t0}
		if d := cmp.Diff(want, x, cmpOpts); d != "" {
			t.Errorf("CreateSeries (-want +got):\n%s", d)
		}
		checkEvent(t, lastEvent(t, f.st), "series.create", "series/"+itoa(x.ID), map[string]string{"name": "GREY-SKY", "owner": "FR", "visibility": "network"})
		unchanged(t, f, "create identified", catalog.ErrInvalid, func() error {
			_, err := f.svc.CreateSeries(ctx, rev, catalog.Series{Name: "S", Status: catalog.SeriesIdentified})
			return err
		})
		unchanged(t, f, "duplicate name", catalog.ErrConflict, func() error {
			_, err := f.svc.CreateSeries(ctx, rev, catalog.Series{Name: "GREY-SKY"})
			return err
		})

		j := must(f.svc.JoinSeries(ctx, deRev, x.ID))(t)
		if d := cmp.Diff([]catalog.CountryCode{de, fr}, j.Countries); d != "" {
			t.Errorf("countries after DE joins (-want +got):\n%s", d)
		}
		checkEvent(t, lastEvent(t, f.st), "series.join", "series/"+itoa(x.ID), map[string]string{"country": "DE"})
		unchanged(t, f, "join again", nil, func() error { _, err := f.svc.JoinSeries(ctx, deRev, x.ID); return err })

		unchanged(t, f, "DE renames FR's series", catalog.ErrForbidden, func() error {
			_, err := f.svc.UpdateSeries(ctx, deRev, catalog.Series{ID: x.ID, Name: "MINE"})
			return err
		})
		unchanged(t, f, "analyst marks identified", catalog.ErrForbidden, func() error {
			_, err := f.svc.UpdateSeries(ctx, f.users["fr.analyst"], catalog.Series{ID: x.ID, Status: catalog.SeriesIdentified})
			return err
		})
		u := must(f.svc.UpdateSeries(ctx, rev, catalog.Series{ID: x.ID, Name: "GREY-SKY-2", Access: ownerOnly}))(t)
		if u.Name != "GREY-SKY-2" || u.Access.Visibility != catalog.VisibilityOwner || len(u.Countries) != 2 {
			t.Errorf("UpdateSeries: %+v", u)
		}
		checkEvent(t, lastEvent(t, f.st), "series.update", "series/"+itoa(x.ID), map[string]string{"name": "GREY-SKY-2", "owner": "FR", "visibility": "owner"})
		wantErr(t, "DE reads the series once it is owner-only", must2(f.svc.Series(ctx, deRev, x.ID)), catalog.ErrNotFound)
	})
}

func TestIdentification(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		f := newFixture(t, kind, network)
		rev, deRev, deCoord := f.users["fr.reviewer"], f.users["de.reviewer"], f.users["de.coordinator"]
		x := must(f.svc.CreateSeries(ctx, rev, catalog.Series{Name: "TWO-VICTIMS", Access: network}))(t)
		a := must(f.svc.CreatePerson(ctx, rev, catalog.Person{Kind: catalog.PersonVictim, Code: "V-A", Access: network,
			Notes: "secret name Alice", Series: []catalog.SeriesID{x.ID}}))(t)
		if a.Status != catalog.PersonUnidentified || a.Access.Owner != fr {
			t.Errorf("CreatePerson: %+v", a)
		}
		checkEvent(t, lastEvent(t, f.st), "person.create", "person/"+itoa(a.ID), map[string]string{"kind": "victim", "code": "V-A"})
		b := must(f.svc.CreatePerson(ctx, rev, catalog.Person{Kind: catalog.PersonVictim, Code: "V-B", Access: network, Series: []catalog.SeriesID{x.ID, x.ID}}))(t)
		unchanged(t, f, "create identified", catalog.ErrInvalid, func() error {
			_, err := f.svc.CreatePerson(ctx, rev, catalog.Person{Kind: catalog.PersonVictim, Code: "V-C", Status: catalog.PersonIdentified})
			return err
		})
		unchanged(t, f, "bad kind", catalog.ErrInvalid, func() error {
			_, err := f.svc.CreatePerson(ctx, rev, catalog.Person{Kind: "witness", Code: "W"})
			return err
		})
		unchanged(t, f, "link to an unseen series", catalog.ErrNotFound, func() error {
			_, err := f.svc.CreatePerson(ctx, rev, catalog.Person{Kind: catalog.PersonVictim, Code: "V-D", Series: []catalog.SeriesID{9999}})
			return err
		})

		unchanged(t, f, "DE reviewer identifies FR's victim", catalog.ErrForbidden, func() error {
			_, err := f.svc.Identify(ctx, deRev, a.ID, "")
			return err
		})
		got := must(f.svc.Identify(ctx, rev, a.ID, ""))(t)
		if got.Status != catalog.PersonIdentified || got.IdentifiedBy != fr || got.IdentifiedAt == nil || !got.IdentifiedAt.Equal(t0) {
			t.Errorf("Identify: %+v", got)
		}
		checkEvent(t, lastEvent(t, f.st), "person.identify", "person/"+itoa(a.ID), map[string]string{"kind": "victim", "code": "V-A", "identified_by": "FR"})
		if s := must(f.svc.Series(ctx, rev, x.ID))(t); s.Status != catalog.SeriesUnidentified {
			t.Errorf("series identified with one victim of two unidentified")
		}
		unchanged(t, f, "identify twice", catalog.ErrConflict, func() error { _, err := f.svc.Identify(ctx, rev, a.ID, ""); return err })
		unchanged(t, f, "bad likely location", catalog.ErrInvalid, func() error { _, err := f.svc.Identify(ctx, rev, b.ID, "Italy"); return err })

		// A coordinator of another country identifies the second victim: the series is identified.
		got = must(f.svc.Identify(ctx, deCoord, b.ID, it))(t)
		if got.IdentifiedBy != de || got.LikelyLocation != it {
			t.Errorf("Identify by DE coordinator: %+v", got)
		}
		es := events(t, f.st)
		checkEvent(t, es[len(es)-2], "person.identify", "person/"+itoa(b.ID), nil)
		checkEvent(t, es[len(es)-1], "series.identify", "series/"+itoa(x.ID), map[string]string{"cause": "person/" + itoa(b.ID)})
		if s := must(f.svc.Series(ctx, rev, x.ID))(t); s.Status != catalog.SeriesIdentified {
			t.Errorf("series status %s after every victim is identified", s.Status)
		}
		if st := must(f.svc.Stats(ctx))(t); st.VictimsIdentified != 3 { // with the fixture's identified victim
			t.Errorf("Stats.VictimsIdentified = %d, want 3", st.VictimsIdentified)
		}
		for _, e := range events(t, f.st) {
			for k, v := range e.Details {
				if strings.Contains(v, "secret") || strings.Contains(v, "Alice") {
					t.Errorf("audit event %s detail %s carries the person's notes: %q", e.Action, k, v)
				}
			}
		}

		// Only the identifying country (DE) or a coordinator reopens b.
		unchanged(t, f, "FR reviewer reopens DE's identification", catalog.ErrForbidden, func() error {
			_, err := f.svc.Reopen(ctx, rev, b.ID)
			return err
		})
		got = must(f.svc.Reopen(ctx, f.users["fr.coordinator"], b.ID))(t)
		if got.Status != catalog.PersonUnidentified || got.IdentifiedBy != "" || got.IdentifiedAt != nil {
			t.Errorf("Reopen: %+v", got)
		}
		es = events(t, f.st)
		checkEvent(t, es[len(es)-2], "person.reopen", "person/"+itoa(b.ID), map[string]string{"kind": "victim", "code": "V-B", "identified_by": "DE"})
		checkEvent(t, es[len(es)-1], "series.reopen", "series/"+itoa(x.ID), nil)
		unchanged(t, f, "reopen an unidentified person", catalog.ErrConflict, func() error { _, err := f.svc.Reopen(ctx, rev, b.ID); return err })
	})
}

func TestUpdatePerson(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		f := newFixture(t, kind, network)
		ana, deAna := f.users["fr.analyst"], f.users["de.analyst"]
		p := must(f.svc.Person(ctx, ana, f.person))(t)

		q := p
		q.Notes, q.Sex, q.LikelyLocation = "seen near a lake", "female", it
		got := must(f.svc.UpdatePerson(ctx, deAna, q))(t)
		if got.Notes != q.Notes || got.Sex != "female" || got.LikelyLocation != it || got.Access.Owner != fr {
			t.Errorf("UpdatePerson: %+v", got)
		}
		e := lastEvent(t, f.st)
		checkEvent(t, e, "person.update", "person/"+itoa(p.ID), map[string]string{"kind": "victim", "code": "V-1", "fields": "sex,notes,likely_location"})
		unchanged(t, f, "no change", nil, func() error { _, err := f.svc.UpdatePerson(ctx, deAna, got); return err })

		for name, bad := range map[string]func(p *catalog.Person){
			"kind":      func(p *catalog.Person) { p.Kind = catalog.PersonOffender },
			"status":    func(p *catalog.Person) { p.Status = catalog.PersonIdentified },
			"sex":       func(p *catalog.Person) { p.Sex = "other" },
			"notes":     func(p *catalog.Person) { p.Notes = strings.Repeat("n", 10001) },
			"location":  func(p *catalog.Person) { p.LikelyLocation = "xx" },
			"age band":  func(p *catalog.Person) { p.AgeBand = strings.Repeat("9", 17) },
			"series -1": func(p *catalog.Person) { p.Series = []catalog.SeriesID{-1} },
		} {
			q := got
			bad(&q)
			unchanged(t, f, "update "+name, catalog.ErrInvalid, func() error { _, err := f.svc.UpdatePerson(ctx, ana, q); return err })
		}
		q = got
		q.Code = "V-1-renamed"
		unchanged(t, f, "analyst renames", catalog.ErrForbidden, func() error { _, err := f.svc.UpdatePerson(ctx, ana, q); return err })
		got = must(f.svc.UpdatePerson(ctx, f.users["fr.reviewer"], q))(t)
		if got.Code != "V-1-renamed" {
			t.Errorf("code %q", got.Code)
		}
	})
}

func TestClues(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		f := newFixture(t, kind, network)
		ana, rev, deAna := f.users["fr.analyst"], f.users["fr.reviewer"], f.users["de.analyst"]

		for name, r := range map[string]catalog.Region{
			"right of the image": {X: 150, Y: 0, W: 51, H: 10},
			"below the image":    {X: 0, Y: 99, W: 10, H: 2},
			"empty":              {X: 0, Y: 0, W: 0, H: 10},
			"negative":           {X: -1, Y: 0, W: 10, H: 10},
		} {
			unchanged(t, f, "region "+name, catalog.ErrInvalid, func() error {
				_, err := f.svc.AddClue(ctx, deAna, catalog.Clue{Media: f.media, Region: &r, Kind: catalog.ClueObject, Text: "x"})
				return err
			})
		}
		unchanged(t, f, "clue owned by another country", catalog.ErrInvalid, func() error {
			_, err := f.svc.AddClue(ctx, deAna, catalog.Clue{Media: f.media, Kind: catalog.ClueObject, Text: "x", Access: network})
			return err
		})
		unchanged(t, f, "clue on nothing", catalog.ErrInvalid, func() error {
			_, err := f.svc.AddClue(ctx, deAna, catalog.Clue{Kind: catalog.ClueObject, Text: "x"})
			return err
		})
		c := must(f.svc.AddClue(ctx, deAna, catalog.Clue{Media: f.media, Region: &catalog.Region{X: 150, Y: 50, W: 50, H: 50},
			Kind: catalog.ClueLanguage, Text: "accent from the north", Tags: []string{" accent ", "", "north"}, Access: catalog.Access{Visibility: catalog.VisibilityNetwork}}))(t)
		if c.Access.Owner != de || c.Author != deAna.ID || !cmp.Equal(c.Tags, []string{"accent", "north"}) || !c.Created.Equal(t0) {
			t.Errorf("AddClue: %+v", c)
		}
		checkEvent(t, lastEvent(t, f.st), "clue.add", "clue/"+itoa(c.ID), map[string]string{"kind": "language", "visibility": "network", "media": itoa(f.media)})
		cs := must(f.svc.Clues(ctx, ana, catalog.ClueFilter{Tag: "north"}, catalog.Page{}))(t)
		if len(cs) != 1 || cs[0].ID != c.ID {
			t.Errorf("Clues by tag: %+v", cs)
		}

		unchanged(t, f, "FR reviewer deletes DE's clue", catalog.ErrForbidden, func() error { return f.svc.DeleteClue(ctx, rev, c.ID) })
		unchanged(t, f, "DE analyst deletes FR analyst's clue", catalog.ErrForbidden, func() error { return f.svc.DeleteClue(ctx, deAna, f.clue) })
		wantErr(t, "author deletes", f.svc.DeleteClue(ctx, deAna, c.ID), nil)
		checkEvent(t, lastEvent(t, f.st), "clue.delete", "clue/"+itoa(c.ID), map[string]string{"kind": "language"})
		wantErr(t, "reviewer of the author's country deletes", f.svc.DeleteClue(ctx, rev, f.clue), nil)
		unchanged(t, f, "delete again", catalog.ErrNotFound, func() error { return f.svc.DeleteClue(ctx, rev, f.clue) })
	})
}

func TestAdministration(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		f := newFixture(t, kind, ownerOnly)
		coord, admin, auditor := f.users["fr.coordinator"], f.users["de.country-admin"], f.users["de.auditor"]

		c := must(f.svc.AddCountry(ctx, coord, catalog.Country{Code: "nl", Name: " Netherlands "}))(t)
		if c.Code != nl || c.Name != "Netherlands" || !c.Created.Equal(t0) {
			t.Errorf("AddCountry: %+v", c)
		}
		checkEvent(t, lastEvent(t, f.st), "country.add", "country/NL", map[string]string{"name": "Netherlands"})
		unchanged(t, f, "add twice", catalog.ErrConflict, func() error {
			_, err := f.svc.AddCountry(ctx, coord, catalog.Country{Code: nl, Name: "NL"})
			return err
		})
		unchanged(t, f, "bad code", catalog.ErrInvalid, func() error {
			_, err := f.svc.AddCountry(ctx, coord, catalog.Country{Code: "NLD", Name: "NL"})
			return err
		})
		unchanged(t, f, "no name", catalog.ErrInvalid, func() error {
			_, err := f.svc.AddCountry(ctx, coord, catalog.Country{Code: "ES"})
			return err
		})
		if cs := must(f.svc.Countries(ctx))(t); len(cs) != 4 {
			t.Errorf("Countries: %d, want 4", len(cs))
		}

		us := must(f.svc.Users(ctx, admin, "", catalog.Page{}))(t)
		for _, u := range us {
			if u.Country != de {
				t.Errorf("country admin of DE lists %s of %s", u.Login, u.Country)
			}
		}
		if len(us) != 7 {
			t.Errorf("country admin lists %d users, want DE's 7", len(us))
		}
		wantErr(t, "country admin lists FR", must2(f.svc.Users(ctx, admin, fr, catalog.Page{})), catalog.ErrForbidden)
		wantErr(t, "bad country", must2(f.svc.Users(ctx, coord, "F", catalog.Page{})), catalog.ErrInvalid)
		if us := must(f.svc.Users(ctx, coord, "", catalog.Page{}))(t); len(us) != len(roleUsers) {
			t.Errorf("coordinator lists %d users, want %d", len(us), len(roleUsers))
		}

		all := events(t, f.st)
		if len(all) != 2 {
			t.Fatalf("audit log has %d events, want the seed and country.add", len(all))
		}
		got := must(f.svc.AuditEvents(ctx, auditor, 1, 1))(t)
		if d := cmp.Diff(all[1:2], got, cmpOpts); d != "" {
			t.Errorf("AuditEvents(1, 1) (-want +got):\n%s", d)
		}
		got = must(f.svc.AuditEvents(ctx, auditor, 0, 1))(t)
		if d := cmp.Diff(all[:1], got, cmpOpts); d != "" {
			t.Errorf("AuditEvents(0, 1) (-want +got):\n%s", d)
		}
		if got := must(f.svc.AuditEvents(ctx, auditor, 0, 0))(t); len(got) != min(len(all), casework.DefaultAuditEvents) {
			t.Errorf("AuditEvents(0, 0): %d events, want %d", len(got), len(all))
		}
		wantErr(t, "limit over the maximum", must2(f.svc.AuditEvents(ctx, auditor, 0, casework.MaxAuditEvents+1)), catalog.ErrInvalid)
		wantErr(t, "negative start", must2(f.svc.AuditEvents(ctx, auditor, -1, 1)), catalog.ErrInvalid)
		wantErr(t, "reviewer reads the log", must2(f.svc.AuditEvents(ctx, f.users["fr.reviewer"], 0, 1)), catalog.ErrForbidden)

		// Alerts belong to a country: FR cannot mark DE's alert.
		unchanged(t, f, "FR marks DE's alert", catalog.ErrNotFound, func() error { return f.svc.MarkAlertRead(ctx, f.users["fr.reviewer"], f.alert) })
		deAna := f.users["de.analyst"]
		wantErr(t, "DE marks its alert", f.svc.MarkAlertRead(ctx, deAna, f.alert), nil)
		checkEvent(t, lastEvent(t, f.st), "alert.read", "alert/"+itoa(f.alert), nil)
		if as := must(f.svc.Alerts(ctx, deAna, true, catalog.Page{}))(t); len(as) != 0 {
			t.Errorf("unread alerts after marking: %+v", as)
		}
		if as := must(f.svc.Alerts(ctx, deAna, false, catalog.Page{}))(t); len(as) != 1 || as[0].Read == nil {
			t.Errorf("alerts after marking: %+v", as)
		}
	})
}

func TestValidateCategory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c  catalog.Category
		ok bool
	}{
		{catalog.Category{}, true},
		{catalog.Category{Scheme: "vics-us", Code: "0"}, true},
		{catalog.Category{Scheme: "vics-us", Code: "4"}, true},
		{catalog.Category{Scheme: "vics-us", Code: "5"}, false},
		{catalog.Category{Scheme: "vics-us", Code: "-1"}, false},
		{catalog.Category{Scheme: "vics-uk", Code: "Category C"}, true},
		{catalog.Category{Scheme: "vics-uk", Code: strings.Repeat("c", 32)}, true},
		{catalog.Category{Scheme: "vics-uk", Code: strings.Repeat("c", 33)}, false},
		{catalog.Category{Scheme: "vics-uk", Code: "\xff"}, false},
		{catalog.Category{Scheme: "vics-uk"}, false},
	}
	for _, tc := range tests {
		err := casework.ValidateCategory(tc.c)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateCategory(%+v) = %v, want ok %v", tc.c, err, tc.ok)
		}
	}
}
