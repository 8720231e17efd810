package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/pdq"
)

func testMediaFilters(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	alice := addUser(t, st, "alice", fr, catalog.RoleAnalyst)
	bob := addUser(t, st, "bob", de, catalog.RoleAnalyst)
	cat1 := catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "1"}
	cat1uk := catalog.Category{Scheme: "vics-uk", Code: "1"}
	var series catalog.Series
	var c1, c2 catalog.Case
	var ms []catalog.Media
	write(t, st, func(tx catalog.Tx) (err error) {
		if series, err = tx.CreateSeries(ctx(t), catalog.Series{Access: acc(fr, catalog.VisibilityNetwork), Name: "S", Status: catalog.SeriesUnidentified}); err != nil {
			return err
		}
		if c1, err = tx.CreateCase(ctx(t), catalog.Case{Access: acc(fr, catalog.VisibilityNetwork), Number: "1"}); err != nil {
			return err
		}
		if c2, err = tx.CreateCase(ctx(t), catalog.Case{Access: acc(de, catalog.VisibilityNetwork), Number: "2"}); err != nil {
			return err
		}
		for i, in := range []catalog.Media{
			{Kind: catalog.KindImage, Category: cat1, Series: series.ID, Access: acc(fr, catalog.VisibilityNetwork)},
			{Kind: catalog.KindVideo, Category: cat1uk, Access: acc(de, catalog.VisibilityNetwork)},
			{Kind: catalog.KindImage, Access: acc(de, catalog.VisibilityNetwork)},
			{Kind: catalog.KindUnknown, Category: cat1, Access: acc(fr, catalog.VisibilityNetwork)},
		} {
			in.Digests = digests(fmt.Sprintf("filter-%d", i))
			in.Source = "upload"
			m, _, err := tx.PutMedia(ctx(t), in)
			if err != nil {
				return err
			}
			ms = append(ms, m)
		}
		for _, s := range []catalog.Sighting{
			{Media: ms[0].ID, Case: c1.ID, Uploader: alice.ID, Country: fr},
			{Media: ms[1].ID, Case: c2.ID, Uploader: bob.ID, Country: de},
			{Media: ms[2].ID, Case: c1.ID, Uploader: bob.ID, Country: de},
			{Media: ms[2].ID, Case: c2.ID, Uploader: bob.ID, Country: de},
		} {
			if _, err := tx.AddSighting(ctx(t), s); err != nil {
				return err
			}
		}
		return nil
	})
	mid := func(m catalog.Media) catalog.MediaID { return m.ID }
	for _, c := range []struct {
		name string
		f    catalog.MediaFilter
		want []catalog.Media
	}{
		{"none", catalog.MediaFilter{}, ms},
		{"owner", catalog.MediaFilter{Owner: de}, ms[1:3]},
		{"series", catalog.MediaFilter{Series: series.ID}, ms[:1]},
		{"case", catalog.MediaFilter{Case: c1.ID}, []catalog.Media{ms[0], ms[2]}},
		{"case, media sighted twice listed once", catalog.MediaFilter{Case: c2.ID}, ms[1:3]},
		{"category (scheme and code)", catalog.MediaFilter{Category: &cat1}, []catalog.Media{ms[0], ms[3]}},
		{"uncategorised", catalog.MediaFilter{Uncategorised: true}, ms[2:3]},
		{"kind", catalog.MediaFilter{Kind: catalog.KindImage}, []catalog.Media{ms[0], ms[2]}},
		{"uploader", catalog.MediaFilter{Uploader: bob.ID}, ms[1:3]},
		{"uploader, once per media", catalog.MediaFilter{Uploader: alice.ID}, ms[:1]},
		{"combined", catalog.MediaFilter{Owner: fr, Category: &cat1, Kind: catalog.KindUnknown}, ms[3:]},
		{"nothing passes", catalog.MediaFilter{Owner: it}, nil},
	} {
		got := must(st.MediaList(ctx(t), catalog.SystemScope(), c.f, catalog.Page{}))(t)
		diff(t, "MediaList("+c.name+")", ids(got, mid), ids(c.want, mid))
	}
}

