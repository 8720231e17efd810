package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
)

// Sentinel errors. Check them with errors.Is.
var (
	// ErrBadCredentials: wrong login, password or TOTP code. One error for all, so that a
	// client cannot tell which logins exist.
	ErrBadCredentials = errors.New("wrong login, password or code")
	// ErrLocked: too many failed sign-ins; the account refuses them until its lock expires.
	ErrLocked = errors.New("account locked after too many failed sign-ins; try again later")
	// ErrRateLimited: too many sign-in attempts from this address.
	ErrRateLimited = errors.New("too many sign-in attempts; slow down")
	// ErrTOTPRequired: the password was right, the account has TOTP on, and no code was given.
	ErrTOTPRequired = errors.New("a one-time code from the authenticator app is required")
	// ErrUnauthenticated: a missing, malformed, unknown, expired or revoked token, or one of a
	// disabled user.
	ErrUnauthenticated = errors.New("not signed in")
	// ErrWeakPassword: a new password fails the policy.
	ErrWeakPassword = errors.New("password too weak")
	// ErrMustChangePassword: the account uses a one-time password; it may only change it (or
	// sign out).
	ErrMustChangePassword = errors.New("the password must be changed first")
)

// Config configures a Service. Zero fields take their defaults.
type Config struct {
	SessionTTL  time.Duration // default 12h, absolute
	APITokenTTL time.Duration // default and maximum lifetime of API tokens: 365 days
	MaxFailures int           // failed sign-ins before the account locks; default 5
	LockFor     time.Duration // default 15 min
	// RatePerMinute and Burst bound sign-in attempts per remote address (in-memory token
	// bucket, entries expire); defaults 10 and 10.
	RatePerMinute, Burst int
	// Argon2 parameters; defaults after OWASP: Memory 19 MiB (in KiB), Time 2, Threads 1.
	Argon2 Argon2Params
	// SealKey (32 bytes) seals TOTP secrets at rest (AES-256-GCM, user ID as additional data).
	SealKey []byte
	Issuer  string           // TOTP issuer shown in authenticator apps; default "vidb"
	Now     func() time.Time // nil means time.Now
}

// Defaults.
const (
	DefaultSessionTTL  = 12 * time.Hour
	DefaultAPITokenTTL = 365 * 24 * time.Hour
	DefaultMaxFailures = 5
	DefaultLockFor     = 15 * time.Minute
	DefaultRate        = 10
	DefaultBurst       = 10
	DefaultIssuer      = "vidb"
)

// withDefaults fills zero fields and checks the rest; the SealKey is checked by New.
func (c Config) withDefaults() (Config, error) {
	if c.SessionTTL == 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	if c.APITokenTTL == 0 {
		c.APITokenTTL = DefaultAPITokenTTL
	}
	if c.MaxFailures == 0 {
		c.MaxFailures = DefaultMaxFailures
	}
	if c.LockFor == 0 {
		c.LockFor = DefaultLockFor
	}
	if c.RatePerMinute == 0 {
		c.RatePerMinute = DefaultRate
	}
	if c.Burst == 0 {
		c.Burst = DefaultBurst
	}
	if c.Argon2 == (Argon2Params{}) {
		c.Argon2 = defaultArgon2
	}
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	switch {
	case c.SessionTTL < 0, c.APITokenTTL < 0, c.LockFor < 0:
		return c, errors.New("auth: negative duration in config")
	case c.MaxFailures < 0, c.RatePerMinute < 0, c.Burst < 0:
		return c, errors.New("auth: negative count in config")
	}
	if err := c.Argon2.validate(); err != nil {
		return c, fmt.Errorf("auth: %w", err)
	}
	return c, nil
}

// Service signs users in and out, resolves tokens to identities and manages credentials.
// Its methods are safe for concurrent use.
type Service struct {
	store   catalog.Store
	cfg     Config
	log     *slog.Logger
	seal    sealer
	limit   *limiter
	hashing chan struct{} // bounds concurrent argon2 computations

	dummyOnce sync.Once
	dummy     string // a hash of a random password, verified for unknown logins
	dummyErr  error
}

// New returns a Service on store. cfg.SealKey must be 32 bytes; a nil log discards.
func New(store catalog.Store, cfg Config, log *slog.Logger) (*Service, error) {
	if store == nil {
		return nil, errors.New("auth: no store")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	seal, err := newSealer(cfg.SealKey)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store:   store,
		cfg:     cfg,
		log:     log,
		seal:    seal,
		limit:   newLimiter(cfg.RatePerMinute, cfg.Burst),
		hashing: make(chan struct{}, runtime.GOMAXPROCS(0)),
	}, nil
}

// Attempt is one sign-in. Remote is the client's IP address, for rate limiting and the audit.
type Attempt struct{ Login, Password, TOTP, Remote string }

