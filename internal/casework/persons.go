package casework

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/vidb-project/vidb/internal/catalog"
)

// The sexes a person record may carry; empty means not recorded.
var sexes = []string{"", "female", "male", "unknown"}

// checkPersonFields validates the descriptive fields of a person record.
func checkPersonFields(p catalog.Person) error {
	if !slices.Contains(sexes, p.Sex) {
		return invalid("sex %q: want female, male or unknown", p.Sex)
	}
	if err := checkText("age band", p.AgeBand, maxAgeBand, false); err != nil {
		return err
	}
	if err := checkText("code", p.Code, 64, false); err != nil {
		return err
	}
	if err := checkText("notes", p.Notes, maxNotes, true); err != nil {
		return err
	}
	if p.LikelyLocation != "" && !p.LikelyLocation.Valid() {
		return invalid("likely location %q", p.LikelyLocation)
	}
	return nil
}

// checkSeriesLinks makes sure every series linked is one the scope sees, and returns the links
// sorted and without duplicates.
func checkSeriesLinks(ctx context.Context, tx catalog.Tx, sc catalog.Scope, ids []catalog.SeriesID) ([]catalog.SeriesID, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, id := range ids {
		if id <= 0 {
			return nil, invalid("series %d", id)
		}
		if _, err := tx.Series(ctx, sc, id); err != nil {
			return nil, fmt.Errorf("series %d: %w", id, err)
		}
	}
	if len(ids) == 0 {
		ids = nil
	}
	return ids, nil
}

// personDetails are the only facts about a person the audit log records.
func personDetails(p catalog.Person) map[string]string {
	return map[string]string{"kind": string(p.Kind), "code": p.Code}
}

// CreatePerson records a victim or offender, unidentified, owned by u's country (a coordinator
// may name another owner), visibility VisibilityOwner unless chosen. Linked series must be ones
// u may see.
func (s *Service) CreatePerson(ctx context.Context, u catalog.User, p catalog.Person) (catalog.Person, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Person{}, fmt.Errorf("create person: %w", err)
	}
	a, err := newAccess(u, p.Access)
	if err != nil {
		return catalog.Person{}, fmt.Errorf("create person: %w", err)
	}
	if (p.Status != "" && p.Status != catalog.PersonUnidentified) || p.IdentifiedBy != "" || p.IdentifiedAt != nil {
		return catalog.Person{}, invalid("create person: a new record is unidentified; use Identify")
	}
	p.Code = strings.TrimSpace(p.Code)
	if err := checkPersonFields(p); err != nil {
		return catalog.Person{}, fmt.Errorf("create person: %w", err)
	}
	now := s.clock()
	p.ID, p.Access, p.Status, p.Created, p.Updated = 0, a, catalog.PersonUnidentified, now, now
	if err := p.Validate(); err != nil {
		return catalog.Person{}, fmt.Errorf("create person: %w", err)
	}
	err = s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		var err error
		if p.Series, err = checkSeriesLinks(ctx, tx, sc, p.Series); err != nil {
			return err
		}
		if p, err = tx.CreatePerson(ctx, p); err != nil {
			return err
		}
		return s.record(ctx, tx, u, "person.create", object("person", p.ID), personDetails(p))
	})
	if err != nil {
		return catalog.Person{}, fmt.Errorf("create person: %w", err)
	}
	return p, nil
}

// Person returns a victim or offender record u may see.
func (s *Service) Person(ctx context.Context, u catalog.User, id catalog.PersonID) (catalog.Person, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Person{}, fmt.Errorf("person %d: %w", id, err)
	}
	p, err := s.store.Person(ctx, sc, id)
	if err != nil {
		return catalog.Person{}, fmt.Errorf("person %d: %w", id, err)
	}
	return p, nil
}

// Persons lists the victims or offenders u may see; series 0 lists all.
func (s *Service) Persons(ctx context.Context, u catalog.User, kind catalog.PersonKind, series catalog.SeriesID, p catalog.Page) ([]catalog.Person, error) {
	sc, err := reader(u)
	if err != nil {
		return nil, fmt.Errorf("persons: %w", err)
	}
	if kind != catalog.PersonVictim && kind != catalog.PersonOffender {
		return nil, invalid("persons: kind %q: want victim or offender", kind)
	}
	ps, err := s.store.Persons(ctx, sc, kind, series, p)
	if err != nil {
		return nil, fmt.Errorf("persons: %w", err)
	}
	return ps, nil
}

