package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/vidb-project/vidb/internal/store/postgres"
	"github.com/vidb-project/vidb/internal/store/storetest"
)

const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// postgresStore opens a store in a fresh schema of the test server ($VIDB_TEST_POSTGRES), dropped
// when the test ends. An unreachable server skips the test, except under CI=true.
func postgresStore(t *testing.T) *postgres.Store {
	t.Helper()
	dsn := os.Getenv("VIDB_TEST_POSTGRES")
	if dsn == "" {
		dsn = defaultDSN
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL unreachable (CI=true: the tests must run): %v", err)
		}
		t.Skipf("PostgreSQL unreachable (set VIDB_TEST_POSTGRES, or start the server): %v", err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "vidb_ingest_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
		conn.Close(ctx)
	})
	st, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema, AuditSigner: storetest.Signer()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// The paths whose results depend on the store (statuses, access rules, hits, alerts, batch
// lookups) give the same results on PostgreSQL.
func TestPostgres(t *testing.T) {
	t.Parallel()
	t.Run("statuses", func(t *testing.T) { testStatuses(t, newEnvOn(t, postgresStore(t), Config{})) })
	t.Run("lookup", func(t *testing.T) { testSearchAndLookup(t, newEnvOn(t, postgresStore(t), Config{})) })
}
