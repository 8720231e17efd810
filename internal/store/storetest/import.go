package storetest

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/pdq"
)

// records turns a slice into the iterator ImportHashOnly reads.
func records(rs []catalog.HashOnlyRecord) iter.Seq2[catalog.HashOnlyRecord, error] {
	return func(yield func(catalog.HashOnlyRecord, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func importOptions(t *testing.T, st catalog.Store) catalog.ImportOptions {
	addCountries(t, st)
	actor := addUser(t, st, "importer", nl, catalog.RoleReviewer)
	return catalog.ImportOptions{
		Access:    acc(nl, catalog.VisibilityListed, fr, de, fr),
		Retention: time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		Source:    "vics:NSRL-test.json",
		Actor:     actor,
	}
}

// lookup returns the one record holding d.
func lookup(t *testing.T, st catalog.Store, d catalog.Digests) catalog.Media {
	t.Helper()
	got := must(st.LookupDigests(ctx(t), []catalog.Digests{d}))(t)
	if len(got[0]) != 1 {
		t.Fatalf("LookupDigests(%v) = %d records, want 1", d, len(got[0]))
	}
	return got[0][0]
}

func testImport(t *testing.T, st catalog.Store) {
	opts := importOptions(t, st)
	cat := func(code string) catalog.Category { return catalog.Category{Scheme: catalog.SchemeVICSUS, Code: code} }
	a, b, c := digests("a"), digests("b"), digests("c")
	p := &catalog.PDQ{Hash: hash("a"), Quality: 100, Flavour: pdq.FullRes}
	in := []catalog.HashOnlyRecord{
		{Digests: a, Size: 123, Kind: catalog.KindImage, Category: cat("1"), PDQ: p},
		{Digests: catalog.Digests{MD5: b.MD5}, Kind: catalog.KindUnknown},
		{Digests: catalog.Digests{SHA1: c.SHA1, MD5: c.MD5}, Size: 9, Kind: catalog.KindVideo, Category: cat("2")},
		// Repeats within the one import count like records held before it.
		{Digests: a, Category: cat("1")},                             // known: same category
		{Digests: catalog.Digests{MD5: b.MD5}, Category: cat("3")},   // updated: held uncategorised
		{Digests: catalog.Digests{SHA1: c.SHA1}, Category: cat("4")}, // conflict: held as 2
		{Digests: catalog.Digests{MD5: c.MD5}},                       // known: no incoming category
	}
	before := auditCount(t, st)
	rep, err := st.ImportHashOnly(ctx(t), records(in), opts)
	if err != nil {
		t.Fatalf("ImportHashOnly: %v", err)
	}
	held := lookup(t, st, catalog.Digests{SHA1: c.SHA1})
	want := catalog.ImportReport{Read: 7, New: 3, Known: 2, Updated: 1, Conflicts: []catalog.ImportConflict{
		{Existing: held.ID, Digests: in[5].Digests, Held: cat("2"), Incoming: cat("4")},
	}}
	diff(t, "ImportReport", rep, want)

	// The records as stored: hash-only, with the import's access, retention and source.
	ma := lookup(t, st, catalog.Digests{SHA256: a.SHA256})
	wantA := catalog.Media{ID: ma.ID, Digests: a, Size: 123, Kind: catalog.KindImage, PDQ: p, Category: cat("1"),
		Access: opts.Access.Normalize(), Retention: opts.Retention, Source: opts.Source, Created: ma.Created, Updated: ma.Updated}
	diff(t, "imported record", ma, wantA)
	if !ma.HashOnly() {
		t.Error("an imported record has a blob")
	}
	mb := lookup(t, st, catalog.Digests{MD5: b.MD5})
	if mb.Category != cat("3") || mb.Digests != (catalog.Digests{MD5: b.MD5}) || mb.Kind != catalog.KindUnknown {
		t.Errorf("MD5-only record after the import: %+v", mb)
	}
	if held.Category != cat("2") || held.Kind != catalog.KindVideo || held.Size != 9 {
		t.Errorf("the held record of a conflict changed: %+v", held)
	}
	if n := must(st.Stats(ctx(t)))(t).Media; n != 3 {
		t.Errorf("Stats.Media = %d, want 3", n)
	}
	// The PDQ hash is in the change feed.
	found := false
	for _, e := range collect(t, st.PDQEntries(ctx(t), 0)) {
		if e.Media == ma.ID && e.Frame == -1 && !e.Deleted && e.Hash == *p {
			found = true
		}
	}
	if !found {
		t.Error("the imported PDQ hash is not in PDQEntries")
	}
	// Audited, and the log verifies.
	if after := auditCount(t, st); after <= before {
		t.Errorf("ImportHashOnly recorded no audit event (%d before, %d after)", before, after)
	}
	verifyAudit(t, st)

	// The same list again changes nothing, whatever its categories say.
	again := slices.Clone(in[:3])
	for i := range again {
		again[i].Category = catalog.Category{}
	}
	again[0].Category = cat("1")
	rep, err = st.ImportHashOnly(ctx(t), records(again), opts)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "ImportReport of a list already held", rep, catalog.ImportReport{Read: 3, Known: 3})
	diff(t, "a held record after importing it again", lookup(t, st, catalog.Digests{SHA256: a.SHA256}), ma)

	// Conflicting categories never overwrite the held one, including a held category set by
	// hand, and an empty import is a no-op.
	rep, err = st.ImportHashOnly(ctx(t), records([]catalog.HashOnlyRecord{{Digests: a, Category: catalog.Category{Scheme: "vics-uk", Code: "1"}}}), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Conflicts) != 1 || rep.Conflicts[0].Existing != ma.ID || rep.Conflicts[0].Held != cat("1") {
		t.Errorf("conflicting scheme: report %+v", rep)
	}
	rep, err = st.ImportHashOnly(ctx(t), records(nil), opts)
	if err != nil || rep.Read != 0 || rep.New != 0 {
		t.Errorf("empty import: %+v, %v", rep, err)
	}
	if got := lookup(t, st, catalog.Digests{SHA256: a.SHA256}); got.Category != cat("1") {
		t.Errorf("category after a conflicting import: %v", got.Category)
	}
	verifyAudit(t, st)
}

// testImportDigestKinds checks that records are matched by each kind of digest, and that a
// record uploaded with content counts as held.
func testImportDigestKinds(t *testing.T, st catalog.Store) {
	opts := importOptions(t, st)
	up := putMedia(t, st, image("uploaded", acc(fr, catalog.VisibilityOwner)))
	d := up.Digests
	rep, err := st.ImportHashOnly(ctx(t), records([]catalog.HashOnlyRecord{
		{Digests: catalog.Digests{SHA256: d.SHA256}},
		{Digests: catalog.Digests{SHA1: d.SHA1}},
		{Digests: catalog.Digests{MD5: d.MD5}},
		{Digests: d, Category: catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "0"}},
	}), opts)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "ImportReport", rep, catalog.ImportReport{Read: 4, Known: 3, Updated: 1})
	got := must(st.Media(ctx(t), catalog.SystemScope(), up.ID))(t)
	if got.Category != (catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "0"}) || got.Blob != up.Blob || got.Access.Owner != fr {
		t.Errorf("uploaded record after the import: category %v, blob %q, owner %s", got.Category, got.Blob, got.Access.Owner)
	}
	if n := must(st.Stats(ctx(t)))(t).Media; n != 1 {
		t.Errorf("Stats.Media = %d, want 1", n)
	}
}

