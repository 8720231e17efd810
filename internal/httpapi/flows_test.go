package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/auth/session"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/obs"
)

func mustJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}

// fixture is an env with countries FR and DE and an analyst in FR.
func fixture(t testing.TB, o envOptions) *env {
	e := newEnv(t, o)
	e.addCountry("FR")
	e.addCountry("DE")
	e.addUser("ana.fr", "FR", catalog.RoleAnalyst)
	return e
}

func TestLoginFlow(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{cfg: Config{SecureCookies: true}})
	resp, body := e.anon().do("POST", "/api/v1/auth/login", map[string]string{"login": "ana.fr", "password": testPassword})
	if resp.StatusCode != 200 {
		t.Fatalf("login = %d %s", resp.StatusCode, body)
	}
	var lr loginResponse
	mustJSON(t, body, &lr)
	if lr.User.Login != "ana.fr" || lr.MustChangePassword {
		t.Errorf("login response %+v", lr)
	}
	if strings.Contains(string(body), "vidbs_") {
		t.Errorf("the session secret is in the body: %s", body)
	}
	var c *http.Cookie
	for _, x := range resp.Cookies() {
		if x.Name == session.CookieName {
			c = x
		}
	}
	if c == nil {
		t.Fatal("no session cookie")
	}
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Expires.IsZero() || !strings.HasPrefix(c.Value, "vidbs_") {
		t.Errorf("cookie attributes: %+v", c)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "X-Request-Id"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("response lacks %s", h)
		}
	}
	cl := &client{e: e, cookie: c.Value}
	var me meResponse
	cl.must(200, "GET", "/api/v1/me", nil, &me)
	if me.User.Login != "ana.fr" {
		t.Errorf("me = %+v", me)
	}
	cl.must(204, "POST", "/api/v1/auth/logout", nil, nil)
	if resp, _ := cl.do("GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Errorf("after logout: %d, want 401", resp.StatusCode)
	}
	// Wrong password, unknown login: the same answer.
	for _, login := range []string{"ana.fr", "nobody"} {
		resp, body := e.anon().do("POST", "/api/v1/auth/login", map[string]string{"login": login, "password": "wrong password!"})
		if resp.StatusCode != 401 || errorCode(t, body) != "bad_credentials" {
			t.Errorf("bad login %s = %d %s", login, resp.StatusCode, body)
		}
	}
	// Forged and malformed sessions.
	for _, secret := range []string{"vidbs_" + strings.Repeat("A", 43), "nonsense", "vidbt_x"} {
		resp, body := (&client{e: e, cookie: secret}).do("GET", "/api/v1/me", nil)
		if resp.StatusCode != 401 || errorCode(t, body) != "unauthenticated" {
			t.Errorf("forged session %q = %d %s", secret, resp.StatusCode, body)
		}
	}
	if got := metricValue(t, e, "vidb_login_failures_total", nil); got != 2 {
		t.Errorf("vidb_login_failures_total = %v, want 2", got)
	}
}

// clock is a settable clock for the session expiry test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestSessionExpires(t *testing.T) {
	t.Parallel()
	ck := &clock{t: time.Now()}
	e := fixture(t, envOptions{authConfig: auth.Config{Now: ck.Now, SessionTTL: time.Hour}})
	cl := e.login("ana.fr")
	cl.must(200, "GET", "/api/v1/me", nil, nil)
	ck.add(time.Hour + time.Minute)
	if resp, body := cl.do("GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Errorf("expired session: %d %s, want 401", resp.StatusCode, body)
	}
}

func TestLockOut(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{authConfig: auth.Config{MaxFailures: 3, LockFor: time.Hour}})
	for i := range 3 {
		resp, _ := e.anon().do("POST", "/api/v1/auth/login", map[string]string{"login": "ana.fr", "password": "wrong password " + fmt.Sprint(i)})
		if resp.StatusCode != 401 {
			t.Fatalf("failure %d = %d", i, resp.StatusCode)
		}
	}
	resp, body := e.anon().do("POST", "/api/v1/auth/login", map[string]string{"login": "ana.fr", "password": testPassword})
	if resp.StatusCode != 403 || errorCode(t, body) != "locked" {
		t.Errorf("login after lock-out = %d %s, want 403 locked", resp.StatusCode, body)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{authConfig: auth.Config{RatePerMinute: 1, Burst: 2}})
	var last *http.Response
	var body []byte
	for range 4 {
		last, body = e.anon().do("POST", "/api/v1/auth/login", map[string]string{"login": "nobody", "password": "x"})
	}
	if last.StatusCode != 429 || errorCode(t, body) != "rate_limited" || last.Header.Get("Retry-After") == "" {
		t.Errorf("4th login in a burst of 2 = %d %s (Retry-After %q)", last.StatusCode, body, last.Header.Get("Retry-After"))
	}
}