// UpdatePerson changes a person's sex, age band, notes, likely location and series links
// (ActAnnotate), and its code or access (ActManage). Its kind and identification cannot change
// here (see Identify and Reopen); an empty Visibility keeps the current access. A call that
// changes nothing records nothing.
func (s *Service) UpdatePerson(ctx context.Context, u catalog.User, p catalog.Person) (catalog.Person, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Person{}, fmt.Errorf("update person %d: %w", p.ID, err)
	}
	p.Code = strings.TrimSpace(p.Code)
	if err := checkPersonFields(p); err != nil {
		return catalog.Person{}, fmt.Errorf("update person %d: %w", p.ID, err)
	}
	var out catalog.Person
	err = s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		old, err := tx.Person(ctx, sc, p.ID)
		if err != nil {
			return err
		}
		if p.Kind != "" && p.Kind != old.Kind {
			return invalid("a person's kind cannot change")
		}
		if (p.Status != "" && p.Status != old.Status) || (p.IdentifiedBy != "" && p.IdentifiedBy != old.IdentifiedBy) {
			return invalid("identification changes through Identify and Reopen")
		}
		if p.Series, err = checkSeriesLinks(ctx, tx, sc, p.Series); err != nil {
			return err
		}
		next := old
		var annotated, managed []string
		set := func(changed bool, name string, apply func(), list *[]string) {
			if changed {
				apply()
				*list = append(*list, name)
			}
		}
		set(p.Sex != old.Sex, "sex", func() { next.Sex = p.Sex }, &annotated)
		set(p.AgeBand != old.AgeBand, "age_band", func() { next.AgeBand = p.AgeBand }, &annotated)
		set(p.Notes != old.Notes, "notes", func() { next.Notes = p.Notes }, &annotated)
		set(p.LikelyLocation != old.LikelyLocation, "likely_location", func() { next.LikelyLocation = p.LikelyLocation }, &annotated)
		set(!slices.Equal(p.Series, old.Series), "series", func() { next.Series = p.Series }, &annotated)
		set(p.Code != "" && p.Code != old.Code, "code", func() { next.Code = p.Code }, &managed)
		a, err := changedAccess(old.Access, p.Access)
		if err != nil {
			return err
		}
		set(!sameAccess(a, old.Access), "access", func() { next.Access = a }, &managed)
		if len(annotated) > 0 && !catalog.Can(u, catalog.ActAnnotate, old.Access) {
			return fmt.Errorf("changing a person needs the right to annotate it: %w", catalog.ErrForbidden)
		}
		if len(managed) > 0 && !catalog.Can(u, catalog.ActManage, old.Access) {
			return fmt.Errorf("changing a person's code or access needs the right to manage it: %w", catalog.ErrForbidden)
		}
		if len(annotated)+len(managed) == 0 {
			out = old
			return nil
		}
		next.Updated = s.clock()
		if err := next.Validate(); err != nil {
			return err
		}
		if err := tx.UpdatePerson(ctx, next); err != nil {
			return err
		}
		if out, err = tx.Person(ctx, catalog.SystemScope(), p.ID); err != nil {
			return err
		}
		d := personDetails(out)
		d["fields"] = strings.Join(append(annotated, managed...), ",")
		if slices.Contains(managed, "access") {
			accessDetails(d, out.Access)
		}
		return s.record(ctx, tx, u, "person.update", object("person", p.ID), d)
	})
	if err != nil {
		return catalog.Person{}, fmt.Errorf("update person %d: %w", p.ID, err)
	}
	return out, nil
}

// Identify records a person as identified by u's country, now (ActIdentify: the owner's
// reviewers, or a coordinator), with the country where the person is likely to be when likely
// is not empty. When every victim of a series the person is linked to is then identified, the
// series becomes identified too, with its own audit event. An identified person is ErrConflict.
func (s *Service) Identify(ctx context.Context, u catalog.User, id catalog.PersonID, likely catalog.CountryCode) (catalog.Person, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Person{}, fmt.Errorf("identify person %d: %w", id, err)
	}
	if likely != "" && !likely.Valid() {
		return catalog.Person{}, invalid("identify person %d: likely location %q", id, likely)
	}
	var out catalog.Person
	err = s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		p, err := tx.Person(ctx, sc, id)
		if err != nil {
			return err
		}
		if !catalog.Can(u, catalog.ActIdentify, p.Access) {
			return fmt.Errorf("identifying needs the right to identify: %w", catalog.ErrForbidden)
		}
		if p.Status == catalog.PersonIdentified {
			return fmt.Errorf("already identified: %w", catalog.ErrConflict)
		}
		now := s.clock()
		p.Status, p.IdentifiedBy, p.IdentifiedAt, p.Updated = catalog.PersonIdentified, u.Country, &now, now
		if likely != "" {
			p.LikelyLocation = likely
		}
		if err := tx.UpdatePerson(ctx, p); err != nil {
			return err
		}
		if out, err = tx.Person(ctx, catalog.SystemScope(), id); err != nil {
			return err
		}
		d := personDetails(out)
		d["identified_by"] = string(u.Country)
		if err := s.record(ctx, tx, u, "person.identify", object("person", id), d); err != nil {
			return err
		}
		if p.Kind == catalog.PersonVictim {
			return s.settleSeries(ctx, tx, u, p)
		}
		return nil
	})
	if err != nil {
		return catalog.Person{}, fmt.Errorf("identify person %d: %w", id, err)
	}
	return out, nil
}

