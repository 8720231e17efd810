package auth

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/store/sqlite"
	"github.com/vidb-project/vidb/internal/store/storetest"
)

// clock is a settable time source shared by the store and the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a service on a fresh SQLite store, with countries FR and DE and a coordinator.
type env struct {
	store *sqlite.Store
	svc   *Service
	clock *clock
	coord catalog.User
	// secrets collects every password, one-time password, token secret and TOTP secret or
	// code the test handled; none may appear in the audit log.
	mu      sync.Mutex
	secrets []string
}

func (e *env) secret(s string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.secrets = append(e.secrets, s)
	return s
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	ck := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "vidb.db"),
		sqlite.Options{AuditSigner: storetest.Signer(), Clock: ck.Now})
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if cfg.Argon2 == (Argon2Params{}) {
		cfg.Argon2 = cheap
	}
	cfg.Now = ck.Now
	if cfg.SealKey == nil {
		cfg.SealKey = bytes.Repeat([]byte{0x5a}, 32)
	}
	e := &env{store: st, clock: ck}
	coord, otp, err := Bootstrap(t.Context(), st, catalog.Country{Code: "FR", Name: "France"}, "coord", cfg)
	if err != nil {
		t.Fatalf("Bootstrap: %v", err)
	}
	e.secret(otp)
	e.coord = coord
	err = st.Update(t.Context(), func(tx catalog.Tx) error {
		if err := tx.AddCountry(t.Context(), catalog.Country{Code: "DE", Name: "Germany", Created: ck.Now()}); err != nil {
			return err
		}
		_, err := tx.Audit(t.Context(), audit.Event{Time: ck.Now(), Actor: "system", Action: "country.add", Object: "country/DE"})
		return err
	})
	if err != nil {
		t.Fatalf("adding DE: %v", err)
	}
	if e.svc, err = New(st, cfg, nil); err != nil {
		t.Fatalf("New: %v", err)
	}
	if tt, ok := t.(*testing.T); ok {
		tt.Cleanup(func() { e.checkAudit(tt) })
	}
	return e
}

// events returns the whole audit log.
func (e *env) events(t testing.TB) []audit.Event {
	t.Helper()
	var out []audit.Event
	for ev, err := range e.store.AuditEvents(context.Background(), 0) {
		if err != nil {
			t.Fatalf("AuditEvents: %v", err)
		}
		out = append(out, ev)
	}
	return out
}

// checkAudit fails if any secret the test handled, or any stored password hash or token hash,
// appears anywhere in an audit event.
func (e *env) checkAudit(t *testing.T) {
	needles := append([]string(nil), e.secrets...)
	users, err := e.store.Users(context.Background(), "", catalog.Page{})
	if err != nil {
		t.Fatalf("Users: %v", err)
	}
	for _, u := range users {
		if c, err := e.store.Credential(context.Background(), u.ID); err == nil && c.PasswordHash != "" {
			needles = append(needles, c.PasswordHash, strings.Split(c.PasswordHash, "$")[5])
		}
		ts, err := e.store.Tokens(context.Background(), u.ID, "")
		if err != nil {
			t.Fatalf("Tokens: %v", err)
		}
		for _, tk := range ts {
			needles = append(needles, hex.EncodeToString(tk.Hash[:]))
		}
	}
	for _, ev := range e.events(t) {
		text := fmt.Sprint(ev.Actor, ev.Country, ev.Action, ev.Object, ev.Details)
		for _, n := range needles {
			if len(n) >= 6 && strings.Contains(text, n) {
				t.Errorf("audit event %d (%s) contains a secret: %q", ev.Seq, ev.Action, text)
			}
		}
	}
}

// actions returns the actions of the audit events from seq from on.
func (e *env) actions(t testing.TB, from int) []string {
	var out []string
	for _, ev := range e.events(t)[from:] {
		out = append(out, ev.Action)
	}
	return out
}

func (e *env) auditLen(t testing.TB) int { return len(e.events(t)) }

// user creates an account as the system and gives it a chosen password; it returns the user
// and the password.
func (e *env) user(t testing.TB, login string, role catalog.Role, country catalog.CountryCode) (catalog.User, string) {
	t.Helper()
	u, otp, err := e.svc.CreateUser(t.Context(), System(), catalog.User{Login: login, Role: role, Country: country})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", login, err)
	}
	e.secret(otp)
	_, id, err := e.svc.Login(t.Context(), Attempt{Login: login, Password: otp, Remote: "192.0.2.1"})
	if err != nil {
		t.Fatalf("Login(%s) with the one-time password: %v", login, err)
	}
	pw := e.secret("pass phrase of " + login)
	if err := e.svc.ChangePassword(t.Context(), id, otp, pw); err != nil {
		t.Fatalf("ChangePassword(%s): %v", login, err)
	}
	return u, pw
}

