package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/exif"
)

// The records internal/auth keeps in the catalog (credentials, tokens, reveals) and the EXIF
// metadata of media.

// credTime is the time the suite's credentials, tokens and reveals are made at: UTC, to the
// microsecond.
var credTime = time.Date(2026, 3, 1, 10, 0, 0, 123_456_000, time.UTC)

func testCredentials(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	alice := addUser(t, st, "alice", fr, catalog.RoleAnalyst)
	bob := addUser(t, st, "bob", de, catalog.RoleReviewer)

	_, err := st.Credential(ctx(t), alice.ID)
	wantErr(t, "Credential before any was stored", err, catalog.ErrNotFound)
	err = writeErr(t, st, func(tx catalog.Tx) error {
		return tx.PutCredential(ctx(t), catalog.Credential{User: alice.ID + bob.ID + 100, PasswordHash: "$argon2id$x", Updated: credTime})
	})
	wantErr(t, "PutCredential(absent user)", err, catalog.ErrNotFound)
	err = writeErr(t, st, func(tx catalog.Tx) error {
		return tx.PutCredential(ctx(t), catalog.Credential{User: alice.ID, FailedLogins: -1, Updated: credTime})
	})
	wantErr(t, "PutCredential(negative failed logins)", err, catalog.ErrInvalid)
	_, err = st.Credential(ctx(t), alice.ID)
	wantErr(t, "Credential after refused puts", err, catalog.ErrNotFound)

	locked := credTime.Add(15 * time.Minute)
	full := catalog.Credential{
		User:         alice.ID,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA",
		MustChange:   true,
		TOTPSecret:   []byte{0, 1, 2, 0xfe, 0xff, 'x'},
		TOTPPending:  true,
		TOTPLastStep: 59_000_123,
		FailedLogins: 4,
		LockedUntil:  &locked,
		Updated:      credTime,
	}
	bare := catalog.Credential{User: bob.ID, PasswordHash: "$argon2id$v=19$bob", Updated: credTime}
	write(t, st, func(tx catalog.Tx) error {
		if err := tx.PutCredential(ctx(t), full); err != nil {
			return err
		}
		if err := tx.PutCredential(ctx(t), bare); err != nil {
			return err
		}
		// The transaction sees its own writes.
		got, err := tx.Credential(ctx(t), alice.ID)
		if err != nil {
			return err
		}
		diff(t, "Credential in the writing transaction", got, full)
		return nil
	})
	diff(t, "Credential(alice)", must(st.Credential(ctx(t), alice.ID))(t), full)
	gotBare := must(st.Credential(ctx(t), bob.ID))(t)
	diff(t, "Credential(bob) without TOTP or lock", gotBare, bare)
	if gotBare.LockedUntil != nil || gotBare.TOTPSecret != nil {
		t.Errorf("Credential(bob): LockedUntil %v, TOTPSecret %v; want both nil", gotBare.LockedUntil, gotBare.TOTPSecret)
	}

	// Replacing: TOTP off, lock lifted, counters reset.
	replaced := catalog.Credential{User: alice.ID, PasswordHash: "$argon2id$v=19$new", Updated: credTime.Add(time.Hour)}
	write(t, st, func(tx catalog.Tx) error { return tx.PutCredential(ctx(t), replaced) })
	got := must(st.Credential(ctx(t), alice.ID))(t)
	diff(t, "Credential(alice) after replacing", got, replaced)
	if got.LockedUntil != nil || got.TOTPSecret != nil || got.TOTPPending || got.MustChange {
		t.Errorf("Credential(alice) after replacing kept old fields: %+v", got)
	}
	diff(t, "Credential(bob) after alice's was replaced", must(st.Credential(ctx(t), bob.ID))(t), bare)
}

// token returns a token of user u for label, made at credTime and expiring after ttl.
func token(u catalog.UserID, kind catalog.TokenKind, label string, ttl time.Duration) catalog.Token {
	return catalog.Token{User: u, Kind: kind, Hash: sha256.Sum256([]byte("token:" + label)), Name: label,
		Created: credTime, Expires: credTime.Add(ttl)}
}