// testImportSourceError checks that a failing source stops the import with an error and a
// report that matches what was committed.
func testImportSourceError(t *testing.T, st catalog.Store) {
	opts := importOptions(t, st)
	boom := errors.New("truncated file")
	src := func(yield func(catalog.HashOnlyRecord, error) bool) {
		for _, label := range []string{"x", "y", "z"} {
			if !yield(catalog.HashOnlyRecord{Digests: digests(label), Kind: catalog.KindImage}, nil) {
				return
			}
		}
		yield(catalog.HashOnlyRecord{}, boom)
	}
	rep, err := st.ImportHashOnly(ctx(t), src, opts)
	if !errors.Is(err, boom) {
		t.Errorf("ImportHashOnly with a failing source: %v, want its error", err)
	}
	if rep.Read > 3 || rep.New > rep.Read {
		t.Errorf("report %+v: more than was read", rep)
	}
	if n := must(st.Stats(ctx(t)))(t).Media; n != rep.New {
		t.Errorf("Stats.Media = %d after the failed import; its report says %d new", n, rep.New)
	}
	verifyAudit(t, st)
}

// testImportWeakHeld checks the records an import finds held by a stored record that lacks
// its SHA-256 (a list that carried only MD5, or MD5 and SHA-1), imported before: stores may
// look records up by SHA-256 alone only while no stored record lacks one.
func testImportWeakHeld(t *testing.T, st catalog.Store) {
	opts := importOptions(t, st)
	a, b, c, d, e := digests("a"), digests("b"), digests("c"), digests("d"), digests("e")
	cat1 := catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "1"}
	cat2 := catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "2"}
	// Every record has its SHA-256 after this import.
	rep, err := st.ImportHashOnly(ctx(t), records([]catalog.HashOnlyRecord{{Digests: c, Category: cat1}}), opts)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "first import", rep, catalog.ImportReport{Read: 1, New: 1})
	// Records without a SHA-256.
	rep, err = st.ImportHashOnly(ctx(t), records([]catalog.HashOnlyRecord{
		{Digests: catalog.Digests{MD5: a.MD5}, Category: cat1},
		{Digests: catalog.Digests{SHA1: b.SHA1}},
		{Digests: catalog.Digests{SHA1: d.SHA1, MD5: d.MD5}},
	}), opts)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "import without SHA-256", rep, catalog.ImportReport{Read: 3, New: 3})
	md5Only, sha1Only, noSHA256 := lookup(t, st, catalog.Digests{MD5: a.MD5}), lookup(t, st, catalog.Digests{SHA1: b.SHA1}), lookup(t, st, catalog.Digests{MD5: d.MD5})
	// Records with every digest, held by those.
	conflicting := catalog.Digests{SHA256: e.SHA256, SHA1: e.SHA1, MD5: d.MD5}
	rep, err = st.ImportHashOnly(ctx(t), records([]catalog.HashOnlyRecord{
		{Digests: a},                 // held as the MD5-only record: known
		{Digests: b, Category: cat2}, // held as the SHA-1-only record, uncategorised: updated
		{Digests: a, Category: cat2}, // held as the MD5-only record, categorised 1: a conflict
		{Digests: conflicting},       // shares D's MD5 but not its SHA-1: new
		{Digests: c, Category: cat1}, // held by its SHA-256: known
	}), opts)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "import with every digest", rep, catalog.ImportReport{Read: 5, New: 1, Known: 2, Updated: 1,
		Conflicts: []catalog.ImportConflict{{Existing: md5Only.ID, Digests: a, Held: cat1, Incoming: cat2}}})
	if got := must(st.Media(ctx(t), catalog.SystemScope(), sha1Only.ID))(t); got.Category != cat2 || got.Digests.HasSHA256() {
		t.Errorf("SHA-1-only record after the import: category %v, digests %v; want %v and no SHA-256", got.Category, got.Digests, cat2)
	}
	if got := lookup(t, st, catalog.Digests{SHA256: e.SHA256}); got.ID == noSHA256.ID || got.Digests != conflicting {
		t.Errorf("record disagreeing with a held one on SHA-1 was stored as %+v", got)
	}
	if n := must(st.Stats(ctx(t)))(t).Media; n != 5 {
		t.Errorf("Stats.Media = %d, want 5", n)
	}
}

