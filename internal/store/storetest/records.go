package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/pdq"
)

func testCountries(t *testing.T, st catalog.Store) {
	created := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	write(t, st, func(tx catalog.Tx) error {
		for _, c := range []catalog.CountryCode{nl, fr, de} {
			if err := tx.AddCountry(ctx(t), catalog.Country{Code: c, Name: "Name " + string(c), Created: created}); err != nil {
				return err
			}
		}
		return nil
	})
	got := must(st.Country(ctx(t), fr))(t)
	if got.Code != fr || got.Name != "Name FR" {
		t.Errorf("Country(FR) = %+v, want code FR, name %q", got, "Name FR")
	}
	all := must(st.Countries(ctx(t)))(t)
	diff(t, "Countries order", ids(all, func(c catalog.Country) catalog.CountryCode { return c.Code }),
		[]catalog.CountryCode{de, fr, nl})
	for _, c := range all {
		diff(t, "Countries vs Country", c, must(st.Country(ctx(t), c.Code))(t))
	}
	_, err := st.Country(ctx(t), gb)
	wantErr(t, "Country(GB), not added", err, catalog.ErrNotFound)
	err = writeErr(t, st, func(tx catalog.Tx) error { return tx.AddCountry(ctx(t), catalog.Country{Code: fr, Name: "again"}) })
	wantErr(t, "AddCountry twice", err, catalog.ErrConflict)
	if got := must(st.Country(ctx(t), fr))(t); got.Name != "Name FR" {
		t.Errorf("after a refused AddCountry, FR is named %q, want %q", got.Name, "Name FR")
	}
}

func testUsers(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	var alice, bob, carol catalog.User
	write(t, st, func(tx catalog.Tx) (err error) {
		if alice, err = tx.AddUser(ctx(t), catalog.User{Login: "alice", Name: "Alice", Country: fr, Role: catalog.RoleAnalyst}); err != nil {
			return err
		}
		if bob, err = tx.AddUser(ctx(t), catalog.User{Login: "bob", Country: de, Role: catalog.RoleReviewer}); err != nil {
			return err
		}
		carol, err = tx.AddUser(ctx(t), catalog.User{Login: "carol", Country: fr, Role: catalog.RoleCoordinator, Disabled: true})
		return err
	})
	if alice.ID == 0 || bob.ID == 0 || carol.ID == 0 || alice.ID == bob.ID || bob.ID == carol.ID {
		t.Fatalf("AddUser IDs %d, %d, %d: want distinct non-zero", alice.ID, bob.ID, carol.ID)
	}
	if alice.Login != "alice" || alice.Name != "Alice" || alice.Country != fr || alice.Role != catalog.RoleAnalyst || alice.Disabled {
		t.Errorf("AddUser returned %+v", alice)
	}
	if !carol.Disabled || carol.Role != catalog.RoleCoordinator {
		t.Errorf("AddUser returned %+v, want a disabled coordinator", carol)
	}
	diff(t, "User(alice)", must(st.User(ctx(t), alice.ID))(t), alice)
	diff(t, "UserByLogin(bob)", must(st.UserByLogin(ctx(t), "bob"))(t), bob)
	_, err := st.User(ctx(t), carol.ID+1000)
	wantErr(t, "User(absent)", err, catalog.ErrNotFound)
	_, err = st.UserByLogin(ctx(t), "nobody")
	wantErr(t, "UserByLogin(absent)", err, catalog.ErrNotFound)

	diff(t, "Users(all)", must(st.Users(ctx(t), "", catalog.Page{}))(t), []catalog.User{alice, bob, carol})
	diff(t, "Users(FR)", must(st.Users(ctx(t), fr, catalog.Page{}))(t), []catalog.User{alice, carol})
	diff(t, "Users(FR, after alice)", must(st.Users(ctx(t), fr, catalog.Page{After: int64(alice.ID)}))(t), []catalog.User{carol})
	diff(t, "Users(all, limit 1)", must(st.Users(ctx(t), "", catalog.Page{Limit: 1}))(t), []catalog.User{alice})

	err = writeErr(t, st, func(tx catalog.Tx) error {
		_, err := tx.AddUser(ctx(t), catalog.User{Login: "alice", Country: de, Role: catalog.RoleAnalyst})
		return err
	})
	wantErr(t, "AddUser with a taken login", err, catalog.ErrConflict)

	changed := alice
	changed.Name, changed.Country, changed.Role, changed.Disabled = "Alice B.", de, catalog.RoleReviewer, true
	write(t, st, func(tx catalog.Tx) error { return tx.UpdateUser(ctx(t), changed) })
	diff(t, "User after UpdateUser", must(st.User(ctx(t), alice.ID))(t), changed)
	diff(t, "Users(DE) after UpdateUser", must(st.Users(ctx(t), de, catalog.Page{}))(t), []catalog.User{changed, bob})

	err = writeErr(t, st, func(tx catalog.Tx) error {
		return tx.UpdateUser(ctx(t), catalog.User{ID: carol.ID + 1000, Login: "ghost", Country: fr, Role: catalog.RoleAnalyst})
	})
	wantErr(t, "UpdateUser(absent)", err, catalog.ErrNotFound)
}