// login signs in and fails the test on error.
func (e *env) login(t testing.TB, login, pw string) (string, Identity) {
	t.Helper()
	s, id, err := e.svc.Login(t.Context(), Attempt{Login: login, Password: pw, Remote: "192.0.2.1"})
	if err != nil {
		t.Fatalf("Login(%s): %v", login, err)
	}
	e.secret(s)
	return s, id
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	for _, cfg := range []Config{
		{},                          // no SealKey
		{SealKey: make([]byte, 16)}, // short SealKey
		{SealKey: make([]byte, 32), SessionTTL: -time.Hour},
		{SealKey: make([]byte, 32), MaxFailures: -1},
		{SealKey: make([]byte, 32), Argon2: Argon2Params{Memory: 2 << 20, Time: 1, Threads: 1}},
	} {
		if _, err := New(e.store, cfg, nil); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestBootstrap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	if e.coord.Role != catalog.RoleCoordinator || e.coord.Country != "FR" || e.coord.ID == 0 {
		t.Errorf("bootstrapped %+v", e.coord)
	}
	c, err := e.store.Credential(t.Context(), e.coord.ID)
	if err != nil || !c.MustChange || c.PasswordHash == "" {
		t.Errorf("bootstrapped credential %+v, %v; want a one-time password", c, err)
	}
	_, _, err = Bootstrap(t.Context(), e.store, catalog.Country{Code: "DE"}, "other", Config{Argon2: cheap})
	if !errors.Is(err, catalog.ErrConflict) {
		t.Errorf("second Bootstrap = %v; want ErrConflict", err)
	}
	evs := e.events(t)
	var got []string
	for _, ev := range evs[:2] {
		got = append(got, ev.Actor+" "+ev.Action+" "+ev.Object)
	}
	want := []string{"system country.add country/FR", fmt.Sprintf("system user.create user/%d", e.coord.ID)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bootstrap audit (-want +got):\n%s", diff)
	}
	if _, _, err := Bootstrap(t.Context(), e.store, catalog.Country{Code: "fr"}, "x", Config{}); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("Bootstrap with a lower-case code = %v; want ErrInvalid", err)
	}
}

func TestMustChangeFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	u, otp, err := e.svc.CreateUser(t.Context(), e.coord, catalog.User{Login: "alice", Name: "Alice", Role: catalog.RoleAnalyst, Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	e.secret(otp)
	if len(otp) != otpLen {
		t.Errorf("one-time password of %d characters", len(otp))
	}
	other, _ := e.login(t, "alice", otp)
	secret, id := e.login(t, "alice", otp)
	if !id.MustChange || id.User.ID != u.ID || id.Token.Kind != catalog.TokenSession {
		t.Fatalf("identity %+v; want alice's session with MustChange", id)
	}
	if _, _, err := e.svc.CreateAPIToken(t.Context(), id, "laptop", 0); !errors.Is(err, ErrMustChangePassword) {
		t.Errorf("CreateAPIToken with MustChange = %v", err)
	}
	if _, _, err := e.svc.BeginTOTP(t.Context(), id); !errors.Is(err, ErrMustChangePassword) {
		t.Errorf("BeginTOTP with MustChange = %v", err)
	}
	if _, err := e.svc.APITokens(t.Context(), id); !errors.Is(err, ErrMustChangePassword) {
		t.Errorf("APITokens with MustChange = %v", err)
	}
	for _, weak := range []string{"short", "alice", otp, "zzzzzzzzzzzzzzzz"} {
		if err := e.svc.ChangePassword(t.Context(), id, otp, weak); !errors.Is(err, ErrWeakPassword) {
			t.Errorf("ChangePassword to %q = %v; want ErrWeakPassword", weak, err)
		}
	}
	newPW := e.secret("a brand new pass phrase")
	if err := e.svc.ChangePassword(t.Context(), id, "not the old one", newPW); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("ChangePassword with a wrong old password = %v", err)
	}
	from := e.auditLen(t)
	if err := e.svc.ChangePassword(t.Context(), id, otp, newPW); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	if diff := cmp.Diff([]string{"user.password_change"}, e.actions(t, from)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	got, err := e.svc.Authenticate(t.Context(), secret)
	if err != nil || got.MustChange || got.Token.ID != id.Token.ID {
		t.Errorf("Authenticate after the change = %+v, %v; want the same session without MustChange", got, err)
	}
	if _, err := e.svc.Authenticate(t.Context(), other); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("the other session survived the password change: %v", err)
	}
	if _, _, err := e.svc.Login(t.Context(), Attempt{Login: "alice", Password: otp}); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("Login with the spent one-time password = %v", err)
	}
	_, id2 := e.login(t, "alice", newPW)
	if id2.MustChange {
		t.Errorf("MustChange still set after the change")
	}
	// The failed attempt above was cleared by the successful sign-in.
	if c, _ := e.store.Credential(t.Context(), u.ID); c.FailedLogins != 0 || c.LockedUntil != nil {
		t.Errorf("after a success: %d failures, locked until %v", c.FailedLogins, c.LockedUntil)
	}
}

func TestLoginFailuresAndLockOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{MaxFailures: 3, LockFor: 10 * time.Minute})
	u, pw := e.user(t, "bob", catalog.RoleAnalyst, "FR")

	from := e.auditLen(t)
	_, _, err := e.svc.Login(t.Context(), Attempt{Login: "nobody", Password: "whatever", Remote: "198.51.100.7"})
	if !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("unknown login = %v; want ErrBadCredentials", err)
	}
	ev := e.events(t)[from]
	if ev.Action != "user.login_failed" || ev.Actor != "unknown" ||
		!cmp.Equal(ev.Details, map[string]string{"reason": "unknown_login", "login": "nobody", "remote": "198.51.100.7"}) {
		t.Errorf("unknown login audited as %+v", ev)
	}

	from = e.auditLen(t)
	for i := range 3 {
		_, _, err := e.svc.Login(t.Context(), Attempt{Login: "bob", Password: "wrong password " + fmt.Sprint(i), Remote: "198.51.100.7"})
		if !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("wrong password %d = %v", i, err)
		}
	}
	want := []string{"user.login_failed", "user.login_failed", "user.login_failed", "user.locked"}
	if diff := cmp.Diff(want, e.actions(t, from)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	if ev := e.events(t)[from]; ev.Details["reason"] != "bad_password" || ev.ActorID != int64(u.ID) {
		t.Errorf("failed login audited as %+v", ev)
	}
	c, _ := e.store.Credential(t.Context(), u.ID)
	if c.LockedUntil == nil || !c.LockedUntil.Equal(e.clock.Now().Add(10*time.Minute)) {
		t.Errorf("LockedUntil = %v; want now + 10 min", c.LockedUntil)
	}
	from = e.auditLen(t)
	if _, _, err := e.svc.Login(t.Context(), Attempt{Login: "bob", Password: pw}); !errors.Is(err, ErrLocked) {
		t.Errorf("right password while locked = %v; want ErrLocked", err)
	}
	if ev := e.events(t)[from]; ev.Action != "user.login_failed" || ev.Details["reason"] != "locked" {
		t.Errorf("locked sign-in audited as %+v", ev)
	}
	e.clock.Advance(9 * time.Minute)
	if _, _, err := e.svc.Login(t.Context(), Attempt{Login: "bob", Password: pw}); !errors.Is(err, ErrLocked) {
		t.Errorf("after 9 min = %v; want ErrLocked", err)
	}
	e.clock.Advance(time.Minute)
	// The lock expired: one more failure starts a new count rather than locking again.
	if _, _, err := e.svc.Login(t.Context(), Attempt{Login: "bob", Password: "wrong again!"}); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("wrong password after the lock = %v", err)
	}
	if c, _ := e.store.Credential(t.Context(), u.ID); c.FailedLogins != 1 || c.LockedUntil != nil {
		t.Errorf("after the lock expired and one failure: %d failures, locked until %v", c.FailedLogins, c.LockedUntil)
	}
	from = e.auditLen(t)
	e.login(t, "bob", pw)
	if diff := cmp.Diff([]string{"user.login"}, e.actions(t, from)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	if c, _ := e.store.Credential(t.Context(), u.ID); c.FailedLogins != 0 {
		t.Errorf("failures not reset by a success: %d", c.FailedLogins)
	}
	// Login names are case-insensitive and trimmed.
	e.login(t, " BOB ", pw)
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{RatePerMinute: 2, Burst: 2, MaxFailures: 100})
	_, pw := e.user(t, "carol", catalog.RoleAnalyst, "FR")
	try := func(remote, pw string) error {
		_, _, err := e.svc.Login(t.Context(), Attempt{Login: "carol", Password: pw, Remote: remote})
		return err
	}
	// user() spent one of 192.0.2.1's attempts; use other addresses.
	for i := range 2 {
		if err := try("203.0.113.5", "wrong password"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("attempt %d = %v", i, err)
		}
	}
	from := e.auditLen(t)
	if err := try("203.0.113.5", pw); !errors.Is(err, ErrRateLimited) {
		t.Errorf("third attempt = %v; want ErrRateLimited even with the right password", err)
	}
	if n := e.auditLen(t); n != from {
		t.Errorf("a rate-limited attempt wrote %d audit events", n-from)
	}
	if err := try("203.0.113.6", pw); err != nil {
		t.Errorf("another address = %v", err)
	}
	e.clock.Advance(30 * time.Second)
	if err := try("203.0.113.5", pw); err != nil {
		t.Errorf("after 30 s (one refilled) = %v", err)
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{SessionTTL: time.Hour})
	u, pw := e.user(t, "dave", catalog.RoleReviewer, "DE")
	secret, id := e.login(t, "dave", pw)
	got, err := e.svc.Authenticate(t.Context(), secret)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(id, got); diff != "" {
		t.Errorf("Authenticate (-login +authenticate):\n%s", diff)
	}
	if got.User.ID != u.ID || got.User.Country != "DE" {
		t.Errorf("identity of %+v", got.User)
	}
	forged := APIPrefix + secret[len(SessionPrefix):]
	for _, bad := range []string{"", "vidbs_short", forged, secret[:len(secret)-2] + "AA", " " + secret} {
		if _, err := e.svc.Authenticate(t.Context(), bad); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("Authenticate(%q) = %v; want ErrUnauthenticated", bad, err)
		}
	}
	// Absolute expiry.
	e.clock.Advance(59 * time.Minute)
	if _, err := e.svc.Authenticate(t.Context(), secret); err != nil {
		t.Errorf("after 59 min: %v", err)
	}
	e.clock.Advance(time.Minute)
	if _, err := e.svc.Authenticate(t.Context(), secret); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("after 60 min = %v; want ErrUnauthenticated", err)
	}
	// Logout revokes.
	secret, id = e.login(t, "dave", pw)
	from := e.auditLen(t)
	if err := e.svc.Logout(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"user.logout"}, e.actions(t, from)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	if _, err := e.svc.Authenticate(t.Context(), secret); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("after Logout = %v", err)
	}
	if err := e.svc.Logout(t.Context(), Identity{}); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("Logout of nobody = %v", err)
	}
}

func TestDisabledUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	u, pw := e.user(t, "erin", catalog.RoleAnalyst, "FR")
	// Three tokens: the session e.user signed in with, this one and an API token.
	session, id := e.login(t, "erin", pw)
	api, _, err := e.svc.CreateAPIToken(t.Context(), id, "triage laptop", 0)
	if err != nil {
		t.Fatal(err)
	}
	e.secret(api)
	from := e.auditLen(t)
	if err := e.svc.SetDisabled(t.Context(), e.coord, u.ID, true); err != nil {
		t.Fatal(err)
	}
	evs := e.events(t)[from:]
	if len(evs) != 1 || evs[0].Action != "user.disable" || evs[0].Actor != "coord" || evs[0].Details["revoked_tokens"] != "3" {
		t.Errorf("disable audited as %+v", evs)
	}
	for _, s := range []string{session, api} {
		if _, err := e.svc.Authenticate(t.Context(), s); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("token of a disabled user = %v", err)
		}
	}
	from = e.auditLen(t)
	if _, _, err := e.svc.Login(t.Context(), Attempt{Login: "erin", Password: pw}); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("Login of a disabled user = %v; want ErrBadCredentials", err)
	}
	if ev := e.events(t)[from]; ev.Details["reason"] != "disabled" {
		t.Errorf("disabled sign-in audited as %+v", ev)
	}
	if err := e.svc.SetDisabled(t.Context(), e.coord, u.ID, false); err != nil {
		t.Fatal(err)
	}
	e.login(t, "erin", pw)
	if _, err := e.svc.Authenticate(t.Context(), session); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("re-enabling brought an old session back: %v", err)
	}
	// A disabled admin can do nothing.
	admin, _ := e.user(t, "fr.admin", catalog.RoleCountryAdmin, "FR")
	if err := e.svc.SetDisabled(t.Context(), e.coord, admin.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetDisabled(t.Context(), admin, u.ID, true); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("a disabled admin disabling a user = %v", err)
	}
	if err := e.svc.SetDisabled(t.Context(), e.coord, 9999, true); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("disabling an unknown user = %v", err)
	}
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{APITokenTTL: 48 * time.Hour})
	_, pw := e.user(t, "frank", catalog.RoleAnalyst, "FR")
	_, gpw := e.user(t, "gina", catalog.RoleAnalyst, "FR")
	_, id := e.login(t, "frank", pw)
	_, gid := e.login(t, "gina", gpw)

	from := e.auditLen(t)
	secret, tok, err := e.svc.CreateAPIToken(t.Context(), id, "triage laptop", 0)
	if err != nil {
		t.Fatal(err)
	}
	e.secret(secret)
	if !strings.HasPrefix(secret, APIPrefix) || tok.Kind != catalog.TokenAPI || tok.Name != "triage laptop" ||
		!tok.Expires.Equal(e.clock.Now().Add(48*time.Hour)) {
		t.Errorf("token %+v, secret prefix %q", tok, secret[:6])
	}
	if diff := cmp.Diff([]string{"token.create"}, e.actions(t, from)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	got, err := e.svc.Authenticate(t.Context(), secret)
	if err != nil || got.Token.ID != tok.ID || got.User.Login != "frank" {
		t.Errorf("Authenticate(API token) = %+v, %v", got, err)
	}
	short, _, err := e.svc.CreateAPIToken(t.Context(), id, "ci", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.secret(short)
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"too long", 49 * time.Hour}, {"negative", -time.Hour}, {"", 0}, {strings.Repeat("n", 200), 0}, {"bad\nname", 0}} {
		if _, _, err := e.svc.CreateAPIToken(t.Context(), id, c.name, c.ttl); !errors.Is(err, catalog.ErrInvalid) {
			t.Errorf("CreateAPIToken(%q, %s) = %v; want ErrInvalid", c.name, c.ttl, err)
		}
	}
	list, err := e.svc.APITokens(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tk := range list {
		names = append(names, tk.Name)
	}
	if diff := cmp.Diff([]string{"triage laptop", "ci"}, names); diff != "" {
		t.Errorf("APITokens (-want +got):\n%s", diff)
	}
	if err := e.svc.RevokeAPIToken(t.Context(), gid, tok.ID); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("revoking another user's token = %v; want ErrNotFound", err)
	}
	if err := e.svc.RevokeAPIToken(t.Context(), id, id.Token.ID); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("revoking a session as an API token = %v; want ErrNotFound", err)
	}
	from = e.auditLen(t)
	if err := e.svc.RevokeAPIToken(t.Context(), id, tok.ID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"token.revoke"}, e.actions(t, from)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	if _, err := e.svc.Authenticate(t.Context(), secret); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("revoked API token = %v", err)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.svc.Authenticate(t.Context(), short); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("expired API token = %v", err)
	}
	// Pruning: nothing expired a day ago; then the expired "ci" token goes.
	from = e.auditLen(t)
	if n, err := e.svc.PruneTokens(t.Context(), 24*time.Hour); err != nil || n != 0 {
		t.Errorf("PruneTokens(24h) = %d, %v; want 0", n, err)
	}
	if n := e.auditLen(t); n != from {
		t.Errorf("pruning nothing wrote %d audit events", n-from)
	}
	e.clock.Advance(time.Second)
	if n, err := e.svc.PruneTokens(t.Context(), 0); err != nil || n != 1 {
		t.Errorf("PruneTokens(0) = %d, %v; want 1", n, err)
	}
	if diff := cmp.Diff([]string{"token.prune"}, e.actions(t, from)); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	if list, _ := e.svc.APITokens(t.Context(), id); len(list) != 1 || list[0].Name != "triage laptop" {
		t.Errorf("after pruning: %+v; want the revoked, unexpired token only", list)
	}
}

