package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
)

var (
	_ catalog.Store = (*Store)(nil)
	_ audit.Source  = (*Store)(nil)
	_ catalog.Tx    = (*tx)(nil)
)

// Errors of this package, besides the catalog's sentinels.
var (
	// ErrSchemaTooNew: the database was migrated by a newer vidb than this one; opening it
	// could corrupt data this code does not understand.
	ErrSchemaTooNew = errors.New("sqlite: database schema is newer than this vidb")
	// ErrNoSigner: Open was called without an audit signer.
	ErrNoSigner = errors.New("sqlite: an audit signer is required")
)

// DefaultImportBatch is the number of hash-only records ImportHashOnly commits per transaction
// when Options.ImportBatch is 0. Every commit writes the pages the batch dirtied (nearly every
// leaf of the three digest indexes, at any size) to the WAL and back. Measured importing a
// million records: 25,000 a batch took 42 s, 50,000 36 s, 100,000 34 s; a batch holds the
// writer (every other change waits) for about 2 s at 50,000, so the gain beyond stops here.
const DefaultImportBatch = 50_000

// Options configure a Store.
type Options struct {
	// AuditSigner signs a checkpoint of the audit log at the end of every transaction that
	// appends events. Required.
	AuditSigner note.Signer
	// Clock gives the time recorded on new and changed records and audit events; nil means
	// time.Now.
	Clock func() time.Time
	// Logger receives the store's own log lines (migrations, slow imports); nil discards them.
	Logger *slog.Logger
	// ImportBatch is the number of records ImportHashOnly commits per transaction, each with
	// its audit event and checkpoint; 0 means DefaultImportBatch.
	ImportBatch int
	// Readers is the size of the read pool; 0 means max(4, GOMAXPROCS).
	Readers int

	// synchronous overrides PRAGMA synchronous (FULL); for the benchmark that measures what
	// durability costs, never for a deployment.
	synchronous string
	// page overrides how many rows the streaming methods read per query, so that tests cross
	// page boundaries with few rows.
	page int
}

// Store is the SQLite catalog. Its methods are safe for concurrent use.
type Store struct {
	reader // the Reader methods, on the read pool

	path   string
	w      *sql.DB // the one writer connection
	r      *sql.DB // the read pool
	rq     *poolQuerier
	signer note.Signer
	clock  func() time.Time
	log    *slog.Logger
	batch  int
	page   int

	closeOnce sync.Once
	closeErr  error
}

// Open opens the catalog in the SQLite file at path, creating it (mode 0600) and migrating its
// schema to the newest version this code knows. It refuses a database whose schema is newer
// (ErrSchemaTooNew).
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.AuditSigner == nil {
		return nil, ErrNoSigner
	}
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open %q: want the path of a database file", path)
	}
	s := &Store{
		path:   path,
		signer: opts.AuditSigner,
		clock:  opts.Clock,
		log:    opts.Logger,
		batch:  opts.ImportBatch,
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.batch <= 0 {
		s.batch = DefaultImportBatch
	}
	// Create the file ourselves so that SQLite, which gives the WAL and shared-memory files the
	// database's permissions, never makes evidence metadata world-readable.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}

	syncMode := "FULL"
	if opts.synchronous != "" {
		syncMode = opts.synchronous
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	wdsn := base + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(" + syncMode + ")&_pragma=cache_size(-524288)&_pragma=mmap_size(1073741824)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	s.w, err = sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.w.PingContext(ctx); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := s.checkPragmas(ctx, syncMode); err != nil {
		s.w.Close()
		return nil, err
	}
	if err := migrate(ctx, s.w, s.clock, s.log); err != nil {
		s.w.Close()
		return nil, err
	}

	readers := opts.Readers
	if readers <= 0 {
		readers = max(4, runtime.GOMAXPROCS(0))
	}
	rdsn := base + "?_pragma=busy_timeout(10000)&_pragma=query_only(1)&_pragma=cache_size(-16384)&_pragma=temp_store(MEMORY)"
	s.r, err = sql.Open("sqlite", rdsn)
	if err != nil {
		s.w.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	s.r.SetMaxOpenConns(readers)
	s.r.SetMaxIdleConns(readers)
	if err := s.r.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.page = opts.page
	s.rq = newPoolQuerier(s.r)
	s.reader = reader{q: s.rq, page: opts.page}
	return s, nil
}

// checkPragmas confirms that the writer connection runs with the settings durability depends
// on: a pragma SQLite does not accept fails silently.
func (s *Store) checkPragmas(ctx context.Context, sync string) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: journal_mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("sqlite: journal_mode is %q, want wal", mode)
	}
	var fk, syn int
	if err := s.w.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("sqlite: foreign_keys: %w", err)
	}
	if err := s.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syn); err != nil {
		return fmt.Errorf("sqlite: synchronous: %w", err)
	}
	want := map[string]int{"OFF": 0, "NORMAL": 1, "FULL": 2, "EXTRA": 3}[strings.ToUpper(sync)]
	if fk != 1 || syn != want {
		return fmt.Errorf("sqlite: foreign_keys=%d synchronous=%d, want 1 and %d", fk, syn, want)
	}
	return nil
}

// Close releases the store's connections. Updates still running fail.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.rq != nil {
			s.rq.close()
		}
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		if s.w != nil {
			// Let SQLite refresh its statistics for the query planner; failure is harmless.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, _ = s.w.ExecContext(ctx, "PRAGMA optimize")
			cancel()
			errs = append(errs, s.w.Close())
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("sqlite: close: %w", err)
		}
	})
	return s.closeErr
}

// now is the store's clock in UTC, to the microsecond: what the database keeps.
func (s *Store) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// Update runs fn in a BEGIN IMMEDIATE transaction on the writer connection and commits it if
// fn returns nil. An error or a panic in fn rolls everything back (the panic goes on after the
// rollback). A transaction that wrote and appended no audit event is rolled back with
// catalog.ErrUnaudited. A transaction that appended events ends with a signed checkpoint of
// the new tree head, in the same commit. Update calls are serialised by the writer connection,
// so SQLite reports no serialisation conflicts to retry; do not call Update from inside fn.
func (s *Store) Update(ctx context.Context, fn func(tx catalog.Tx) error) error {
	sqltx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", mapErr(err))
	}
	committed := false
	defer func() {
		if !committed {
			// Runs on error, and on panic before the panic continues.
			_ = sqltx.Rollback()
		}
	}()
	t := newTx(s, sqltx)
	if err := fn(t); err != nil {
		return err
	}
	if err := t.finish(ctx); err != nil {
		return err
	}
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", mapErr(err))
	}
	committed = true
	return nil
}

// mapErr turns SQLite constraint errors into the catalog's sentinels, keeping the original
// in the chain for the log.
func mapErr(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %w", catalog.ErrNotFound, err)
		}
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("%w: %w", catalog.ErrConflict, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w: refers to a record that does not exist: %w", catalog.ErrInvalid, err)
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return fmt.Errorf("%w: %w", catalog.ErrInvalid, err)
	}
	return err
}