func testCases(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	var c1, c2, c3 catalog.Case
	write(t, st, func(tx catalog.Tx) (err error) {
		// SharedWith out of order, duplicated and naming the owner: stored normalised.
		if c1, err = tx.CreateCase(ctx(t), catalog.Case{Access: acc(fr, catalog.VisibilityListed, nl, it, nl, fr), Number: "FR-2026-1", Title: "first"}); err != nil {
			return err
		}
		if c2, err = tx.CreateCase(ctx(t), catalog.Case{Access: acc(fr, catalog.VisibilityOwner, it), Number: "FR-2026-2"}); err != nil {
			return err
		}
		// The same number under another owner is another case.
		c3, err = tx.CreateCase(ctx(t), catalog.Case{Access: acc(de, catalog.VisibilityNetwork), Number: "FR-2026-1", Title: "German"})
		return err
	})
	if c1.ID == 0 || c1.ID == c2.ID || c2.ID == c3.ID {
		t.Fatalf("CreateCase IDs %d, %d, %d", c1.ID, c2.ID, c3.ID)
	}
	diff(t, "CreateCase access", c1.Access, acc(fr, catalog.VisibilityListed, it, nl))
	diff(t, "CreateCase access (owner only: no shares)", c2.Access, acc(fr, catalog.VisibilityOwner))
	if c1.Number != "FR-2026-1" || c1.Title != "first" {
		t.Errorf("CreateCase returned %+v", c1)
	}
	all := catalog.SystemScope()
	diff(t, "Case", must(st.Case(ctx(t), all, c1.ID))(t), c1)
	diff(t, "CaseByNumber(FR)", must(st.CaseByNumber(ctx(t), all, fr, "FR-2026-1"))(t), c1)
	diff(t, "CaseByNumber(DE)", must(st.CaseByNumber(ctx(t), all, de, "FR-2026-1"))(t), c3)
	_, err := st.CaseByNumber(ctx(t), all, it, "FR-2026-1")
	wantErr(t, "CaseByNumber(IT)", err, catalog.ErrNotFound)
	_, err = st.Case(ctx(t), all, c3.ID+1000)
	wantErr(t, "Case(absent)", err, catalog.ErrNotFound)
	diff(t, "Cases", must(st.Cases(ctx(t), all, catalog.Page{}))(t), []catalog.Case{c1, c2, c3})

	err = writeErr(t, st, func(tx catalog.Tx) error {
		_, err := tx.CreateCase(ctx(t), catalog.Case{Access: acc(fr, catalog.VisibilityNetwork), Number: "FR-2026-2"})
		return err
	})
	wantErr(t, "CreateCase with the owner's taken number", err, catalog.ErrConflict)
}

func testMedia(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	var series catalog.Series
	write(t, st, func(tx catalog.Tx) (err error) {
		series, err = tx.CreateSeries(ctx(t), catalog.Series{Access: acc(fr, catalog.VisibilityNetwork), Name: "BLUE-LAKE-07", Status: catalog.SeriesUnidentified, Countries: []catalog.CountryCode{fr}})
		return err
	})
	retention := time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
	in := image("one", acc(fr, catalog.VisibilityListed, nl, de, nl))
	in.Category = catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "1"}
	in.Retention = retention
	in.Series = series.ID
	in.PDQ.Flavour = pdq.Squash512
	var got catalog.Media
	var created bool
	write(t, st, func(tx catalog.Tx) (err error) {
		got, created, err = tx.PutMedia(ctx(t), in)
		return err
	})
	if !created || got.ID == 0 {
		t.Fatalf("PutMedia = ID %d, created %v; want a new record", got.ID, created)
	}
	want := in
	want.ID, want.Created, want.Updated = got.ID, got.Created, got.Updated
	want.Access = acc(fr, catalog.VisibilityListed, de, nl)
	diff(t, "PutMedia", got, want)
	diff(t, "Media", must(st.Media(ctx(t), catalog.SystemScope(), got.ID))(t), got)
	_, err := st.Media(ctx(t), catalog.SystemScope(), got.ID+1000)
	wantErr(t, "Media(absent)", err, catalog.ErrNotFound)

	// A video without PDQ and a hash-only record with MD5 only.
	video := catalog.Media{Digests: digests("video"), Size: 5 << 20, MIME: "video/mp4", Kind: catalog.KindVideo,
		Width: 1920, Height: 1080, Duration: 93*time.Second + 40*time.Millisecond, Access: acc(de, catalog.VisibilityOwner),
		Blob: "blob-video", Source: "upload"}
	md5only := catalog.Media{Digests: catalog.Digests{MD5: digests("md5").MD5}, Kind: catalog.KindUnknown,
		Access: acc(nl, catalog.VisibilityNetwork), Source: "vics:list.json"}
	var gotVideo, gotMD5 catalog.Media
	write(t, st, func(tx catalog.Tx) (err error) {
		if gotVideo, _, err = tx.PutMedia(ctx(t), video); err != nil {
			return err
		}
		gotMD5, _, err = tx.PutMedia(ctx(t), md5only)
		return err
	})
	video.ID, video.Created, video.Updated = gotVideo.ID, gotVideo.Created, gotVideo.Updated
	diff(t, "PutMedia(video)", gotVideo, video)
	md5only.ID, md5only.Created, md5only.Updated = gotMD5.ID, gotMD5.Created, gotMD5.Updated
	diff(t, "PutMedia(MD5 only)", gotMD5, md5only)
	if !gotMD5.HashOnly() || gotMD5.Digests.HasSHA256() || gotMD5.Digests.HasSHA1() {
		t.Errorf("MD5-only record came back as %+v", gotMD5.Digests)
	}

	// UpdateMedia stores category, access, retention, series, PDQ, dimensions and blob;
	// digests never change.
	upd := got
	upd.Category = catalog.Category{Scheme: "vics-uk", Code: "B"}
	upd.Access = acc(fr, catalog.VisibilityOwner)
	upd.Retention = retention.AddDate(5, 0, 0)
	upd.Series = 0
	upd.PDQ = &catalog.PDQ{Hash: hash("changed"), Quality: 40, Flavour: pdq.FullRes}
	upd.Width, upd.Height = 320, 240
	upd.Blob = "blob-reencrypted"
	upd.Digests = digests("an attempt to change the digests")
	write(t, st, func(tx catalog.Tx) error { return tx.UpdateMedia(ctx(t), upd) })
	after := must(st.Media(ctx(t), catalog.SystemScope(), got.ID))(t)
	wantUpd := upd
	wantUpd.Digests = got.Digests
	wantUpd.Updated = after.Updated
	diff(t, "Media after UpdateMedia", after, wantUpd)

	// Removing the PDQ and the category.
	upd2 := after
	upd2.PDQ, upd2.Category = nil, catalog.Category{}
	write(t, st, func(tx catalog.Tx) error { return tx.UpdateMedia(ctx(t), upd2) })
	after2 := must(st.Media(ctx(t), catalog.SystemScope(), got.ID))(t)
	if after2.PDQ != nil || !after2.Category.IsZero() {
		t.Errorf("after UpdateMedia without PDQ and category: PDQ %v, category %v", after2.PDQ, after2.Category)
	}

	err = writeErr(t, st, func(tx catalog.Tx) error {
		m := upd
		m.ID = gotMD5.ID + 1000
		return tx.UpdateMedia(ctx(t), m)
	})
	wantErr(t, "UpdateMedia(absent)", err, catalog.ErrNotFound)
}