func testLookupDigests(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	a, b, c, x := digests("a"), digests("b"), digests("c"), digests("x")
	var full, md5only, sha1md5, sha256only, otherOwner catalog.Media
	write(t, st, func(tx catalog.Tx) (err error) {
		put := func(d catalog.Digests, ac catalog.Access) catalog.Media {
			if err != nil {
				return catalog.Media{}
			}
			var m catalog.Media
			m, _, err = tx.PutMedia(ctx(t), catalog.Media{Digests: d, Kind: catalog.KindUnknown, Access: ac, Source: "vics:x"})
			return m
		}
		full = put(a, acc(fr, catalog.VisibilityNetwork))
		md5only = put(catalog.Digests{MD5: b.MD5}, acc(fr, catalog.VisibilityNetwork))
		sha1md5 = put(catalog.Digests{SHA1: c.SHA1, MD5: a.MD5}, acc(fr, catalog.VisibilityNetwork)) // shares full's MD5
		sha256only = put(catalog.Digests{SHA256: x.SHA256}, acc(fr, catalog.VisibilityNetwork))
		// Whatever its access: the catalog turns what the asker may not see into hits.
		otherOwner = put(catalog.Digests{SHA256: c.SHA256}, acc(de, catalog.VisibilityOwner))
		return err
	})
	mid := func(m catalog.Media) catalog.MediaID { return m.ID }
	list := func(ms ...catalog.Media) []catalog.MediaID { return sortedIDs(ids(ms, mid)) }
	queries := []struct {
		name string
		q    catalog.Digests
		want []catalog.MediaID
	}{
		{"SHA-256", catalog.Digests{SHA256: a.SHA256}, list(full)},
		{"SHA-1", catalog.Digests{SHA1: a.SHA1}, list(full)},
		{"MD5 shared by two records", catalog.Digests{MD5: a.MD5}, list(full, sha1md5)},
		{"MD5 of an MD5-only record", catalog.Digests{MD5: b.MD5}, list(md5only)},
		{"unknown SHA-256, known MD5", catalog.Digests{SHA256: digests("nothing").SHA256, MD5: b.MD5}, list(md5only)},
		{"every digest of one record (listed once)", a, list(full, sha1md5)},
		{"two digests of two records", catalog.Digests{SHA256: x.SHA256, SHA1: c.SHA1}, list(sha1md5, sha256only)},
		{"another owner's record", catalog.Digests{SHA256: c.SHA256}, list(otherOwner)},
		{"no digest known: never matches records with unknown digests", catalog.Digests{}, nil},
		{"unknown", digests("nothing"), nil},
	}
	qs := make([]catalog.Digests, len(queries))
	for i, q := range queries {
		qs[i] = q.q
	}
	got := must(st.LookupDigests(ctx(t), qs))(t)
	if len(got) != len(qs) {
		t.Fatalf("LookupDigests returned %d results for %d queries", len(got), len(qs))
	}
	for i, q := range queries {
		diff(t, "LookupDigests("+q.name+"), ordered by ID", ids(got[i], mid), q.want)
		for _, m := range got[i] {
			diff(t, "LookupDigests record", m, must(st.Media(ctx(t), catalog.SystemScope(), m.ID))(t))
		}
	}
	if got := must(st.LookupDigests(ctx(t), nil))(t); len(got) != 0 {
		t.Errorf("LookupDigests(nil) = %v", got)
	}
}

func testMediaByIDs(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	m1 := putMedia(t, st, image("1", acc(fr, catalog.VisibilityOwner)))
	m2 := putMedia(t, st, image("2", acc(de, catalog.VisibilityOwner)))
	m3 := putMedia(t, st, image("3", acc(it, catalog.VisibilityListed, nl)))
	got := must(st.MediaByIDs(ctx(t), []catalog.MediaID{m3.ID, m3.ID + 1000, m1.ID, m2.ID}))(t)
	diff(t, "MediaByIDs, in the order asked, absent left out", got, []catalog.Media{m3, m1, m2})
	if got := must(st.MediaByIDs(ctx(t), nil))(t); len(got) != 0 {
		t.Errorf("MediaByIDs(nil) = %v", got)
	}
}

