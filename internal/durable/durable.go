// Package durable writes files so that a crash at any moment leaves either the old state or the
// new one, never a torn file: write a temporary file in the same folder, fsync it, rename (or
// link) it into place, fsync the folder. It also reads the private files (keys) that such writes
// create, refusing ones whose permissions have been loosened.
//
// This package must not import net/http, database/sql or os/exec.
package durable

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// TempPrefix starts the names of the temporary files this package writes, so that a sweep after
// a crash can recognise them.
const TempPrefix = ".tmp-"

// ErrPermissions: a private file may be read or written by group or others.
var ErrPermissions = errors.New("permissions too open")

// SyncDir flushes the entries of the folder dir to stable storage, so that a file created,
// renamed or removed in it stays so after a crash. It does nothing on Windows, where folders
// cannot be synced.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteFile replaces path with data, mode perm, atomically and durably.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return syncParent(path)
}

// CreateFile creates path with data, mode perm, atomically and durably, and never replaces an
// existing file: it fails with an error wrapping fs.ErrExist instead. Keys are written this way,
// so that no mistake can overwrite a deployment's keys. Errors never include data.
func CreateFile(path string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// A hard link, unlike a rename, fails if path exists.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; refusing to overwrite it: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return syncParent(path)
}

// writeTemp writes data to a synced temporary file beside path and returns its name.
func writeTemp(path string, data []byte, perm fs.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), TempPrefix+filepath.Base(path)+"-*")
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	name := f.Name()
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return name, nil
}

func syncParent(path string) error {
	if err := SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("writing %s: syncing its folder: %w", path, err)
	}
	return nil
}

// ReadPrivate reads a private file of at most max bytes: it must be a regular file that neither
// group nor others may access (on systems with Unix permissions), so that a key copied with
// careless permissions is noticed rather than used. Errors never include the content.
func ReadPrivate(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: mode %v lets group or others access it; run chmod 600 on it: %w", path, fi.Mode().Perm(), ErrPermissions)
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: too large (more than %d bytes)", path, max)
	}
	return b, nil
}