// Reopen returns an identified person to unidentified. Only the identifying country's
// reviewers, or a coordinator, may; a linked series that was identified becomes unidentified
// again. A person who is not identified is ErrConflict.
func (s *Service) Reopen(ctx context.Context, u catalog.User, id catalog.PersonID) (catalog.Person, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Person{}, fmt.Errorf("reopen person %d: %w", id, err)
	}
	var out catalog.Person
	err = s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		p, err := tx.Person(ctx, sc, id)
		if err != nil {
			return err
		}
		if p.Status != catalog.PersonIdentified {
			return fmt.Errorf("not identified: %w", catalog.ErrConflict)
		}
		if !(u.Role == catalog.RoleCoordinator || u.Role == catalog.RoleReviewer && u.Country == p.IdentifiedBy) {
			return fmt.Errorf("only the identifying country's reviewers or a coordinator reopen an identification: %w", catalog.ErrForbidden)
		}
		by := p.IdentifiedBy
		p.Status, p.IdentifiedBy, p.IdentifiedAt, p.Updated = catalog.PersonUnidentified, "", nil, s.clock()
		if err := tx.UpdatePerson(ctx, p); err != nil {
			return err
		}
		if out, err = tx.Person(ctx, catalog.SystemScope(), id); err != nil {
			return err
		}
		d := personDetails(out)
		d["identified_by"] = string(by)
		if err := s.record(ctx, tx, u, "person.reopen", object("person", id), d); err != nil {
			return err
		}
		if p.Kind == catalog.PersonVictim {
			return s.settleSeries(ctx, tx, u, p)
		}
		return nil
	})
	if err != nil {
		return catalog.Person{}, fmt.Errorf("reopen person %d: %w", id, err)
	}
	return out, nil
}

// settleSeries brings the status of each series victim p is linked to in line with its
// victims: identified when every victim is, unidentified otherwise. It counts every victim of
// the series, whoever may see them, and audits each change as caused by p.
func (s *Service) settleSeries(ctx context.Context, tx catalog.Tx, u catalog.User, p catalog.Person) error {
	for _, sid := range p.Series {
		x, err := tx.Series(ctx, catalog.SystemScope(), sid)
		if err != nil {
			return fmt.Errorf("series %d: %w", sid, err)
		}
		all, err := allIdentified(ctx, tx, sid)
		if err != nil {
			return err
		}
		want := catalog.SeriesUnidentified
		if all {
			want = catalog.SeriesIdentified
		}
		if x.Status == want {
			continue
		}
		x.Status, x.Updated = want, s.clock()
		if err := tx.UpdateSeries(ctx, x); err != nil {
			return fmt.Errorf("series %d: %w", sid, err)
		}
		action := "series.identify"
		if want == catalog.SeriesUnidentified {
			action = "series.reopen"
		}
		if err := s.record(ctx, tx, u, action, object("series", sid), map[string]string{"cause": object("person", p.ID)}); err != nil {
			return err
		}
	}
	return nil
}

// allIdentified reports whether every victim linked to series id is identified (and there is
// at least one).
func allIdentified(ctx context.Context, tx catalog.Tx, id catalog.SeriesID) (bool, error) {
	page := catalog.Page{Limit: catalog.MaxPageSize}
	n := 0
	for {
		vs, err := tx.Persons(ctx, catalog.SystemScope(), catalog.PersonVictim, id, page)
		if err != nil {
			return false, fmt.Errorf("victims of series %d: %w", id, err)
		}
		for _, v := range vs {
			if v.Status != catalog.PersonIdentified {
				return false, nil
			}
			n++
		}
		if len(vs) < page.Size() {
			return n > 0, nil
		}
		page.After = int64(vs[len(vs)-1].ID)
	}
}
