package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/note"

	"github.com/vidb-project/vidb/internal/audit"
)

// defaultDSN is the test server of the development machines and CI.
const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// testDSN returns the server the tests use: $VIDB_TEST_POSTGRES or defaultDSN. Unreachable, it
// skips the test, except under CI=true, where every test must run.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("VIDB_TEST_POSTGRES")
	if dsn == "" {
		dsn = defaultDSN
	}
	reachable.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		reachable.err = err
	})
	if reachable.err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s is unreachable (CI=true: the tests must run): %v", redact(dsn), reachable.err)
		}
		t.Skipf("PostgreSQL at %s is unreachable (set VIDB_TEST_POSTGRES, or start the server): %v", redact(dsn), reachable.err)
	}
	return dsn
}

// reachable caches whether the test server answers.
var reachable struct {
	once sync.Once
	err  error
}

// redact hides a password in a DSN for messages.
func redact(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return cfg.User + "@" + cfg.Host + "/" + cfg.Database
}

// testKeys returns a fresh audit signer and its verifier.
func testKeys(t testing.TB) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, "vidb-test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// testSchema returns a new schema name and drops the schema when the test ends.
func testSchema(t testing.TB) string {
	t.Helper()
	dsn := testDSN(t)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "vidb_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return schema
}

// testStore is a fresh, empty store in a schema of its own, with the verifier of its audit key.
type testStore struct {
	*Store
	verifier note.Verifier
	schema   string
	dsn      string
}

// newTestStore opens a fresh store; it is closed and its schema dropped when the test ends.
func newTestStore(t testing.TB, opts Options) *testStore {
	t.Helper()
	dsn := testDSN(t)
	schema := testSchema(t)
	signer, verifier := testKeys(t)
	if opts.AuditSigner == nil {
		opts.AuditSigner = signer
	}
	opts.Schema = schema
	s, err := Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return &testStore{Store: s, verifier: verifier, schema: schema, dsn: dsn}
}

// rawConn connects to the test store's schema directly, for tampering and inspection.
func (s *testStore) rawConn(t testing.TB) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["search_path"] = pgx.Identifier{s.schema}.Sanitize()
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// verifyLog checks the store's audit log with audit.Verify and returns the report.
func (s *testStore) verifyLog(t testing.TB) *audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), s.Store, s.verifier, nil)
	if err != nil {
		t.Fatalf("audit.Verify: %v", err)
	}
	if !rep.OK() {
		t.Errorf("audit.Verify found a problem in an untouched log: %v", rep.Problem)
	}
	return rep
}
