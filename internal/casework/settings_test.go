package casework_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/casework"
	"github.com/vidb-project/vidb/internal/catalog"
)

func TestSettings(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, kind string) {
		ctx := t.Context()
		f := newFixture(t, kind, ownerOnly)
		ana, aud := f.users["de.analyst"], f.users["de.auditor"]

		got := must(f.svc.Settings(ctx, ana))(t)
		if d := cmp.Diff(casework.DefaultSettings(ana.ID), got, cmpOpts); d != "" {
			t.Errorf("settings before any were saved (-want +got):\n%s", d)
		}
		if got.Colour || got.Blur <= 0 {
			t.Errorf("default settings %+v: want blurred greyscale previews", got)
		}

		// A user saves their own settings, whatever User the request names.
		saved := must(f.svc.SaveSettings(ctx, ana, catalog.Settings{User: aud.ID, Blur: 0.1, Colour: true, DailyRevealLimit: 5}))(t)
		want := catalog.Settings{User: ana.ID, Blur: 0.1, Colour: true, DailyRevealLimit: 5, Updated: t0}
		if d := cmp.Diff(want, saved, cmpOpts); d != "" {
			t.Errorf("SaveSettings (-want +got):\n%s", d)
		}
		checkEvent(t, lastEvent(t, f.st), "user.settings", "user/"+itoa(ana.ID),
			map[string]string{"blur": "0.1", "colour": "true", "daily_reveal_limit": "5"})
		if d := cmp.Diff(want, must(f.svc.Settings(ctx, ana))(t), cmpOpts); d != "" {
			t.Errorf("Settings after saving (-want +got):\n%s", d)
		}
		if d := cmp.Diff(casework.DefaultSettings(aud.ID), must(f.svc.Settings(ctx, aud))(t), cmpOpts); d != "" {
			t.Errorf("another user's settings changed (-want +got):\n%s", d)
		}

		for _, bad := range []catalog.Settings{
			{Blur: 0}, {Blur: math.NaN()}, {Blur: 0.6}, {Blur: 0.1, DailyRevealLimit: -1}, {Blur: 0.1, DailyRevealLimit: 10001},
		} {
			unchanged(t, f, "invalid settings", catalog.ErrInvalid, func() error {
				_, err := f.svc.SaveSettings(ctx, ana, bad)
				return err
			})
		}
		unchanged(t, f, "settings of a disabled user", catalog.ErrForbidden, func() error {
			_, err := f.svc.SaveSettings(ctx, f.users["de.disabled"], catalog.Settings{Blur: 0.1})
			return err
		})
		if d := cmp.Diff(want, must(f.svc.Settings(ctx, ana))(t), cmpOpts); d != "" {
			t.Errorf("settings after refused changes (-want +got):\n%s", d)
		}
	})
}