// testImportMany imports enough records that stores handle them in groups (a statement or a
// COPY for many records) and checks every record as stored, field by field, in input order.
func testImportMany(t *testing.T, st catalog.Store) {
	opts := importOptions(t, st)
	const n = 700
	in := make([]catalog.HashOnlyRecord, n)
	for i := range in {
		label := fmt.Sprintf("many-%d", i)
		r := catalog.HashOnlyRecord{Digests: digests(label), Size: int64(i * 1000), Kind: catalog.KindImage}
		switch i % 7 {
		case 0:
			r.PDQ = &catalog.PDQ{Hash: hash(label), Quality: i % 101, Flavour: pdq.FullRes}
		case 1:
			r.Digests.SHA256 = [32]byte{} // no SHA-256
			r.Kind = catalog.KindVideo
		case 2:
			r.Series = fmt.Sprintf("SERIES-%d", i%3)
		case 3:
			r.Kind = ""
		}
		if i%5 != 0 {
			r.Category = catalog.Category{Scheme: catalog.SchemeVICSUS, Code: strconv.Itoa(i % 5)}
		}
		in[i] = r
	}
	rep, err := st.ImportHashOnly(ctx(t), records(in), opts)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "ImportReport", rep, catalog.ImportReport{Read: n, New: n})
	queries := make([]catalog.Digests, n)
	for i, r := range in {
		queries[i] = r.Digests
	}
	found := must(st.LookupDigests(ctx(t), queries))(t)
	feed := map[catalog.MediaID]catalog.PDQ{}
	for _, e := range collect(t, st.PDQEntries(ctx(t), 0)) {
		feed[e.Media] = e.Hash
	}
	var prev catalog.MediaID
	for i, r := range in {
		if len(found[i]) != 1 {
			t.Fatalf("record %d: %d media records hold it, want 1", i, len(found[i]))
		}
		m := found[i][0]
		if m.ID <= prev {
			t.Errorf("record %d: ID %d after %d; want IDs in input order", i, m.ID, prev)
		}
		prev = m.ID
		want := catalog.Media{ID: m.ID, Digests: r.Digests, Size: r.Size, Kind: r.Kind, PDQ: r.PDQ, Category: r.Category,
			Access: opts.Access.Normalize(), Retention: opts.Retention, Source: opts.Source, Created: m.Created, Updated: m.Updated}
		if want.Kind == "" {
			want.Kind = catalog.KindUnknown
		}
		if r.Series != "" {
			s := must(st.SeriesByName(ctx(t), catalog.SystemScope(), r.Series))(t)
			want.Series = s.ID
		}
		diff(t, fmt.Sprintf("record %d as stored", i), m, want)
		if p, ok := feed[m.ID]; ok != (r.PDQ != nil) || (ok && p != *r.PDQ) {
			t.Errorf("record %d: PDQ feed has %v (%v), want %v", i, p, ok, r.PDQ)
		}
	}
	if got := must(st.Stats(ctx(t)))(t); got.Media != n || got.Series != 3 {
		t.Errorf("Stats = %+v, want %d media and 3 series", got, n)
	}
	verifyAudit(t, st)
}

