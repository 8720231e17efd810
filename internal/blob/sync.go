package blob

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vidb-project/vidb/internal/durable"
)

// RemoveTempFiles removes the temporary files (names starting with [TempPrefix]) directly in
// dir that were last modified before cutoff, syncs dir if it removed any, and returns how many
// it removed. Writers keep modifying their temporary files, so a cutoff well in the past spares
// the files of writers at work, in this process or another. The local backend calls it for its
// folders; a deployment whose Vault spools elsewhere calls it for the spool folder at start.
func RemoveTempFiles(dir string, cutoff time.Time) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), TempPrefix) || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // renamed or removed by its writer meanwhile
		} else if err != nil {
			errs = append(errs, err)
			continue
		}
		if !fi.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		n++
	}
	if n > 0 {
		if err := durable.SyncDir(dir); err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}
