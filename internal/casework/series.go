package casework

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/vidb-project/vidb/internal/catalog"
)

// CreateSeries creates a series, unidentified, owned by u's country (a coordinator may name
// another owner), with the owner as the one country working on it. Visibility defaults to
// VisibilityOwner.
func (s *Service) CreateSeries(ctx context.Context, u catalog.User, x catalog.Series) (catalog.Series, error) {
	if _, err := reader(u); err != nil {
		return catalog.Series{}, fmt.Errorf("create series: %w", err)
	}
	a, err := newAccess(u, x.Access)
	if err != nil {
		return catalog.Series{}, fmt.Errorf("create series: %w", err)
	}
	switch x.Status {
	case "", catalog.SeriesUnidentified:
	default:
		return catalog.Series{}, invalid("create series: a new series is unidentified; identify its victims instead")
	}
	x.Name = strings.TrimSpace(x.Name)
	if err := checkText("series name", x.Name, 128, false); err != nil {
		return catalog.Series{}, fmt.Errorf("create series: %w", err)
	}
	now := s.clock()
	x.ID, x.Access, x.Status, x.Countries, x.Created, x.Updated = 0, a, catalog.SeriesUnidentified, []catalog.CountryCode{a.Owner}, now, now
	if err := x.Validate(); err != nil {
		return catalog.Series{}, fmt.Errorf("create series: %w", err)
	}
	err = s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		if x, err = tx.CreateSeries(ctx, x); err != nil {
			return err
		}
		return s.record(ctx, tx, u, "series.create", object("series", x.ID),
			accessDetails(map[string]string{"name": x.Name}, x.Access))
	})
	if err != nil {
		return catalog.Series{}, fmt.Errorf("create series: %w", err)
	}
	return x, nil
}

// Series returns a series u may see.
func (s *Service) Series(ctx context.Context, u catalog.User, id catalog.SeriesID) (catalog.Series, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Series{}, fmt.Errorf("series %d: %w", id, err)
	}
	x, err := s.store.Series(ctx, sc, id)
	if err != nil {
		return catalog.Series{}, fmt.Errorf("series %d: %w", id, err)
	}
	return x, nil
}

// SeriesList lists the series u may see.
func (s *Service) SeriesList(ctx context.Context, u catalog.User, p catalog.Page) ([]catalog.Series, error) {
	sc, err := reader(u)
	if err != nil {
		return nil, fmt.Errorf("series list: %w", err)
	}
	xs, err := s.store.SeriesList(ctx, sc, p)
	if err != nil {
		return nil, fmt.Errorf("series list: %w", err)
	}
	return xs, nil
}

// UpdateSeries changes a series' name and access (ActManage: the owner's reviewers or
// coordinators) and its status (ActIdentify). x.Countries is not changed here: countries join
// with JoinSeries. An empty Status or Visibility keeps the current one. A call that changes
// nothing returns the series unchanged and records nothing.
func (s *Service) UpdateSeries(ctx context.Context, u catalog.User, x catalog.Series) (catalog.Series, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Series{}, fmt.Errorf("update series %d: %w", x.ID, err)
	}
	var out catalog.Series
	err = s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		old, err := tx.Series(ctx, sc, x.ID)
		if err != nil {
			return err
		}
		next := old
		details := map[string]string{}
		if name := strings.TrimSpace(x.Name); name != "" && name != old.Name {
			if err := checkText("series name", name, 128, false); err != nil {
				return err
			}
			next.Name, details["name"] = name, name
		}
		a, err := changedAccess(old.Access, x.Access)
		if err != nil {
			return err
		}
		if !sameAccess(a, old.Access) {
			next.Access = a
			accessDetails(details, a)
		}
		if len(details) > 0 && !catalog.Can(u, catalog.ActManage, old.Access) {
			return fmt.Errorf("renaming a series or changing its access needs the right to manage it: %w", catalog.ErrForbidden)
		}
		if x.Status != "" && x.Status != old.Status {
			if x.Status != catalog.SeriesIdentified && x.Status != catalog.SeriesUnidentified {
				return invalid("series status %q", x.Status)
			}
			if !catalog.Can(u, catalog.ActIdentify, old.Access) {
				return fmt.Errorf("changing a series' status needs the right to identify: %w", catalog.ErrForbidden)
			}
			next.Status, details["status"] = x.Status, string(x.Status)
		}
		if len(details) == 0 {
			out = old
			return nil
		}
		next.Updated = s.clock()
		if err := next.Validate(); err != nil {
			return err
		}
		if err := tx.UpdateSeries(ctx, next); err != nil {
			return err
		}
		if out, err = tx.Series(ctx, catalog.SystemScope(), x.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, u, "series.update", object("series", x.ID), details)
	})
	if err != nil {
		return catalog.Series{}, fmt.Errorf("update series %d: %w", x.ID, err)
	}
	return out, nil
}

// JoinSeries adds u's country to the countries working on a series u may see (ActAnnotate). A
// country already working on it changes nothing.
func (s *Service) JoinSeries(ctx context.Context, u catalog.User, id catalog.SeriesID) (catalog.Series, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Series{}, fmt.Errorf("join series %d: %w", id, err)
	}
	var out catalog.Series
	err = s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		x, err := tx.Series(ctx, sc, id)
		if err != nil {
			return err
		}
		if !catalog.Can(u, catalog.ActAnnotate, x.Access) {
			return fmt.Errorf("joining a series needs the right to annotate it: %w", catalog.ErrForbidden)
		}
		if slices.Contains(x.Countries, u.Country) {
			out = x
			return nil
		}
		x.Countries = append(slices.Clone(x.Countries), u.Country)
		slices.Sort(x.Countries)
		x.Updated = s.clock()
		if err := tx.UpdateSeries(ctx, x); err != nil {
			return err
		}
		if out, err = tx.Series(ctx, sc, id); err != nil {
			return err
		}
		return s.record(ctx, tx, u, "series.join", object("series", id), map[string]string{"country": string(u.Country)})
	})
	if err != nil {
		return catalog.Series{}, fmt.Errorf("join series %d: %w", id, err)
	}
	return out, nil
}
