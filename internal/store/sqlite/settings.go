package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/vidb-project/vidb/internal/catalog"
)

// Users' own exposure settings: how previews are shown to them and their own daily reveal limit.

const settingsCols = "user_id, blur, colour, daily_reveal_limit, updated"

func scanSettings(r scanner) (catalog.Settings, error) {
	var s catalog.Settings
	var updated sql.NullInt64
	if err := r.Scan(&s.User, &s.Blur, &s.Colour, &s.DailyRevealLimit, &updated); err != nil {
		return s, err
	}
	s.Updated = fromMicros(updated)
	return s, nil
}

func (r reader) Settings(ctx context.Context, u catalog.UserID) (catalog.Settings, error) {
	return one(ctx, r.q, scanSettings, "SELECT "+settingsCols+" FROM user_settings WHERE user_id = ?", int64(u))
}

func (t *tx) PutSettings(ctx context.Context, s catalog.Settings) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("sqlite: putting settings: %w", err)
	}
	if err := t.userExists(ctx, s.User); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `INSERT INTO user_settings (`+settingsCols+`) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (user_id) DO UPDATE SET blur = excluded.blur, colour = excluded.colour,
	daily_reveal_limit = excluded.daily_reveal_limit, updated = excluded.updated`,
		int64(s.User), s.Blur, s.Colour, s.DailyRevealLimit, stamp(s.Updated, t.s.now()).UnixMicro()); err != nil {
		return err
	}
	t.changed()
	return nil
}