func testMediaUnique(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	u := addUser(t, st, "alice", fr, catalog.RoleAnalyst)
	var c1, c2 catalog.Case
	write(t, st, func(tx catalog.Tx) (err error) {
		if c1, err = tx.CreateCase(ctx(t), catalog.Case{Access: acc(fr, catalog.VisibilityNetwork), Number: "1"}); err != nil {
			return err
		}
		c2, err = tx.CreateCase(ctx(t), catalog.Case{Access: acc(de, catalog.VisibilityNetwork), Number: "2"})
		return err
	})
	first := image("same file", acc(fr, catalog.VisibilityNetwork))
	var m1, m2 catalog.Media
	var created1, created2 bool
	write(t, st, func(tx catalog.Tx) (err error) {
		if m1, created1, err = tx.PutMedia(ctx(t), first); err != nil {
			return err
		}
		_, err = tx.AddSighting(ctx(t), catalog.Sighting{Media: m1.ID, Case: c1.ID, Exhibit: "laptop", Path: "/a.jpg", Uploader: u.ID, Country: fr})
		return err
	})
	// The same SHA-256 again, found elsewhere and described differently: the same record.
	second := first
	second.Access = acc(de, catalog.VisibilityOwner)
	second.MIME = "image/png"
	second.Category = catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "2"}
	second.Blob = "another-blob"
	write(t, st, func(tx catalog.Tx) (err error) {
		if m2, created2, err = tx.PutMedia(ctx(t), second); err != nil {
			return err
		}
		_, err = tx.AddSighting(ctx(t), catalog.Sighting{Media: m2.ID, Case: c2.ID, Exhibit: "phone", Path: "/DCIM/b.png", Uploader: u.ID, Country: de})
		return err
	})
	if !created1 || created2 {
		t.Errorf("PutMedia created = %v then %v, want true then false", created1, created2)
	}
	diff(t, "PutMedia of a held SHA-256 returns the held record unchanged", m2, m1)
	diff(t, "the held record after the second PutMedia", must(st.Media(ctx(t), catalog.SystemScope(), m1.ID))(t), m1)
	if n := must(st.Stats(ctx(t)))(t).Media; n != 1 {
		t.Errorf("Stats.Media = %d, want 1", n)
	}
	ss := must(st.Sightings(ctx(t), catalog.SystemScope(), m1.ID, catalog.Page{}))(t)
	diff(t, "sightings of the one record", ids(ss, func(s catalog.Sighting) string { return s.Path }), []string{"/a.jpg", "/DCIM/b.png"})
}

