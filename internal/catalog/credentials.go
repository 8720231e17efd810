package catalog

import (
	"fmt"
	"time"
)

// Credential is a user's secret material. The catalog stores it; internal/auth makes and checks
// it. Nothing in it may ever be logged or returned by the API.
type Credential struct {
	User UserID
	// PasswordHash is the password's argon2id hash in PHC string form
	// ("$argon2id$v=19$m=...,t=...,p=...$salt$hash"); empty when no password is set.
	PasswordHash string
	// MustChange is set for a one-time password (a new account's, or one an admin reset):
	// the user must choose a new password before doing anything else.
	MustChange bool
	// TOTPSecret is the sealed TOTP secret (RFC 6238); nil when TOTP is off. TOTPPending is
	// set while an enrolment awaits its first valid code.
	TOTPSecret  []byte
	TOTPPending bool
	// TOTPLastStep is the last TOTP time step accepted, so that a code is never used twice.
	TOTPLastStep int64
	// FailedLogins counts failed sign-ins since the last success; LockedUntil, when set and
	// in the future, refuses every sign-in until then.
	FailedLogins int
	LockedUntil  *time.Time
	Updated      time.Time
}

// TokenID identifies a session or API token.
type TokenID int64

// TokenKind says what a token is for.
type TokenKind string

// The token kinds.
const (
	// TokenSession is a browser session, carried in a cookie.
	TokenSession TokenKind = "session"
	// TokenAPI is a long-lived token for the CLI and for partners, carried in the
	// Authorization header.
	TokenAPI TokenKind = "api"
)

// Token is a revocable bearer credential. Only the SHA-256 of its secret is stored, so that the
// database alone does not let anyone act as the user.
type Token struct {
	ID      TokenID
	User    UserID
	Kind    TokenKind
	Hash    [32]byte
	Name    string // a label for API tokens ("triage laptop"); empty for sessions
	Created time.Time
	Expires time.Time
	Revoked *time.Time
}

// Valid reports whether the token may be used at time now.
func (t Token) Valid(now time.Time) bool {
	return t.Revoked == nil && now.Before(t.Expires)
}

// Validate checks a token before it is stored.
func (t Token) Validate() error {
	if t.User == 0 {
		return fmt.Errorf("%w: token without a user", ErrInvalid)
	}
	if t.Kind != TokenSession && t.Kind != TokenAPI {
		return fmt.Errorf("%w: token kind %q", ErrInvalid, t.Kind)
	}
	if t.Hash == [32]byte{} {
		return fmt.Errorf("%w: token without a hash", ErrInvalid)
	}
	if len(t.Name) > 128 {
		return fmt.Errorf("%w: token name longer than 128 characters", ErrInvalid)
	}
	if !t.Expires.After(t.Created) {
		return fmt.Errorf("%w: token expires before it is created", ErrInvalid)
	}
	return nil
}

// Reveal records that a user saw a media item in full, unblurred. Reveals are counted per user
// per UTC day, against the deployment's daily limit.
type Reveal struct {
	User  UserID
	Media MediaID
	At    time.Time
}

// Day returns the UTC day of t, the unit reveals are counted in.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Settings are a user's own exposure settings: how media previews are shown to them and how
// many media they allow themselves to reveal a day, below the deployment's limit.
type Settings struct {
	User UserID
	// Blur is the preview blur strength, as imaging.PreviewOptions.Blur (a fraction of the
	// preview's longer side), within [MinBlur, MaxBlur].
	Blur float64
	// Colour shows previews in colour; false (the default) shows them in greyscale.
	Colour bool
	// DailyRevealLimit is the user's own limit of reveals per UTC day, 0 for none (the
	// deployment's limit applies either way).
	DailyRevealLimit int
	Updated          time.Time
}

// The bounds of Settings.
const (
	MinBlur          = 0.01
	MaxBlur          = 0.5
	MaxPersonalLimit = 10000
)

// Validate checks settings before they are stored.
func (s Settings) Validate() error {
	if !(s.Blur >= MinBlur && s.Blur <= MaxBlur) { // also refuses NaN
		return fmt.Errorf("%w: blur must be between %g and %g", ErrInvalid, MinBlur, MaxBlur)
	}
	if s.DailyRevealLimit < 0 || s.DailyRevealLimit > MaxPersonalLimit {
		return fmt.Errorf("%w: daily reveal limit must be between 0 and %d", ErrInvalid, MaxPersonalLimit)
	}
	return nil
}
