package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/vidb-project/vidb/internal/durable"

	"github.com/vidb-project/vidb/internal/blob"
)

// DefaultTempGrace is how long a temporary file must have gone unwritten before [New] takes it
// for an orphan and removes it.
const DefaultTempGrace = time.Hour

// copyBufSize is the buffer size for writing objects.
const copyBufSize = 256 << 10

// Options tunes [New]. The zero value gives the defaults.
type Options struct {
	// TempGrace is how long a temporary file must have gone unmodified before New removes it
	// as an orphan. Zero means DefaultTempGrace.
	TempGrace time.Duration
	// Now is the clock New judges the age of temporary files by. Nil means time.Now.
	Now func() time.Time
	// Logger receives a line when orphaned temporary files are removed. Nil discards it.
	Logger *slog.Logger
}

// Backend is a folder of objects. It is safe for concurrent use, by goroutines and by
// processes sharing the folder.
type Backend struct {
	dir   string
	grace time.Duration
	now   func() time.Time
	log   *slog.Logger
}

var (
	_ blob.Backend       = (*Backend)(nil)
	_ blob.FilePutter    = (*Backend)(nil)
	_ blob.OrphanRemover = (*Backend)(nil)
)

// New opens the folder dir as a backend, creating it with mode 0700 if it does not exist, and
// removes the temporary files in it that are older than opts.TempGrace.
func New(dir string, opts Options) (*Backend, error) {
	if dir == "" {
		return nil, errors.New("local blob store: empty folder name")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local blob store: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("local blob store: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("local blob store: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("local blob store: %s is not a folder", dir)
	}
	b := &Backend{dir: dir, grace: opts.TempGrace, now: opts.Now, log: opts.Logger}
	if b.grace == 0 {
		b.grace = DefaultTempGrace
	}
	if b.now == nil {
		b.now = time.Now
	}
	if _, err := b.RemoveOrphans(context.Background()); err != nil {
		return nil, err
	}
	return b, nil
}

// RemoveOrphans implements blob.OrphanRemover: it removes the temporary files that nobody has
// written to for the grace period, as New does, and returns how many it removed. A
// long-running process calls it now and then to clean up after writers that crashed since it
// started.
func (b *Backend) RemoveOrphans(ctx context.Context) (int, error) {
	n, err := b.removeTemp(ctx, b.now().Add(-b.grace))
	if n > 0 && b.log != nil {
		b.log.Info("removed orphaned temporary files", "dir", b.dir, "count", n)
	}
	if err != nil {
		return n, fmt.Errorf("local blob store: removing orphaned temporary files: %w", err)
	}
	return n, nil
}

// Dir returns the folder, as an absolute path. It is the place for a blob.Vault's spool
// files: on the same file system, so that a spooled blob is renamed into place.
func (b *Backend) Dir() string { return b.dir }

// removeTemp removes the temporary files last modified before cutoff from the folder and its
// fan-out folders, and returns how many it removed.
func (b *Backend) removeTemp(ctx context.Context, cutoff time.Time) (int, error) {
	dirs := []string{b.dir}
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		if e.IsDir() && isFanout(e.Name()) {
			dirs = append(dirs, filepath.Join(b.dir, e.Name()))
		}
	}
	removed := 0
	var errs []error
	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		n, err := blob.RemoveTempFiles(d, cutoff)
		removed += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}

// isFanout reports whether name is a fan-out folder name: two lowercase hex digits.
func isFanout(name string) bool {
	return len(name) == 2 && isHex(name[0]) && isHex(name[1])
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// path returns the fan-out folder and the file of the object name.
func (b *Backend) path(name string) (dir, file string) {
	dir = filepath.Join(b.dir, name[:2])
	return dir, filepath.Join(dir, name)
}

// check validates name and ctx for operation op.
func check(ctx context.Context, op, name string) error {
	if err := blob.ValidName(name); err != nil {
		return &blob.Error{Op: op, Name: name, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return &blob.Error{Op: op, Name: name, Err: err}
	}
	return nil
}

// Put implements blob.Backend: it writes r to a temporary file next to the object, syncs it,
// renames it into place and syncs the folder.
func (b *Backend) Put(ctx context.Context, name string, r io.Reader) error {
	if err := check(ctx, "put", name); err != nil {
		return err
	}
	if err := b.put(ctx, name, r); err != nil {
		return &blob.Error{Op: "put", Name: name, Err: err}
	}
	return nil
}

func (b *Backend) put(ctx context.Context, name string, r io.Reader) (err error) {
	dir, file := b.path(name)
	f, err := b.createTemp(dir)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	buf := make([]byte, copyBufSize)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("reading content: %w", rerr)
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Rename(tmp, file); err != nil {
		return err
	}
	return durable.SyncDir(dir)
}

// createTemp creates a temporary file in the fan-out folder dir, creating the folder if it
// does not exist yet.
func (b *Backend) createTemp(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, blob.TempPrefix+"put-*")
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return f, err
	}
	if err := b.makeFanout(dir); err != nil {
		return nil, err
	}
	return os.CreateTemp(dir, blob.TempPrefix+"put-*")
}

