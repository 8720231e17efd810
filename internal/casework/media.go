package casework

import (
	"context"
	"fmt"
	"strconv"

	"github.com/vidb-project/vidb/internal/catalog"
)

// CreateCase opens a case. Its owner is u's country (a coordinator may name another owner); its
// visibility is the one chosen, VisibilityOwner when none is.
func (s *Service) CreateCase(ctx context.Context, u catalog.User, c catalog.Case) (catalog.Case, error) {
	if _, err := reader(u); err != nil {
		return catalog.Case{}, fmt.Errorf("create case: %w", err)
	}
	a, err := newAccess(u, c.Access)
	if err != nil {
		return catalog.Case{}, fmt.Errorf("create case: %w", err)
	}
	c.ID, c.Access, c.Created = 0, a, s.clock()
	if err := checkText("case number", c.Number, 128, false); err != nil {
		return catalog.Case{}, fmt.Errorf("create case: %w", err)
	}
	if err := checkText("case title", c.Title, 1024, false); err != nil {
		return catalog.Case{}, fmt.Errorf("create case: %w", err)
	}
	if err := c.Validate(); err != nil {
		return catalog.Case{}, fmt.Errorf("create case: %w", err)
	}
	err = s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		if c, err = tx.CreateCase(ctx, c); err != nil {
			return err
		}
		return s.record(ctx, tx, u, "case.create", object("case", c.ID), accessDetails(map[string]string{}, c.Access))
	})
	if err != nil {
		return catalog.Case{}, fmt.Errorf("create case: %w", err)
	}
	return c, nil
}

// Case returns a case u may see.
func (s *Service) Case(ctx context.Context, u catalog.User, id catalog.CaseID) (catalog.Case, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Case{}, fmt.Errorf("case %d: %w", id, err)
	}
	c, err := s.store.Case(ctx, sc, id)
	if err != nil {
		return catalog.Case{}, fmt.Errorf("case %d: %w", id, err)
	}
	return c, nil
}

// Cases lists the cases u may see.
func (s *Service) Cases(ctx context.Context, u catalog.User, p catalog.Page) ([]catalog.Case, error) {
	sc, err := reader(u)
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	cs, err := s.store.Cases(ctx, sc, p)
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	return cs, nil
}

// Media returns a media record u may see.
func (s *Service) Media(ctx context.Context, u catalog.User, id catalog.MediaID) (catalog.Media, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Media{}, fmt.Errorf("media %d: %w", id, err)
	}
	m, err := s.store.Media(ctx, sc, id)
	if err != nil {
		return catalog.Media{}, fmt.Errorf("media %d: %w", id, err)
	}
	return m, nil
}

// MediaList lists the media records u may see that pass the filter.
func (s *Service) MediaList(ctx context.Context, u catalog.User, f catalog.MediaFilter, p catalog.Page) ([]catalog.Media, error) {
	sc, err := reader(u)
	if err != nil {
		return nil, fmt.Errorf("media list: %w", err)
	}
	if f.Owner != "" && !f.Owner.Valid() {
		return nil, invalid("media list: owner country %q", f.Owner)
	}
	ms, err := s.store.MediaList(ctx, sc, f, p)
	if err != nil {
		return nil, fmt.Errorf("media list: %w", err)
	}
	return ms, nil
}

// Sightings lists where a media item u may see was found, in the cases u may see.
func (s *Service) Sightings(ctx context.Context, u catalog.User, id catalog.MediaID, p catalog.Page) ([]catalog.Sighting, error) {
	sc, err := reader(u)
	if err != nil {
		return nil, fmt.Errorf("sightings of media %d: %w", id, err)
	}
	if _, err := s.store.Media(ctx, sc, id); err != nil {
		return nil, fmt.Errorf("sightings of media %d: %w", id, err)
	}
	ss, err := s.store.Sightings(ctx, sc, id, p)
	if err != nil {
		return nil, fmt.Errorf("sightings of media %d: %w", id, err)
	}
	return ss, nil
}

// Frames returns the frame hashes of a video u may see.
func (s *Service) Frames(ctx context.Context, u catalog.User, id catalog.MediaID) ([]catalog.Frame, error) {
	sc, err := reader(u)
	if err != nil {
		return nil, fmt.Errorf("frames of media %d: %w", id, err)
	}
	if _, err := s.store.Media(ctx, sc, id); err != nil {
		return nil, fmt.Errorf("frames of media %d: %w", id, err)
	}
	fs, err := s.store.Frames(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("frames of media %d: %w", id, err)
	}
	return fs, nil
}