func testTokens(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	alice := addUser(t, st, "alice", fr, catalog.RoleAnalyst)
	bob := addUser(t, st, "bob", de, catalog.RoleAnalyst)

	in := []catalog.Token{
		token(alice.ID, catalog.TokenSession, "s1", time.Hour),
		token(alice.ID, catalog.TokenAPI, "laptop", 90*24*time.Hour),
		token(alice.ID, catalog.TokenSession, "s2", 2*time.Hour),
		token(bob.ID, catalog.TokenSession, "bob-s1", time.Hour),
	}
	var tok []catalog.Token
	write(t, st, func(tx catalog.Tx) error {
		for _, x := range in {
			got, err := tx.AddToken(ctx(t), x)
			if err != nil {
				return err
			}
			tok = append(tok, got)
		}
		return nil
	})
	for i, got := range tok {
		want := in[i]
		want.ID = got.ID
		diff(t, "AddToken", got, want)
		if got.ID == 0 || (i > 0 && got.ID <= tok[i-1].ID) {
			t.Errorf("AddToken #%d: ID %d, want increasing IDs", i, got.ID)
		}
		diff(t, "TokenByHash", must(st.TokenByHash(ctx(t), in[i].Hash))(t), got)
	}
	_, err := st.TokenByHash(ctx(t), sha256.Sum256([]byte("no such token")))
	wantErr(t, "TokenByHash(absent)", err, catalog.ErrNotFound)
	diff(t, "Tokens(alice, all)", must(st.Tokens(ctx(t), alice.ID, ""))(t), tok[:3])
	diff(t, "Tokens(alice, session)", must(st.Tokens(ctx(t), alice.ID, catalog.TokenSession))(t), []catalog.Token{tok[0], tok[2]})
	diff(t, "Tokens(alice, api)", must(st.Tokens(ctx(t), alice.ID, catalog.TokenAPI))(t), []catalog.Token{tok[1]})
	diff(t, "Tokens(nobody)", must(st.Tokens(ctx(t), alice.ID+bob.ID+100, ""))(t), []catalog.Token(nil))

	// Refused tokens change nothing.
	for _, c := range []struct {
		name string
		tok  catalog.Token
		want error
	}{
		{"same hash", token(bob.ID, catalog.TokenAPI, "s1", time.Hour), catalog.ErrConflict},
		{"absent user", token(alice.ID+bob.ID+100, catalog.TokenAPI, "ghost", time.Hour), catalog.ErrNotFound},
		{"no user", token(0, catalog.TokenAPI, "nouser", time.Hour), catalog.ErrInvalid},
		{"bad kind", token(alice.ID, "cookie", "kind", time.Hour), catalog.ErrInvalid},
		{"no hash", catalog.Token{User: alice.ID, Kind: catalog.TokenAPI, Created: credTime, Expires: credTime.Add(time.Hour)}, catalog.ErrInvalid},
		{"expires first", token(alice.ID, catalog.TokenAPI, "backwards", -time.Hour), catalog.ErrInvalid},
	} {
		err := writeErr(t, st, func(tx catalog.Tx) error {
			_, err := tx.AddToken(ctx(t), c.tok)
			return err
		})
		wantErr(t, "AddToken("+c.name+")", err, c.want)
	}
	diff(t, "Tokens(bob) after refused tokens", must(st.Tokens(ctx(t), bob.ID, ""))(t), tok[3:])

	// Revoking twice keeps the first time.
	first, second := credTime.Add(10*time.Minute), credTime.Add(20*time.Minute)
	write(t, st, func(tx catalog.Tx) error { return tx.RevokeToken(ctx(t), tok[0].ID, first) })
	write(t, st, func(tx catalog.Tx) error { return tx.RevokeToken(ctx(t), tok[0].ID, second) })
	got := must(st.TokenByHash(ctx(t), tok[0].Hash))(t)
	if got.Revoked == nil || !got.Revoked.Equal(first) {
		t.Errorf("token revoked at %v then %v: Revoked = %v, want the first", first, second, got.Revoked)
	}
	if got.Valid(credTime.Add(time.Minute)) {
		t.Errorf("revoked token is Valid")
	}
	err = writeErr(t, st, func(tx catalog.Tx) error { return tx.RevokeToken(ctx(t), tok[3].ID+100, first) })
	wantErr(t, "RevokeToken(absent)", err, catalog.ErrNotFound)

	// RevokeTokens by kind: alice's unrevoked sessions only.
	var n int
	write(t, st, func(tx catalog.Tx) (err error) {
		n, err = tx.RevokeTokens(ctx(t), alice.ID, catalog.TokenSession, second)
		return err
	})
	if n != 1 {
		t.Errorf("RevokeTokens(alice, session) = %d, want 1 (s1 was revoked already)", n)
	}
	wantRevoked := func(i int, at *time.Time) {
		t.Helper()
		got := must(st.TokenByHash(ctx(t), tok[i].Hash))(t)
		want := tok[i]
		want.Revoked = at
		diff(t, "token "+tok[i].Name, got, want)
	}
	wantRevoked(0, &first)
	wantRevoked(1, nil)
	wantRevoked(2, &second)
	wantRevoked(3, nil)
	err = writeErr(t, st, func(tx catalog.Tx) error {
		_, err := tx.RevokeTokens(ctx(t), alice.ID, "cookie", second)
		return err
	})
	wantErr(t, "RevokeTokens(bad kind)", err, catalog.ErrInvalid)
	third := credTime.Add(30 * time.Minute)
	write(t, st, func(tx catalog.Tx) (err error) {
		n, err = tx.RevokeTokens(ctx(t), alice.ID, "", third)
		return err
	})
	if n != 1 {
		t.Errorf("RevokeTokens(alice, every kind) = %d, want 1 (the API token)", n)
	}
	wantRevoked(0, &first)
	wantRevoked(1, &third)
	wantRevoked(2, &second)
	wantRevoked(3, nil)

	// DeleteExpiredTokens removes what expired strictly before the time, revoked or not.
	write(t, st, func(tx catalog.Tx) (err error) {
		n, err = tx.DeleteExpiredTokens(ctx(t), credTime.Add(time.Hour))
		return err
	})
	if n != 0 {
		t.Errorf("DeleteExpiredTokens(at the first expiry) = %d, want 0", n)
	}
	write(t, st, func(tx catalog.Tx) (err error) {
		n, err = tx.DeleteExpiredTokens(ctx(t), credTime.Add(time.Hour+time.Microsecond))
		return err
	})
	if n != 2 {
		t.Errorf("DeleteExpiredTokens(just after the first expiry) = %d, want 2", n)
	}
	diff(t, "Tokens(alice) after DeleteExpiredTokens", ids(must(st.Tokens(ctx(t), alice.ID, ""))(t), func(x catalog.Token) catalog.TokenID { return x.ID }),
		[]catalog.TokenID{tok[1].ID, tok[2].ID})
	diff(t, "Tokens(bob) after DeleteExpiredTokens", must(st.Tokens(ctx(t), bob.ID, ""))(t), []catalog.Token(nil))
	_, err = st.TokenByHash(ctx(t), tok[0].Hash)
	wantErr(t, "TokenByHash(deleted)", err, catalog.ErrNotFound)
	verifyAudit(t, st)
}