// makeFanout creates the fan-out folder dir, if it does not exist, durably.
func (b *Backend) makeFanout(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		return err
	}
	return durable.SyncDir(b.dir)
}

// PutFile implements blob.FilePutter: it syncs the file at path and renames it into place,
// or, if path is on another file system, copies it with Put and removes it.
func (b *Backend) PutFile(ctx context.Context, name, path string) error {
	if err := check(ctx, "put", name); err != nil {
		return err
	}
	if err := b.putFile(ctx, name, path); err != nil {
		return &blob.Error{Op: "put", Name: name, Err: err}
	}
	return nil
}

func (b *Backend) putFile(ctx context.Context, name, path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", path)
	}
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir, file := b.path(name)
	err = os.Rename(path, file)
	if errors.Is(err, fs.ErrNotExist) {
		// The fan-out folder does not exist yet (path did a moment ago).
		if err = b.makeFanout(dir); err == nil {
			err = os.Rename(path, file)
		}
	}
	if errors.Is(err, syscall.EXDEV) {
		return b.copyFile(ctx, name, path)
	}
	if err != nil {
		return err
	}
	return durable.SyncDir(dir)
}

// copyFile puts the file at path under name by copying it, then removes it.
func (b *Backend) copyFile(ctx context.Context, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = b.put(ctx, name, f)
	f.Close()
	if err != nil {
		return err
	}
	return os.Remove(path)
}

// Open implements blob.Backend. The returned stream is an *os.File; cancelling ctx after Open
// returns does not interrupt it.
func (b *Backend) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := check(ctx, "open", name); err != nil {
		return nil, err
	}
	_, file := b.path(name)
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &blob.Error{Op: "open", Name: name, Err: blob.ErrNotFound}
	}
	if err != nil {
		return nil, &blob.Error{Op: "open", Name: name, Err: err}
	}
	return f, nil
}

// Delete implements blob.Backend: it removes the file and syncs its folder.
func (b *Backend) Delete(ctx context.Context, name string) error {
	if err := check(ctx, "delete", name); err != nil {
		return err
	}
	dir, file := b.path(name)
	err := os.Remove(file)
	if errors.Is(err, fs.ErrNotExist) {
		return &blob.Error{Op: "delete", Name: name, Err: blob.ErrNotFound}
	}
	if err == nil {
		err = durable.SyncDir(dir)
	}
	if err != nil {
		return &blob.Error{Op: "delete", Name: name, Err: err}
	}
	return nil
}

// Exists implements blob.Backend.
func (b *Backend) Exists(ctx context.Context, name string) (bool, error) {
	if err := check(ctx, "exists", name); err != nil {
		return false, err
	}
	_, file := b.path(name)
	fi, err := os.Lstat(file)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, &blob.Error{Op: "exists", Name: name, Err: err}
	}
	if !fi.Mode().IsRegular() {
		return false, &blob.Error{Op: "exists", Name: name, Err: errors.New("not a regular file")}
	}
	return true, nil
}

// List implements blob.Backend. It reads one fan-out folder at a time, in order, and reports
// its objects in name order.
func (b *Backend) List(ctx context.Context, fn func(name string) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob list: %w", err)
	}
	top, err := os.ReadDir(b.dir)
	if err != nil {
		return fmt.Errorf("blob list: %w", err)
	}
	for _, d := range top {
		if !d.IsDir() || !isFanout(d.Name()) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("blob list: %w", err)
		}
		entries, err := os.ReadDir(filepath.Join(b.dir, d.Name()))
		if err != nil {
			return fmt.Errorf("blob list: %w", err)
		}
		for _, e := range entries {
			name := e.Name()
			if !e.Type().IsRegular() || blob.ValidName(name) != nil || name[:2] != d.Name() {
				continue
			}
			if err := fn(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close implements blob.Backend; a folder holds no resources.
func (b *Backend) Close() error { return nil }