// Identity is who a token belongs to.
type Identity struct {
	User  catalog.User
	Token catalog.Token
	// MustChange: the user's credential says MustChange; only ChangePassword and Logout are
	// allowed.
	MustChange bool
}

// System is the actor for vidb's own and the CLI's administrative work: a coordinator named
// "system", with no ID and no country.
func System() catalog.User {
	return catalog.User{Login: "system", Name: "vidb", Role: catalog.RoleCoordinator}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// acquire takes a slot for an argon2 computation.
func (s *Service) acquire(ctx context.Context) (release func(), err error) {
	select {
	case s.hashing <- struct{}{}:
		return func() { <-s.hashing }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Service) hash(ctx context.Context, password string) (string, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(password, s.cfg.Argon2)
}

func (s *Service) verify(ctx context.Context, hash, password string) (bool, error) {
	release, err := s.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return VerifyPassword(hash, password)
}

// verifyDummy spends the time a real verification would, for logins that have no hash.
func (s *Service) verifyDummy(ctx context.Context, password string) {
	s.dummyOnce.Do(func() {
		p, err := oneTimePassword()
		if err != nil {
			s.dummyErr = err
			return
		}
		s.dummy, s.dummyErr = HashPassword(p, s.cfg.Argon2)
	})
	if s.dummyErr != nil {
		return
	}
	s.verify(ctx, s.dummy, password) //nolint:errcheck // only its time matters
}

// event builds an audit event by actor at time now.
func event(now time.Time, actor catalog.User, action, object string, details map[string]string) audit.Event {
	return audit.Event{
		Time: now, Actor: actor.Login, ActorID: int64(actor.ID), Country: string(actor.Country),
		Action: action, Object: object, Details: details,
	}
}

func userObject(id catalog.UserID) string { return "user/" + strconv.FormatInt(int64(id), 10) }

func tokenObject(id catalog.TokenID) string { return "token/" + strconv.FormatInt(int64(id), 10) }

// clean makes client-supplied text fit for an audit event or a log line: valid UTF-8, no
// control characters, at most 64 characters.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 64 {
		s = string([]rune(s)[:64]) + "…"
	}
	return s
}

// credential returns u's credential, or an empty one when none was ever stored.
func credential(ctx context.Context, r catalog.Reader, u catalog.UserID) (catalog.Credential, error) {
	c, err := r.Credential(ctx, u)
	if errors.Is(err, catalog.ErrNotFound) {
		return catalog.Credential{User: u}, nil
	}
	if err != nil {
		return c, fmt.Errorf("reading the credential of user %d: %w", u, err)
	}
	return c, nil
}

func locked(c catalog.Credential, now time.Time) bool {
	return c.LockedUntil != nil && now.Before(*c.LockedUntil)
}

