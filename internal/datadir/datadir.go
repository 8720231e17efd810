// Package datadir is a deployment's data folder: its layout, Init to create one with fresh keys,
// and Open to open its catalog, its encrypted blob store and its keys as one Deployment.
//
// On the embedded default the folder holds everything. A scale-out deployment keeps its catalog
// in PostgreSQL (Options.DB) and its blobs in S3-compatible storage (Options.Blobs); each replica
// then has its own copy of the folder for the keys and its local spool, and vidb.db and blobs/
// stay unused.
//
// A data folder belongs to one process at a time: Open takes an exclusive lock on it, and so
// can clean up what a crash left behind (temporary blob and spool files) at once rather than
// after a grace period. The layout:
//
//	DIR/vidb.db         the catalog (SQLite, WAL); vidb.db-wal and vidb.db-shm beside it
//	DIR/blobs/          the encrypted blobs, by keyed name (internal/blob/local)
//	DIR/spool/          blobs being encrypted, before they are moved into blobs/
//	DIR/keys/           the blob identity and naming key, the audit signing key, the key that
//	                    seals TOTP secrets (all 0600)
//	DIR/index/          near-duplicate index snapshots
//	DIR/.lock           held while a process has the folder open
//
// This package wires adapters together (it is an outer layer, like cmd/vidb); core packages
// must not import it.
package datadir

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/blob/local"
	"github.com/vidb-project/vidb/internal/blob/s3"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/durable"
	"github.com/vidb-project/vidb/internal/store/postgres"
	"github.com/vidb-project/vidb/internal/store/sqlite"
)

// The names inside a data folder.
const (
	DBFile    = "vidb.db"
	BlobsDir  = "blobs"
	SpoolDir  = "spool"
	KeysDir   = "keys"
	IndexDir  = "index"
	lockFile  = ".lock"
	stampFile = "VIDB" // marks a folder as a vidb data folder; holds the layout version
)

// lockWait is how long Open tries a data folder's lock before it reports ErrLocked.
const lockWait = time.Second

// layoutVersion is written to the stamp file; Open refuses folders of another version.
const layoutVersion = "vidb data folder 1\n"

// Sentinel errors.
var (
	// ErrExists: Init was pointed at a folder that already holds a deployment (or anything
	// else); it never overwrites.
	ErrExists = errors.New("the folder is not empty")
	// ErrNotDataDir: Open was pointed at a folder that is not a vidb data folder.
	ErrNotDataDir = errors.New("not a vidb data folder (run vidb init first)")
	// ErrLocked: another process has the data folder open.
	ErrLocked = errors.New("the data folder is in use by another process")
)

// Init creates a new data folder at dir: the folder itself (it must not exist, or be empty),
// the keys (age identity and blob naming key, audit signing key), and the catalog database with
// its schema and a first audit event (in PostgreSQL when opts.DB says so). It refuses, with
// ErrExists, to touch a folder that has anything in it, so an existing deployment's keys can
// never be overwritten.
func Init(ctx context.Context, dir string, opts Options) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("init %s: %w", dir, ErrExists)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	for _, sub := range []string{BlobsDir, SpoolDir, KeysDir, IndexDir} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			return fmt.Errorf("init %s: %w", dir, err)
		}
	}
	keys := filepath.Join(dir, KeysDir)
	bk, err := blob.GenerateKeys()
	if err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	if err := bk.WriteKeyFiles(keys); err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	if err := audit.WriteKeyFiles(keys); err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	if err := writeSealKey(keys); err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	d, err := open(ctx, dir, opts)
	if err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	err = d.Store.Update(ctx, func(tx catalog.Tx) error {
		_, err := tx.Audit(ctx, audit.Event{
			Time: d.now(), Actor: "system", Action: "deployment.init", Object: "deployment",
			Details: map[string]string{"layout": "1"},
		})
		return err
	})
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	// The stamp comes last: a folder without it is a failed init, which Open refuses.
	if err := durable.WriteFile(filepath.Join(dir, stampFile), []byte(layoutVersion), 0o600); err != nil {
		return fmt.Errorf("init %s: %w", dir, err)
	}
	return nil
}

// Options configures Open.
type Options struct {
	// Clock is the time source for records and audit events; nil means time.Now.
	Clock func() time.Time
	// Logger receives the deployment's log lines; nil discards them.
	Logger *slog.Logger
	// DB is a PostgreSQL URL to keep the catalog in instead of DIR/vidb.db; "" is the
	// embedded SQLite default.
	DB string
	// Blobs is an S3 URL (see internal/blob/s3.ParseURL) to keep the blobs in instead of
	// DIR/blobs; "" is the local default. Credentials come from the environment.
	Blobs string
	// Getenv reads the environment for the S3 credentials; nil means os.Getenv.
	Getenv func(string) string
}

// Catalog is the catalog of a deployment: a catalog.Store that can also open a consistent
// snapshot of its audit log for verification.
type Catalog interface {
	catalog.Store
	// AuditSource opens a read-only snapshot of the audit log; close it when done.
	AuditSource(ctx context.Context) (AuditSource, error)
}

// AuditSource is a snapshot of the audit log, for audit.Verify.
type AuditSource interface {
	audit.Source
	Close() error
}

// Deployment is an open data folder.
type Deployment struct {
	Dir      string
	Store    Catalog
	Blobs    blob.Backend
	Vault    *blob.Vault
	Verifier note.Verifier
	// SealKey is the 32-byte key that seals secrets kept in the catalog (TOTP secrets).
	SealKey []byte
	clock   func() time.Time
	lock    *os.File
}

