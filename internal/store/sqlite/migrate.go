package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"log/slog"
	"time"

	migrationfile "github.com/vidb-project/vidb/internal/store/migrate"
)

// migrationFiles are the schema's forward-only migrations, NNNN_name.sql, applied in order.
// A migration, once released, is never edited: a change is a new file.
//
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
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	ms := make([]migration, len(loaded))
	for i, m := range loaded {
		ms[i] = migration{version: m.Version, name: m.Name, sql: m.SQL}
	}
	return ms, nil
}

// migrate brings the database's schema to the newest embedded version: each missing migration
// runs in its own transaction, together with its row in schema_migrations. It refuses a
// database that has a version this code does not know, or whose recorded names differ from
// the embedded ones (a database from another branch of the schema).
func migrate(ctx context.Context, db *sql.DB, clock func() time.Time, log *slog.Logger) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER NOT NULL PRIMARY KEY,
	name    TEXT    NOT NULL,
	applied INTEGER NOT NULL
) STRICT`); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
	}
	applied := map[int]string{}
	rows, err := db.QueryContext(ctx, "SELECT version, name FROM schema_migrations ORDER BY version")
	if err != nil {
		return fmt.Errorf("sqlite: reading schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: reading schema_migrations: %w", err)
		}
		applied[v] = name
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("sqlite: reading schema_migrations: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: reading schema_migrations: %w", err)
	}
	for v, name := range applied {
		if v > len(ms) {
			return fmt.Errorf("%w: it has migration %d (%s); this vidb knows %d", ErrSchemaTooNew, v, name, len(ms))
		}
		if ms[v-1].name != name {
			return fmt.Errorf("sqlite: migration %d is %q in the database but %q here", v, name, ms[v-1].name)
		}
	}
	for _, m := range ms {
		if _, ok := applied[m.version]; ok {
			continue
		}
		if err := apply(ctx, db, m, clock); err != nil {
			return err
		}
		log.Info("sqlite: schema migrated", "version", m.version, "migration", m.name)
	}
	return nil
}

// apply runs one migration and records it, in one transaction.
func apply(ctx context.Context, db *sql.DB, m migration, clock func() time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migration %d: %w", m.version, err)
	}
	defer tx.Rollback()
	var n int
	// Another process may have applied it since we looked: BEGIN IMMEDIATE holds the write
	// lock now, so this answer stands.
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: migration %d: %w", m.version, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("sqlite: migration %d (%s): %w", m.version, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)",
		m.version, m.name, clock().UnixMicro()); err != nil {
		return fmt.Errorf("sqlite: migration %d: %w", m.version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migration %d: %w", m.version, err)
	}
	return nil
}