func testDeleteMedia(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	u := addUser(t, st, "alice", fr, catalog.RoleAnalyst)
	var victim, keep catalog.Media
	var cs catalog.Case
	var clueOnSeries, clueOnKeep catalog.Clue
	var alert catalog.Alert
	write(t, st, func(tx catalog.Tx) (err error) {
		cs, err = tx.CreateCase(ctx(t), catalog.Case{Access: acc(fr, catalog.VisibilityNetwork), Number: "1"})
		if err != nil {
			return err
		}
		s, err := tx.CreateSeries(ctx(t), catalog.Series{Access: acc(fr, catalog.VisibilityNetwork), Name: "S", Status: catalog.SeriesUnidentified})
		if err != nil {
			return err
		}
		if victim, _, err = tx.PutMedia(ctx(t), image("gone", acc(fr, catalog.VisibilityNetwork))); err != nil {
			return err
		}
		if keep, _, err = tx.PutMedia(ctx(t), image("kept", acc(fr, catalog.VisibilityNetwork))); err != nil {
			return err
		}
		if _, err = tx.AddSighting(ctx(t), catalog.Sighting{Media: victim.ID, Case: cs.ID, Path: "/gone.jpg", Uploader: u.ID, Country: fr}); err != nil {
			return err
		}
		if _, err = tx.AddSighting(ctx(t), catalog.Sighting{Media: keep.ID, Case: cs.ID, Path: "/kept.jpg", Uploader: u.ID, Country: fr}); err != nil {
			return err
		}
		if err = tx.PutFrames(ctx(t), victim.ID, []catalog.Frame{{Number: 0, PDQ: catalog.PDQ{Hash: hash("f0"), Quality: 80}}}); err != nil {
			return err
		}
		if err = tx.AddMatch(ctx(t), catalog.Match{A: min(victim.ID, keep.ID), B: max(victim.ID, keep.ID), Kind: catalog.MatchNear, Distance: 12}); err != nil {
			return err
		}
		if _, err = tx.AddClue(ctx(t), catalog.Clue{Access: acc(fr, catalog.VisibilityNetwork), Media: victim.ID, Kind: catalog.ClueObject, Text: "socket", Author: u.ID}); err != nil {
			return err
		}
		if _, err = tx.AddClue(ctx(t), catalog.Clue{Access: acc(fr, catalog.VisibilityNetwork), Media: victim.ID, Series: s.ID, Kind: catalog.ClueText, Text: "sign", Author: u.ID}); err != nil {
			return err
		}
		if clueOnSeries, err = tx.AddClue(ctx(t), catalog.Clue{Access: acc(fr, catalog.VisibilityNetwork), Series: s.ID, Kind: catalog.ClueLocation, Text: "lake", Author: u.ID}); err != nil {
			return err
		}
		if clueOnKeep, err = tx.AddClue(ctx(t), catalog.Clue{Access: acc(fr, catalog.VisibilityNetwork), Media: keep.ID, Kind: catalog.ClueOther, Text: "kept", Author: u.ID}); err != nil {
			return err
		}
		alert, err = tx.AddAlert(ctx(t), catalog.Alert{Country: fr, Kind: catalog.AlertMatchOnYourRecord, Media: victim.ID, From: de, Message: "m"})
		return err
	})
	write(t, st, func(tx catalog.Tx) error { return tx.DeleteMedia(ctx(t), victim.ID) })

	all := catalog.SystemScope()
	_, err := st.Media(ctx(t), all, victim.ID)
	wantErr(t, "Media after DeleteMedia", err, catalog.ErrNotFound)
	if got := must(st.MediaByIDs(ctx(t), []catalog.MediaID{victim.ID}))(t); len(got) != 0 {
		t.Errorf("MediaByIDs after DeleteMedia = %v, want none", got)
	}
	if got := must(st.Sightings(ctx(t), all, victim.ID, catalog.Page{}))(t); len(got) != 0 {
		t.Errorf("sightings after DeleteMedia: %v", got)
	}
	if got := must(st.Frames(ctx(t), victim.ID))(t); len(got) != 0 {
		t.Errorf("frames after DeleteMedia: %v", got)
	}
	if got := must(st.Matches(ctx(t), keep.ID))(t); len(got) != 0 {
		t.Errorf("matches of the other side after DeleteMedia: %v", got)
	}
	clues := must(st.Clues(ctx(t), all, catalog.ClueFilter{}, catalog.Page{}))(t)
	diff(t, "clues after DeleteMedia", ids(clues, func(c catalog.Clue) catalog.ClueID { return c.ID }),
		[]catalog.ClueID{clueOnSeries.ID, clueOnKeep.ID})
	// The rest of the catalog is untouched.
	if got := must(st.Sightings(ctx(t), all, keep.ID, catalog.Page{}))(t); len(got) != 1 {
		t.Errorf("sightings of the kept media: %d, want 1", len(got))
	}
	if _, err := st.Case(ctx(t), all, cs.ID); err != nil {
		t.Errorf("the case of the deleted media's sighting: %v", err)
	}
	alerts := must(st.Alerts(ctx(t), fr, false, catalog.Page{}))(t)
	if len(alerts) != 1 || alerts[0].ID != alert.ID {
		t.Errorf("alerts after DeleteMedia: %v, want the one alert kept", alerts)
	}

	err = writeErr(t, st, func(tx catalog.Tx) error { return tx.DeleteMedia(ctx(t), victim.ID) })
	wantErr(t, "DeleteMedia twice", err, catalog.ErrNotFound)
}

func testFrames(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	v := putMedia(t, st, catalog.Media{Digests: digests("video"), Kind: catalog.KindVideo, MIME: "video/mp4",
		Duration: 3 * time.Second, Access: acc(fr, catalog.VisibilityNetwork), Blob: "b", Source: "upload"})
	frames := []catalog.Frame{
		{Number: 2, Timestamp: 2 * time.Second, PDQ: catalog.PDQ{Hash: hash("f2"), Quality: 70, Flavour: pdq.FullRes}},
		{Number: 0, Timestamp: 0, PDQ: catalog.PDQ{Hash: hash("f0"), Quality: 100, Flavour: pdq.FullRes}},
		{Number: 1, Timestamp: time.Second + 500*time.Millisecond, PDQ: catalog.PDQ{Hash: hash("f1"), Quality: 20, Flavour: pdq.Squash512}},
	}
	write(t, st, func(tx catalog.Tx) error { return tx.PutFrames(ctx(t), v.ID, frames) })
	want := []catalog.Frame{frames[1], frames[2], frames[0]}
	diff(t, "Frames, in frame order", must(st.Frames(ctx(t), v.ID))(t), want)

	// PutFrames replaces.
	repl := []catalog.Frame{{Number: 0, Timestamp: 0, PDQ: catalog.PDQ{Hash: hash("g0"), Quality: 60, Flavour: pdq.FullRes}}}
	write(t, st, func(tx catalog.Tx) error { return tx.PutFrames(ctx(t), v.ID, repl) })
	diff(t, "Frames after a second PutFrames", must(st.Frames(ctx(t), v.ID))(t), repl)
	if got := must(st.Frames(ctx(t), v.ID+1000))(t); len(got) != 0 {
		t.Errorf("Frames of an absent media = %v", got)
	}
}

