package casework_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/casework"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/store/postgres"
	"github.com/vidb-project/vidb/internal/store/sqlite"
	"github.com/vidb-project/vidb/internal/store/storetest"
)

// t0 is the fixtures' clock.
var t0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// The countries of the fixtures: FR owns the records, DE asks, IT and NL are bystanders.
const (
	fr catalog.CountryCode = "FR"
	de catalog.CountryCode = "DE"
	it catalog.CountryCode = "IT"
	nl catalog.CountryCode = "NL"
)

// cmpOpts compare records: times by instant, nil and empty as equal.
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	cmpopts.EquateEmpty(),
}

// stores are the catalog implementations every test runs on.
var stores = []string{"sqlite", "postgres"}

// eachStore runs fn as a parallel subtest per store implementation.
func eachStore(t *testing.T, fn func(t *testing.T, kind string)) {
	for _, kind := range stores {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			fn(t, kind)
		})
	}
}

// newStore opens a fresh, empty catalog: SQLite in a temporary folder, or PostgreSQL in a
// schema of its own at $VIDB_TEST_POSTGRES (or the development server), dropped at the end.
func newStore(t testing.TB, kind string) catalog.Store {
	t.Helper()
	ctx := context.Background()
	clock := func() time.Time { return t0 }
	var st catalog.Store
	switch kind {
	case "sqlite":
		s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vidb.db"), sqlite.Options{AuditSigner: storetest.Signer(), Clock: clock})
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		st = s
	case "postgres":
		dsn := postgresDSN(t)
		b := make([]byte, 8)
		rand.Read(b)
		schema := "vidb_casework_" + hex.EncodeToString(b)
		t.Cleanup(func() { dropSchema(t, dsn, schema) })
		s, err := postgres.Open(ctx, dsn, postgres.Options{AuditSigner: storetest.Signer(), Clock: clock, Schema: schema})
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		st = s
	default:
		t.Fatalf("unknown store %q", kind)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// postgresDSN returns the test server: $VIDB_TEST_POSTGRES or the development default. An
// unreachable server skips the test, except under CI=true, where every test must run.
func postgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("VIDB_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err == nil {
		err = conn.Ping(ctx)
		conn.Close(ctx)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is unreachable (CI=true: the tests must run): %v", err)
		}
		t.Skipf("PostgreSQL is unreachable (set VIDB_TEST_POSTGRES): %v", err)
	}
	return dsn
}

// dropSchema removes a test's schema.
func dropSchema(t testing.TB, dsn, schema string) {
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
}

// seed writes fixture records in one audited transaction.
func seed(t testing.TB, st catalog.Store, fn func(ctx context.Context, tx catalog.Tx) error) {
	t.Helper()
	ctx := context.Background()
	err := st.Update(ctx, func(tx catalog.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, audit.Event{Time: t0, Actor: "test", Action: "test.seed", Object: "test/1"})
		return err
	})
	if err != nil {
		t.Fatalf("seeding: %v", err)
	}
}

// events returns the whole audit log.
func events(t testing.TB, st catalog.Store) []audit.Event {
	t.Helper()
	var out []audit.Event
	for e, err := range st.AuditEvents(context.Background(), 0) {
		if err != nil {
			t.Fatalf("AuditEvents: %v", err)
		}
		out = append(out, e)
	}
	return out
}

// lastEvent returns the newest audit event.
func lastEvent(t testing.TB, st catalog.Store) audit.Event {
	t.Helper()
	es := events(t, st)
	if len(es) == 0 {
		t.Fatal("empty audit log")
	}
	return es[len(es)-1]
}

// digests returns digests made from a label.
func digests(label string) catalog.Digests {
	return catalog.Digests{SHA256: sha256.Sum256([]byte(label))}
}

// must returns a function that fails the test on err and returns v: must(f())(t).
func must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wantErr fails the test unless err wraps want (nil: no error).
func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Errorf("%s: got error %v, want %v", what, err, want)
	}
}

// fixture is a catalog with FR's records under one access, DE's users of every role, and a
// service on it.
type fixture struct {
	st     catalog.Store
	svc    *casework.Service
	users  map[string]catalog.User
	access catalog.Access

	caseID     catalog.CaseID
	media      catalog.MediaID
	series     catalog.SeriesID // linked to by SetSeries, joined, access changed
	series2    catalog.SeriesID // status changed
	person     catalog.PersonID // annotated
	person2    catalog.PersonID // access changed
	victim     catalog.PersonID // identified
	identified catalog.PersonID // identified by FR, reopened
	clue       catalog.ClueID   // by fr.analyst
	alert      catalog.AlertID  // DE's
}

