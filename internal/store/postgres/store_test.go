package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/pdq"
)

// These tests cover what the conformance suite (internal/store/storetest, run by
// TestConformance) does not: PostgreSQL's own concurrency, migrations and SQL.

var fr = catalog.Access{Owner: "FR", Visibility: catalog.VisibilityNetwork}

// sysEvent is an audit event for test changes.
func sysEvent(action string) audit.Event {
	return audit.Event{Actor: "system", Action: action, Object: "test"}
}

// fileDigests returns the digests of a made-up file named by n.
func fileDigests(n int) catalog.Digests {
	var d catalog.Digests
	d.SHA256 = sha256.Sum256(fmt.Appendf(nil, "file %d", n))
	copy(d.SHA1[:], d.SHA256[1:])
	copy(d.MD5[:], d.SHA256[2:])
	return d
}

// pdqOf returns a made-up PDQ hash named by n.
func pdqOf(n int) catalog.PDQ {
	return catalog.PDQ{Hash: pdq.Hash(sha256.Sum256(fmt.Appendf(nil, "pdq %d", n))), Quality: 90, Flavour: pdq.FullRes}
}

// putImage stores an image with a PDQ hash in its own audited transaction.
func putImage(t testing.TB, s catalog.Store, n int) catalog.Media {
	t.Helper()
	var m catalog.Media
	p := pdqOf(n)
	err := s.Update(context.Background(), func(tx catalog.Tx) error {
		var err error
		m, _, err = tx.PutMedia(context.Background(), catalog.Media{
			Digests: fileDigests(n), Size: 100, Kind: catalog.KindImage, MIME: "image/jpeg", PDQ: &p, Access: fr, Blob: "b",
		})
		if err != nil {
			return err
		}
		_, err = tx.Audit(context.Background(), sysEvent("media.upload"))
		return err
	})
	if err != nil {
		t.Fatalf("putting image %d: %v", n, err)
	}
	return m
}

func TestUpdateRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t, Options{})

	t.Run("unaudited", func(t *testing.T) {
		err := s.Update(ctx, func(tx catalog.Tx) error {
			return tx.AddCountry(ctx, catalog.Country{Code: "FR", Name: "France"})
		})
		if !errors.Is(err, catalog.ErrUnaudited) {
			t.Fatalf("Update without audit: got %v, want ErrUnaudited", err)
		}
		if _, err := s.Country(ctx, "FR"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("the unaudited change stayed: Country(FR) = %v", err)
		}
	})
	t.Run("panic", func(t *testing.T) {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("the panic did not reach the caller")
				}
			}()
			_ = s.Update(ctx, func(tx catalog.Tx) error {
				if err := tx.AddCountry(ctx, catalog.Country{Code: "DE", Name: "Germany"}); err != nil {
					return err
				}
				if _, err := tx.Audit(ctx, sysEvent("country.add")); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		if _, err := s.Country(ctx, "DE"); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("the change of a panicking transaction stayed: Country(DE) = %v", err)
		}
		n := 0
		for _, err := range s.AuditEvents(ctx, 0) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 0 {
			t.Errorf("the audit event of a panicking transaction stayed: %d events", n)
		}
	})
	t.Run("read only needs no audit", func(t *testing.T) {
		if err := s.Update(ctx, func(tx catalog.Tx) error {
			_, err := tx.Countries(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("checkpoint per transaction", func(t *testing.T) {
		for i := range 3 {
			if err := s.Update(ctx, func(tx catalog.Tx) error {
				for range i + 1 {
					if _, err := tx.Audit(ctx, sysEvent("test.event")); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		cps, err := s.AuditCheckpoints(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int64
		for _, c := range cps {
			got, err := audit.OpenCheckpoint(c.Note, s.verifier)
			if err != nil {
				t.Errorf("checkpoint %d: %v", c.Size, err)
			}
			if got.Size != c.Size || got.Root != c.Root {
				t.Errorf("checkpoint row %d/%v does not match its note %d/%v", c.Size, c.Root, got.Size, got.Root)
			}
			sizes = append(sizes, c.Size)
		}
		if want := []int64{1, 3, 6}; !slices.Equal(sizes, want) {
			t.Errorf("checkpoint sizes %v, want %v", sizes, want)
		}
	})
}

func TestMediaRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t, Options{})
	now := time.Date(2025, 3, 4, 5, 6, 7, 891011000, time.UTC)
	in := catalog.Media{
		Digests: fileDigests(1), Size: 1234, MIME: "image/png", Kind: catalog.KindImage, Width: 640, Height: 480,
		PDQ:       &catalog.PDQ{Hash: pdqOf(1).Hash, Quality: 77, Flavour: pdq.Squash512},
		Category:  catalog.Category{Scheme: "vics-us", Code: "1"},
		Access:    catalog.Access{Owner: "FR", Visibility: catalog.VisibilityListed, SharedWith: []catalog.CountryCode{"DE", "BE", "DE", "FR"}},
		Retention: now.AddDate(10, 0, 0), Blob: "blob-1", Source: "upload",
	}
	var got catalog.Media
	err := s.Update(ctx, func(tx catalog.Tx) error {
		var created bool
		var err error
		got, created, err = tx.PutMedia(ctx, in)
		if err != nil || !created {
			return fmt.Errorf("PutMedia: created %v, %w", created, err)
		}
		again, created, err := tx.PutMedia(ctx, catalog.Media{Digests: in.Digests, Kind: catalog.KindVideo, Access: fr})
		if err != nil || created || again.ID != got.ID || again.Kind != catalog.KindImage {
			return fmt.Errorf("PutMedia of the same SHA-256: %v, created %v, %v", again.ID, created, err)
		}
		_, err = tx.Audit(ctx, sysEvent("media.upload"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.ID = got.ID
	want.Access = in.Access.Normalize()
	want.Retention = in.Retention.Truncate(time.Microsecond)
	want.Created, want.Updated = got.Created, got.Updated
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PutMedia returned (-want +got):\n%s", diff)
	}
	read, err := s.Media(ctx, catalog.Scope{Country: "DE"}, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, read); diff != "" {
		t.Errorf("Media read back (-put +read):\n%s", diff)
	}
	for _, sc := range []catalog.Scope{{Country: "IT"}, {}, {None: true, Country: "FR"}} {
		if _, err := s.Media(ctx, sc, got.ID); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Media with scope %+v: got %v, want ErrNotFound", sc, err)
		}
	}
	lk, err := s.LookupDigests(ctx, []catalog.Digests{{MD5: in.Digests.MD5}, {}, {SHA1: in.Digests.SHA1, MD5: [16]byte{1}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(lk) != 3 || len(lk[0]) != 1 || len(lk[1]) != 0 || len(lk[2]) != 1 || lk[0][0].ID != got.ID {
		t.Errorf("LookupDigests = %v", lk)
	}
}

// TestReadModifyWrite runs concurrent transactions that each read a series and add a country
// to it: the row lock a read inside a transaction takes makes them queue, so no update is lost.
func TestReadModifyWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newTestStore(t, Options{})
	var id catalog.SeriesID
	if err := s.Update(ctx, func(tx catalog.Tx) error {
		sr, err := tx.CreateSeries(ctx, catalog.Series{Access: fr, Name: "BLUE-LAKE", Status: catalog.SeriesUnidentified})
		id = sr.ID
		if err != nil {
			return err
		}
		_, err = tx.Audit(ctx, sysEvent("series.create"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	countries := []catalog.CountryCode{"AT", "BE", "CH", "DE", "ES", "FI", "GR", "HU", "IE", "IT"}
	errs := make(chan error, len(countries))
	for _, c := range countries {
		go func() {
			errs <- s.Update(ctx, func(tx catalog.Tx) error {
				sr, err := tx.Series(ctx, catalog.SystemScope(), id)
				if err != nil {
					return err
				}
				time.Sleep(5 * time.Millisecond) // widen the window a lost update needs
				sr.Countries = append(sr.Countries, c)
				if err := tx.UpdateSeries(ctx, sr); err != nil {
					return err
				}
				_, err = tx.Audit(ctx, sysEvent("series.update"))
				return err
			})
		}()
	}
	for range countries {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	sr, err := s.Series(ctx, catalog.SystemScope(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sr.Countries, countries) {
		t.Errorf("after concurrent read-modify-writes, countries = %v, want %v", sr.Countries, countries)
	}
	s.verifyLog(t)
}