// codeAt is the TOTP code of secret (base32) at t.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	key, err := totpEncoding.DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return hotp(key, uint64(totpStep(at)), 6)
}

func TestTOTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{MaxFailures: 10})
	u, pw := e.user(t, "hana", catalog.RoleAnalyst, "FR")
	_, id := e.login(t, "hana", pw)
	if err := e.svc.ConfirmTOTP(t.Context(), id, "123456"); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("ConfirmTOTP without enrolment = %v", err)
	}
	from := e.auditLen(t)
	uri, secret, err := e.svc.BeginTOTP(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	e.secret(secret)
	pu, err := url.Parse(uri)
	if err != nil || pu.Query().Get("secret") != secret || pu.Query().Get("issuer") != "vidb" {
		t.Errorf("URI %q (%v) does not carry the secret and issuer", uri, err)
	}
	key, _ := totpEncoding.DecodeString(secret)
	if c, _ := e.store.Credential(t.Context(), u.ID); !c.TOTPPending || c.TOTPSecret == nil || bytes.Contains(c.TOTPSecret, key) {
		t.Errorf("stored credential: pending %v, sealed secret %x", c.TOTPPending, c.TOTPSecret)
	}
	// Pending: sign-in still works without a code.
	e.login(t, "hana", pw)
	wrong := fmt.Sprintf("%06d", (atoi(codeAt(t, secret, e.clock.Now()))+1)%1000000)
	if err := e.svc.ConfirmTOTP(t.Context(), id, wrong); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("ConfirmTOTP with a wrong code = %v", err)
	}
	code := e.secret(codeAt(t, secret, e.clock.Now()))
	if err := e.svc.ConfirmTOTP(t.Context(), id, code); err != nil {
		t.Fatalf("ConfirmTOTP: %v", err)
	}
	if _, _, err := e.svc.BeginTOTP(t.Context(), id); !errors.Is(err, catalog.ErrConflict) {
		t.Errorf("BeginTOTP while on = %v; want ErrConflict", err)
	}
	if _, _, err := e.svc.Login(t.Context(), Attempt{Login: "hana", Password: pw}); !errors.Is(err, ErrTOTPRequired) {
		t.Errorf("Login without a code = %v; want ErrTOTPRequired", err)
	}
	if _, _, err := e.svc.Login(t.Context(), Attempt{Login: "hana", Password: "wrong password", TOTP: code}); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("Login with a wrong password = %v", err)
	}
	if _, _, err := e.svc.Login(t.Context(), Attempt{Login: "hana", Password: pw, TOTP: code}); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("Login replaying the confirmation code = %v; want ErrBadCredentials", err)
	}
	e.clock.Advance(30 * time.Second)
	code = e.secret(codeAt(t, secret, e.clock.Now()))
	s, _, err := e.svc.Login(t.Context(), Attempt{Login: "hana", Password: pw, TOTP: code})
	if err != nil {
		t.Fatalf("Login with a fresh code: %v", err)
	}
	e.secret(s)
	if _, _, err := e.svc.Login(t.Context(), Attempt{Login: "hana", Password: pw, TOTP: code}); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("Login replaying a code = %v", err)
	}
	// A code from the next step (clock skew) works once.
	e.clock.Advance(time.Second)
	next := e.secret(codeAt(t, secret, e.clock.Now().Add(30*time.Second)))
	if _, _, err := e.svc.Login(t.Context(), Attempt{Login: "hana", Password: pw, TOTP: next}); err != nil {
		t.Errorf("Login with the next step's code: %v", err)
	}
	var reasons []string
	for _, ev := range e.events(t)[from:] {
		if ev.Action == "user.login_failed" {
			reasons = append(reasons, ev.Details["reason"])
		}
	}
	if diff := cmp.Diff([]string{"bad_password", "bad_totp", "bad_totp"}, reasons); diff != "" {
		t.Errorf("failure reasons (-want +got):\n%s", diff)
	}
	if err := e.svc.DisableTOTP(t.Context(), id, "wrong password"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("DisableTOTP with a wrong password = %v", err)
	}
	if err := e.svc.DisableTOTP(t.Context(), id, pw); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DisableTOTP(t.Context(), id, pw); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("DisableTOTP when off = %v", err)
	}
	e.login(t, "hana", pw)
	var totpActions []string
	for _, a := range e.actions(t, from) {
		if strings.Contains(a, "totp") {
			totpActions = append(totpActions, a)
		}
	}
	want := []string{"user.totp_begin", "user.totp_enable", "user.totp_disable_failed", "user.totp_disable"}
	if diff := cmp.Diff(want, totpActions); diff != "" {
		t.Errorf("TOTP audit (-want +got):\n%s", diff)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestManageUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	frAdmin, frPW := e.user(t, "fr.admin", catalog.RoleCountryAdmin, "FR")
	deUser, dePW := e.user(t, "de.analyst", catalog.RoleAnalyst, "DE")
	analyst, _ := e.user(t, "fr.analyst", catalog.RoleAnalyst, "FR")
	_, adminID := e.login(t, "fr.admin", frPW)
	from := e.auditLen(t)
	for _, c := range []struct {
		name  string
		admin catalog.User
		u     catalog.User
		want  error
	}{
		{"admin creates a coordinator", frAdmin, catalog.User{Login: "x1", Role: catalog.RoleCoordinator, Country: "FR"}, catalog.ErrForbidden},
		{"admin creates another country's user", frAdmin, catalog.User{Login: "x2", Role: catalog.RoleAnalyst, Country: "DE"}, catalog.ErrForbidden},
		{"admin creates an auditor", frAdmin, catalog.User{Login: "x3", Role: catalog.RoleAuditor, Country: "FR"}, catalog.ErrForbidden},
		{"analyst creates a user", analyst, catalog.User{Login: "x4", Role: catalog.RoleAnalyst, Country: "FR"}, catalog.ErrForbidden},
		{"forged system", catalog.User{Login: "mallory", Role: catalog.RoleCoordinator}, catalog.User{Login: "x5", Role: catalog.RoleAnalyst, Country: "FR"}, catalog.ErrForbidden},
		{"stale role", catalog.User{ID: analyst.ID, Login: analyst.Login, Role: catalog.RoleCoordinator, Country: "FR"}, catalog.User{Login: "x6", Role: catalog.RoleAnalyst, Country: "FR"}, catalog.ErrForbidden},
		{"bad login", e.coord, catalog.User{Login: "Bad Login", Role: catalog.RoleAnalyst, Country: "FR"}, catalog.ErrInvalid},
		{"bad role", e.coord, catalog.User{Login: "x7", Role: "root", Country: "FR"}, catalog.ErrInvalid},
		{"duplicate login", e.coord, catalog.User{Login: "de.analyst", Role: catalog.RoleAnalyst, Country: "FR"}, catalog.ErrConflict},
	} {
		if _, _, err := e.svc.CreateUser(t.Context(), c.admin, c.u); !errors.Is(err, c.want) {
			t.Errorf("%s: CreateUser = %v; want %v", c.name, err, c.want)
		}
	}
	if n := e.auditLen(t); n != from {
		t.Errorf("refused changes wrote %d audit events", n-from)
	}
	u, otp, err := e.svc.CreateUser(t.Context(), adminID.User, catalog.User{Login: "fr.reviewer", Role: catalog.RoleReviewer, Country: "FR"})
	if err != nil {
		t.Fatalf("country admin creating a reviewer: %v", err)
	}
	e.secret(otp)
	ev := e.events(t)[from]
	if ev.Action != "user.create" || ev.Actor != "fr.admin" || ev.Country != "FR" || ev.Object != fmt.Sprintf("user/%d", u.ID) {
		t.Errorf("create audited as %+v", ev)
	}
	if _, err := e.svc.ResetPassword(t.Context(), frAdmin, deUser.ID); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("FR admin resetting a DE password = %v", err)
	}
	if err := e.svc.SetDisabled(t.Context(), frAdmin, deUser.ID, true); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("FR admin disabling a DE user = %v", err)
	}
	if err := e.svc.SetDisabled(t.Context(), frAdmin, frAdmin.ID, true); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("admin disabling themself = %v", err)
	}
	if err := e.svc.SetDisabled(t.Context(), frAdmin, e.coord.ID, true); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("admin disabling the coordinator = %v", err)
	}

	// ResetPassword: new one-time password, tokens revoked, lock cleared.
	deSession, _ := e.login(t, "de.analyst", dePW)
	for range 5 {
		e.svc.Login(t.Context(), Attempt{Login: "de.analyst", Password: "wrong password", Remote: "192.0.2.9"})
	}
	if c, _ := e.store.Credential(t.Context(), deUser.ID); c.LockedUntil == nil {
		t.Fatalf("not locked after 5 failures")
	}
	from = e.auditLen(t)
	otp2, err := e.svc.ResetPassword(t.Context(), System(), deUser.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.secret(otp2)
	if ev := e.events(t)[from]; ev.Action != "user.password_reset" || ev.Actor != "system" {
		t.Errorf("reset audited as %+v", ev)
	}
	if _, err := e.svc.Authenticate(t.Context(), deSession); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("session survived a reset: %v", err)
	}
	if _, _, err := e.svc.Login(t.Context(), Attempt{Login: "de.analyst", Password: dePW}); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("old password after a reset = %v", err)
	}
	if _, id := e.login(t, "de.analyst", otp2); !id.MustChange {
		t.Errorf("reset password is not one-time")
	}
}