// Login checks the attempt and opens a session; the secret is returned once and never stored.
// Failures are audited ("user.login_failed", with the reason) and counted toward the lock-out;
// reaching MaxFailures locks the account for LockFor ("user.locked"). A disabled account is
// refused with ErrBadCredentials. Unknown logins cost the same argon2 verification as known
// ones, so that response time does not reveal whether a login exists.
func (s *Service) Login(ctx context.Context, a Attempt) (secret string, id Identity, err error) {
	now := s.now()
	if !s.limit.allow(a.Remote, now) {
		s.log.WarnContext(ctx, "sign-in rate limited", "remote", clean(a.Remote))
		return "", Identity{}, ErrRateLimited
	}
	login := strings.ToLower(strings.TrimSpace(a.Login))
	u, err := s.store.UserByLogin(ctx, login)
	if errors.Is(err, catalog.ErrNotFound) || (err == nil && login == "") {
		s.verifyDummy(ctx, a.Password)
		unknown := catalog.User{Login: "unknown"}
		if err := s.audit(ctx, event(now, unknown, "user.login_failed", "",
			map[string]string{"reason": "unknown_login", "login": clean(a.Login), "remote": clean(a.Remote)})); err != nil {
			return "", Identity{}, err
		}
		s.log.InfoContext(ctx, "sign-in failed", "reason", "unknown_login", "remote", clean(a.Remote))
		return "", Identity{}, ErrBadCredentials
	}
	if err != nil {
		return "", Identity{}, fmt.Errorf("signing in: %w", err)
	}
	cred, err := credential(ctx, s.store, u.ID)
	if err != nil {
		return "", Identity{}, fmt.Errorf("signing in: %w", err)
	}
	switch {
	case u.Disabled:
		s.verifyDummy(ctx, a.Password)
		return "", Identity{}, s.refuse(ctx, u, a.Remote, "disabled", ErrBadCredentials)
	case locked(cred, now):
		s.verifyDummy(ctx, a.Password)
		return "", Identity{}, s.refuse(ctx, u, a.Remote, "locked", ErrLocked)
	}
	ok := false
	if cred.PasswordHash == "" {
		s.verifyDummy(ctx, a.Password)
	} else if ok, err = s.verify(ctx, cred.PasswordHash, a.Password); err != nil {
		return "", Identity{}, fmt.Errorf("signing in: user %d: %w", u.ID, err)
	}
	if !ok {
		return "", Identity{}, s.fail(ctx, u, "user.login_failed", a.Remote, "bad_password", ErrBadCredentials)
	}
	totpOn := cred.TOTPSecret != nil && !cred.TOTPPending
	var key []byte
	if totpOn {
		if strings.TrimSpace(a.TOTP) == "" {
			return "", Identity{}, ErrTOTPRequired
		}
		if key, err = s.seal.open(u.ID, cred.TOTPSecret); err != nil {
			return "", Identity{}, fmt.Errorf("signing in: user %d: %w", u.ID, err)
		}
	}

	secret, sum, err := newSecret(catalog.TokenSession)
	if err != nil {
		return "", Identity{}, err
	}
	method := "password"
	var refused error // a refusal found inside the transaction, recorded after it
	err = s.store.Update(context.WithoutCancel(ctx), func(tx catalog.Tx) error {
		refused = nil
		c, err := credential(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		if locked(c, now) { // locked by a concurrent failure since we looked
			refused = ErrLocked
			return refused
		}
		if totpOn {
			step, ok := checkTOTP(key, strings.TrimSpace(a.TOTP), now, c.TOTPLastStep)
			if !ok {
				refused = ErrBadCredentials
				return refused
			}
			c.TOTPLastStep = step
			method = "password+totp"
		}
		c.FailedLogins, c.LockedUntil, c.Updated = 0, nil, now
		if err := tx.PutCredential(ctx, c); err != nil {
			return err
		}
		t, err := tx.AddToken(ctx, catalog.Token{
			User: u.ID, Kind: catalog.TokenSession, Hash: sum, Created: now, Expires: now.Add(s.cfg.SessionTTL),
		})
		if err != nil {
			return err
		}
		id = Identity{User: u, Token: t, MustChange: c.MustChange}
		_, err = tx.Audit(ctx, event(now, u, "user.login", userObject(u.ID), map[string]string{
			"remote": clean(a.Remote), "method": method, "token": strconv.FormatInt(int64(t.ID), 10),
		}))
		return err
	})
	switch {
	case errors.Is(refused, ErrLocked):
		return "", Identity{}, s.refuse(ctx, u, a.Remote, "locked", ErrLocked)
	case errors.Is(refused, ErrBadCredentials):
		return "", Identity{}, s.fail(ctx, u, "user.login_failed", a.Remote, "bad_totp", ErrBadCredentials)
	case err != nil:
		return "", Identity{}, fmt.Errorf("signing in: %w", err)
	}
	s.log.InfoContext(ctx, "signed in", "user", u.ID, "remote", clean(a.Remote))
	return secret, id, nil
}

// audit records one event in a transaction of its own.
func (s *Service) audit(ctx context.Context, e audit.Event) error {
	ctx = context.WithoutCancel(ctx)
	if err := s.store.Update(ctx, func(tx catalog.Tx) error {
		_, err := tx.Audit(ctx, e)
		return err
	}); err != nil {
		return fmt.Errorf("recording %s: %w", e.Action, err)
	}
	return nil
}

// refuse records a refused sign-in that does not count toward the lock-out (a disabled or
// locked account) and returns refusal.
func (s *Service) refuse(ctx context.Context, u catalog.User, remote, reason string, refusal error) error {
	if err := s.audit(ctx, event(s.now(), u, "user.login_failed", userObject(u.ID),
		map[string]string{"reason": reason, "remote": clean(remote)})); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "sign-in refused", "user", u.ID, "reason", reason, "remote", clean(remote))
	return refusal
}