func testReveals(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	alice := addUser(t, st, "alice", fr, catalog.RoleReviewer)
	bob := addUser(t, st, "bob", de, catalog.RoleReviewer)
	m := putMedia(t, st, image("revealed", acc(fr, catalog.VisibilityNetwork)))

	day1 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 1)
	paris := time.FixedZone("CET", 3600)
	for i, c := range []struct {
		user catalog.UserID
		at   time.Time
		want int
	}{
		{alice.ID, day2.Add(-time.Second), 1}, // 23:59:59 on day 1
		{alice.ID, day1.Add(12 * time.Hour), 2},
		{alice.ID, day2.Add(time.Second), 1},                 // 00:00:01 on day 2
		{alice.ID, day2.Add(30 * time.Minute).In(paris), 2},  // 01:30 in Paris is 00:30 UTC, day 2
		{alice.ID, day2.Add(-30 * time.Minute).In(paris), 3}, // 00:30 in Paris on day 2 is 23:30 UTC, day 1
		{bob.ID, day1, 1},
	} {
		var n int
		write(t, st, func(tx catalog.Tx) (err error) {
			n, err = tx.AddReveal(ctx(t), catalog.Reveal{User: c.user, Media: m.ID, At: c.at})
			return err
		})
		if n != c.want {
			t.Errorf("AddReveal #%d at %v = %d, want %d", i, c.at, n, c.want)
		}
	}
	for _, c := range []struct {
		name string
		user catalog.UserID
		day  time.Time
		want int
	}{
		{"alice, day 1 at midnight", alice.ID, day1, 3},
		{"alice, day 1 at its last microsecond", alice.ID, day2.Add(-time.Microsecond), 3},
		{"alice, day 2 at noon", alice.ID, day2.Add(12 * time.Hour), 2},
		{"alice, day 2 given in Paris time on day 3", alice.ID, day2.Add(23*time.Hour + 30*time.Minute).In(paris), 2},
		{"alice, the day before", alice.ID, day1.Add(-time.Hour), 0},
		{"bob, day 1", bob.ID, day1.Add(time.Hour), 1},
		{"bob, day 2", bob.ID, day2, 0},
		{"nobody", alice.ID + bob.ID + 100, day1, 0},
	} {
		if got := must(st.Reveals(ctx(t), c.user, c.day))(t); got != c.want {
			t.Errorf("Reveals(%s) = %d, want %d", c.name, got, c.want)
		}
	}
	// The count inside a transaction sees the transaction's own reveal.
	write(t, st, func(tx catalog.Tx) error {
		n, err := tx.AddReveal(ctx(t), catalog.Reveal{User: bob.ID, Media: m.ID, At: day1.Add(2 * time.Hour)})
		if err != nil {
			return err
		}
		if got := must(tx.Reveals(ctx(t), bob.ID, day1))(t); n != 2 || got != 2 {
			t.Errorf("in the transaction: AddReveal = %d, Reveals = %d; want 2 and 2", n, got)
		}
		return nil
	})

	for _, c := range []struct {
		name string
		r    catalog.Reveal
		want error
	}{
		{"no user", catalog.Reveal{Media: m.ID, At: day1}, catalog.ErrInvalid},
		{"no media", catalog.Reveal{User: alice.ID, At: day1}, catalog.ErrInvalid},
		{"absent user", catalog.Reveal{User: alice.ID + bob.ID + 100, Media: m.ID, At: day1}, catalog.ErrNotFound},
	} {
		err := writeErr(t, st, func(tx catalog.Tx) error {
			_, err := tx.AddReveal(ctx(t), c.r)
			return err
		})
		wantErr(t, "AddReveal("+c.name+")", err, c.want)
	}
	if got := must(st.Reveals(ctx(t), alice.ID, day1))(t); got != 3 {
		t.Errorf("Reveals(alice, day 1) after refused reveals = %d, want 3", got)
	}
	// Deleting the media does not give the reveals back.
	write(t, st, func(tx catalog.Tx) error { return tx.DeleteMedia(ctx(t), m.ID) })
	if got := must(st.Reveals(ctx(t), alice.ID, day1))(t); got != 3 {
		t.Errorf("Reveals(alice, day 1) after the media was deleted = %d, want 3", got)
	}
}

