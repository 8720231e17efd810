package storetest

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/mod/sumdb/note"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/pdq"
)

// NewStore returns a fresh, empty catalog.Store for one test: no countries, users, records or
// audit events. It signs audit checkpoints with Signer() and releases its resources through
// t.Cleanup; it fails the test (t.Fatal) if it cannot make one.
type NewStore func(t *testing.T) catalog.Store

// Run runs the conformance suite against the stores newStore makes, one per subtest. The
// subtests run in parallel.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st catalog.Store)
	}{
		{"Countries", testCountries},
		{"Users", testUsers},
		{"Cases", testCases},
		{"Media", testMedia},
		{"MediaFilters", testMediaFilters},
		{"MediaUniqueBySHA256", testMediaUnique},
		{"DeleteMedia", testDeleteMedia},
		{"Frames", testFrames},
		{"Sightings", testSightings},
		{"Matches", testMatches},
		{"Series", testSeries},
		{"Persons", testPersons},
		{"Clues", testClues},
		{"Alerts", testAlerts},
		{"Stats", testStats},
		{"LookupDigests", testLookupDigests},
		{"MediaByIDs", testMediaByIDs},
		{"Pagination", testPagination},
		{"PaginationUnderAccess", testPaginationAccess},
		{"Access", testAccess},
		{"AccessInTx", testAccessInTx},
		{"PDQFeed", testPDQFeed},
		{"RollbackOnError", testRollbackError},
		{"RollbackOnPanic", testRollbackPanic},
		{"Unaudited", testUnaudited},
		{"TxSeesOwnWrites", testTxSeesOwnWrites},
		{"ConcurrentWriters", testConcurrentWriters},
		{"AuditLog", testAuditLog},
		{"ImportHashOnly", testImport},
		{"ImportHashOnlyDigestKinds", testImportDigestKinds},
		{"ImportHashOnlySourceError", testImportSourceError},
		{"ImportHashOnlyWeakHeld", testImportWeakHeld},
		{"ImportHashOnlyMany", testImportMany},
		{"ImportHashOnlyFrames", testImportFrames},
		{"Credentials", testCredentials},
		{"Tokens", testTokens},
		{"Reveals", testReveals},
		{"Settings", testSettings},
		{"MediaEXIF", testMediaEXIF},
		{"UnauditedAuth", testUnauditedAuth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newStore(t)
			if st == nil {
				t.Fatal("NewStore returned nil")
			}
			tc.fn(t, st)
		})
	}
}

// keySeed makes the suite's audit key pair deterministic: every store under test signs with
// the same key, and the suite verifies with its public half. A test key, protecting nothing.
var keySeed = bytes.Repeat([]byte{0x5e}, 32)

// keyName is the name in the suite's audit key.
const keyName = "vidb-storetest"

// keys returns the suite's audit key pair.
func keys() (note.Signer, note.Verifier) {
	skey, vkey, err := note.GenerateKey(bytes.NewReader(keySeed), keyName)
	if err != nil {
		panic(fmt.Sprintf("storetest: generating the test key: %v", err))
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		panic(fmt.Sprintf("storetest: test signer: %v", err))
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		panic(fmt.Sprintf("storetest: test verifier: %v", err))
	}
	return s, v
}

// Signer returns the key every store under test must sign its audit checkpoints with.
func Signer() note.Signer { s, _ := keys(); return s }

// Verifier returns the public key that checks the checkpoints Signer signs.
func Verifier() note.Verifier { _, v := keys(); return v }

// The countries every fixture registers.
const (
	fr catalog.CountryCode = "FR"
	de catalog.CountryCode = "DE"
	it catalog.CountryCode = "IT"
	gb catalog.CountryCode = "GB"
	nl catalog.CountryCode = "NL"
)

var allCountries = []catalog.CountryCode{fr, de, it, gb, nl}

// opts are the go-cmp options the suite compares records with: times by instant (a store
// may return them in any location), nil and empty slices and maps as equal.
var opts = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	cmpopts.EquateEmpty(),
}

// eventTime is the time of the audit events the suite appends: UTC, to the microsecond.
var eventTime = time.Date(2026, 3, 1, 9, 30, 0, 250_000, time.UTC)

// event returns an audit event for the suite's changes.
func event(action string) audit.Event {
	return audit.Event{Time: eventTime, Actor: "storetest", ActorID: 1, Country: "FR", Action: action, Object: "test/1"}
}