// testImportFrames checks that a new record's frame hashes are stored with it and reach the
// change feed, that a record already held keeps its own frames, and that bad frames refuse
// the record without storing anything of its batch.
func testImportFrames(t *testing.T, st catalog.Store) {
	opts := importOptions(t, st)
	v, w := digests("video"), digests("other video")
	frame := func(n int, name string, q int) catalog.Frame {
		return catalog.Frame{Number: n, Timestamp: time.Duration(n) * time.Second / 30, PDQ: catalog.PDQ{Hash: hash(name), Quality: q, Flavour: pdq.FullRes}}
	}
	frames := []catalog.Frame{frame(0, "f0", 100), frame(30, "f1", 90), frame(60, "f2", 20)}
	rep, err := st.ImportHashOnly(ctx(t), records([]catalog.HashOnlyRecord{
		{Digests: v, Kind: catalog.KindVideo, Frames: frames},
		{Digests: w, Kind: catalog.KindVideo},
	}), opts)
	if err != nil {
		t.Fatalf("ImportHashOnly: %v", err)
	}
	diff(t, "ImportReport", rep, catalog.ImportReport{Read: 2, New: 2})
	mv := lookup(t, st, catalog.Digests{SHA256: v.SHA256})
	diff(t, "imported frames", must(st.Frames(ctx(t), mv.ID))(t), frames)
	feed := map[int]catalog.PDQ{}
	for _, e := range collect(t, st.PDQEntries(ctx(t), 0)) {
		if e.Media == mv.ID && !e.Deleted {
			feed[e.Frame] = e.Hash
		}
	}
	diff(t, "frames in PDQEntries", feed, map[int]catalog.PDQ{0: frames[0].PDQ, 30: frames[1].PDQ, 60: frames[2].PDQ})

	// Held already: its frames stay, whatever the list says.
	rep, err = st.ImportHashOnly(ctx(t), records([]catalog.HashOnlyRecord{{Digests: v, Kind: catalog.KindVideo, Frames: frames[:1]}}), opts)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "ImportReport of a held video", rep, catalog.ImportReport{Read: 1, Known: 1})
	diff(t, "frames of a held video after importing it again", must(st.Frames(ctx(t), mv.ID))(t), frames)

	// Bad frames (a repeated number) refuse the import before anything of it is stored.
	before := must(st.Stats(ctx(t)))(t).Media
	x := digests("bad video")
	_, err = st.ImportHashOnly(ctx(t), records([]catalog.HashOnlyRecord{
		{Digests: digests("fine"), Kind: catalog.KindImage},
		{Digests: x, Kind: catalog.KindVideo, Frames: []catalog.Frame{frame(3, "a", 100), frame(3, "b", 100)}},
	}), opts)
	if !errors.Is(err, catalog.ErrInvalid) {
		t.Fatalf("importing repeated frame numbers: err = %v, want ErrInvalid", err)
	}
	if after := must(st.Stats(ctx(t)))(t).Media; after != before {
		t.Errorf("a refused import stored %d records", after-before)
	}
}