// exifInfo returns EXIF metadata with every kind of field set: strings, times with and without
// an offset, GPS with altitude and time.
func exifInfo() *exif.Info {
	alt := -12.375
	gpsTime := time.Date(2025, 7, 14, 16, 2, 3, 0, time.UTC)
	return &exif.Info{
		Make: "Canon", Model: "Canon EOS 80D", Serial: "023021001234", Owner: "J. Doe",
		LensMake: "Canon", LensModel: "EF-S18-135mm f/3.5-5.6 IS USM", LensSerial: "0000c1a2b3",
		Software: "Firmware Version 1.0.3", HostComputer: "Mac OS X 10.15", Artist: "J. Doe",
		Copyright: "(c) J. Doe; (c) Editor", ImageDescription: "lake shore", UserComment: "déjà vu ✓",
		ImageUniqueID: "0123456789abcdef0123456789abcdef",
		// Taken at 18:02:03.25 in UTC+02:00; digitized with a negative offset; changed at a
		// wall-clock time whose offset was not recorded.
		DateTimeOriginal:  &exif.Time{Time: time.Date(2025, 7, 14, 18, 2, 3, 250_000_000, time.FixedZone("", 2*3600)), OffsetKnown: true},
		DateTimeDigitized: &exif.Time{Time: time.Date(2025, 7, 14, 9, 2, 3, 0, time.FixedZone("", -(9*3600+30*60))), OffsetKnown: true},
		DateTime:          &exif.Time{Time: time.Date(2025, 7, 15, 23, 59, 59, 0, time.UTC)},
		Orientation:       6,
		Width:             6000, Height: 4000,
		GPS: &exif.GPS{Latitude: 48.858_370_123_456, Longitude: -2.294_481_987_654_321, Altitude: &alt, Time: &gpsTime, MapDatum: "WGS-84"},
	}
}

