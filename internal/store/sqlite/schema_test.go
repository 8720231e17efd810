package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vidb-project/vidb/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite testdata/schema.golden from the migrated schema")

// dumpSchema returns the database's schema, sorted and normalised: one block per table,
// index and trigger, its SQL with runs of white space made one space, and the migrations
// recorded.
func dumpSchema(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT type, name, tbl_name, sql FROM sqlite_schema
	WHERE name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	space := regexp.MustCompile(`\s+`)
	var b strings.Builder
	b.WriteString("# The catalog schema after every migration: sqlite_schema, sorted, white space normalised.\n")
	b.WriteString("# Rewrite with: go test ./internal/store/sqlite -run TestSchemaGolden -update\n")
	for rows.Next() {
		var typ, name, tbl string
		var text sql.NullString
		if err := rows.Scan(&typ, &name, &tbl, &text); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "\n%s %s on %s\n", typ, name, tbl)
		if text.Valid {
			s := space.ReplaceAllString(text.String, " ")
			s = strings.ReplaceAll(s, "( ", "(")
			s = strings.ReplaceAll(s, " )", ")")
			fmt.Fprintf(&b, "\t%s\n", s)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	mrows, err := db.QueryContext(t.Context(), "SELECT version, name FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	defer mrows.Close()
	b.WriteString("\nmigrations\n")
	for mrows.Next() {
		var v int
		var name string
		if err := mrows.Scan(&v, &name); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "\t%04d %s\n", v, name)
	}
	return b.String()
}

func TestSchemaGolden(t *testing.T) {
	s := openTest(t, Options{})
	got := dumpSchema(t, s.w)
	golden := filepath.Join("testdata", "schema.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("the migrated schema differs from %s; if the change is intended (a new migration), rerun with -update and review the diff.\ngot:\n%s", golden, got)
	}
}

func TestMigrationsEmbedded(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].version != 1 || ms[0].name != "init" {
		t.Fatalf("migrations = %+v, want 0001_init first", ms)
	}
}

// rawDB opens the database file without the store, for tests that tamper with it.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestReopenAppliesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vidb.db")
	opts := Options{AuditSigner: storetest.Signer()}
	for range 3 {
		s, err := Open(t.Context(), path, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := rawDB(t, path).QueryRow("SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	ms, _ := migrations()
	if n != len(ms) {
		t.Errorf("%d migrations recorded after three opens, want %d", n, len(ms))
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vidb.db")
	opts := Options{AuditSigner: storetest.Signer()}
	s, err := Open(t.Context(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := rawDB(t, path)
	if _, err := db.Exec("INSERT INTO schema_migrations (version, name, applied) VALUES (999, 'from_the_future', 0)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := Open(t.Context(), path, opts); !errors.Is(err, ErrSchemaTooNew) {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open of a database from a newer vidb: %v, want ErrSchemaTooNew", err)
	}
}

func TestRefusesOtherMigrationHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vidb.db")
	opts := Options{AuditSigner: storetest.Signer()}
	s, err := Open(t.Context(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := rawDB(t, path)
	if _, err := db.Exec("UPDATE schema_migrations SET name = 'something_else' WHERE version = 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := Open(t.Context(), path, opts); err == nil {
		s.Close()
		t.Error("Open of a database whose migration 1 is another one: no error")
	}
}

func TestOpen(t *testing.T) {
	if _, err := Open(t.Context(), filepath.Join(t.TempDir(), "x.db"), Options{}); !errors.Is(err, ErrNoSigner) {
		t.Errorf("Open without a signer: %v, want ErrNoSigner", err)
	}
	for _, p := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		if s, err := Open(t.Context(), p, Options{AuditSigner: storetest.Signer()}); err == nil {
			s.Close()
			t.Errorf("Open(%q): no error, want a refusal (a file path is required)", p)
		}
	}

	// A path with characters that mean something in a URI.
	dir := filepath.Join(t.TempDir(), "a dir?#%")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vidb.db")
	s, err := Open(t.Context(), path, Options{AuditSigner: storetest.Signer()})
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	defer s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("the database is not at %s: %v", path, err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("database file mode %o, want 600", perm)
	}

	ctx := t.Context()
	var mode string
	var fk, syn int
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	if err := s.w.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
	if err := s.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syn); err != nil || syn != 2 {
		t.Errorf("synchronous = %d, %v; want 2 (FULL)", syn, err)
	}
	// The read pool cannot write.
	if _, err := s.r.ExecContext(ctx, "INSERT INTO countries (code, name, created) VALUES ('XX', 'x', 0)"); err == nil {
		t.Error("a write through the read pool succeeded")
	}
}

// TestAuditAppendOnly checks the triggers that refuse changes to the audit tables.
func TestAuditAppendOnly(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	addFixture(t, s)
	for _, q := range []string{
		"UPDATE audit_events SET actor = 'mallory' WHERE seq = 0",
		"DELETE FROM audit_events WHERE seq = 0",
		"UPDATE audit_hashes SET hash = zeroblob(32) WHERE idx = 0",
		"DELETE FROM audit_hashes",
		"UPDATE audit_checkpoints SET size = size + 1",
		"DELETE FROM audit_checkpoints",
	} {
		if _, err := s.w.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the append-only trigger to refuse it", q, err)
		}
	}
}