func TestCrossOrigin(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{})
	cl := e.login("ana.fr")
	body := map[string]any{"number": "X-1", "visibility": "owner"}
	j, _ := json.Marshal(body)
	for _, h := range []http.Header{
		{"Sec-Fetch-Site": {"cross-site"}},
		{"Origin": {"https://evil.example"}},
	} {
		resp, b := cl.request("POST", "/api/v1/cases", j, "application/json", h)
		if resp.StatusCode != 403 || errorCode(t, b) != "cross_origin" {
			t.Errorf("cross-origin POST with %v = %d %s, want 403", h, resp.StatusCode, b)
		}
		resp, b = e.anon().request("POST", "/api/v1/auth/login", []byte(`{"login":"ana.fr","password":"`+testPassword+`"}`), "application/json", h)
		if resp.StatusCode != 403 {
			t.Errorf("cross-origin login with %v = %d %s, want 403", h, resp.StatusCode, b)
		}
	}
	var cases listOf[caseJSON]
	cl.must(200, "GET", "/api/v1/cases", nil, &cases)
	if len(cases.Items) != 0 {
		t.Errorf("a refused cross-origin POST created %d cases", len(cases.Items))
	}
	resp, b := cl.request("POST", "/api/v1/cases", j, "application/json", http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if resp.StatusCode != 201 {
		t.Errorf("same-origin POST = %d %s", resp.StatusCode, b)
	}
}

func TestAPIToken(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{})
	cl := e.login("ana.fr")
	var tc tokenCreated
	cl.must(201, "POST", "/api/v1/me/tokens", map[string]any{"name": "triage laptop", "ttl_days": 30}, &tc)
	if !strings.HasPrefix(tc.Secret, "vidbt_") || tc.Token.Name != "triage laptop" {
		t.Fatalf("token %+v", tc)
	}
	tok := &client{e: e, bearer: tc.Secret}
	var me meResponse
	tok.must(200, "GET", "/api/v1/me", nil, &me)
	if me.User.Login != "ana.fr" {
		t.Errorf("token user = %s", me.User.Login)
	}
	var list listOf[tokenJSON]
	cl.must(200, "GET", "/api/v1/me/tokens", nil, &list)
	if len(list.Items) != 1 || strings.Contains(fmt.Sprint(list), "vidbt_") {
		t.Errorf("token list %+v", list)
	}
	cl.must(204, "DELETE", fmt.Sprintf("/api/v1/me/tokens/%d", tc.Token.ID), nil, nil)
	if resp, _ := tok.do("GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Errorf("revoked token: %d, want 401", resp.StatusCode)
	}
	if resp, _ := (&client{e: e, bearer: "vidbt_" + strings.Repeat("x", 43)}).do("GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Errorf("forged token: %d, want 401", resp.StatusCode)
	}
}

func TestMustChangePassword(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{})
	e.addUser("admin.fr", "FR", catalog.RoleCountryAdmin)
	admin := e.login("admin.fr")
	var uc userCreated
	admin.must(201, "POST", "/api/v1/users", map[string]string{"login": "new.fr", "country": "FR", "role": "analyst"}, &uc)
	if uc.Password == "" || uc.User.Login != "new.fr" {
		t.Fatalf("created %+v", uc)
	}
	resp, body := e.anon().do("POST", "/api/v1/auth/login", map[string]string{"login": "new.fr", "password": uc.Password})
	var lr loginResponse
	mustJSON(t, body, &lr)
	if resp.StatusCode != 200 || !lr.MustChangePassword {
		t.Fatalf("one-time login = %d %s", resp.StatusCode, body)
	}
	var nc *client
	for _, c := range resp.Cookies() {
		if c.Name == session.CookieName {
			nc = &client{e: e, cookie: c.Value}
		}
	}
	for _, p := range []string{"/api/v1/cases", "/api/v1/media", "/api/v1/me/tokens"} {
		resp, body := nc.do("GET", p, nil)
		if resp.StatusCode != 403 || errorCode(t, body) != "password_change_required" {
			t.Errorf("GET %s before the change = %d %s", p, resp.StatusCode, body)
		}
	}
	var me meResponse
	nc.must(200, "GET", "/api/v1/me", nil, &me)
	if !me.MustChangePassword {
		t.Errorf("/me does not say the password must change")
	}
	resp, body = nc.do("POST", "/api/v1/auth/password", map[string]string{"old": uc.Password, "new": "short"})
	if resp.StatusCode != 400 || errorCode(t, body) != "weak_password" {
		t.Errorf("weak password = %d %s", resp.StatusCode, body)
	}
	nc.must(204, "POST", "/api/v1/auth/password", map[string]string{"old": uc.Password, "new": "a much better passphrase"}, nil)
	nc.must(200, "GET", "/api/v1/cases", nil, nil)
	// The admin resets it: a new one-time password, the old sessions gone.
	var pr passwordReset
	admin.must(200, "POST", fmt.Sprintf("/api/v1/users/%d/reset-password", uc.User.ID), nil, &pr)
	if resp, _ := nc.do("GET", "/api/v1/cases", nil); resp.StatusCode != 401 {
		t.Errorf("session after reset: %d, want 401", resp.StatusCode)
	}
	// Another country's user is not the admin's to manage.
	resp, body = admin.do("POST", "/api/v1/users", map[string]string{"login": "x.de", "country": "DE", "role": "analyst"})
	if resp.StatusCode != 403 {
		t.Errorf("FR admin creating a DE user = %d %s, want 403", resp.StatusCode, body)
	}
}