// fail records a failed password or code check by u: it counts toward the lock-out, and the
// failure that reaches MaxFailures locks the account. It returns refusal unless recording fails.
func (s *Service) fail(ctx context.Context, u catalog.User, action, remote, reason string, refusal error) error {
	now := s.now()
	ctx = context.WithoutCancel(ctx)
	lockedNow := false
	err := s.store.Update(ctx, func(tx catalog.Tx) error {
		lockedNow = false
		c, err := credential(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		if c.LockedUntil != nil && !now.Before(*c.LockedUntil) { // an expired lock starts afresh
			c.FailedLogins, c.LockedUntil = 0, nil
		}
		c.FailedLogins++
		details := map[string]string{"reason": reason, "failures": strconv.Itoa(c.FailedLogins)}
		if remote != "" {
			details["remote"] = clean(remote)
		}
		if _, err := tx.Audit(ctx, event(now, u, action, userObject(u.ID), details)); err != nil {
			return err
		}
		if s.cfg.MaxFailures > 0 && c.FailedLogins >= s.cfg.MaxFailures && c.LockedUntil == nil {
			until := now.Add(s.cfg.LockFor)
			c.LockedUntil = &until
			lockedNow = true
			if _, err := tx.Audit(ctx, event(now, u, "user.locked", userObject(u.ID), map[string]string{
				"failures": strconv.Itoa(c.FailedLogins), "until": until.Format(time.RFC3339),
			})); err != nil {
				return err
			}
		}
		c.Updated = now
		return tx.PutCredential(ctx, c)
	})
	if err != nil {
		return fmt.Errorf("recording a failed sign-in: %w", err)
	}
	s.log.InfoContext(ctx, "sign-in failed", "user", u.ID, "reason", reason, "remote", clean(remote))
	if lockedNow {
		s.log.WarnContext(ctx, "account locked", "user", u.ID, "until", now.Add(s.cfg.LockFor))
	}
	return refusal
}

// Authenticate resolves a session or API token secret, as a client sent it, to an Identity.
// Anything malformed is refused before the store is asked; unknown, expired and revoked tokens
// and disabled users are ErrUnauthenticated.
func (s *Service) Authenticate(ctx context.Context, secret string) (Identity, error) {
	kind, sum, err := parseSecret(secret)
	if err != nil {
		return Identity{}, err
	}
	t, err := s.store.TokenByHash(ctx, sum)
	if errors.Is(err, catalog.ErrNotFound) {
		return Identity{}, fmt.Errorf("%w: unknown token", ErrUnauthenticated)
	} else if err != nil {
		return Identity{}, fmt.Errorf("authenticating: %w", err)
	}
	if t.Kind != kind {
		return Identity{}, fmt.Errorf("%w: unknown token", ErrUnauthenticated)
	}
	if !t.Valid(s.now()) {
		return Identity{}, fmt.Errorf("%w: token expired or revoked", ErrUnauthenticated)
	}
	u, err := s.store.User(ctx, t.User)
	if errors.Is(err, catalog.ErrNotFound) {
		return Identity{}, fmt.Errorf("%w: unknown user", ErrUnauthenticated)
	} else if err != nil {
		return Identity{}, fmt.Errorf("authenticating: %w", err)
	}
	if u.Disabled {
		return Identity{}, fmt.Errorf("%w: account disabled", ErrUnauthenticated)
	}
	c, err := credential(ctx, s.store, u.ID)
	if err != nil {
		return Identity{}, fmt.Errorf("authenticating: %w", err)
	}
	return Identity{User: u, Token: t, MustChange: c.MustChange}, nil
}

// checkIdentity refuses an empty identity and, unless mayChange, one that must change its
// password first.
func checkIdentity(id Identity, mayChange bool) error {
	if id.User.ID == 0 || id.Token.ID == 0 {
		return ErrUnauthenticated
	}
	if id.MustChange && !mayChange {
		return ErrMustChangePassword
	}
	return nil
}

// Logout revokes the identity's token. Audited "user.logout".
func (s *Service) Logout(ctx context.Context, id Identity) error {
	if err := checkIdentity(id, true); err != nil {
		return err
	}
	now := s.now()
	ctx = context.WithoutCancel(ctx)
	err := s.store.Update(ctx, func(tx catalog.Tx) error {
		if err := tx.RevokeToken(ctx, id.Token.ID, now); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, event(now, id.User, "user.logout", userObject(id.User.ID),
			map[string]string{"token": strconv.FormatInt(int64(id.Token.ID), 10), "kind": string(id.Token.Kind)}))
		return err
	})
	if err != nil {
		return fmt.Errorf("signing out: %w", err)
	}
	return nil
}

// recheck confirms a signed-in user's password before a sensitive change: ErrLocked while the
// account is locked, ErrBadCredentials for a wrong password, which is audited as failAction
// and counts toward the lock-out. A user without a password costs a dummy verification, so
// that timing does not tell.
func (s *Service) recheck(ctx context.Context, u catalog.User, cred catalog.Credential, password, failAction string) error {
	if locked(cred, s.now()) {
		return ErrLocked
	}
	if cred.PasswordHash == "" {
		s.verifyDummy(ctx, password)
		return s.fail(ctx, u, failAction, "", "bad_password", ErrBadCredentials)
	}
	ok, err := s.verify(ctx, cred.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return s.fail(ctx, u, failAction, "", "bad_password", ErrBadCredentials)
	}
	return nil
}

