package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	migrationfile "github.com/vidb-project/vidb/internal/store/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded migration file; its name is what schema_migrations records.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order (see internal/store/migrate).
func migrations() ([]migration, error) {
	loaded, err := migrationfile.Load(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	ms := make([]migration, len(loaded))
	for i, m := range loaded {
		ms[i] = migration{version: m.Version, name: m.File, sql: m.SQL}
	}
	return ms, nil
}

// migrate brings the schema up to date. It holds a session advisory lock for the whole run, so
// replicas opening the same database at once migrate it once: the others wait, then find
// nothing left to do.
func (s *Store) migrate(ctx context.Context, schema string) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrating: %w", err)
	}
	defer conn.Release()
	key := lockKey("vidb.migrate:" + schema)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return fmt.Errorf("postgres: migrating: taking the migration lock: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key); err != nil {
			// The lock would outlive us on this pooled connection: drop the connection.
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY,
		name    text NOT NULL,
		applied timestamptz NOT NULL
	)`); err != nil {
		return fmt.Errorf("postgres: migrating: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("postgres: migrating: reading the schema version: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("postgres: %w: database at version %d, this vidb knows up to %d", ErrSchemaTooNew, current, len(ms))
	}
	for _, m := range ms[current:] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES ($1, $2, $3)`,
				m.version, m.name, s.now())
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
		s.log.InfoContext(ctx, "applied migration", "migration", m.name, "schema", schema)
	}
	return nil
}