func testPagination(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	const n = catalog.MaxPageSize + 37
	write(t, st, func(tx catalog.Tx) error {
		for i := range n {
			if _, _, err := tx.PutMedia(ctx(t), catalog.Media{Digests: digests(fmt.Sprintf("page-%d", i)), Kind: catalog.KindUnknown,
				Access: acc(fr, catalog.VisibilityNetwork), Source: "vics:x"}); err != nil {
				return err
			}
		}
		return nil
	})
	all := catalog.SystemScope()
	mid := func(m catalog.Media) catalog.MediaID { return m.ID }
	list := func(p catalog.Page) []catalog.MediaID {
		return ids(must(st.MediaList(ctx(t), all, catalog.MediaFilter{}, p))(t), mid)
	}
	if got := list(catalog.Page{}); len(got) != catalog.DefaultPageSize {
		t.Errorf("Page{}: %d records, want DefaultPageSize %d", len(got), catalog.DefaultPageSize)
	}
	if got := list(catalog.Page{Limit: -5}); len(got) != catalog.DefaultPageSize {
		t.Errorf("negative limit: %d records, want DefaultPageSize %d", len(got), catalog.DefaultPageSize)
	}
	if got := list(catalog.Page{Limit: 5 * catalog.MaxPageSize}); len(got) != catalog.MaxPageSize {
		t.Errorf("limit over the maximum: %d records, want MaxPageSize %d", len(got), catalog.MaxPageSize)
	}
	// Walking by key gives every record once, in ID order, whatever the page size.
	var walked []catalog.MediaID
	for p := (catalog.Page{Limit: 97}); ; {
		page := list(p)
		walked = append(walked, page...)
		if len(page) < p.Size() {
			break
		}
		p.After = int64(page[len(page)-1])
	}
	if len(walked) != n {
		t.Fatalf("walking pages of 97: %d records, want %d", len(walked), n)
	}
	for i := 1; i < len(walked); i++ {
		if walked[i] <= walked[i-1] {
			t.Fatalf("pages not in ID order: %d after %d", walked[i], walked[i-1])
		}
	}
	mid500 := walked[499]
	diff(t, "page after a key", list(catalog.Page{After: int64(mid500), Limit: 3}), walked[500:503])
	if got := list(catalog.Page{After: int64(walked[n-1])}); len(got) != 0 {
		t.Errorf("page after the last record: %v", got)
	}
	// Keys are stable under inserts: a new record comes after the last page.
	newest := putMedia(t, st, catalog.Media{Digests: digests("newest"), Kind: catalog.KindUnknown, Access: acc(fr, catalog.VisibilityNetwork), Source: "vics:x"})
	diff(t, "page after the old last record", list(catalog.Page{After: int64(walked[n-1])}), []catalog.MediaID{newest.ID})
	diff(t, "the same page as before", list(catalog.Page{After: int64(mid500), Limit: 3}), walked[500:503])
}

// testPaginationAccess checks that access filtering happens in the query: a page holds Limit
// visible records (not Limit records of which some are then dropped).
func testPaginationAccess(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	const n = 60
	var visible []catalog.CaseID
	write(t, st, func(tx catalog.Tx) error {
		for i := range n {
			a := acc(de, catalog.VisibilityOwner)
			if i%3 == 0 {
				a = acc(de, catalog.VisibilityListed, fr)
			}
			c, err := tx.CreateCase(ctx(t), catalog.Case{Access: a, Number: fmt.Sprint(i)})
			if err != nil {
				return err
			}
			if i%3 == 0 {
				visible = append(visible, c.ID)
			}
		}
		return nil
	})
	s := catalog.Scope{Country: fr}
	var walked []catalog.CaseID
	for p := (catalog.Page{Limit: 4}); ; {
		page := must(st.Cases(ctx(t), s, p))(t)
		if len(page) < p.Size() && len(walked)+len(page) != len(visible) {
			t.Fatalf("a page of %d visible cases before the end: filtering is not in the query", len(page))
		}
		for _, c := range page {
			walked = append(walked, c.ID)
		}
		if len(page) < p.Size() {
			break
		}
		p.After = int64(page[len(page)-1].ID)
	}
	diff(t, "walking the visible cases", walked, visible)
}