// ChangePassword checks old, sets new (which must pass the policy: ErrWeakPassword), clears
// MustChange and revokes the user's other sessions (API tokens stay). A wrong old password is
// ErrBadCredentials and counts toward the lock-out. Audited "user.password_change".
func (s *Service) ChangePassword(ctx context.Context, id Identity, old, new string) error {
	if err := checkIdentity(id, true); err != nil {
		return err
	}
	if err := checkPolicy(id.User.Login, old, new); err != nil {
		return err
	}
	cred, err := credential(ctx, s.store, id.User.ID)
	if err != nil {
		return fmt.Errorf("changing the password: %w", err)
	}
	if err := s.recheck(ctx, id.User, cred, old, "user.password_change_failed"); err != nil {
		return fmt.Errorf("changing the password: %w", err)
	}
	hash, err := s.hash(ctx, new)
	if err != nil {
		return fmt.Errorf("changing the password: %w", err)
	}
	now := s.now()
	ctx = context.WithoutCancel(ctx)
	err = s.store.Update(ctx, func(tx catalog.Tx) error {
		c, err := credential(ctx, tx, id.User.ID)
		if err != nil {
			return err
		}
		if c.PasswordHash != cred.PasswordHash { // changed concurrently: the old one no longer holds
			return fmt.Errorf("%w: the password was changed meanwhile", catalog.ErrConflict)
		}
		c.PasswordHash, c.MustChange, c.FailedLogins, c.LockedUntil, c.Updated = hash, false, 0, nil, now
		if err := tx.PutCredential(ctx, c); err != nil {
			return err
		}
		tokens, err := tx.Tokens(ctx, id.User.ID, catalog.TokenSession)
		if err != nil {
			return err
		}
		revoked := 0
		for _, t := range tokens {
			if t.ID != id.Token.ID && t.Revoked == nil {
				if err := tx.RevokeToken(ctx, t.ID, now); err != nil {
					return err
				}
				revoked++
			}
		}
		_, err = tx.Audit(ctx, event(now, id.User, "user.password_change", userObject(id.User.ID),
			map[string]string{"revoked_sessions": strconv.Itoa(revoked)}))
		return err
	})
	if err != nil {
		return fmt.Errorf("changing the password: %w", err)
	}
	return nil
}

// actor returns admin as the store knows it now (a role changed or an account disabled since
// the session began counts), or System() unchanged.
func (s *Service) actor(ctx context.Context, admin catalog.User) (catalog.User, error) {
	if admin.ID == 0 {
		if admin != System() {
			return catalog.User{}, fmt.Errorf("%w: an administrator without an ID", catalog.ErrForbidden)
		}
		return admin, nil
	}
	u, err := s.store.User(ctx, admin.ID)
	if errors.Is(err, catalog.ErrNotFound) {
		return catalog.User{}, fmt.Errorf("%w: unknown administrator", catalog.ErrForbidden)
	}
	return u, err
}

// CreateUser creates u on admin's behalf (catalog.CanManageUser(admin, u), else
// catalog.ErrForbidden) with a random one-time password, returned once, that must be changed
// at the first sign-in. Audited "user.create". admin may be System().
func (s *Service) CreateUser(ctx context.Context, admin catalog.User, u catalog.User) (catalog.User, string, error) {
	admin, err := s.actor(ctx, admin)
	if err != nil {
		return catalog.User{}, "", fmt.Errorf("creating a user: %w", err)
	}
	u.ID = 0
	if err := u.Validate(); err != nil {
		return catalog.User{}, "", fmt.Errorf("creating a user: %w", err)
	}
	if !catalog.CanManageUser(admin, u) {
		return catalog.User{}, "", fmt.Errorf("creating a user: %w: %s may not create a %s of %s",
			catalog.ErrForbidden, admin.Login, u.Role, u.Country)
	}
	otp, err := oneTimePassword()
	if err != nil {
		return catalog.User{}, "", err
	}
	hash, err := s.hash(ctx, otp)
	if err != nil {
		return catalog.User{}, "", fmt.Errorf("creating a user: %w", err)
	}
	now := s.now()
	u.Created = now
	created, err := createUser(ctx, s.store, admin, u, hash, now, nil)
	if err != nil {
		return catalog.User{}, "", err
	}
	s.log.InfoContext(ctx, "user created", "user", created.ID, "by", admin.Login)
	return created, otp, nil
}

// createUser stores u with a one-time password hash; before, when set, runs first in the same
// transaction.
func createUser(ctx context.Context, store catalog.Store, admin, u catalog.User, hash string, now time.Time,
	before func(tx catalog.Tx) error) (catalog.User, error) {
	ctx = context.WithoutCancel(ctx)
	var created catalog.User
	err := store.Update(ctx, func(tx catalog.Tx) error {
		if before != nil {
			if err := before(tx); err != nil {
				return err
			}
		}
		var err error
		if created, err = tx.AddUser(ctx, u); err != nil {
			return err
		}
		if err := tx.PutCredential(ctx, catalog.Credential{
			User: created.ID, PasswordHash: hash, MustChange: true, Updated: now,
		}); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, event(now, admin, "user.create", userObject(created.ID), map[string]string{
			"login": created.Login, "role": string(created.Role), "country": string(created.Country),
		}))
		return err
	})
	if err != nil {
		return catalog.User{}, fmt.Errorf("creating user %q: %w", u.Login, err)
	}
	return created, nil
}

