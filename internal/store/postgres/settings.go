package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vidb-project/vidb/internal/catalog"
)

// Users' own exposure settings: how previews are shown to them and their own daily reveal limit.

const settingsCols = `user_id, blur, colour, daily_reveal_limit, updated`

func scanSettings(row pgx.Row) (catalog.Settings, error) {
	var s catalog.Settings
	var limit int32
	err := row.Scan(&s.User, &s.Blur, &s.Colour, &limit, &s.Updated)
	s.DailyRevealLimit, s.Updated = int(limit), s.Updated.UTC()
	return s, err
}

// Settings implements catalog.Reader.
func (r reader) Settings(ctx context.Context, u catalog.UserID) (catalog.Settings, error) {
	return one(ctx, r, noLock, "settings", scanSettings,
		`SELECT `+settingsCols+` FROM user_settings WHERE user_id = $1`, int64(u))
}

// PutSettings implements catalog.Tx.
func (t *tx) PutSettings(ctx context.Context, s catalog.Settings) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("postgres: putting settings: %w", err)
	}
	if err := t.userExists(ctx, "putting settings", s.User); err != nil {
		return err
	}
	_, err := t.exec(ctx, "putting settings", `INSERT INTO user_settings (`+settingsCols+`)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET blur = EXCLUDED.blur, colour = EXCLUDED.colour,
			daily_reveal_limit = EXCLUDED.daily_reveal_limit, updated = EXCLUDED.updated`,
		int64(s.User), s.Blur, s.Colour, s.DailyRevealLimit, orNow(s.Updated, t.s.now()))
	return err
}
