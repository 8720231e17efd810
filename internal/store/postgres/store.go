package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/mod/sumdb/note"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
)

// Errors of this package, besides the catalog's sentinels.
var (
	// ErrSchemaTooNew: the database was migrated by a newer vidb than this one.
	ErrSchemaTooNew = errors.New("database schema is newer than this vidb")
	// ErrNoSigner: the store was opened without an audit signer and cannot record audit events.
	ErrNoSigner = errors.New("no audit signer configured")
)

// Options configure a Store.
type Options struct {
	// AuditSigner signs the audit log's checkpoints. Without one the store can read but every
	// Audit call fails with ErrNoSigner.
	AuditSigner note.Signer
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Logger receives the store's diagnostics; nil discards them.
	Logger *slog.Logger
	// ImportBatch is how many records ImportHashOnly commits per transaction, each batch with
	// its audit event and checkpoint; 0 means DefaultImportBatch.
	ImportBatch int
	// Schema is the PostgreSQL schema that holds vidb's tables, created if missing; "" uses the
	// connection's default search path.
	Schema string
}

// Store is the catalog on PostgreSQL. It is safe for concurrent use.
type Store struct {
	reader
	pool   *pgxpool.Pool
	signer note.Signer
	clock  func() time.Time
	log    *slog.Logger
	// lockKey is the advisory lock key that serialises audit and feed appends in this schema.
	lockKey int64
	// importBatch is Options.ImportBatch or its default.
	importBatch int
}

var (
	_ catalog.Store = (*Store)(nil)
	_ audit.Source  = (*Store)(nil)
)

// maxAttempts bounds how often Update runs fn when the database reports a serialisation
// failure or a deadlock.
const maxAttempts = 10

// Open connects to the database at dsn (a PostgreSQL URL or key=value string), migrates its
// schema to this version of vidb, and returns the store.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parsing the connection string: %w", err)
	}
	if opts.Schema != "" {
		// Every connection of the pool searches only vidb's schema (and pg_catalog, always).
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// Updates and imports hold a connection each, and a function inside Update may read
		// through the Store as well: more than the default of four.
		cfg.MaxConns = 16
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "vidb"
	}
	s := &Store{
		signer: opts.AuditSigner,
		clock:  opts.Clock,
		log:    opts.Logger,

		importBatch: opts.ImportBatch,
	}
	if s.importBatch <= 0 {
		s.importBatch = DefaultImportBatch
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if opts.Schema != "" {
		if err := createSchema(ctx, cfg.ConnConfig, opts.Schema); err != nil {
			return nil, err
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connecting: %w", err)
	}
	s.pool = pool
	s.reader = reader{q: pool}
	var schema string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connecting: %w", err)
	}
	s.lockKey = lockKey("vidb.audit:" + schema)
	if err := s.migrate(ctx, schema); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// createSchema creates the schema if it does not exist, on a connection of its own (the pool's
// connections would search a schema that may not exist yet).
func createSchema(ctx context.Context, cfg *pgx.ConnConfig, schema string) error {
	cc := cfg.Copy()
	delete(cc.RuntimeParams, "search_path")
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return fmt.Errorf("postgres: connecting: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{schema}.Sanitize()); err != nil {
		var pe *pgconn.PgError
		// Two replicas creating the schema at once: the loser sees a duplicate; that is fine.
		if !errors.As(err, &pe) || (pe.Code != "23505" && pe.Code != "42P06") {
			return fmt.Errorf("postgres: creating schema %q: %w", schema, err)
		}
	}
	return nil
}

// lockKey turns a name into an advisory lock key.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64())
}

// Close releases the store's connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// now returns the store's clock in UTC, to the microsecond (what timestamptz keeps).
func (s *Store) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// Update runs fn in a READ COMMITTED transaction with the locking described in the package
// documentation, and retries it on a serialisation failure or deadlock.
func (s *Store) Update(ctx context.Context, fn func(tx catalog.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.update(ctx, fn)
		if err == nil || !retryable(err) || attempt == maxAttempts || ctx.Err() != nil {
			return err
		}
		s.log.DebugContext(ctx, "retrying transaction", "attempt", attempt, "err", err)
		backoff := time.Duration(1<<min(attempt, 6)) * time.Millisecond
		backoff += rand.N(backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return err
		}
	}
}

// update runs fn once.
func (s *Store) update(ctx context.Context, fn func(tx catalog.Tx) error) (err error) {
	pt, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("postgres: beginning a transaction: %w", err)
	}
	done := false
	defer func() {
		if !done {
			// On error or panic; a panic goes on up after the rollback.
			_ = pt.Rollback(context.WithoutCancel(ctx))
		}
	}()
	t := &tx{reader: reader{q: pt, lock: true}, s: s, pt: pt, size: -1}
	if err := fn(t); err != nil {
		return err
	}
	if t.wrote && t.appended == 0 {
		return catalog.ErrUnaudited
	}
	// From here on the change and its audit record go together: a caller that hangs up now
	// must not leave the change half committed or drop its audit record.
	wctx := context.WithoutCancel(ctx)
	if t.appended > 0 {
		if err := t.checkpoint(wctx); err != nil {
			return err
		}
	}
	done = true
	if err := pt.Commit(wctx); err != nil {
		return fmt.Errorf("postgres: committing: %w", mapErr(err))
	}
	return nil
}

// retryable reports whether err says the transaction lost a race and may simply be run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// mapErr turns PostgreSQL's integrity errors into the catalog's sentinels, keeping the original
// in the chain for the log (and for retryable).
func mapErr(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	var sentinel error
	switch {
	case pe.Code == "23505": // unique_violation
		sentinel = catalog.ErrConflict
	case pe.Code == "23503": // foreign_key_violation
		return fmt.Errorf("%w: refers to a record that does not exist: %w", catalog.ErrInvalid, err)
	case pe.Code == "23514", pe.Code == "23502", pe.Code[:2] == "22": // check, not null, data
		sentinel = catalog.ErrInvalid
	default:
		return err
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}

// wrap names the operation that failed and maps the database's error.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("postgres: %s: %w", op, mapErr(err))
}