// managed returns the target user if admin may manage it.
func (s *Service) managed(ctx context.Context, admin catalog.User, target catalog.UserID) (catalog.User, catalog.User, error) {
	admin, err := s.actor(ctx, admin)
	if err != nil {
		return admin, catalog.User{}, err
	}
	t, err := s.store.User(ctx, target)
	if err != nil {
		return admin, catalog.User{}, err
	}
	if !catalog.CanManageUser(admin, t) {
		return admin, catalog.User{}, fmt.Errorf("%w: %s may not manage user %d", catalog.ErrForbidden, admin.Login, target)
	}
	return admin, t, nil
}

// ResetPassword gives target a new one-time password (returned once), unlocks the account and
// revokes all its tokens. The TOTP enrolment is kept. Audited "user.password_reset".
func (s *Service) ResetPassword(ctx context.Context, admin catalog.User, target catalog.UserID) (string, error) {
	admin, t, err := s.managed(ctx, admin, target)
	if err != nil {
		return "", fmt.Errorf("resetting a password: %w", err)
	}
	otp, err := oneTimePassword()
	if err != nil {
		return "", err
	}
	hash, err := s.hash(ctx, otp)
	if err != nil {
		return "", fmt.Errorf("resetting a password: %w", err)
	}
	now := s.now()
	ctx = context.WithoutCancel(ctx)
	err = s.store.Update(ctx, func(tx catalog.Tx) error {
		c, err := credential(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		c.PasswordHash, c.MustChange, c.FailedLogins, c.LockedUntil, c.Updated = hash, true, 0, nil, now
		if err := tx.PutCredential(ctx, c); err != nil {
			return err
		}
		n, err := tx.RevokeTokens(ctx, t.ID, "", now)
		if err != nil {
			return err
		}
		_, err = tx.Audit(ctx, event(now, admin, "user.password_reset", userObject(t.ID),
			map[string]string{"login": t.Login, "revoked_tokens": strconv.Itoa(n)}))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("resetting the password of user %d: %w", target, err)
	}
	return otp, nil
}

// SetDisabled disables or re-enables target; disabling revokes every token. Audited
// "user.disable" or "user.enable".
func (s *Service) SetDisabled(ctx context.Context, admin catalog.User, target catalog.UserID, disabled bool) error {
	admin, t, err := s.managed(ctx, admin, target)
	if err != nil {
		return fmt.Errorf("disabling a user: %w", err)
	}
	now := s.now()
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	ctx = context.WithoutCancel(ctx)
	err = s.store.Update(ctx, func(tx catalog.Tx) error {
		t.Disabled = disabled
		if err := tx.UpdateUser(ctx, t); err != nil {
			return err
		}
		details := map[string]string{"login": t.Login}
		if disabled {
			n, err := tx.RevokeTokens(ctx, t.ID, "", now)
			if err != nil {
				return err
			}
			details["revoked_tokens"] = strconv.Itoa(n)
		}
		_, err := tx.Audit(ctx, event(now, admin, action, userObject(t.ID), details))
		return err
	})
	if err != nil {
		return fmt.Errorf("%s user %d: %w", strings.TrimPrefix(action, "user."), target, err)
	}
	return nil
}

// CreateAPIToken makes a named API token for the identity's user; the secret is returned once.
// ttl 0 means Config.APITokenTTL, which is also the longest allowed. Audited "token.create".
func (s *Service) CreateAPIToken(ctx context.Context, id Identity, name string, ttl time.Duration) (secret string, t catalog.Token, err error) {
	if err := checkIdentity(id, false); err != nil {
		return "", catalog.Token{}, err
	}
	name = strings.TrimSpace(name)
	switch {
	case ttl == 0:
		ttl = s.cfg.APITokenTTL
	case ttl < 0 || ttl > s.cfg.APITokenTTL:
		return "", catalog.Token{}, fmt.Errorf("%w: token lifetime %s: want up to %s", catalog.ErrInvalid, ttl, s.cfg.APITokenTTL)
	}
	if name == "" || len(name) > 128 || clean(name) != name {
		return "", catalog.Token{}, fmt.Errorf("%w: token name: want 1 to 64 printable characters", catalog.ErrInvalid)
	}
	secret, sum, err := newSecret(catalog.TokenAPI)
	if err != nil {
		return "", catalog.Token{}, err
	}
	now := s.now()
	ctx = context.WithoutCancel(ctx)
	err = s.store.Update(ctx, func(tx catalog.Tx) error {
		var err error
		t, err = tx.AddToken(ctx, catalog.Token{
			User: id.User.ID, Kind: catalog.TokenAPI, Hash: sum, Name: name, Created: now, Expires: now.Add(ttl),
		})
		if err != nil {
			return err
		}
		_, err = tx.Audit(ctx, event(now, id.User, "token.create", tokenObject(t.ID),
			map[string]string{"name": name, "expires": t.Expires.UTC().Format(time.RFC3339)}))
		return err
	})
	if err != nil {
		return "", catalog.Token{}, fmt.Errorf("creating an API token: %w", err)
	}
	return secret, t, nil
}

// RevokeAPIToken revokes one of the identity's own API tokens; anyone else's, or a session,
// is catalog.ErrNotFound. Audited "token.revoke".
func (s *Service) RevokeAPIToken(ctx context.Context, id Identity, token catalog.TokenID) error {
	if err := checkIdentity(id, false); err != nil {
		return err
	}
	now := s.now()
	ctx = context.WithoutCancel(ctx)
	err := s.store.Update(ctx, func(tx catalog.Tx) error {
		tokens, err := tx.Tokens(ctx, id.User.ID, catalog.TokenAPI)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			if t.ID != token {
				continue
			}
			if err := tx.RevokeToken(ctx, t.ID, now); err != nil {
				return err
			}
			_, err := tx.Audit(ctx, event(now, id.User, "token.revoke", tokenObject(t.ID), map[string]string{"name": t.Name}))
			return err
		}
		return fmt.Errorf("token %d: %w", token, catalog.ErrNotFound)
	})
	if err != nil {
		return fmt.Errorf("revoking an API token: %w", err)
	}
	return nil
}

// APITokens lists the identity's API tokens, revoked and expired ones included.
func (s *Service) APITokens(ctx context.Context, id Identity) ([]catalog.Token, error) {
	if err := checkIdentity(id, false); err != nil {
		return nil, err
	}
	ts, err := s.store.Tokens(ctx, id.User.ID, catalog.TokenAPI)
	if err != nil {
		return nil, fmt.Errorf("listing API tokens: %w", err)
	}
	return ts, nil
}

// BeginTOTP starts a TOTP enrolment: it stores a new sealed secret, pending until ConfirmTOTP,
// and returns the otpauth:// URI and the base32 secret for the authenticator app. An account
// whose TOTP is already on must disable it first (catalog.ErrConflict). Audited
// "user.totp_begin".
func (s *Service) BeginTOTP(ctx context.Context, id Identity) (uri, secret string, err error) {
	if err := checkIdentity(id, false); err != nil {
		return "", "", err
	}
	key := make([]byte, totpSecretSize)
	if _, err := randRead(key); err != nil {
		return "", "", err
	}
	sealed, err := s.seal.seal(id.User.ID, key)
	if err != nil {
		return "", "", err
	}
	now := s.now()
	ctx = context.WithoutCancel(ctx)
	err = s.store.Update(ctx, func(tx catalog.Tx) error {
		c, err := credential(ctx, tx, id.User.ID)
		if err != nil {
			return err
		}
		if c.TOTPSecret != nil && !c.TOTPPending {
			return fmt.Errorf("%w: TOTP is already on; disable it first", catalog.ErrConflict)
		}
		c.TOTPSecret, c.TOTPPending, c.TOTPLastStep, c.Updated = sealed, true, 0, now
		if err := tx.PutCredential(ctx, c); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, event(now, id.User, "user.totp_begin", userObject(id.User.ID), nil))
		return err
	})
	if err != nil {
		return "", "", fmt.Errorf("starting TOTP enrolment: %w", err)
	}
	return totpURI(s.cfg.Issuer, id.User.Login, key), totpEncoding.EncodeToString(key), nil
}

