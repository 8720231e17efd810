// Package migrate reads a store's embedded, forward-only schema migrations: files named
// NNNN_name.sql, numbered from 1 without gaps, each applied once in order and never edited
// after release. Both catalog stores (internal/store/sqlite, internal/store/postgres) load
// theirs with it; applying them is each store's own business, in its own dialect.
package migrate

import (
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// Migration is one migration file.
type Migration struct {
	Version int    // NNNN
	Name    string // the part after NNNN_, without .sql
	File    string // the file's name without .sql (NNNN_name)
	SQL     string
}

// Load returns the migrations in dir of fsys in version order, refusing a file that is not
// named NNNN_name.sql and versions that do not run 1, 2, 3, ... without gaps or duplicates.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		file, isSQL := strings.CutSuffix(e.Name(), ".sql")
		num, name, ok := strings.Cut(file, "_")
		v, err := strconv.Atoi(num)
		if !isSQL || !ok || err != nil || len(num) != 4 || name == "" {
			return nil, fmt.Errorf("migration file %q: want NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, File: file, SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: version %d where %d was expected", m.File, m.Version, i+1)
		}
	}
	return ms, nil
}
