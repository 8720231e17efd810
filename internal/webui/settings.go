package webui

import (
	"context"
	"fmt"
	"math"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/preview"
)

// Settings are one user's exposure settings.
type Settings struct {
	// Blur is the blur strength of previews, more than 0 and at most MaxBlur (see
	// preview.Options.Blur).
	Blur float64
	// Grey shows previews in greyscale.
	Grey bool
	// DailyRevealLimit is the user's own limit on reveals per UTC day, below the deployment's;
	// 0 means only the deployment's limit applies.
	DailyRevealLimit int
}

// Bounds of the exposure settings, as the catalog keeps them.
const (
	MinBlur          = catalog.MinBlur
	MaxBlur          = catalog.MaxBlur
	MaxPersonalLimit = catalog.MaxPersonalLimit
)

// DefaultSettings returns the settings of a user who chose none: preview's defaults (blurred,
// greyscale) and no personal reveal limit.
func DefaultSettings() Settings {
	o := preview.DefaultOptions()
	return Settings{Blur: o.Blur, Grey: o.Grey}
}

// Validate checks settings a user submits.
func (s Settings) Validate() error {
	switch {
	case math.IsNaN(s.Blur) || s.Blur < MinBlur || s.Blur > MaxBlur:
		return fmt.Errorf("%w: blur must be from %.2f to %.2f", catalog.ErrInvalid, MinBlur, MaxBlur)
	case s.DailyRevealLimit < 0 || s.DailyRevealLimit > MaxPersonalLimit:
		return fmt.Errorf("%w: the daily reveal limit must be from 0 (none) to %d", catalog.ErrInvalid, MaxPersonalLimit)
	}
	return nil
}

// options are the preview options the settings ask for.
func (s Settings) options() preview.Options {
	o := preview.DefaultOptions()
	o.Blur, o.Grey = s.Blur, s.Grey
	return o
}

// settingsOf returns u's exposure settings (the defaults when u saved none).
func (s *server) settingsOf(ctx context.Context, u catalog.User) (Settings, error) {
	st, err := s.d.Work.Settings(ctx, u)
	if err != nil {
		return Settings{}, err
	}
	return Settings{Blur: st.Blur, Grey: !st.Colour, DailyRevealLimit: st.DailyRevealLimit}, nil
}

// putSettings stores u's exposure settings (audited by casework).
func (s *server) putSettings(ctx context.Context, u catalog.User, st Settings) error {
	_, err := s.d.Work.SaveSettings(ctx, u, catalog.Settings{Blur: st.Blur, Colour: !st.Grey, DailyRevealLimit: st.DailyRevealLimit})
	return err
}