// ConfirmTOTP turns the pending TOTP enrolment on when code is valid for it; a wrong code is
// ErrBadCredentials, no enrolment pending is catalog.ErrInvalid. Audited "user.totp_enable".
func (s *Service) ConfirmTOTP(ctx context.Context, id Identity, code string) error {
	if err := checkIdentity(id, false); err != nil {
		return err
	}
	now := s.now()
	ctx = context.WithoutCancel(ctx)
	err := s.store.Update(ctx, func(tx catalog.Tx) error {
		c, err := credential(ctx, tx, id.User.ID)
		if err != nil {
			return err
		}
		if c.TOTPSecret == nil || !c.TOTPPending {
			return fmt.Errorf("%w: no TOTP enrolment is pending", catalog.ErrInvalid)
		}
		key, err := s.seal.open(id.User.ID, c.TOTPSecret)
		if err != nil {
			return err
		}
		step, ok := checkTOTP(key, strings.TrimSpace(code), now, c.TOTPLastStep)
		if !ok {
			return ErrBadCredentials
		}
		c.TOTPPending, c.TOTPLastStep, c.Updated = false, step, now
		if err := tx.PutCredential(ctx, c); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, event(now, id.User, "user.totp_enable", userObject(id.User.ID), nil))
		return err
	})
	if err != nil {
		return fmt.Errorf("confirming TOTP: %w", err)
	}
	return nil
}