// Open opens the data folder at dir for this process alone. It cleans up temporary files a
// crash left in blobs/ and spool/: with the folder locked, nobody else can be writing them.
func Open(ctx context.Context, dir string, opts Options) (*Deployment, error) {
	stamp, err := os.ReadFile(filepath.Join(dir, stampFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open %s: %w", dir, ErrNotDataDir)
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	if string(stamp) != layoutVersion {
		return nil, fmt.Errorf("open %s: unknown data folder layout %q", dir, stamp)
	}
	return open(ctx, dir, opts)
}

func open(ctx context.Context, dir string, opts Options) (_ *Deployment, err error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	d := &Deployment{Dir: dir, clock: opts.Clock}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if d.lock, err = lockDir(dir); err != nil {
		return nil, err
	}
	keys := filepath.Join(dir, KeysDir)
	bk, err := blob.LoadKeyFiles(keys)
	if err != nil {
		return nil, err
	}
	signer, err := audit.LoadSigner(keys)
	if err != nil {
		return nil, err
	}
	if d.Verifier, err = audit.LoadVerifier(keys); err != nil {
		return nil, err
	}
	if d.SealKey, err = loadSealKey(keys); err != nil {
		return nil, err
	}
	if opts.Blobs == "" {
		// Locked: every temporary file is an orphan, whatever its age.
		d.Blobs, err = local.New(filepath.Join(dir, BlobsDir), local.Options{TempGrace: time.Nanosecond, Logger: opts.Logger})
	} else {
		d.Blobs, err = openS3(ctx, opts)
	}
	if err != nil {
		return nil, err
	}
	spool := filepath.Join(dir, SpoolDir)
	if n, err := blob.RemoveTempFiles(spool, time.Now().Add(time.Nanosecond)); err != nil {
		return nil, err
	} else if n > 0 {
		opts.Logger.Info("removed orphaned spool files", "count", n)
	}
	d.Vault = blob.NewVault(d.Blobs, bk, spool)
	if opts.DB == "" {
		st, err := sqlite.Open(ctx, filepath.Join(dir, DBFile), sqlite.Options{AuditSigner: signer, Clock: opts.Clock, Logger: opts.Logger})
		if err != nil {
			return nil, err
		}
		d.Store = sqliteCatalog{st}
	} else {
		st, err := postgres.Open(ctx, opts.DB, postgres.Options{AuditSigner: signer, Clock: opts.Clock, Logger: opts.Logger})
		if err != nil {
			return nil, err
		}
		d.Store = postgresCatalog{st}
	}
	return d, nil
}

// openS3 connects to the S3 bucket opts.Blobs names.
func openS3(ctx context.Context, opts Options) (*s3.Backend, error) {
	cfg, err := s3.ParseURL(opts.Blobs, opts.Getenv)
	if err != nil {
		return nil, err
	}
	return s3.New(ctx, cfg)
}

// sealKeyFile holds the key that seals secrets kept in the catalog, as 64 hex digits.
const sealKeyFile = "auth-seal.key"

// writeSealKey creates a fresh seal key in the keys folder.
func writeSealKey(keys string) error {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return err
	}
	return durable.WriteFile(filepath.Join(keys, sealKeyFile), []byte(hex.EncodeToString(k)+"\n"), 0o600)
}

// loadSealKey reads the seal key, creating it first in a data folder made before it existed.
func loadSealKey(keys string) ([]byte, error) {
	path := filepath.Join(keys, sealKeyFile)
	b, err := durable.ReadPrivate(path, 1024)
	if errors.Is(err, fs.ErrNotExist) {
		if err := writeSealKey(keys); err != nil {
			return nil, fmt.Errorf("creating the seal key: %w", err)
		}
		b, err = durable.ReadPrivate(path, 1024)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the seal key: %w", err)
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("%s: not a seal key (want 64 hex digits)", path)
	}
	return k, nil
}

// sqliteCatalog and postgresCatalog give both stores the Catalog shape.
type sqliteCatalog struct{ *sqlite.Store }

func (c sqliteCatalog) AuditSource(ctx context.Context) (AuditSource, error) {
	return c.AuditSnapshot(ctx)
}

type postgresCatalog struct{ *postgres.Store }

func (c postgresCatalog) AuditSource(ctx context.Context) (AuditSource, error) {
	return c.AuditSnapshot(ctx)
}

// now is the deployment's clock, in UTC to the microsecond (what the audit log keeps).
func (d *Deployment) now() time.Time { return d.clock().UTC().Truncate(time.Microsecond) }

// Close closes the catalog and the blob store and releases the folder.
func (d *Deployment) Close() error {
	var errs []error
	if d.Store != nil {
		errs = append(errs, d.Store.Close())
	}
	if d.Blobs != nil {
		errs = append(errs, d.Blobs.Close())
	}
	if d.lock != nil {
		errs = append(errs, d.lock.Close()) // closing the descriptor releases the flock
	}
	return errors.Join(errs...)
}

// lockDir takes an exclusive flock on dir/.lock, waiting at most lockWait. The kernel releases
// it when the process dies, so a crash never leaves the folder locked.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	// A lock released a moment ago can still be held by a child process forked in between
	// (ffmpeg, started by another goroutine) until that child execs and drops its copy of the
	// descriptor, so a busy lock is tried again for a short while before it counts as taken.
	deadline := time.Now().Add(lockWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("open %s: lock: %w", dir, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("open %s: %w", dir, ErrLocked)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