// role names the users of the fixture.
var roleUsers = []struct {
	login    string
	country  catalog.CountryCode
	role     catalog.Role
	disabled bool
}{
	{"fr.reviewer", fr, catalog.RoleReviewer, false},
	{"fr.analyst", fr, catalog.RoleAnalyst, false},
	{"fr.coordinator", fr, catalog.RoleCoordinator, false},
	{"de.analyst", de, catalog.RoleAnalyst, false},
	{"de.reviewer", de, catalog.RoleReviewer, false},
	{"de.country-admin", de, catalog.RoleCountryAdmin, false},
	{"de.coordinator", de, catalog.RoleCoordinator, false},
	{"de.auditor", de, catalog.RoleAuditor, false},
	{"de.partner", de, catalog.RolePartner, false},
	{"de.disabled", de, catalog.RoleReviewer, true},
}

func newFixture(t testing.TB, kind string, a catalog.Access) *fixture {
	t.Helper()
	st := newStore(t, kind)
	f := &fixture{st: st, svc: casework.New(st, func() time.Time { return t0 }, nil), users: map[string]catalog.User{}, access: a}
	seed(t, st, func(ctx context.Context, tx catalog.Tx) error {
		for _, c := range []catalog.CountryCode{fr, de, it} {
			if err := tx.AddCountry(ctx, catalog.Country{Code: c, Name: "Country " + string(c), Created: t0}); err != nil {
				return err
			}
		}
		for _, r := range roleUsers {
			u, err := tx.AddUser(ctx, catalog.User{Login: r.login, Country: r.country, Role: r.role, Disabled: r.disabled, Created: t0})
			if err != nil {
				return err
			}
			f.users[r.login] = u
		}
		c, err := tx.CreateCase(ctx, catalog.Case{Access: a, Number: "FR-2026-1", Title: "case", Created: t0})
		if err != nil {
			return err
		}
		f.caseID = c.ID
		m, _, err := tx.PutMedia(ctx, catalog.Media{Digests: digests("media"), Size: 1000, MIME: "image/png",
			Kind: catalog.KindImage, Width: 200, Height: 100, Access: a, Retention: t0.AddDate(1, 0, 0), Source: "upload", Created: t0, Updated: t0})
		if err != nil {
			return err
		}
		f.media = m.ID
		if _, err := tx.AddSighting(ctx, catalog.Sighting{Media: m.ID, Case: c.ID, Path: "/a.png",
			Uploader: f.users["fr.analyst"].ID, Country: fr, At: t0}); err != nil {
			return err
		}
		newSeries := func(name string) (catalog.SeriesID, error) {
			s, err := tx.CreateSeries(ctx, catalog.Series{Access: a, Name: name, Status: catalog.SeriesUnidentified,
				Countries: []catalog.CountryCode{fr}, Created: t0, Updated: t0})
			return s.ID, err
		}
		if f.series, err = newSeries("BLUE-LAKE"); err != nil {
			return err
		}
		if f.series2, err = newSeries("RED-HILL"); err != nil {
			return err
		}
		newPerson := func(code string, identified bool) (catalog.PersonID, error) {
			p := catalog.Person{Kind: catalog.PersonVictim, Access: a, Code: code, Sex: "unknown", AgeBand: "6-9",
				Status: catalog.PersonUnidentified, Notes: "private note", Created: t0, Updated: t0}
			if identified {
				at := t0
				p.Status, p.IdentifiedBy, p.IdentifiedAt = catalog.PersonIdentified, fr, &at
			}
			p, err := tx.CreatePerson(ctx, p)
			return p.ID, err
		}
		if f.person, err = newPerson("V-1", false); err != nil {
			return err
		}
		if f.person2, err = newPerson("V-2", false); err != nil {
			return err
		}
		if f.victim, err = newPerson("V-3", false); err != nil {
			return err
		}
		if f.identified, err = newPerson("V-4", true); err != nil {
			return err
		}
		cl, err := tx.AddClue(ctx, catalog.Clue{Access: a, Media: m.ID, Kind: catalog.ClueObject, Text: "a socket",
			Author: f.users["fr.analyst"].ID, Created: t0})
		if err != nil {
			return err
		}
		f.clue = cl.ID
		al, err := tx.AddAlert(ctx, catalog.Alert{Country: de, Kind: catalog.AlertHitOnOthersRecord, From: fr,
			Message: catalog.Hit{Owner: fr}.Message(), Created: t0})
		if err != nil {
			return err
		}
		f.alert = al.ID
		return nil
	})
	return f
}
