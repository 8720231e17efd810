package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
)

// Credentials, tokens and reveals: the records internal/auth keeps in the catalog.

const credentialCols = "user_id, password_hash, must_change, totp_secret, totp_pending, totp_last_step, failed_logins, locked_until, updated"

func scanCredential(r scanner) (catalog.Credential, error) {
	var c catalog.Credential
	var locked, updated sql.NullInt64
	var secret []byte
	if err := r.Scan(&c.User, &c.PasswordHash, &c.MustChange, &secret, &c.TOTPPending, &c.TOTPLastStep,
		&c.FailedLogins, &locked, &updated); err != nil {
		return c, err
	}
	if secret != nil {
		c.TOTPSecret = secret
	}
	c.LockedUntil = fromMicrosPtr(locked)
	c.Updated = fromMicros(updated)
	return c, nil
}

func (r reader) Credential(ctx context.Context, u catalog.UserID) (catalog.Credential, error) {
	return one(ctx, r.q, scanCredential, "SELECT "+credentialCols+" FROM credentials WHERE user_id = ?", int64(u))
}

const tokenCols = "id, user_id, kind, hash, name, created, expires, revoked"

func scanToken(r scanner) (catalog.Token, error) {
	var t catalog.Token
	var hash []byte
	var created, expires, revoked sql.NullInt64
	if err := r.Scan(&t.ID, &t.User, &t.Kind, &hash, &t.Name, &created, &expires, &revoked); err != nil {
		return t, err
	}
	if len(hash) != len(t.Hash) {
		return t, fmt.Errorf("sqlite: stored token hash of %d bytes, want %d", len(hash), len(t.Hash))
	}
	copy(t.Hash[:], hash)
	t.Created, t.Expires, t.Revoked = fromMicros(created), fromMicros(expires), fromMicrosPtr(revoked)
	return t, nil
}

func (r reader) TokenByHash(ctx context.Context, hash [32]byte) (catalog.Token, error) {
	return one(ctx, r.q, scanToken, "SELECT "+tokenCols+" FROM tokens WHERE hash = ?", hash[:])
}

func (r reader) Tokens(ctx context.Context, u catalog.UserID, kind catalog.TokenKind) ([]catalog.Token, error) {
	if kind == "" {
		return list(ctx, r.q, scanToken, "SELECT "+tokenCols+" FROM tokens WHERE user_id = ? ORDER BY id", int64(u))
	}
	return list(ctx, r.q, scanToken, "SELECT "+tokenCols+" FROM tokens WHERE user_id = ? AND kind = ? ORDER BY id",
		int64(u), string(kind))
}

// dayRange returns the UTC day containing t as [from, to) in stored microseconds.
func dayRange(t time.Time) (from, to int64) {
	d := catalog.Day(t)
	return d.UnixMicro(), d.AddDate(0, 0, 1).UnixMicro()
}

func (r reader) Reveals(ctx context.Context, u catalog.UserID, day time.Time) (int, error) {
	from, to := dayRange(day)
	var n int
	if err := r.q.QueryRowContext(ctx, "SELECT count(*) FROM reveals WHERE user_id = ? AND at >= ? AND at < ?",
		int64(u), from, to).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: counting reveals: %w", err)
	}
	return n, nil
}

// validTokenKind checks a kind that filters tokens: "" (every kind) or a known kind.
func validTokenKind(k catalog.TokenKind) error {
	switch k {
	case "", catalog.TokenSession, catalog.TokenAPI:
		return nil
	}
	return fmt.Errorf("%w: token kind %q", catalog.ErrInvalid, k)
}

