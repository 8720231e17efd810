package casework

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/imaging"
)

// DefaultSettings are the exposure settings of a user who chose none: previews blurred as
// imaging.DefaultPreviewOptions blurs them, in greyscale, and no personal reveal limit.
func DefaultSettings(u catalog.UserID) catalog.Settings {
	return catalog.Settings{User: u, Blur: imaging.DefaultPreviewOptions().Blur}
}

// Settings returns u's own exposure settings, or DefaultSettings when u saved none. Every
// signed-in user has settings, whatever their role.
func (s *Service) Settings(ctx context.Context, u catalog.User) (catalog.Settings, error) {
	if u.ID == 0 || u.Disabled {
		return catalog.Settings{}, fmt.Errorf("%w: settings need an active account", catalog.ErrForbidden)
	}
	st, err := s.store.Settings(ctx, u.ID)
	if errors.Is(err, catalog.ErrNotFound) {
		return DefaultSettings(u.ID), nil
	}
	if err != nil {
		return catalog.Settings{}, fmt.Errorf("settings of user %d: %w", u.ID, err)
	}
	return st, nil
}

// SaveSettings stores u's own exposure settings (st.User is ignored: a user changes only their
// own), audited as "user.settings".
func (s *Service) SaveSettings(ctx context.Context, u catalog.User, st catalog.Settings) (catalog.Settings, error) {
	if u.ID == 0 || u.Disabled {
		return catalog.Settings{}, fmt.Errorf("%w: settings need an active account", catalog.ErrForbidden)
	}
	st.User, st.Updated = u.ID, s.clock()
	if err := st.Validate(); err != nil {
		return catalog.Settings{}, err
	}
	err := s.update(ctx, func(ctx context.Context, tx catalog.Tx) error {
		if err := tx.PutSettings(ctx, st); err != nil {
			return err
		}
		return s.record(ctx, tx, u, "user.settings", object("user", u.ID), map[string]string{
			"blur":               strconv.FormatFloat(st.Blur, 'g', -1, 64),
			"colour":             strconv.FormatBool(st.Colour),
			"daily_reveal_limit": strconv.Itoa(st.DailyRevealLimit),
		})
	})
	if err != nil {
		return catalog.Settings{}, err
	}
	return st, nil
}