func testSightings(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	u := addUser(t, st, "alice", fr, catalog.RoleAnalyst)
	m := putMedia(t, st, image("x", acc(fr, catalog.VisibilityNetwork)))
	ct := time.Date(2019, 5, 6, 7, 8, 9, 123000, time.UTC)
	mt, at := ct.Add(time.Hour), ct.Add(2*time.Hour)
	var cs catalog.Case
	var s1, s2 catalog.Sighting
	in1 := catalog.Sighting{Media: m.ID, Exhibit: "EX-1 laptop", Path: `C:\Users\x\Pictures\a.jpg`,
		Created: &ct, Modified: &mt, Accessed: &at, Uploader: u.ID, Country: fr,
		At: time.Date(2026, 2, 3, 4, 5, 6, 7000, time.UTC)}
	write(t, st, func(tx catalog.Tx) (err error) {
		if cs, err = tx.CreateCase(ctx(t), catalog.Case{Access: acc(fr, catalog.VisibilityNetwork), Number: "1"}); err != nil {
			return err
		}
		in1.Case = cs.ID
		if s1, err = tx.AddSighting(ctx(t), in1); err != nil {
			return err
		}
		// No file times, no uploader, no time: the store records when.
		s2, err = tx.AddSighting(ctx(t), catalog.Sighting{Media: m.ID, Case: cs.ID, Path: "/b.jpg", Country: fr})
		return err
	})
	want1 := in1
	want1.ID = s1.ID
	diff(t, "AddSighting", s1, want1)
	if s2.ID == 0 || s2.ID == s1.ID || s2.Created != nil || s2.Uploader != 0 {
		t.Errorf("AddSighting without file times = %+v", s2)
	}
	diff(t, "Sightings", must(st.Sightings(ctx(t), catalog.SystemScope(), m.ID, catalog.Page{}))(t), []catalog.Sighting{s1, s2})
	diff(t, "Sightings after the first", must(st.Sightings(ctx(t), catalog.SystemScope(), m.ID, catalog.Page{After: int64(s1.ID)}))(t), []catalog.Sighting{s2})
}

func testMatches(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	a := putMedia(t, st, image("a", acc(fr, catalog.VisibilityNetwork)))
	b := putMedia(t, st, image("b", acc(de, catalog.VisibilityOwner)))
	c := putMedia(t, st, image("c", acc(it, catalog.VisibilityOwner)))
	found := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	write(t, st, func(tx catalog.Tx) error {
		for _, m := range []catalog.Match{
			{A: a.ID, B: b.ID, Kind: catalog.MatchNear, Distance: 20, Found: found},
			{A: a.ID, B: b.ID, Kind: catalog.MatchExact, Distance: 0, Found: found},
			{A: b.ID, B: c.ID, Kind: catalog.MatchNear, Distance: 5, Found: found},
		} {
			if err := tx.AddMatch(ctx(t), m); err != nil {
				return err
			}
		}
		return nil
	})
	// The same pair and kind again: the smaller distance stays.
	write(t, st, func(tx catalog.Tx) error {
		if err := tx.AddMatch(ctx(t), catalog.Match{A: a.ID, B: b.ID, Kind: catalog.MatchNear, Distance: 25, Found: found.Add(time.Hour)}); err != nil {
			return err
		}
		return tx.AddMatch(ctx(t), catalog.Match{A: b.ID, B: c.ID, Kind: catalog.MatchNear, Distance: 3, Found: found.Add(time.Hour)})
	})
	type key struct {
		A, B     catalog.MediaID
		Kind     catalog.MatchKind
		Distance int
	}
	keys := func(ms []catalog.Match) []key {
		var out []key
		for _, m := range ms {
			x, y := min(m.A, m.B), max(m.A, m.B) // a store may keep a pair either way round
			out = append(out, key{x, y, m.Kind, m.Distance})
		}
		slices.SortFunc(out, func(p, q key) int {
			if p.A != q.A {
				return int(p.A - q.A)
			}
			if p.B != q.B {
				return int(p.B - q.B)
			}
			return strings.Compare(string(p.Kind), string(q.Kind))
		})
		return out
	}
	ab, bc := key{A: min(a.ID, b.ID), B: max(a.ID, b.ID)}, key{A: min(b.ID, c.ID), B: max(b.ID, c.ID)}
	with := func(k key, kind catalog.MatchKind, d int) key { k.Kind, k.Distance = kind, d; return k }
	diff(t, "Matches(a)", keys(must(st.Matches(ctx(t), a.ID))(t)),
		[]key{with(ab, catalog.MatchExact, 0), with(ab, catalog.MatchNear, 20)})
	diff(t, "Matches(b), as A and as B", keys(must(st.Matches(ctx(t), b.ID))(t)),
		keys([]catalog.Match{{A: a.ID, B: b.ID, Kind: catalog.MatchExact}, {A: a.ID, B: b.ID, Kind: catalog.MatchNear, Distance: 20}, {A: b.ID, B: c.ID, Kind: catalog.MatchNear, Distance: 3}}))
	diff(t, "Matches(c)", keys(must(st.Matches(ctx(t), c.ID))(t)), []key{with(bc, catalog.MatchNear, 3)})
}