// userExists returns ErrNotFound unless the user exists.
func (t *tx) userExists(ctx context.Context, u catalog.UserID) error {
	var one int
	err := t.q.QueryRowContext(ctx, "SELECT 1 FROM users WHERE id = ?", int64(u)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: user %d: %w", u, catalog.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

func (t *tx) PutCredential(ctx context.Context, c catalog.Credential) error {
	if c.FailedLogins < 0 {
		return fmt.Errorf("%w: negative failed login count", catalog.ErrInvalid)
	}
	if err := t.userExists(ctx, c.User); err != nil {
		return err
	}
	var secret any
	if c.TOTPSecret != nil {
		secret = c.TOTPSecret
	}
	if _, err := t.exec(ctx, `INSERT INTO credentials (`+credentialCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, must_change = excluded.must_change,
	totp_secret = excluded.totp_secret, totp_pending = excluded.totp_pending, totp_last_step = excluded.totp_last_step,
	failed_logins = excluded.failed_logins, locked_until = excluded.locked_until, updated = excluded.updated`,
		int64(c.User), c.PasswordHash, c.MustChange, secret, c.TOTPPending, c.TOTPLastStep, c.FailedLogins,
		microsPtr(c.LockedUntil), stamp(c.Updated, t.s.now()).UnixMicro()); err != nil {
		return err
	}
	t.changed()
	return nil
}

func (t *tx) AddToken(ctx context.Context, tok catalog.Token) (catalog.Token, error) {
	tok.Created = stamp(tok.Created, t.s.now())
	if err := tok.Validate(); err != nil {
		return catalog.Token{}, err
	}
	if err := t.userExists(ctx, tok.User); err != nil {
		return catalog.Token{}, err
	}
	id, err := t.insert(ctx, "INSERT INTO tokens (user_id, kind, hash, name, created, expires, revoked) VALUES (?, ?, ?, ?, ?, ?, ?)",
		int64(tok.User), string(tok.Kind), tok.Hash[:], tok.Name, tok.Created.UnixMicro(), tok.Expires.UnixMicro(),
		microsPtr(tok.Revoked))
	if err != nil {
		return catalog.Token{}, err
	}
	t.changed()
	return one(ctx, t.q, scanToken, "SELECT "+tokenCols+" FROM tokens WHERE id = ?", id)
}

func (t *tx) RevokeToken(ctx context.Context, id catalog.TokenID, at time.Time) error {
	// Revoking twice keeps the first time.
	if err := mustAffect(t.exec(ctx, "UPDATE tokens SET revoked = COALESCE(revoked, ?) WHERE id = ?",
		stamp(at, t.s.now()).UnixMicro(), int64(id))); err != nil {
		if errors.Is(err, catalog.ErrNotFound) {
			return fmt.Errorf("sqlite: token %d: %w", id, err)
		}
		return err
	}
	t.changed()
	return nil
}

func (t *tx) RevokeTokens(ctx context.Context, u catalog.UserID, kind catalog.TokenKind, at time.Time) (int, error) {
	if err := validTokenKind(kind); err != nil {
		return 0, err
	}
	res, err := t.exec(ctx, "UPDATE tokens SET revoked = ? WHERE user_id = ? AND revoked IS NULL AND (? = '' OR kind = ?)",
		stamp(at, t.s.now()).UnixMicro(), int64(u), string(kind), string(kind))
	return t.affected(res, err)
}

func (t *tx) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	if before.IsZero() {
		return 0, fmt.Errorf("%w: deleting tokens expired before the zero time", catalog.ErrInvalid)
	}
	res, err := t.exec(ctx, "DELETE FROM tokens WHERE expires < ?", before.UnixMicro())
	return t.affected(res, err)
}

// affected returns how many rows a bulk UPDATE or DELETE changed, and records the change when
// there was one.
func (t *tx) affected(res sql.Result, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}
	if n > 0 {
		t.changed()
	}
	return int(n), nil
}

func (t *tx) AddReveal(ctx context.Context, r catalog.Reveal) (int, error) {
	if r.User == 0 || r.Media == 0 {
		return 0, fmt.Errorf("%w: a reveal needs its user and media", catalog.ErrInvalid)
	}
	if err := t.userExists(ctx, r.User); err != nil {
		return 0, err
	}
	at := stamp(r.At, t.s.now())
	if _, err := t.exec(ctx, "INSERT INTO reveals (user_id, media_id, at) VALUES (?, ?, ?)",
		int64(r.User), int64(r.Media), at.UnixMicro()); err != nil {
		return 0, err
	}
	t.changed()
	return t.Reveals(ctx, r.User, at)
}
