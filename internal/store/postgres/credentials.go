package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vidb-project/vidb/internal/catalog"
)

// Credentials, tokens and reveals: the records internal/auth keeps in the catalog.

const credentialCols = `user_id, password_hash, must_change, totp_secret, totp_pending, totp_last_step, failed_logins, locked_until, updated`

func scanCredential(row pgx.Row) (catalog.Credential, error) {
	var c catalog.Credential
	var failed int32
	err := row.Scan(&c.User, &c.PasswordHash, &c.MustChange, &c.TOTPSecret, &c.TOTPPending, &c.TOTPLastStep,
		&failed, &c.LockedUntil, &c.Updated)
	c.FailedLogins, c.LockedUntil, c.Updated = int(failed), utc(c.LockedUntil), c.Updated.UTC()
	return c, err
}

// Credential implements catalog.Reader. Inside a transaction it locks the row, as callers
// read a credential, change it (a failed sign-in) and write it back.
func (r reader) Credential(ctx context.Context, u catalog.UserID) (catalog.Credential, error) {
	return one(ctx, r, exclusiveLock, "credential", scanCredential,
		`SELECT `+credentialCols+` FROM credentials WHERE user_id = $1`, int64(u))
}

const tokenCols = `id, user_id, kind, hash, name, created, expires, revoked`

func scanToken(row pgx.Row) (catalog.Token, error) {
	var t catalog.Token
	var kind string
	var hash []byte
	if err := row.Scan(&t.ID, &t.User, &kind, &hash, &t.Name, &t.Created, &t.Expires, &t.Revoked); err != nil {
		return t, err
	}
	if len(hash) != len(t.Hash) {
		return t, fmt.Errorf("stored token hash of %d bytes, want %d", len(hash), len(t.Hash))
	}
	copy(t.Hash[:], hash)
	t.Kind = catalog.TokenKind(kind)
	t.Created, t.Expires, t.Revoked = t.Created.UTC(), t.Expires.UTC(), utc(t.Revoked)
	return t, nil
}

// TokenByHash implements catalog.Reader.
func (r reader) TokenByHash(ctx context.Context, hash [32]byte) (catalog.Token, error) {
	return one(ctx, r, noLock, "token", scanToken, `SELECT `+tokenCols+` FROM tokens WHERE hash = $1`, hash[:])
}

// Tokens implements catalog.Reader.
func (r reader) Tokens(ctx context.Context, u catalog.UserID, kind catalog.TokenKind) ([]catalog.Token, error) {
	q := new(query)
	q.add(`SELECT `, tokenCols, ` FROM tokens WHERE user_id = `, q.arg(int64(u)))
	if kind != "" {
		q.add(` AND kind = `, q.arg(string(kind)))
	}
	q.add(` ORDER BY id`)
	return list(ctx, r, "tokens", scanToken, q)
}

// Reveals implements catalog.Reader.
func (r reader) Reveals(ctx context.Context, u catalog.UserID, day time.Time) (int, error) {
	from := catalog.Day(day)
	var n int64
	if err := r.q.QueryRow(ctx, `SELECT count(*) FROM reveals WHERE user_id = $1 AND at >= $2 AND at < $3`,
		int64(u), from, from.AddDate(0, 0, 1)).Scan(&n); err != nil {
		return 0, wrap("counting reveals", err)
	}
	return int(n), nil
}

// userExists returns ErrNotFound unless the user exists.
func (t *tx) userExists(ctx context.Context, what string, u catalog.UserID) error {
	var id int64
	err := t.pt.QueryRow(ctx, `SELECT id FROM users WHERE id = $1`, int64(u)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: user %d: %w", what, u, catalog.ErrNotFound)
	}
	return wrap(what, err)
}