func testSeries(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	var s1, s2 catalog.Series
	write(t, st, func(tx catalog.Tx) (err error) {
		if s1, err = tx.CreateSeries(ctx(t), catalog.Series{Access: acc(fr, catalog.VisibilityListed, it, de, it), Name: "BLUE-LAKE-07",
			Status: catalog.SeriesUnidentified, Countries: []catalog.CountryCode{it, fr}}); err != nil {
			return err
		}
		s2, err = tx.CreateSeries(ctx(t), catalog.Series{Access: acc(de, catalog.VisibilityNetwork), Name: "RED-HILL-01", Status: catalog.SeriesIdentified})
		return err
	})
	if s1.ID == 0 || s1.ID == s2.ID || s1.Name != "BLUE-LAKE-07" || s1.Status != catalog.SeriesUnidentified {
		t.Fatalf("CreateSeries returned %+v, %+v", s1, s2)
	}
	diff(t, "CreateSeries access", s1.Access, acc(fr, catalog.VisibilityListed, de, it))
	diff(t, "CreateSeries countries (as a set)", sortedCountries(s1.Countries), []catalog.CountryCode{fr, it})
	all := catalog.SystemScope()
	diff(t, "Series", must(st.Series(ctx(t), all, s1.ID))(t), s1)
	diff(t, "SeriesByName", must(st.SeriesByName(ctx(t), all, "RED-HILL-01"))(t), s2)
	_, err := st.SeriesByName(ctx(t), all, "red-hill-01x")
	wantErr(t, "SeriesByName(absent)", err, catalog.ErrNotFound)
	_, err = st.Series(ctx(t), all, s2.ID+1000)
	wantErr(t, "Series(absent)", err, catalog.ErrNotFound)
	diff(t, "SeriesList", must(st.SeriesList(ctx(t), all, catalog.Page{}))(t), []catalog.Series{s1, s2})

	err = writeErr(t, st, func(tx catalog.Tx) error {
		_, err := tx.CreateSeries(ctx(t), catalog.Series{Access: acc(nl, catalog.VisibilityOwner), Name: "BLUE-LAKE-07", Status: catalog.SeriesUnidentified})
		return err
	})
	wantErr(t, "CreateSeries with a taken name", err, catalog.ErrConflict)

	upd := s1
	upd.Name, upd.Status = "BLUE-LAKE-08", catalog.SeriesIdentified
	upd.Access = acc(fr, catalog.VisibilityNetwork)
	upd.Countries = []catalog.CountryCode{fr, gb, nl}
	write(t, st, func(tx catalog.Tx) error { return tx.UpdateSeries(ctx(t), upd) })
	got := must(st.Series(ctx(t), all, s1.ID))(t)
	if got.Name != upd.Name || got.Status != upd.Status {
		t.Errorf("after UpdateSeries: %q %q, want %q %q", got.Name, got.Status, upd.Name, upd.Status)
	}
	diff(t, "access after UpdateSeries", got.Access, upd.Access)
	diff(t, "countries after UpdateSeries", sortedCountries(got.Countries), upd.Countries)
	diff(t, "created after UpdateSeries", got.Created, s1.Created)

	err = writeErr(t, st, func(tx catalog.Tx) error { upd := s2; upd.Name = "BLUE-LAKE-08"; return tx.UpdateSeries(ctx(t), upd) })
	wantErr(t, "UpdateSeries to a taken name", err, catalog.ErrConflict)
	err = writeErr(t, st, func(tx catalog.Tx) error {
		upd := s2
		upd.ID += 1000
		upd.Name = "NEW"
		return tx.UpdateSeries(ctx(t), upd)
	})
	wantErr(t, "UpdateSeries(absent)", err, catalog.ErrNotFound)
}

func sortedCountries(cs []catalog.CountryCode) []catalog.CountryCode {
	cs = slices.Clone(cs)
	slices.Sort(cs)
	return cs
}