// ValidateCategory checks a category a user sets: the zero Category (uncategorised), a
// vics-us code "0" to "4", or, under another scheme, a code of 1 to 32 characters. The scheme
// is 1 to 32 characters.
func ValidateCategory(c catalog.Category) error {
	if c.IsZero() {
		return nil
	}
	if c.Scheme == "" || c.Code == "" {
		return invalid("a category needs both a scheme and a code")
	}
	if err := checkText("category scheme", c.Scheme, maxSchemeLen, false); err != nil {
		return err
	}
	if err := checkText("category code", c.Code, maxCodeLen, false); err != nil {
		return err
	}
	if c.Scheme == catalog.SchemeVICSUS {
		if len(c.Code) != 1 || c.Code[0] < '0' || c.Code[0] > '4' {
			return invalid("vics-us category %q: want 0 to 4", c.Code)
		}
	}
	return nil
}

// categoryText renders a category for the audit log.
func categoryText(c catalog.Category) string {
	if c.IsZero() {
		return "none"
	}
	return c.Scheme + ":" + c.Code
}

// changeMedia runs change on the media record id that u may see and act on with act, stores
// it and audits it; change returns the audit details, or nil details for a no-op.
func (s *Service) changeMedia(ctx context.Context, u catalog.User, id catalog.MediaID, act catalog.Action, action string,
	change func(ctx context.Context, tx catalog.Tx, sc catalog.Scope, m *catalog.Media) (map[string]string, error)) (catalog.Media, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Media{}, fmt.Errorf("%s media %d: %w", action, id, err)
	}
	var m catalog.Media
	err = s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		var err error
		if m, err = tx.Media(ctx, sc, id); err != nil {
			return err
		}
		if !catalog.Can(u, act, m.Access) {
			return fmt.Errorf("%s needs the right to %s: %w", action, act, catalog.ErrForbidden)
		}
		details, err := change(ctx, tx, sc, &m)
		if err != nil || details == nil {
			return err
		}
		if err := tx.UpdateMedia(ctx, m); err != nil {
			return err
		}
		if m, err = tx.Media(ctx, sc, id); err != nil {
			return err
		}
		return s.record(ctx, tx, u, action, object("media", id), details)
	})
	if err != nil {
		return catalog.Media{}, fmt.Errorf("%s media %d: %w", action, id, err)
	}
	return m, nil
}

// Categorise sets the category of a media item (ActCategorise: the owner's reviewers, or a
// coordinator). The audit event records the old and the new category.
func (s *Service) Categorise(ctx context.Context, u catalog.User, id catalog.MediaID, c catalog.Category) (catalog.Media, error) {
	if err := ValidateCategory(c); err != nil {
		return catalog.Media{}, fmt.Errorf("categorise media %d: %w", id, err)
	}
	return s.changeMedia(ctx, u, id, catalog.ActCategorise, "media.categorise",
		func(_ context.Context, _ catalog.Tx, _ catalog.Scope, m *catalog.Media) (map[string]string, error) {
			old := m.Category
			m.Category = c
			return map[string]string{"old": categoryText(old), "new": categoryText(c)}, nil
		})
}

// SetSeries links a media item to a series (ActAnnotate on the media; the series must be one
// u may see), or unlinks it with series 0.
func (s *Service) SetSeries(ctx context.Context, u catalog.User, id catalog.MediaID, series catalog.SeriesID) (catalog.Media, error) {
	if series < 0 {
		return catalog.Media{}, invalid("media %d: series %d", id, series)
	}
	return s.changeMedia(ctx, u, id, catalog.ActAnnotate, "media.set_series",
		func(ctx context.Context, tx catalog.Tx, sc catalog.Scope, m *catalog.Media) (map[string]string, error) {
			if series != 0 {
				if _, err := tx.Series(ctx, sc, series); err != nil {
					return nil, fmt.Errorf("series %d: %w", series, err)
				}
			}
			old := m.Series
			m.Series = series
			return map[string]string{
				"old": strconv.FormatInt(int64(old), 10),
				"new": strconv.FormatInt(int64(series), 10),
			}, nil
		})
}

// SetAccess changes who may see a media item (ActManage: the owner's reviewers or
// coordinators). The owner cannot change; an empty Owner or Visibility keeps the current one.
func (s *Service) SetAccess(ctx context.Context, u catalog.User, id catalog.MediaID, a catalog.Access) (catalog.Media, error) {
	return s.changeMedia(ctx, u, id, catalog.ActManage, "media.set_access",
		func(_ context.Context, _ catalog.Tx, _ catalog.Scope, m *catalog.Media) (map[string]string, error) {
			na, err := changedAccess(m.Access, a)
			if err != nil {
				return nil, err
			}
			m.Access = na
			return accessDetails(map[string]string{}, na), nil
		})
}