func TestConcurrentLogins(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{MaxFailures: 1000})
	_, pw := e.user(t, "ivan", catalog.RoleAnalyst, "FR")
	const workers, each = 8, 4
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		secrets = map[string]bool{}
		fails   int
	)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				p := pw
				if i%2 == 1 {
					p = "wrong password!"
				}
				s, _, err := e.svc.Login(t.Context(), Attempt{Login: "ivan", Password: p, Remote: fmt.Sprintf("10.0.0.%d", w)})
				mu.Lock()
				switch {
				case err == nil:
					e.secret(s)
					secrets[s] = true
				case errors.Is(err, ErrBadCredentials):
					fails++
				default:
					t.Errorf("Login: %v", err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(secrets) != workers*each/2 || fails != workers*each/2 {
		t.Errorf("%d sessions and %d failures; want %d of each", len(secrets), fails, workers*each/2)
	}
	for s := range secrets {
		if _, err := e.svc.Authenticate(t.Context(), s); err != nil {
			t.Errorf("Authenticate: %v", err)
		}
	}
	n := 0
	for _, ev := range e.events(t) {
		if ev.Action == "user.login" || ev.Action == "user.login_failed" {
			n++
		}
	}
	if want := workers*each + 1; n != want { // +1: the sign-in in e.user
		t.Errorf("%d sign-in audit events, want %d", n, want)
	}
}

func FuzzAuthenticate(f *testing.F) {
	e := newEnv(f, Config{})
	_, id := func() (string, Identity) {
		otp, err := e.svc.ResetPassword(f.Context(), System(), e.coord.ID)
		if err != nil {
			f.Fatal(err)
		}
		s, id, err := e.svc.Login(f.Context(), Attempt{Login: "coord", Password: otp})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s)
		return s, id
	}()
	f.Add("")
	f.Add(SessionPrefix + strings.Repeat("A", 43))
	f.Add(APIPrefix + strings.Repeat("-", 43))
	f.Fuzz(func(t *testing.T, secret string) {
		got, err := e.svc.Authenticate(context.Background(), secret)
		if err == nil {
			if got.User.ID != id.User.ID || got.Token.ID != id.Token.ID {
				t.Fatalf("Authenticate(%q) = %+v", secret, got)
			}
			return
		}
		if !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("Authenticate(%q) = %v; want ErrUnauthenticated", secret, err)
		}
	})
}