func testPersons(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	var s1, s2 catalog.Series
	write(t, st, func(tx catalog.Tx) (err error) {
		if s1, err = tx.CreateSeries(ctx(t), catalog.Series{Access: acc(fr, catalog.VisibilityNetwork), Name: "S1", Status: catalog.SeriesUnidentified}); err != nil {
			return err
		}
		s2, err = tx.CreateSeries(ctx(t), catalog.Series{Access: acc(fr, catalog.VisibilityNetwork), Name: "S2", Status: catalog.SeriesUnidentified})
		return err
	})
	identified := time.Date(2026, 4, 5, 6, 7, 8, 9000, time.UTC)
	vIn := catalog.Person{Kind: catalog.PersonVictim, Access: acc(fr, catalog.VisibilityListed, nl), Code: "V-0001",
		Sex: "female", AgeBand: "6-9", Status: catalog.PersonUnidentified, LikelyLocation: de, Notes: "n", Series: []catalog.SeriesID{s1.ID, s2.ID}}
	oIn := catalog.Person{Kind: catalog.PersonOffender, Access: acc(de, catalog.VisibilityNetwork), Code: "V-0001",
		Sex: "male", AgeBand: "adult", Status: catalog.PersonIdentified, IdentifiedBy: de, IdentifiedAt: &identified, Series: []catalog.SeriesID{s2.ID}}
	var v, o catalog.Person
	write(t, st, func(tx catalog.Tx) (err error) {
		if v, err = tx.CreatePerson(ctx(t), vIn); err != nil {
			return err
		}
		// The same code for the other kind is allowed.
		o, err = tx.CreatePerson(ctx(t), oIn)
		return err
	})
	for _, c := range []struct {
		got, in catalog.Person
	}{{v, vIn}, {o, oIn}} {
		want := c.in
		want.ID, want.Created, want.Updated = c.got.ID, c.got.Created, c.got.Updated
		got := c.got
		got.Series = sortedIDs(got.Series)
		want.Series = sortedIDs(want.Series)
		diff(t, "CreatePerson "+string(c.in.Kind), got, want)
	}
	all := catalog.SystemScope()
	diff(t, "Person", must(st.Person(ctx(t), all, v.ID))(t), v)
	_, err := st.Person(ctx(t), all, o.ID+1000)
	wantErr(t, "Person(absent)", err, catalog.ErrNotFound)
	pid := func(p catalog.Person) catalog.PersonID { return p.ID }
	diff(t, "Persons(victims)", ids(must(st.Persons(ctx(t), all, catalog.PersonVictim, 0, catalog.Page{}))(t), pid), []catalog.PersonID{v.ID})
	diff(t, "Persons(offenders)", ids(must(st.Persons(ctx(t), all, catalog.PersonOffender, 0, catalog.Page{}))(t), pid), []catalog.PersonID{o.ID})
	diff(t, "Persons(victims, S2)", ids(must(st.Persons(ctx(t), all, catalog.PersonVictim, s2.ID, catalog.Page{}))(t), pid), []catalog.PersonID{v.ID})
	diff(t, "Persons(offenders, S1)", ids(must(st.Persons(ctx(t), all, catalog.PersonOffender, s1.ID, catalog.Page{}))(t), pid), []catalog.PersonID(nil))

	err = writeErr(t, st, func(tx catalog.Tx) error {
		_, err := tx.CreatePerson(ctx(t), catalog.Person{Kind: catalog.PersonVictim, Access: acc(it, catalog.VisibilityOwner), Code: "V-0001", Status: catalog.PersonUnidentified})
		return err
	})
	wantErr(t, "CreatePerson with a taken code", err, catalog.ErrConflict)

	// UpdatePerson stores every field but ID, kind and creation time.
	upd := v
	upd.Kind = catalog.PersonOffender
	upd.Access = acc(fr, catalog.VisibilityOwner)
	upd.Code, upd.Sex, upd.AgeBand = "V-0002", "unknown", "10-13"
	upd.Status, upd.IdentifiedBy, upd.IdentifiedAt = catalog.PersonIdentified, fr, &identified
	upd.LikelyLocation, upd.Notes, upd.Series = it, "updated", []catalog.SeriesID{s1.ID}
	upd.Created = v.Created.Add(-time.Hour)
	write(t, st, func(tx catalog.Tx) error { return tx.UpdatePerson(ctx(t), upd) })
	got := must(st.Person(ctx(t), all, v.ID))(t)
	want := upd
	want.Kind, want.Created, want.Updated = v.Kind, v.Created, got.Updated
	diff(t, "Person after UpdatePerson", got, want)
	if n := must(st.Stats(ctx(t)))(t); n.VictimsIdentified != 1 || n.OffendersIdentified != 1 {
		t.Errorf("Stats identified: %d victims, %d offenders; want 1 and 1", n.VictimsIdentified, n.OffendersIdentified)
	}
}

func testClues(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	u := addUser(t, st, "alice", fr, catalog.RoleAnalyst)
	m := putMedia(t, st, image("m", acc(fr, catalog.VisibilityNetwork)))
	var s catalog.Series
	write(t, st, func(tx catalog.Tx) (err error) {
		s, err = tx.CreateSeries(ctx(t), catalog.Series{Access: acc(fr, catalog.VisibilityNetwork), Name: "S", Status: catalog.SeriesUnidentified})
		return err
	})
	ins := []catalog.Clue{
		{Access: acc(fr, catalog.VisibilityListed, it), Media: m.ID, Region: &catalog.Region{X: 10, Y: 20, W: 30, H: 40},
			Kind: catalog.ClueObject, Text: "A Schuko Power Socket", Tags: []string{"socket", "europe", "socket"}, Author: u.ID},
		{Access: acc(fr, catalog.VisibilityNetwork), Series: s.ID, Kind: catalog.ClueText, Text: "shop sign: 50% off", Tags: []string{"sign"}, Author: u.ID},
		{Access: acc(fr, catalog.VisibilityNetwork), Media: m.ID, Series: s.ID, Kind: catalog.ClueText, Text: "5000 offers", Author: u.ID},
	}
	var got []catalog.Clue
	write(t, st, func(tx catalog.Tx) error {
		for _, in := range ins {
			c, err := tx.AddClue(ctx(t), in)
			if err != nil {
				return err
			}
			got = append(got, c)
		}
		return nil
	})
	for i, in := range ins {
		want := in
		want.ID, want.Created = got[i].ID, got[i].Created
		want.Access = in.Access.Normalize()
		want.Tags = slices.Compact(slices.Sorted(slices.Values(in.Tags)))
		g := got[i]
		g.Tags = slices.Compact(slices.Sorted(slices.Values(g.Tags))) // tags are a set
		diff(t, "AddClue", g, want)
	}
	all := catalog.SystemScope()
	diff(t, "Clue", must(st.Clue(ctx(t), all, got[0].ID))(t), got[0])
	cid := func(c catalog.Clue) catalog.ClueID { return c.ID }
	for _, c := range []struct {
		name string
		f    catalog.ClueFilter
		want []catalog.Clue
	}{
		{"all", catalog.ClueFilter{}, got},
		{"media", catalog.ClueFilter{Media: m.ID}, []catalog.Clue{got[0], got[2]}},
		{"series", catalog.ClueFilter{Series: s.ID}, got[1:]},
		{"kind", catalog.ClueFilter{Kind: catalog.ClueText}, got[1:]},
		{"tag", catalog.ClueFilter{Tag: "europe"}, got[:1]},
		{"tag is whole", catalog.ClueFilter{Tag: "sock"}, nil},
		{"text, any case", catalog.ClueFilter{Text: "power SOCKET"}, got[:1]},
		{"text is literal, not a pattern", catalog.ClueFilter{Text: "0%"}, got[1:2]},
		{"text with _", catalog.ClueFilter{Text: "5_"}, nil},
		{"combined", catalog.ClueFilter{Media: m.ID, Kind: catalog.ClueText, Text: "OFFER"}, got[2:]},
	} {
		diff(t, "Clues("+c.name+")", ids(must(st.Clues(ctx(t), all, c.f, catalog.Page{}))(t), cid), ids(c.want, cid))
	}
	write(t, st, func(tx catalog.Tx) error { return tx.DeleteClue(ctx(t), got[1].ID) })
	_, err := st.Clue(ctx(t), all, got[1].ID)
	wantErr(t, "Clue after DeleteClue", err, catalog.ErrNotFound)
	err = writeErr(t, st, func(tx catalog.Tx) error { return tx.DeleteClue(ctx(t), got[1].ID) })
	wantErr(t, "DeleteClue twice", err, catalog.ErrNotFound)
}