func TestHealthMetricsOpenAPI(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{})
	var h health
	e.anon().must(200, "GET", "/healthz", nil, &h)
	if h.Status != "ok" {
		t.Errorf("healthz = %+v", h)
	}
	resp, body := e.anon().do("GET", "/api/openapi.json", nil)
	if resp.StatusCode != 200 || !bytes.Equal(body, openAPIDocument) {
		t.Errorf("openapi.json: %d, %d bytes", resp.StatusCode, len(body))
	}
	e.anon().do("GET", "/api/v1/nothing-here", nil)
	resp, body = e.anon().do("GET", "/metrics", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	samples, err := obs.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	want := map[string]bool{"http_requests_total": false, "http_request_duration_seconds_bucket": false, "vidb_index_codes": false}
	for _, s := range samples {
		if _, ok := want[s.Name]; ok {
			want[s.Name] = true
		}
		if s.Name == "http_requests_total" && s.Labels["route"] == "GET /healthz" && s.Labels["code"] != "200" {
			t.Errorf("healthz counted with code %s", s.Labels["code"])
		}
		if strings.Contains(s.Labels["route"], "nothing-here") {
			t.Errorf("an unmatched path became a label value: %v", s.Labels)
		}
	}
	for n, ok := range want {
		if !ok {
			t.Errorf("/metrics lacks %s", n)
		}
	}
	// One log line per request, with the route pattern, never the query string or secrets.
	logs := e.logs.String()
	if !strings.Contains(logs, `"route":"GET /healthz"`) || strings.Contains(logs, testPassword) {
		t.Errorf("request log lines: %s", logs)
	}
}

func TestHealthzUnready(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{})
	e.store.Close()
	var h health
	resp, body := e.anon().do("GET", "/healthz", nil)
	mustJSON(t, body, &h)
	if resp.StatusCode != 503 || h.Status != "unavailable" {
		t.Errorf("healthz on a closed store = %d %s", resp.StatusCode, body)
	}
}

// metricValue returns the value of one series from /metrics.
func metricValue(t testing.TB, e *env, name string, labels map[string]string) float64 {
	t.Helper()
	var buf bytes.Buffer
	if _, err := e.reg.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	samples, err := obs.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		if s.Name != name {
			continue
		}
		match := true
		for k, v := range labels {
			match = match && s.Labels[k] == v
		}
		if match {
			return s.Value
		}
	}
	return 0
}

func TestAuditRouteRoles(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{})
	e.addUser("aud.fr", "FR", catalog.RoleAuditor)
	var evs listOf[eventJSON]
	e.login("aud.fr").must(200, "GET", "/api/v1/audit?limit=5", nil, &evs)
	if len(evs.Items) == 0 || evs.Next == nil {
		t.Errorf("auditor's audit page: %+v", evs)
	}
	if resp, _ := e.login("ana.fr").do("GET", "/api/v1/audit", nil); resp.StatusCode != 403 {
		t.Errorf("analyst reading the audit log = %d, want 403", resp.StatusCode)
	}
	_ = context.Background()
}

// TestSettings reads and saves a user's exposure settings; the saved personal reveal limit is
// the one /me reports, and invalid settings are refused with nothing changed.
func TestSettings(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{})
	cl := e.login("ana.fr")
	var st settingsJSON
	cl.must(200, "GET", "/api/v1/me/settings", nil, &st)
	if st.Colour || st.Blur <= 0 || st.DailyRevealLimit != 0 {
		t.Errorf("default settings %+v: want blurred greyscale, no personal limit", st)
	}
	want := settingsJSON{Blur: 0.2, Colour: true, DailyRevealLimit: 3}
	cl.must(200, "PUT", "/api/v1/me/settings", want, &st)
	if st != want {
		t.Errorf("saved settings %+v, want %+v", st, want)
	}
	for _, bad := range []map[string]any{
		{"blur": 0, "colour": false, "daily_reveal_limit": 0},
		{"blur": 0.2, "colour": false, "daily_reveal_limit": -1},
		{"blur": 0.2, "colour": false, "daily_reveal_limit": 0, "grey": true},
	} {
		if resp, body := cl.do("PUT", "/api/v1/me/settings", bad); resp.StatusCode != 400 {
			t.Errorf("PUT settings %v: %d %s, want 400", bad, resp.StatusCode, body)
		}
	}
	cl.must(200, "GET", "/api/v1/me/settings", nil, &st)
	if st != want {
		t.Errorf("settings after refused changes %+v, want %+v", st, want)
	}
	var me meResponse
	cl.must(200, "GET", "/api/v1/me", nil, &me)
	if me.RevealLimit != 3 {
		t.Errorf("/me reveal limit %d, want the personal 3", me.RevealLimit)
	}
}