// BenchmarkLogin measures one successful sign-in with the default argon2id parameters
// (19 MiB, 2 passes, 1 thread): the cost a login flood faces per attempt.
func BenchmarkLogin(b *testing.B) {
	e := newEnv(b, Config{Argon2: DefaultArgon2Params(), RatePerMinute: 1 << 30, Burst: 1 << 30})
	_, otp, err := e.svc.CreateUser(b.Context(), System(), catalog.User{Login: "bench", Role: catalog.RoleAnalyst, Country: "FR"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := e.svc.Login(b.Context(), Attempt{Login: "bench", Password: otp, Remote: "192.0.2.1"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/login")
}

// BenchmarkLoginUnknown measures a sign-in with an unknown login, which verifies a dummy hash
// so that it costs what a known one does.
func BenchmarkLoginUnknown(b *testing.B) {
	e := newEnv(b, Config{Argon2: DefaultArgon2Params(), RatePerMinute: 1 << 30, Burst: 1 << 30})
	for b.Loop() {
		if _, _, err := e.svc.Login(b.Context(), Attempt{Login: "nobody", Password: "x", Remote: "192.0.2.1"}); !errors.Is(err, ErrBadCredentials) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/login")
}

// BenchmarkLoginWrongPassword measures a failed sign-in of a known login, to compare with
// BenchmarkLoginUnknown: the two must cost about the same.
func BenchmarkLoginWrongPassword(b *testing.B) {
	e := newEnv(b, Config{Argon2: DefaultArgon2Params(), RatePerMinute: 1 << 30, Burst: 1 << 30, MaxFailures: 1 << 30})
	if _, _, err := e.svc.CreateUser(b.Context(), System(), catalog.User{Login: "bench", Role: catalog.RoleAnalyst, Country: "FR"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := e.svc.Login(b.Context(), Attempt{Login: "bench", Password: "wrong password", Remote: "192.0.2.1"}); !errors.Is(err, ErrBadCredentials) {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/login")
}