func testAlerts(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	m := putMedia(t, st, image("m", acc(fr, catalog.VisibilityOwner)))
	var a1, a2, a3 catalog.Alert
	in1 := catalog.Alert{Country: fr, Kind: catalog.AlertMatchOnYourRecord, Media: m.ID, From: de,
		Message: "an upload by DE matches your record", Created: time.Date(2026, 1, 1, 0, 0, 0, 1000, time.UTC)}
	write(t, st, func(tx catalog.Tx) (err error) {
		if a1, err = tx.AddAlert(ctx(t), in1); err != nil {
			return err
		}
		if a2, err = tx.AddAlert(ctx(t), catalog.Alert{Country: de, Kind: catalog.AlertHitOnOthersRecord, From: fr, Message: "a record owned by FR matches; contact FR"}); err != nil {
			return err
		}
		a3, err = tx.AddAlert(ctx(t), catalog.Alert{Country: fr, Kind: catalog.AlertSeriesActivity, From: it, Message: "series"})
		return err
	})
	want1 := in1
	want1.ID = a1.ID
	diff(t, "AddAlert", a1, want1)
	diff(t, "Alerts(FR), newest last", must(st.Alerts(ctx(t), fr, false, catalog.Page{}))(t), []catalog.Alert{a1, a3})
	diff(t, "Alerts(DE)", must(st.Alerts(ctx(t), de, true, catalog.Page{}))(t), []catalog.Alert{a2})

	readAt := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	write(t, st, func(tx catalog.Tx) error { return tx.MarkAlertRead(ctx(t), fr, a1.ID, readAt) })
	got := must(st.Alerts(ctx(t), fr, false, catalog.Page{}))(t)
	if len(got) != 2 || got[0].Read == nil || !got[0].Read.Equal(readAt) || got[1].Read != nil {
		t.Errorf("after MarkAlertRead: %+v", got)
	}
	diff(t, "Alerts(FR, unread only)", must(st.Alerts(ctx(t), fr, true, catalog.Page{}))(t), []catalog.Alert{a3})
	err := writeErr(t, st, func(tx catalog.Tx) error { return tx.MarkAlertRead(ctx(t), fr, a2.ID, readAt) })
	wantErr(t, "MarkAlertRead of another country's alert", err, catalog.ErrNotFound)
	diff(t, "DE's alert after FR tried to mark it", must(st.Alerts(ctx(t), de, true, catalog.Page{}))(t), []catalog.Alert{a2})
}

func testStats(t *testing.T, st catalog.Store) {
	if got := must(st.Stats(ctx(t)))(t); got != (catalog.Stats{}) {
		t.Errorf("Stats of an empty store = %+v", got)
	}
	addCountries(t, st)
	putMedia(t, st, image("a", acc(fr, catalog.VisibilityNetwork)))
	putMedia(t, st, image("b", acc(de, catalog.VisibilityOwner)))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	write(t, st, func(tx catalog.Tx) error {
		if _, err := tx.CreateSeries(ctx(t), catalog.Series{Access: acc(fr, catalog.VisibilityNetwork), Name: "S", Status: catalog.SeriesUnidentified}); err != nil {
			return err
		}
		for i, p := range []catalog.Person{
			{Kind: catalog.PersonVictim, Status: catalog.PersonIdentified, IdentifiedBy: fr, IdentifiedAt: &now},
			{Kind: catalog.PersonVictim, Status: catalog.PersonIdentified, IdentifiedBy: de, IdentifiedAt: &now},
			{Kind: catalog.PersonVictim, Status: catalog.PersonUnidentified},
			{Kind: catalog.PersonOffender, Status: catalog.PersonIdentified, IdentifiedBy: fr, IdentifiedAt: &now},
			{Kind: catalog.PersonOffender, Status: catalog.PersonUnidentified},
		} {
			p.Access, p.Code = acc(fr, catalog.VisibilityOwner), "P"+string(rune('0'+i))
			if _, err := tx.CreatePerson(ctx(t), p); err != nil {
				return err
			}
		}
		return nil
	})
	want := catalog.Stats{Media: 2, Series: 1, VictimsIdentified: 2, OffendersIdentified: 1, Countries: int64(len(allCountries))}
	diff(t, "Stats", must(st.Stats(ctx(t)))(t), want)
}
