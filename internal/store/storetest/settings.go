package storetest

import (
	"math"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
)

// Users' own exposure settings.

func testSettings(t *testing.T, st catalog.Store) {
	addCountries(t, st)
	alice := addUser(t, st, "alice", fr, catalog.RoleAnalyst)
	bob := addUser(t, st, "bob", de, catalog.RoleReviewer)
	ghost := alice.ID + bob.ID + 100

	_, err := st.Settings(ctx(t), alice.ID)
	wantErr(t, "Settings before any were stored", err, catalog.ErrNotFound)
	_, err = st.Settings(ctx(t), ghost)
	wantErr(t, "Settings(absent user)", err, catalog.ErrNotFound)

	// The bounds themselves are accepted, and come back exactly.
	lo := catalog.Settings{User: alice.ID, Blur: catalog.MinBlur, Colour: true, DailyRevealLimit: catalog.MaxPersonalLimit, Updated: credTime}
	hi := catalog.Settings{User: bob.ID, Blur: catalog.MaxBlur, DailyRevealLimit: 0, Updated: credTime.Add(time.Minute)}
	write(t, st, func(tx catalog.Tx) error {
		if err := tx.PutSettings(ctx(t), lo); err != nil {
			return err
		}
		if err := tx.PutSettings(ctx(t), hi); err != nil {
			return err
		}
		// The transaction sees its own writes.
		diff(t, "Settings(alice) in the writing transaction", must(tx.Settings(ctx(t), alice.ID))(t), lo)
		diff(t, "Settings(bob) in the writing transaction", must(tx.Settings(ctx(t), bob.ID))(t), hi)
		return nil
	})
	diff(t, "Settings(alice)", must(st.Settings(ctx(t), alice.ID))(t), lo)
	diff(t, "Settings(bob)", must(st.Settings(ctx(t), bob.ID))(t), hi)

	// Replacing: every field changes; bob's stay.
	replaced := catalog.Settings{User: alice.ID, Blur: 0.125, Colour: false, DailyRevealLimit: 7, Updated: credTime.Add(time.Hour)}
	write(t, st, func(tx catalog.Tx) error { return tx.PutSettings(ctx(t), replaced) })
	diff(t, "Settings(alice) after replacing", must(st.Settings(ctx(t), alice.ID))(t), replaced)
	diff(t, "Settings(bob) after alice's were replaced", must(st.Settings(ctx(t), bob.ID))(t), hi)

	// A zero Updated is the store's clock, in UTC to the microsecond.
	before := time.Now().Truncate(time.Microsecond)
	write(t, st, func(tx catalog.Tx) error {
		return tx.PutSettings(ctx(t), catalog.Settings{User: bob.ID, Blur: 0.05, Colour: true, DailyRevealLimit: 25})
	})
	after := time.Now()
	got := must(st.Settings(ctx(t), bob.ID))(t)
	if got.Updated.Before(before) || got.Updated.After(after) || got.Updated.Location() != time.UTC ||
		!got.Updated.Equal(got.Updated.Truncate(time.Microsecond)) {
		t.Errorf("Settings(bob) stored with a zero Updated: Updated = %v, want a UTC microsecond within [%v, %v]",
			got.Updated, before, after)
	}
	diff(t, "Settings(bob) stored with a zero Updated", got,
		catalog.Settings{User: bob.ID, Blur: 0.05, Colour: true, DailyRevealLimit: 25, Updated: got.Updated})
	bobs := got

	// Refused settings change nothing, for a user who has some and for one who has none.
	carol := addUser(t, st, "carol", fr, catalog.RoleAnalyst)
	for _, c := range []struct {
		name string
		s    catalog.Settings
		want error
	}{
		{"absent user", catalog.Settings{User: ghost, Blur: 0.1, Updated: credTime}, catalog.ErrNotFound},
		{"no user", catalog.Settings{Blur: 0.1, Updated: credTime}, catalog.ErrNotFound},
		{"zero blur", catalog.Settings{User: alice.ID, Updated: credTime}, catalog.ErrInvalid},
		{"blur below the minimum", catalog.Settings{User: alice.ID, Blur: math.Nextafter(catalog.MinBlur, 0), Updated: credTime}, catalog.ErrInvalid},
		{"blur above the maximum", catalog.Settings{User: alice.ID, Blur: math.Nextafter(catalog.MaxBlur, 1), Updated: credTime}, catalog.ErrInvalid},
		{"negative blur", catalog.Settings{User: carol.ID, Blur: -0.1, Updated: credTime}, catalog.ErrInvalid},
		{"NaN blur", catalog.Settings{User: alice.ID, Blur: math.NaN(), Updated: credTime}, catalog.ErrInvalid},
		{"infinite blur", catalog.Settings{User: carol.ID, Blur: math.Inf(1), Updated: credTime}, catalog.ErrInvalid},
		{"negative limit", catalog.Settings{User: alice.ID, Blur: 0.1, DailyRevealLimit: -1, Updated: credTime}, catalog.ErrInvalid},
		{"limit above the maximum", catalog.Settings{User: carol.ID, Blur: 0.1, DailyRevealLimit: catalog.MaxPersonalLimit + 1, Updated: credTime}, catalog.ErrInvalid},
		{"limit beyond 32 bits", catalog.Settings{User: alice.ID, Blur: 0.1, DailyRevealLimit: math.MaxInt64, Updated: credTime}, catalog.ErrInvalid},
	} {
		err := writeErr(t, st, func(tx catalog.Tx) error { return tx.PutSettings(ctx(t), c.s) })
		wantErr(t, "PutSettings("+c.name+")", err, c.want)
	}
	// A refused put undoes the transaction's other writes.
	err = writeErr(t, st, func(tx catalog.Tx) error {
		if err := tx.PutSettings(ctx(t), catalog.Settings{User: carol.ID, Blur: 0.2, Updated: credTime}); err != nil {
			return err
		}
		return tx.PutSettings(ctx(t), catalog.Settings{User: alice.ID, Blur: 0.9, Updated: credTime})
	})
	wantErr(t, "PutSettings(carol, then alice invalid)", err, catalog.ErrInvalid)
	diff(t, "Settings(alice) after refused puts", must(st.Settings(ctx(t), alice.ID))(t), replaced)
	diff(t, "Settings(bob) after refused puts", must(st.Settings(ctx(t), bob.ID))(t), bobs)
	_, err = st.Settings(ctx(t), carol.ID)
	wantErr(t, "Settings(carol) after refused puts", err, catalog.ErrNotFound)
	_, err = st.Settings(ctx(t), ghost)
	wantErr(t, "Settings(absent user) after refused puts", err, catalog.ErrNotFound)
}