// checkEXIFTimes fails the test unless got's times have want's wall clocks and offsets, which
// the suite's time comparer (by instant) does not check.
func checkEXIFTimes(t *testing.T, what string, got, want *exif.Info) {
	t.Helper()
	if got == nil || want == nil {
		return
	}
	for _, c := range []struct {
		name      string
		got, want *exif.Time
	}{
		{"DateTimeOriginal", got.DateTimeOriginal, want.DateTimeOriginal},
		{"DateTimeDigitized", got.DateTimeDigitized, want.DateTimeDigitized},
		{"DateTime", got.DateTime, want.DateTime},
	} {
		if c.got == nil || c.want == nil {
			continue
		}
		_, goff := c.got.Time.Zone()
		_, woff := c.want.Time.Zone()
		const layout = "2006-01-02 15:04:05.999999999"
		if goff != woff || c.got.Time.Format(layout) != c.want.Time.Format(layout) {
			t.Errorf("%s: EXIF %s = %s (offset %ds), want %s (offset %ds)", what, c.name,
				c.got.Time.Format(layout), goff, c.want.Time.Format(layout), woff)
		}
	}
}

func testMediaEXIF(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	in := image("with-exif", acc(fr, catalog.VisibilityNetwork))
	in.EXIF = exifInfo()
	var got catalog.Media
	write(t, st, func(tx catalog.Tx) (err error) {
		got, _, err = tx.PutMedia(ctx(t), in)
		return err
	})
	want := in
	want.ID, want.Created, want.Updated = got.ID, got.Created, got.Updated
	diff(t, "PutMedia with EXIF", got, want)
	read := must(st.Media(ctx(t), catalog.SystemScope(), got.ID))(t)
	diff(t, "Media with EXIF", read, want)
	checkEXIFTimes(t, "Media", read.EXIF, in.EXIF)
	listed := must(st.MediaList(ctx(t), catalog.SystemScope(), catalog.MediaFilter{}, catalog.Page{}))(t)
	diff(t, "MediaList with EXIF", listed, []catalog.Media{read})
	found := must(st.LookupDigests(ctx(t), []catalog.Digests{in.Digests}))(t)
	diff(t, "LookupDigests with EXIF", found, [][]catalog.Media{{read}})

	// A record without EXIF has none.
	plain := putMedia(t, st, image("without-exif", acc(fr, catalog.VisibilityNetwork)))
	if p := must(st.Media(ctx(t), catalog.SystemScope(), plain.ID))(t); p.EXIF != nil {
		t.Errorf("media stored without EXIF came back with %+v", p.EXIF)
	}

	// UpdateMedia stores EXIF, MIME, kind and duration; the digests stay.
	upd := read
	upd.EXIF = &exif.Info{Make: "Apple", Model: "iPhone 15",
		DateTimeOriginal: &exif.Time{Time: time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC)},
		GPS:              &exif.GPS{Latitude: -33.8568, Longitude: 151.2153}}
	upd.MIME, upd.Kind, upd.Duration = "video/quicktime", catalog.KindVideo, 12*time.Second+500*time.Millisecond
	upd.PDQ = nil
	write(t, st, func(tx catalog.Tx) error { return tx.UpdateMedia(ctx(t), upd) })
	after := must(st.Media(ctx(t), catalog.SystemScope(), got.ID))(t)
	wantUpd := upd
	wantUpd.Updated = after.Updated
	diff(t, "Media after UpdateMedia with new EXIF", after, wantUpd)
	checkEXIFTimes(t, "Media after UpdateMedia", after.EXIF, upd.EXIF)

	// Setting EXIF on a record that had none, and removing it from one that had.
	plainUpd := must(st.Media(ctx(t), catalog.SystemScope(), plain.ID))(t)
	plainUpd.EXIF = exifInfo()
	afterUpd := after
	afterUpd.EXIF = nil
	write(t, st, func(tx catalog.Tx) error {
		if err := tx.UpdateMedia(ctx(t), plainUpd); err != nil {
			return err
		}
		return tx.UpdateMedia(ctx(t), afterUpd)
	})
	p := must(st.Media(ctx(t), catalog.SystemScope(), plain.ID))(t)
	diff(t, "EXIF set by UpdateMedia", p.EXIF, exifInfo())
	checkEXIFTimes(t, "EXIF set by UpdateMedia", p.EXIF, exifInfo())
	if a := must(st.Media(ctx(t), catalog.SystemScope(), got.ID))(t); a.EXIF != nil {
		t.Errorf("EXIF removed by UpdateMedia came back as %+v", a.EXIF)
	}

	// A thumbnail is content and is refused, and so is an unknown kind; nothing changes.
	before := must(st.Media(ctx(t), catalog.SystemScope(), plain.ID))(t)
	thumb := image("with-thumbnail", acc(fr, catalog.VisibilityNetwork))
	thumb.EXIF = exifInfo()
	thumb.EXIF.Thumbnail = []byte{0xff, 0xd8, 0xff, 0xd9}
	err := writeErr(t, st, func(tx catalog.Tx) error {
		_, _, err := tx.PutMedia(ctx(t), thumb)
		return err
	})
	wantErr(t, "PutMedia(EXIF with thumbnail)", err, catalog.ErrInvalid)
	if got := must(st.LookupDigests(ctx(t), []catalog.Digests{thumb.Digests}))(t); len(got[0]) != 0 {
		t.Errorf("media refused for its thumbnail was stored: %v", got[0])
	}
	for _, c := range []struct {
		name   string
		change func(m *catalog.Media)
	}{
		{"thumbnail", func(m *catalog.Media) { m.EXIF = exifInfo(); m.EXIF.Thumbnail = []byte{0xff, 0xd8} }},
		{"unknown kind", func(m *catalog.Media) { m.Kind = "audio" }},
		{"negative duration", func(m *catalog.Media) { m.Duration = -time.Second }},
	} {
		m := before
		m.EXIF = nil
		m.MIME = "image/png"
		c.change(&m)
		err := writeErr(t, st, func(tx catalog.Tx) error { return tx.UpdateMedia(ctx(t), m) })
		wantErr(t, "UpdateMedia("+c.name+")", err, catalog.ErrInvalid)
	}
	diff(t, "media after refused updates", must(st.Media(ctx(t), catalog.SystemScope(), plain.ID))(t), before)
}

