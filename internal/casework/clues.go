package casework

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vidb-project/vidb/internal/catalog"
)

// AddClue records a clue on a media item or a region of it, or on a series, that u may see and
// annotate. The clue is owned by u's country and authored by u; its visibility defaults to
// VisibilityOwner. A region must lie inside the media's width and height when they are known.
func (s *Service) AddClue(ctx context.Context, u catalog.User, c catalog.Clue) (catalog.Clue, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Clue{}, fmt.Errorf("add clue: %w", err)
	}
	if c.Access.Owner != "" && c.Access.Owner != u.Country {
		return catalog.Clue{}, invalid("add clue: a clue is owned by its author's country")
	}
	c.Access.Owner = u.Country
	if c.Access.Visibility == "" {
		c.Access.Visibility = catalog.VisibilityOwner
	}
	c.Access = c.Access.Normalize()
	c.ID, c.Author, c.Created = 0, u.ID, s.clock()
	if c.Media < 0 || c.Series < 0 {
		return catalog.Clue{}, invalid("add clue: negative media or series")
	}
	if err := checkText("clue text", c.Text, 10000, true); err != nil {
		return catalog.Clue{}, fmt.Errorf("add clue: %w", err)
	}
	if c.Tags, err = cleanTags(c.Tags); err != nil {
		return catalog.Clue{}, fmt.Errorf("add clue: %w", err)
	}
	if err := c.Validate(); err != nil {
		return catalog.Clue{}, fmt.Errorf("add clue: %w", err)
	}
	if c.Region != nil && c.Media == 0 {
		return catalog.Clue{}, invalid("add clue: a region is on a media item")
	}
	err = s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		d := map[string]string{"kind": string(c.Kind), "visibility": string(c.Access.Visibility)}
		if c.Media != 0 {
			m, err := tx.Media(ctx, sc, c.Media)
			if err != nil {
				return fmt.Errorf("media %d: %w", c.Media, err)
			}
			if !catalog.Can(u, catalog.ActAnnotate, m.Access) {
				return fmt.Errorf("media %d: %w", c.Media, catalog.ErrForbidden)
			}
			if r := c.Region; r != nil && (m.Width > 0 && r.X+r.W > m.Width || m.Height > 0 && r.Y+r.H > m.Height) {
				return invalid("region %dx%d+%d+%d lies outside the %dx%d media", r.W, r.H, r.X, r.Y, m.Width, m.Height)
			}
			d["media"] = strconv.FormatInt(int64(c.Media), 10)
		}
		if c.Series != 0 {
			x, err := tx.Series(ctx, sc, c.Series)
			if err != nil {
				return fmt.Errorf("series %d: %w", c.Series, err)
			}
			if !catalog.Can(u, catalog.ActAnnotate, x.Access) {
				return fmt.Errorf("series %d: %w", c.Series, catalog.ErrForbidden)
			}
			d["series"] = strconv.FormatInt(int64(c.Series), 10)
		}
		var err error
		if c, err = tx.AddClue(ctx, c); err != nil {
			return err
		}
		return s.record(ctx, tx, u, "clue.add", object("clue", c.ID), d)
	})
	if err != nil {
		return catalog.Clue{}, fmt.Errorf("add clue: %w", err)
	}
	return c, nil
}

// cleanTags trims tags, drops empty ones and checks their number and length.
func cleanTags(tags []string) ([]string, error) {
	var out []string
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if err := checkText("tag", t, maxTagLen, false); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if len(out) > maxTags {
		return nil, invalid("more than %d tags", maxTags)
	}
	return out, nil
}

// Clue returns a clue u may see.
func (s *Service) Clue(ctx context.Context, u catalog.User, id catalog.ClueID) (catalog.Clue, error) {
	sc, err := reader(u)
	if err != nil {
		return catalog.Clue{}, fmt.Errorf("clue %d: %w", id, err)
	}
	c, err := s.store.Clue(ctx, sc, id)
	if err != nil {
		return catalog.Clue{}, fmt.Errorf("clue %d: %w", id, err)
	}
	return c, nil
}

// Clues lists the clues u may see that pass the filter.
func (s *Service) Clues(ctx context.Context, u catalog.User, f catalog.ClueFilter, p catalog.Page) ([]catalog.Clue, error) {
	sc, err := reader(u)
	if err != nil {
		return nil, fmt.Errorf("clues: %w", err)
	}
	cs, err := s.store.Clues(ctx, sc, f, p)
	if err != nil {
		return nil, fmt.Errorf("clues: %w", err)
	}
	return cs, nil
}

// DeleteClue removes a clue u may see. Its author may, and so may a reviewer or coordinator of
// the author's country; anyone else gets ErrForbidden.
func (s *Service) DeleteClue(ctx context.Context, u catalog.User, id catalog.ClueID) error {
	sc, err := reader(u)
	if err != nil {
		return fmt.Errorf("delete clue %d: %w", id, err)
	}
	err = s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		c, err := tx.Clue(ctx, sc, id)
		if err != nil {
			return err
		}
		author := c.Author == u.ID && u.Country == c.Access.Owner
		colleague := u.Country == c.Access.Owner && (u.Role == catalog.RoleReviewer || u.Role == catalog.RoleCoordinator)
		if !author && !colleague {
			return fmt.Errorf("only the author or a reviewer of the author's country deletes a clue: %w", catalog.ErrForbidden)
		}
		if err := tx.DeleteClue(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, u, "clue.delete", object("clue", id), map[string]string{"kind": string(c.Kind)})
	})
	if err != nil {
		return fmt.Errorf("delete clue %d: %w", id, err)
	}
	return nil
}
