// Package datadir is the embedded deployment's data folder: its layout, Init to create one with
// fresh keys, and Open to open its catalog (SQLite), its encrypted blob store and its audit keys
// as one Deployment.
//
// A data folder belongs to one process at a time: Open takes an exclusive lock on it, and so
// can clean up what a crash left behind (temporary blob and spool files) at once rather than
// after a grace period. The layout:
//
//	DIR/vidb.db         the catalog (SQLite, WAL); vidb.db-wal and vidb.db-shm beside it
//	DIR/blobs/          the encrypted blobs, by keyed name (internal/blob/local)
//	DIR/spool/          blobs being encrypted, before they are moved into blobs/
//	DIR/keys/           the blob identity and naming key, the audit signing key (all 0600)
//	DIR/index/          near-duplicate index snapshots
//	DIR/.lock           held while a process has the folder open
//
// This package wires adapters together (it is an outer layer, like cmd/vidb); core packages
// must not import it.
package datadir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/blob/local"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/durable"
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
// its schema and a first audit event. It refuses, with ErrExists, to touch a folder that has
// anything in it, so an existing deployment's keys can never be overwritten.
func Init(ctx context.Context, dir string, clock func() time.Time) error {
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
	d, err := open(ctx, dir, Options{Clock: clock})
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
}

// Deployment is an open data folder.
type Deployment struct {
	Dir      string
	Store    *sqlite.Store
	Blobs    *local.Backend
	Vault    *blob.Vault
	Verifier note.Verifier
	clock    func() time.Time
	lock     *os.File
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
	// Locked: every temporary file is an orphan, whatever its age.
	if d.Blobs, err = local.New(filepath.Join(dir, BlobsDir), local.Options{TempGrace: time.Nanosecond, Logger: opts.Logger}); err != nil {
		return nil, err
	}
	spool := filepath.Join(dir, SpoolDir)
	if n, err := blob.RemoveTempFiles(spool, time.Now().Add(time.Nanosecond)); err != nil {
		return nil, err
	} else if n > 0 {
		opts.Logger.Info("removed orphaned spool files", "count", n)
	}
	d.Vault = blob.NewVault(d.Blobs, bk, spool)
	d.Store, err = sqlite.Open(ctx, filepath.Join(dir, DBFile), sqlite.Options{AuditSigner: signer, Clock: opts.Clock, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	return d, nil
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

// lockDir takes an exclusive, non-blocking flock on dir/.lock. The kernel releases it when the
// process dies, so a crash never leaves the folder locked.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("open %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("open %s: lock: %w", dir, err)
	}
	return f, nil
}
