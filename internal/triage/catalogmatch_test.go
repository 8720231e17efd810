package triage

import (
	"context"
	"iter"
	"path/filepath"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/internal/store/sqlite"
	"github.com/vidb-project/vidb/internal/store/storetest"
	"github.com/vidb-project/vidb/internal/testpic"
)

func TestCatalogMatcher(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "vidb.db"), sqlite.Options{AuditSigner: storetest.Signer()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Update(ctx, func(tx catalog.Tx) error {
		if err := tx.AddCountry(ctx, catalog.Country{Code: "FR", Name: "France"}); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, audit.Event{Time: time.Now().UTC().Truncate(time.Microsecond), Actor: "system", Action: "country.add", Object: "country/FR"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	h := fingerprint.NewHasher(fingerprint.Options{})
	known, _ := h.File(filepath.Join(f.dir, "dcim", "known.png"))
	orig, _ := h.Bytes(testpic.PNG(t, picture(220, 160, 2)))
	recs := []catalog.HashOnlyRecord{
		{Digests: catalog.Digests{SHA256: known.Digest.SHA256}, Kind: catalog.KindImage, Category: catalog.Category{Scheme: "vics-us", Code: "1"}, Series: "Garden"},
		{Digests: catalog.Digests{SHA256: orig.Digest.SHA256}, Kind: catalog.KindImage, PDQ: &catalog.PDQ{Hash: orig.PDQ.Hash, Quality: orig.PDQ.Quality, Flavour: orig.PDQ.Flavour}},
	}
	seq := func(yield func(catalog.HashOnlyRecord, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
	if _, err := st.ImportHashOnly(ctx, iter.Seq2[catalog.HashOnlyRecord, error](seq), catalog.ImportOptions{
		Access: catalog.Access{Owner: "FR", Visibility: catalog.VisibilityOwner}, Retention: time.Now().AddDate(1, 0, 0),
	}); err != nil {
		t.Fatal(err)
	}
	cm, err := NewCatalogMatcher(ctx, st, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Len() != 1 {
		t.Errorf("indexed %d PDQ hashes, want 1", cm.Len())
	}
	got, err := runAll(t, ctx, []string{filepath.Join(f.dir, "dcim")}, Options{Matchers: []Matcher{cm}})
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]Class{}
	for _, r := range got {
		classes[filepath.Base(r.Path)] = r.Class
		if filepath.Base(r.Path) == "known.png" {
			if c := r.Category(); c == nil || c.String() != "vics-us:1" || r.Matches[0].Series != "Garden" || r.Matches[0].Source != "data" {
				t.Errorf("known.png matches = %+v", r.Matches)
			}
		}
	}
	want := map[string]Class{"known.png": ClassKnown, "near.jpg": ClassNear, "unknown.dat": ClassUnknown, "corrupt.png": ClassFailed}
	for k, v := range want {
		if classes[k] != v {
			t.Errorf("%s: %s, want %s", k, classes[k], v)
		}
	}
}