func testPDQFeed(t *testing.T, st catalog.Store) {
	if got := collect(t, st.PDQEntries(ctx(t), 0)); len(got) != 0 {
		t.Fatalf("PDQEntries of an empty store: %v", got)
	}
	addCountries(t, st)
	// An image with a PDQ hash, one without, a video with frames, and a low-quality image (stored
	// and fed too: the index decides what it matches).
	img := putMedia(t, st, image("img", acc(fr, catalog.VisibilityNetwork)))
	noPDQ := image("nopdq", acc(fr, catalog.VisibilityNetwork))
	noPDQ.PDQ = nil
	putMedia(t, st, noPDQ)
	lowIn := image("low", acc(de, catalog.VisibilityOwner))
	lowIn.PDQ = &catalog.PDQ{Hash: hash("low"), Quality: 10, Flavour: pdq.Squash512}
	video := putMedia(t, st, catalog.Media{Digests: digests("video"), Kind: catalog.KindVideo, Access: acc(fr, catalog.VisibilityNetwork), Blob: "v", Source: "upload"})
	frames := []catalog.Frame{
		{Number: 0, PDQ: catalog.PDQ{Hash: hash("f0"), Quality: 100, Flavour: pdq.FullRes}},
		{Number: 1, Timestamp: time.Second, PDQ: catalog.PDQ{Hash: hash("f1"), Quality: 90, Flavour: pdq.FullRes}},
		{Number: 2, Timestamp: 2 * time.Second, PDQ: catalog.PDQ{Hash: hash("f2"), Quality: 80, Flavour: pdq.FullRes}},
	}
	write(t, st, func(tx catalog.Tx) error { return tx.PutFrames(ctx(t), video.ID, frames) })
	low := putMedia(t, st, lowIn)

	type key struct {
		m     catalog.MediaID
		frame int
	}
	want := map[key]catalog.PDQ{
		{img.ID, -1}:  *img.PDQ,
		{low.ID, -1}:  *low.PDQ,
		{video.ID, 0}: frames[0].PDQ,
		{video.ID, 1}: frames[1].PDQ,
		{video.ID, 2}: frames[2].PDQ,
	}
	// replay applies a feed to an index, as the near-duplicate index does.
	replay := func(state map[key]catalog.PDQ, es []catalog.SeqPDQ) map[key]catalog.PDQ {
		for _, e := range es {
			if e.Deleted {
				delete(state, key{e.Media, e.Frame})
			} else {
				state[key{e.Media, e.Frame}] = e.Hash
			}
		}
		return state
	}
	ordered := func(what string, es []catalog.SeqPDQ, after int64) {
		t.Helper()
		for i, e := range es {
			if e.Seq <= after || (i > 0 && e.Seq <= es[i-1].Seq) {
				t.Fatalf("%s: entry %d has sequence %d after %d: not in sequence order after %d", what, i, e.Seq, es[max(i-1, 0)].Seq, after)
			}
		}
	}
	first := collect(t, st.PDQEntries(ctx(t), 0))
	ordered("PDQEntries(0)", first, 0)
	diff(t, "the index built from PDQEntries(0)", replay(map[key]catalog.PDQ{}, first), want)
	for _, e := range first {
		if e.Deleted {
			t.Errorf("entry %+v deleted, though nothing was removed", e)
		}
	}
	// Resuming from any sequence number gives the rest of the feed.
	for k := range first {
		diff(t, fmt.Sprintf("PDQEntries after entry %d", k), collect(t, st.PDQEntries(ctx(t), first[k].Seq)), first[k+1:])
	}
	last := first[len(first)-1].Seq
	if got := collect(t, st.PDQEntries(ctx(t), last)); len(got) != 0 {
		t.Errorf("PDQEntries after the last entry: %v", got)
	}
	// An early stop of the iterator is allowed.
	for range st.PDQEntries(ctx(t), 0) {
		break
	}

	// Changes: a new hash for the image, fewer frames, a deleted record, a new record.
	write(t, st, func(tx catalog.Tx) error {
		m := img
		m.PDQ = &catalog.PDQ{Hash: hash("img v2"), Quality: 95, Flavour: pdq.FullRes}
		if err := tx.UpdateMedia(ctx(t), m); err != nil {
			return err
		}
		if err := tx.PutFrames(ctx(t), video.ID, frames[:1]); err != nil {
			return err
		}
		return tx.DeleteMedia(ctx(t), low.ID)
	})
	late := putMedia(t, st, image("late", acc(it, catalog.VisibilityNetwork)))
	want = map[key]catalog.PDQ{
		{img.ID, -1}:  {Hash: hash("img v2"), Quality: 95, Flavour: pdq.FullRes},
		{video.ID, 0}: frames[0].PDQ,
		{late.ID, -1}: *late.PDQ,
	}
	tail := collect(t, st.PDQEntries(ctx(t), last))
	ordered("PDQEntries after the changes", tail, last)
	diff(t, "an index kept current from the last sequence seen", replay(replay(map[key]catalog.PDQ{}, first), tail), want)
	all := collect(t, st.PDQEntries(ctx(t), 0))
	ordered("PDQEntries(0) after the changes", all, 0)
	diff(t, "an index rebuilt from PDQEntries(0)", replay(map[key]catalog.PDQ{}, all), want)
	removed := map[key]bool{}
	for _, e := range tail {
		if e.Deleted {
			removed[key{e.Media, e.Frame}] = true
		}
	}
	for _, k := range []key{{low.ID, -1}, {video.ID, 1}, {video.ID, 2}} {
		if !removed[k] {
			t.Errorf("no Deleted entry for the removed hash of media %d frame %d", k.m, k.frame)
		}
	}

	// Nothing changes the feed without changing a hash.
	before := collect(t, st.PDQEntries(ctx(t), 0))
	write(t, st, func(tx catalog.Tx) error {
		m := must(tx.Media(ctx(t), catalog.SystemScope(), late.ID))(t)
		m.Category = catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "3"}
		return tx.UpdateMedia(ctx(t), m)
	})
	diff(t, "PDQEntries after a change that kept the hash", replay(map[key]catalog.PDQ{}, collect(t, st.PDQEntries(ctx(t), 0))), replay(map[key]catalog.PDQ{}, before))
}