// PutCredential implements catalog.Tx.
func (t *tx) PutCredential(ctx context.Context, c catalog.Credential) error {
	if c.FailedLogins < 0 {
		return fmt.Errorf("postgres: putting credential: %w: negative failed login count", catalog.ErrInvalid)
	}
	if err := t.userExists(ctx, "putting credential", c.User); err != nil {
		return err
	}
	_, err := t.exec(ctx, "putting credential", `INSERT INTO credentials (`+credentialCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (user_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, must_change = EXCLUDED.must_change,
			totp_secret = EXCLUDED.totp_secret, totp_pending = EXCLUDED.totp_pending,
			totp_last_step = EXCLUDED.totp_last_step, failed_logins = EXCLUDED.failed_logins,
			locked_until = EXCLUDED.locked_until, updated = EXCLUDED.updated`,
		int64(c.User), c.PasswordHash, c.MustChange, c.TOTPSecret, c.TOTPPending, c.TOTPLastStep, c.FailedLogins,
		microp(c.LockedUntil), orNow(c.Updated, t.s.now()))
	return err
}

// AddToken implements catalog.Tx.
func (t *tx) AddToken(ctx context.Context, tok catalog.Token) (catalog.Token, error) {
	tok.Created = orNow(tok.Created, t.s.now())
	if err := tok.Validate(); err != nil {
		return catalog.Token{}, fmt.Errorf("postgres: adding token: %w", err)
	}
	if err := t.userExists(ctx, "adding token", tok.User); err != nil {
		return catalog.Token{}, err
	}
	return insert(ctx, t, "adding token", scanToken, `INSERT INTO tokens (user_id, kind, hash, name, created, expires, revoked)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+tokenCols,
		int64(tok.User), string(tok.Kind), tok.Hash[:], tok.Name, tok.Created, micro(tok.Expires), microp(tok.Revoked))
}

// RevokeToken implements catalog.Tx: revoking twice keeps the first time.
func (t *tx) RevokeToken(ctx context.Context, id catalog.TokenID, at time.Time) error {
	n, err := t.exec(ctx, "revoking token", `UPDATE tokens SET revoked = COALESCE(revoked, $2) WHERE id = $1`,
		int64(id), orNow(at, t.s.now()))
	if err != nil {
		return err
	}
	return notFound("revoking token", n)
}

// RevokeTokens implements catalog.Tx.
func (t *tx) RevokeTokens(ctx context.Context, u catalog.UserID, kind catalog.TokenKind, at time.Time) (int, error) {
	switch kind {
	case "", catalog.TokenSession, catalog.TokenAPI:
	default:
		return 0, fmt.Errorf("postgres: revoking tokens: %w: token kind %q", catalog.ErrInvalid, kind)
	}
	n, err := t.exec(ctx, "revoking tokens", `UPDATE tokens SET revoked = $3
		WHERE user_id = $1 AND revoked IS NULL AND ($2 = '' OR kind = $2)`,
		int64(u), string(kind), orNow(at, t.s.now()))
	return int(n), err
}

// DeleteExpiredTokens implements catalog.Tx.
func (t *tx) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	if before.IsZero() {
		return 0, fmt.Errorf("postgres: deleting expired tokens: %w: before the zero time", catalog.ErrInvalid)
	}
	n, err := t.exec(ctx, "deleting expired tokens", `DELETE FROM tokens WHERE expires < $1`, before)
	return int(n), err
}

// AddReveal implements catalog.Tx. It takes the store's write lock (which the transaction's
// audit event takes anyway) before counting, so that concurrent reveals of one user are
// counted one after the other and each sees the ones committed before it.
func (t *tx) AddReveal(ctx context.Context, r catalog.Reveal) (int, error) {
	if r.User == 0 || r.Media == 0 {
		return 0, fmt.Errorf("postgres: adding reveal: %w: a reveal needs its user and media", catalog.ErrInvalid)
	}
	if err := t.userExists(ctx, "adding reveal", r.User); err != nil {
		return 0, err
	}
	if err := t.lockLog(ctx); err != nil {
		return 0, err
	}
	at := orNow(r.At, t.s.now())
	if _, err := t.exec(ctx, "adding reveal", `INSERT INTO reveals (user_id, media_id, at) VALUES ($1, $2, $3)`,
		int64(r.User), int64(r.Media), at); err != nil {
		return 0, err
	}
	return t.Reveals(ctx, r.User, at)
}