// testUnauditedAuth checks that every change to credentials, tokens, reveals, settings and EXIF is
// refused with ErrUnaudited when the transaction records no audit event, and leaves nothing.
func testUnauditedAuth(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	alice := addUser(t, st, "alice", fr, catalog.RoleAnalyst)
	m := putMedia(t, st, image("unaudited-exif", acc(fr, catalog.VisibilityNetwork)))
	var tok catalog.Token
	write(t, st, func(tx catalog.Tx) (err error) {
		tok, err = tx.AddToken(ctx(t), token(alice.ID, catalog.TokenSession, "held", time.Hour))
		return err
	})
	events := auditCount(t, st)
	day := catalog.Day(credTime)
	for _, c := range []struct {
		name string
		fn   func(tx catalog.Tx) error
	}{
		{"PutCredential", func(tx catalog.Tx) error {
			return tx.PutCredential(ctx(t), catalog.Credential{User: alice.ID, PasswordHash: "$argon2id$x", Updated: credTime})
		}},
		{"AddToken", func(tx catalog.Tx) error {
			_, err := tx.AddToken(ctx(t), token(alice.ID, catalog.TokenAPI, "unaudited", time.Hour))
			return err
		}},
		{"RevokeToken", func(tx catalog.Tx) error { return tx.RevokeToken(ctx(t), tok.ID, credTime) }},
		{"RevokeTokens", func(tx catalog.Tx) error {
			_, err := tx.RevokeTokens(ctx(t), alice.ID, "", credTime)
			return err
		}},
		{"DeleteExpiredTokens", func(tx catalog.Tx) error {
			_, err := tx.DeleteExpiredTokens(ctx(t), credTime.Add(24*time.Hour))
			return err
		}},
		{"AddReveal", func(tx catalog.Tx) error {
			_, err := tx.AddReveal(ctx(t), catalog.Reveal{User: alice.ID, Media: m.ID, At: credTime})
			return err
		}},
		{"PutSettings", func(tx catalog.Tx) error {
			return tx.PutSettings(ctx(t), catalog.Settings{User: alice.ID, Blur: 0.2, Colour: true, DailyRevealLimit: 3, Updated: credTime})
		}},
		{"UpdateMedia with EXIF", func(tx catalog.Tx) error {
			u := m
			u.EXIF, u.MIME, u.Kind = exifInfo(), "image/heic", catalog.KindImage
			return tx.UpdateMedia(ctx(t), u)
		}},
	} {
		err := st.Update(ctx(t), c.fn)
		wantErr(t, c.name+" without an audit event", err, catalog.ErrUnaudited)
	}
	_, err := st.Credential(ctx(t), alice.ID)
	wantErr(t, "Credential after an unaudited PutCredential", err, catalog.ErrNotFound)
	_, err = st.Settings(ctx(t), alice.ID)
	wantErr(t, "Settings after an unaudited PutSettings", err, catalog.ErrNotFound)
	diff(t, "Tokens after unaudited changes", must(st.Tokens(ctx(t), alice.ID, ""))(t), []catalog.Token{tok})
	if n := must(st.Reveals(ctx(t), alice.ID, day))(t); n != 0 {
		t.Errorf("Reveals after an unaudited AddReveal = %d, want 0", n)
	}
	diff(t, "media after an unaudited UpdateMedia", must(st.Media(ctx(t), catalog.SystemScope(), m.ID))(t), m)
	if got := auditCount(t, st); got != events {
		t.Errorf("audit log has %d events after unaudited changes, want %d", got, events)
	}
}