// write runs fn in an Update that ends by appending an audit event; an error fails the test.
func write(t *testing.T, st catalog.Store, fn func(tx catalog.Tx) error) {
	t.Helper()
	err := st.Update(t.Context(), func(tx catalog.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		_, err := tx.Audit(t.Context(), event("storetest.write"))
		return err
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// writeErr is write that returns fn's error instead of failing.
func writeErr(t *testing.T, st catalog.Store, fn func(tx catalog.Tx) error) error {
	t.Helper()
	return st.Update(t.Context(), func(tx catalog.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		_, err := tx.Audit(t.Context(), event("storetest.write"))
		return err
	})
}

// must returns a function that fails the test on err and returns v: must(st.Stats(ctx))(t).
func must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// wantErr fails the test unless err wraps want.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got error %v, want %v", what, err, want)
	}
}

// diff fails the test with a diff when got and want differ.
func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got, opts); d != "" {
		t.Errorf("%s: mismatch (-want +got):\n%s", what, d)
	}
}

// addCountries registers the fixture's countries.
func addCountries(t *testing.T, st catalog.Store) {
	t.Helper()
	write(t, st, func(tx catalog.Tx) error {
		for _, c := range allCountries {
			if err := tx.AddCountry(t.Context(), catalog.Country{Code: c, Name: "Country " + string(c)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// addUser creates a user.
func addUser(t *testing.T, st catalog.Store, login string, c catalog.CountryCode, r catalog.Role) catalog.User {
	t.Helper()
	var u catalog.User
	write(t, st, func(tx catalog.Tx) (err error) {
		u, err = tx.AddUser(t.Context(), catalog.User{Login: login, Name: "User " + login, Country: c, Role: r})
		return err
	})
	return u
}

// acc returns an Access.
func acc(owner catalog.CountryCode, v catalog.Visibility, shared ...catalog.CountryCode) catalog.Access {
	return catalog.Access{Owner: owner, Visibility: v, SharedWith: shared}
}

// digests returns the MD5, SHA-1 and SHA-256 of label: distinct, known digests per label.
func digests(label string) catalog.Digests {
	return catalog.Digests{
		MD5:    md5.Sum([]byte(label)),
		SHA1:   sha1.Sum([]byte(label)),
		SHA256: sha256.Sum256([]byte(label)),
	}
}

// hash returns a PDQ hash derived from label.
func hash(label string) pdq.Hash { return pdq.Hash(sha256.Sum256([]byte("pdq:" + label))) }

// image returns a media record with content (a blob) for label.
func image(label string, a catalog.Access) catalog.Media {
	return catalog.Media{
		Digests: digests(label),
		Size:    int64(1000 + len(label)),
		MIME:    "image/jpeg",
		Kind:    catalog.KindImage,
		Width:   640,
		Height:  480,
		PDQ:     &catalog.PDQ{Hash: hash(label), Quality: 90, Flavour: pdq.FullRes},
		Access:  a,
		Blob:    "blob-" + label,
		Source:  "upload",
	}
}

// putMedia stores m and returns it as stored.
func putMedia(t *testing.T, st catalog.Store, m catalog.Media) catalog.Media {
	t.Helper()
	var got catalog.Media
	write(t, st, func(tx catalog.Tx) error {
		var err error
		got, _, err = tx.PutMedia(t.Context(), m)
		return err
	})
	return got
}

// ids returns the IDs of records, in order.
func ids[T any, ID any](rs []T, id func(T) ID) []ID {
	out := make([]ID, 0, len(rs))
	for _, r := range rs {
		out = append(out, id(r))
	}
	return out
}

// collect drains an iterator, failing the test on its error.
func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatalf("iterating: %v", err)
		}
		out = append(out, v)
	}
	return out
}

// source returns the store as an audit.Source, which every store must be.
func source(t *testing.T, st catalog.Store) audit.Source {
	t.Helper()
	src, ok := st.(audit.Source)
	if !ok {
		t.Fatalf("%T does not implement audit.Source", st)
	}
	return src
}

// verifyAudit runs audit.Verify over the store and fails the test unless the log verifies.
func verifyAudit(t *testing.T, st catalog.Store) *audit.Report {
	t.Helper()
	rep, err := audit.Verify(t.Context(), source(t, st), Verifier(), nil)
	if err != nil {
		t.Fatalf("audit.Verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("audit.Verify: %v", rep.Problem)
	}
	return rep
}

// auditCount returns the number of events in the store's audit log.
func auditCount(t *testing.T, st catalog.Store) int64 {
	t.Helper()
	return int64(len(collect(t, st.AuditEvents(t.Context(), 0))))
}

// sortedIDs returns xs sorted.
func sortedIDs[T ~int64](xs []T) []T {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs
}

// ctx is shorthand for the test's context.
func ctx(t *testing.T) context.Context { return t.Context() }