// DisableTOTP turns TOTP off (or drops a pending enrolment) after checking the password; a
// wrong one is ErrBadCredentials and counts toward the lock-out. Audited "user.totp_disable".
func (s *Service) DisableTOTP(ctx context.Context, id Identity, password string) error {
	if err := checkIdentity(id, false); err != nil {
		return err
	}
	cred, err := credential(ctx, s.store, id.User.ID)
	if err != nil {
		return fmt.Errorf("disabling TOTP: %w", err)
	}
	if cred.TOTPSecret == nil {
		return fmt.Errorf("disabling TOTP: %w: TOTP is not on", catalog.ErrInvalid)
	}
	if err := s.recheck(ctx, id.User, cred, password, "user.totp_disable_failed"); err != nil {
		return fmt.Errorf("disabling TOTP: %w", err)
	}
	now := s.now()
	ctx = context.WithoutCancel(ctx)
	err = s.store.Update(ctx, func(tx catalog.Tx) error {
		c, err := credential(ctx, tx, id.User.ID)
		if err != nil {
			return err
		}
		c.TOTPSecret, c.TOTPPending, c.TOTPLastStep, c.Updated = nil, false, 0, now
		if err := tx.PutCredential(ctx, c); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, event(now, id.User, "user.totp_disable", userObject(id.User.ID), nil))
		return err
	})
	if err != nil {
		return fmt.Errorf("disabling TOTP: %w", err)
	}
	return nil
}

// Bootstrap creates a country (unless registered already) and its first coordinator, login,
// with a one-time password returned once, for `vidb init`. Audited as System().
// catalog.ErrConflict if any user exists already. cfg.SealKey is not needed.
func Bootstrap(ctx context.Context, store catalog.Store, country catalog.Country, login string, cfg Config) (catalog.User, string, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return catalog.User{}, "", err
	}
	now := cfg.Now().UTC().Truncate(time.Microsecond)
	if !country.Code.Valid() {
		return catalog.User{}, "", fmt.Errorf("bootstrap: %w: country code %q", catalog.ErrInvalid, country.Code)
	}
	if country.Created.IsZero() {
		country.Created = now
	}
	u := catalog.User{Login: login, Country: country.Code, Role: catalog.RoleCoordinator, Created: now}
	if err := u.Validate(); err != nil {
		return catalog.User{}, "", fmt.Errorf("bootstrap: %w", err)
	}
	otp, err := oneTimePassword()
	if err != nil {
		return catalog.User{}, "", err
	}
	hash, err := HashPassword(otp, cfg.Argon2)
	if err != nil {
		return catalog.User{}, "", fmt.Errorf("bootstrap: %w", err)
	}
	sys := System()
	created, err := createUser(ctx, store, sys, u, hash, now, func(tx catalog.Tx) error {
		users, err := tx.Users(ctx, "", catalog.Page{Limit: 1})
		if err != nil {
			return err
		}
		if len(users) > 0 {
			return fmt.Errorf("%w: the deployment has users already", catalog.ErrConflict)
		}
		_, err = tx.Country(ctx, country.Code)
		if !errors.Is(err, catalog.ErrNotFound) {
			return err // nil: the country is registered already
		}
		if err := tx.AddCountry(ctx, country); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, event(now, sys, "country.add", "country/"+string(country.Code),
			map[string]string{"name": clean(country.Name)}))
		return err
	})
	if err != nil {
		return catalog.User{}, "", fmt.Errorf("bootstrap: %w", err)
	}
	return created, otp, nil
}

// PruneTokens deletes the tokens that expired more than keep ago (revoked ones included once
// expired) and returns how many; a deployment runs it now and then. Audited "token.prune" as
// System() when it deleted any.
func (s *Service) PruneTokens(ctx context.Context, keep time.Duration) (int, error) {
	if keep < 0 {
		return 0, fmt.Errorf("%w: negative keep %s", catalog.ErrInvalid, keep)
	}
	now := s.now()
	before := now.Add(-keep)
	ctx = context.WithoutCancel(ctx)
	n := 0
	err := s.store.Update(ctx, func(tx catalog.Tx) error {
		var err error
		if n, err = tx.DeleteExpiredTokens(ctx, before); err != nil || n == 0 {
			return err
		}
		_, err = tx.Audit(ctx, event(now, System(), "token.prune", "", map[string]string{
			"deleted": strconv.Itoa(n), "expired_before": before.Format(time.RFC3339),
		}))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pruning tokens: %w", err)
	}
	return n, nil
}
