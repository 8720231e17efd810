package webui

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/auth/session"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/testpic"
)

// TestPageStatusPerRole opens every page as every role and checks the status: the services
// decide, the UI shows their answer.
func TestPageStatusPerRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	us := e.standardUsers()
	recs := seedRecords(t, e, us.frRev)
	owner, network := recs[2], recs[0]
	m := func(id catalog.MediaID) string { return fmt.Sprint("/media/", id) }

	type row struct {
		path string
		// want per login; a missing login is not tried.
		want map[string]int
	}
	all := func(code int) map[string]int {
		return map[string]int{"fr-reviewer": code, "fr-analyst": code, "fr-admin": code, "nl-analyst": code, "auditor": code, "coordinator": code}
	}
	// Previews answer "not found" to roles that see no records (preview.Service's rule).
	previews := func(fr, nl int) map[string]int {
		return map[string]int{"fr-reviewer": fr, "fr-analyst": fr, "nl-analyst": nl, "coordinator": fr, "fr-admin": 404, "auditor": 404}
	}
	records := func(fr, nl, noRecords int) map[string]int {
		return map[string]int{"fr-reviewer": fr, "fr-analyst": fr, "nl-analyst": nl, "coordinator": fr, "fr-admin": noRecords, "auditor": noRecords}
	}
	rows := []row{
		{"/", all(200)},
		{"/settings", all(200)},
		{"/password", all(200)},
		{"/search", all(200)},
		{"/upload", records(200, 200, 403)},
		{"/series", records(200, 200, 403)},
		{"/victims", records(200, 200, 403)},
		{"/offenders", records(200, 200, 403)},
		{"/clues", records(200, 200, 403)},
		{"/clues?text=secret", records(200, 200, 403)},
		{m(owner.media), records(200, 404, 403)},
		{m(owner.media) + "/preview.png", previews(200, 404)},
		{m(network.media), records(200, 200, 403)},
		{m(network.media) + "/preview.png", previews(200, 200)},
		{fmt.Sprint("/series/", owner.series), records(200, 404, 403)},
		{fmt.Sprint("/series/", network.series), records(200, 200, 403)},
		{fmt.Sprint("/victims/", owner.victim), records(200, 404, 403)},
		{fmt.Sprint("/victims/", network.victim), records(200, 200, 403)},
		{fmt.Sprint("/offenders/", network.victim), records(404, 404, 403)},
		{"/admin", map[string]int{"fr-reviewer": 403, "fr-analyst": 403, "nl-analyst": 403, "auditor": 403, "fr-admin": 200, "coordinator": 200}},
		{"/audit", map[string]int{"fr-reviewer": 403, "fr-analyst": 403, "nl-analyst": 403, "fr-admin": 403, "auditor": 200, "coordinator": 200}},
		{"/media/999999", records(404, 404, 403)},
		{"/media/abc", all(404)},
		{"/no-such-page", all(404)},
	}
	clients := map[string]*client{}
	for _, login := range []string{"fr-reviewer", "fr-analyst", "fr-admin", "nl-analyst", "auditor", "coordinator"} {
		clients[login] = e.login(login)
	}
	anon := e.anon()
	for _, r := range rows {
		got, want := map[string]int{}, map[string]int{}
		for login, code := range r.want {
			resp, _ := clients[login].get(r.path)
			got[login], want[login] = resp.StatusCode, code
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GET %s: status per login (-want +got):\n%s", r.path, diff)
		}
		if r.path == "/no-such-page" {
			continue
		}
		resp, _ := anon.get(r.path)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=") {
			t.Errorf("GET %s signed out = %d %q, want a redirect to /signin", r.path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if t.Failed() {
		t.Log(e.logs.String())
	}
	if resp, body := anon.get("/signin"); resp.StatusCode != 200 || !strings.Contains(body, `name="password"`) {
		t.Errorf("GET /signin = %d, want the form", resp.StatusCode)
	}
	if resp, _ := anon.get("/static/app.js"); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Errorf("GET /static/app.js = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := anon.get("/static/"); resp.StatusCode != 404 {
		t.Errorf("GET /static/ = %d, want 404 (no listing)", resp.StatusCode)
	}
}

// TestNoLeak opens every page an NL analyst, a DE coordinator-less analyst, a country admin
// and an auditor can reach, searches for every hidden record's hashes and clue text, and
// checks that no page shows anything of a record they may not see.
func TestNoLeak(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	us := e.standardUsers()
	e.addUser("de-analyst", "DE", catalog.RoleAnalyst)
	recs := seedRecords(t, e, us.frRev)

	// An NL upload of the owner-only picture: a hit, and alerts both ways.
	ctx := context.Background()
	nlCase, err := e.work.CreateCase(ctx, us.nlAna, catalog.Case{Access: catalog.Access{Owner: "NL", Visibility: catalog.VisibilityOwner}, Number: "NL-1"})
	if err != nil {
		t.Fatal(err)
	}
	res := e.upload(us.nlAna, nlCase.ID, testpic.JPEG(t, testpic.Scene(320, 240, 102), 90), "/nl/copy.jpg", nil)
	if res.Status != "hit" || res.Hit == nil || res.Hit.Owner != "FR" {
		t.Fatalf("NL upload of an owner-only FR file: status %s hit %+v, want a hit naming FR", res.Status, res.Hit)
	}

	if _, body := e.login("fr-reviewer").get("/"); !strings.Contains(body, string(catalog.AlertMatchOnYourRecord)) {
		t.Errorf("FR's home page does not show the alert of NL's match on its record:\n%s", body)
	}
	for _, tc := range []struct {
		login  string
		hidden []record // records the login may not see
	}{
		{"nl-analyst", []record{recs[2]}},
		{"de-analyst", []record{recs[1], recs[2]}},
		{"fr-admin", recs},
		{"auditor", recs},
	} {
		c := e.login(tc.login)
		var pages []string
		for _, p := range []string{"/", "/upload", "/series", "/victims", "/offenders", "/clues", "/clues?text=secret", "/clues?tag=socket", "/search", "/settings", "/admin"} {
			_, body := c.get(p)
			pages = append(pages, p+"\n"+body)
		}
		for _, r := range tc.hidden {
			for _, p := range []string{
				fmt.Sprint("/media/", r.media), fmt.Sprint("/series/", r.series), fmt.Sprint("/victims/", r.victim),
			} {
				_, body := c.get(p)
				pages = append(pages, p+"\n"+body)
			}
			for _, h := range []string{r.sha256, r.md5, r.sha1, r.pdq} {
				resp, body := c.post("/search", url.Values{"hash": {h}})
				pages = append(pages, "search "+h+"\n"+strings.ReplaceAll(body, h, "<the query>"))
				if tc.login != "fr-admin" && tc.login != "auditor" && resp.StatusCode == 200 && !strings.Contains(body, "a record owned by FR matches") {
					t.Errorf("%s: search %s shows no hit naming FR", tc.login, h)
				}
			}
		}
		// Visible records' pages must not show the hidden ones either (matches, series).
		for _, r := range recs {
			_, body := c.get(fmt.Sprint("/media/", r.media))
			pages = append(pages, fmt.Sprint("/media/", r.media)+"\n"+body)
		}
		for _, page := range pages {
			where, body, _ := strings.Cut(page, "\n")
			for _, r := range tc.hidden {
				for _, s := range r.secrets() {
					if s != "" && strings.Contains(body, s) {
						t.Errorf("%s: %s shows %q of a %s record", tc.login, where, s, r.vis)
					}
				}
			}
		}
	}
}

// TestSecurityHeaders checks the headers of pages, previews and refusals.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	us := e.standardUsers()
	recs := seedRecords(t, e, us.frRev)
	c := e.login("fr-reviewer")
	for _, p := range []string{"/", "/settings", fmt.Sprint("/media/", recs[0].media), fmt.Sprint("/media/", recs[0].media, "/preview.png"), "/no-such-page"} {
		resp, _ := c.get(p)
		h := resp.Header
		for k, want := range map[string]string{
			"Content-Security-Policy": contentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
			"X-Frame-Options":         "DENY",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", p, k, got, want)
			}
		}
		if !strings.Contains(h.Get("Cache-Control"), "no-store") {
			t.Errorf("GET %s: Cache-Control = %q, want no-store", p, h.Get("Cache-Control"))
		}
	}
	resp, _ := c.get(fmt.Sprint("/media/", recs[0].media, "/preview.png"))
	if got := resp.Header.Get("Cache-Control"); got != "private, no-store" {
		t.Errorf("preview Cache-Control = %q, want private, no-store", got)
	}
	if got := resp.Header.Get("Content-Type"); got != "image/png" {
		t.Errorf("preview Content-Type = %q", got)
	}
	for _, ck := range e.login("fr-analyst").c.Jar.Cookies(mustURL(t, e.srv.URL)) {
		if ck.Name == session.CookieName && ck.Value == "" {
			t.Error("empty session cookie")
		}
	}
	// The cookie attributes, as set on sign-in.
	resp, _ = e.anon().post("/signin", url.Values{"login": {"fr-analyst"}, "password": {testPassword}})
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"vidb_session=vidbs_", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %q", sc, want)
		}
	}
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestCrossOriginRefused: an unsafe request from another site is refused and changes nothing.
func TestCrossOriginRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	us := e.standardUsers()
	c := e.login("fr-analyst")
	req, err := http.NewRequest("POST", e.srv.URL+"/settings", strings.NewReader("blur=0.3&limit=5"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /settings = %d, want 403", resp.StatusCode)
	}
	if diff := cmp.Diff(DefaultSettings(), e.settingsOf(us.frAna)); diff != "" {
		t.Errorf("settings changed by a refused request (-want +got):\n%s", diff)
	}
}

// TestBadInputChangesNothing sends malformed forms and checks the error and that the records
// stayed as they were.
func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	us := e.standardUsers()
	recs := seedRecords(t, e, us.frRev)
	c := e.login("fr-reviewer")
	ctx := context.Background()
	mid := recs[0].media
	mpath := fmt.Sprint("/media/", mid)
	clues := func() int {
		cs, err := e.work.Clues(ctx, us.coord, catalog.ClueFilter{}, catalog.Page{})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}
	before := clues()
	auditLen := func() int {
		n := 0
		for _, err := range e.store.AuditEvents(ctx, 0) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}
	events := auditLen()
	for _, tc := range []struct {
		path string
		form url.Values
		want int
		msg  string
	}{
		{mpath + "/clues", url.Values{"text": {"x"}, "x": {"10"}, "y": {"10"}, "w": {"5000"}, "h": {"10"}}, 400, "region"},
		{mpath + "/clues", url.Values{"text": {"x"}, "x": {"10"}}, 400, "a region needs x, y, w and h"},
		{mpath + "/clues", url.Values{"text": {"x"}, "x": {"-1"}, "y": {"0"}, "w": {"1"}, "h": {"1"}}, 400, "whole number"},
		{mpath + "/clues", url.Values{"text": {"x"}, "visibility": {"everyone"}}, 400, ""},
		{mpath + "/clues", url.Values{"text": {"x"}, "visibility": {"owner"}, "shared_with": {"NL"}}, 400, "listed"},
		{mpath + "/clues", url.Values{"text": {"x"}, "tags": {strings.Repeat("t", 65)}}, 400, "tags"},
		{mpath + "/category", url.Values{"code": {"9"}}, 400, ""},
		{"/settings", url.Values{"blur": {"2"}}, 400, "blur"},
		{"/settings", url.Values{"blur": {"NaN"}}, 400, "blur"},
		{"/settings", url.Values{"blur": {"0.1"}, "limit": {"-3"}}, 400, "limit"},
		{"/search", url.Values{"hash": {"xyz"}}, 400, "hexadecimal"},
		{"/search", url.Values{"hash": {"abcd"}}, 400, "hexadecimal"},
		{"/series", url.Values{"name": {""}}, 400, ""},
		{"/victims", url.Values{"code": {"V1"}, "series": {"abc"}}, 400, "series"},
		{"/media/0/category", url.Values{"code": {"1"}}, 404, ""},
		{"/victims/1/identify", url.Values{"likely": {"France"}}, 400, ""},
	} {
		resp, body := c.post(tc.path, tc.form)
		if resp.StatusCode != tc.want || !strings.Contains(body, tc.msg) {
			t.Errorf("POST %s %v = %d %.200q, want %d with %q", tc.path, tc.form, resp.StatusCode, body, tc.want, tc.msg)
		}
	}
	if got := clues(); got != before {
		t.Errorf("clues: %d after refused posts, want %d", got, before)
	}
	m, err := e.work.Media(ctx, us.frRev, mid)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Category.IsZero() {
		t.Errorf("category set by a refused post: %+v", m.Category)
	}
	if got := e.settingsOf(us.frRev); got != DefaultSettings() {
		t.Errorf("settings changed by refused posts: %+v", got)
	}
	if got := auditLen(); got != events {
		t.Errorf("audit log grew from %d to %d events on refused posts", events, got)
	}
	// A form body over the limit.
	resp, _ := c.post("/settings", url.Values{"blur": {strings.Repeat("1", maxForm+1)}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized form = %d, want 413", resp.StatusCode)
	}
}

// TestActions drives the forms a reviewer uses, without a browser.
func TestActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	us := e.standardUsers()
	recs := seedRecords(t, e, us.frRev)
	ctx := context.Background()
	c := e.login("fr-reviewer")
	mid := recs[0].media
	mpath := fmt.Sprint("/media/", mid)

	// Categorise through htmx: a fragment back.
	req, _ := http.NewRequest("POST", e.srv.URL+mpath+"/category", strings.NewReader("code=3"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	resp, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var frag bytes.Buffer
	_, _ = frag.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(frag.String(), "VICS 3") || strings.Contains(frag.String(), "<html") {
		t.Errorf("htmx categorise = %d %q, want a fragment with VICS 3", resp.StatusCode, frag.String())
	}
	if m, _ := e.work.Media(ctx, us.frRev, mid); m.Category != (catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "3"}) {
		t.Errorf("category = %+v, want vics-us 3", m.Category)
	}
	// An analyst may not categorise.
	if resp, _ := e.login("fr-analyst").post(mpath+"/category", url.Values{"code": {"1"}}); resp.StatusCode != 403 {
		t.Errorf("analyst categorise = %d, want 403", resp.StatusCode)
	}

	// A clue with a region, then found in the network-wide search.
	resp, body := c.post(mpath+"/clues", url.Values{"kind": {"text"}, "text": {"shop sign BAKERY"}, "tags": {"sign, street"}, "visibility": {"network"}, "x": {"5"}, "y": {"6"}, "w": {"70"}, "h": {"30"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add clue = %d %s", resp.StatusCode, body)
	}
	_, body = e.login("nl-analyst").get("/clues?text=bakery")
	if !strings.Contains(body, "shop sign BAKERY") || !strings.Contains(body, "region 5,6 70×30") {
		t.Errorf("NL clue search does not show the network clue with its region:\n%s", body)
	}

	// A new series from the media page, a victim in it, identified.
	resp, body = c.post(mpath+"/series", url.Values{"name": {"GREEN-HILL-01"}, "visibility": {"network"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("new series = %d %s", resp.StatusCode, body)
	}
	m, _ := e.work.Media(ctx, us.frRev, mid)
	resp, body = c.post("/victims", url.Values{"code": {"V-GH-1"}, "sex": {"unknown"}, "age_band": {"6-9"}, "series": {fmt.Sprint(m.Series)}, "visibility": {"network"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("new victim = %d %s", resp.StatusCode, body)
	}
	vpath := resp.Header.Get("Location")
	if resp, body = c.post(vpath+"/identify", url.Values{"likely": {"NL"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("identify = %d %s", resp.StatusCode, body)
	}
	_, body = c.get(vpath)
	if !strings.Contains(body, "by FR on "+time.Now().UTC().Format("2006-01-02")) {
		t.Errorf("victim page lacks the identification by FR today:\n%s", body)
	}
	_, body = c.get(fmt.Sprint("/series/", m.Series))
	for _, want := range []string{"GREEN-HILL-01", "status-identified", "V-GH-1", "victim identified", "From the records you may see."} {
		if !strings.Contains(body, want) {
			t.Errorf("series page lacks %q", want)
		}
	}
	// NL joins the series; the coordinator's timeline comes from the audit log.
	if resp, _ := e.login("nl-analyst").post(fmt.Sprint("/series/", m.Series, "/join"), nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("join = %d", resp.StatusCode)
	}
	_, body = e.login("coordinator").get(fmt.Sprint("/series/", m.Series))
	for _, want := range []string{"From the audit log.", "series.join by nl-analyst", "person.identify by fr-reviewer", "FR, NL"} {
		if !strings.Contains(body, want) {
			t.Errorf("coordinator's series page lacks %q", want)
		}
	}

	// Home: the figures and the NL hit alert.
	_, body = c.get("/")
	if !strings.Contains(body, `<dd id="stat-victims">1</dd>`) || !strings.Contains(body, `<dd id="stat-media">3</dd>`) {
		t.Errorf("home figures wrong:\n%s", body)
	}

	// Settings saved and used.
	if resp, body = c.post("/settings", url.Values{"blur": {"0.2"}, "limit": {"7"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("settings = %d %s", resp.StatusCode, body)
	}
	if got := e.settingsOf(us.frRev); got != (Settings{Blur: 0.2, Grey: false, DailyRevealLimit: 7}) {
		t.Errorf("settings = %+v", got)
	}
	_, body = c.get(mpath)
	if !strings.Contains(body, "of 7") {
		t.Error("media page does not show the personal reveal limit")
	}

	// Search by image: the stored picture found, nothing stored.
	before, _ := e.store.Stats(ctx)
	var mb bytes.Buffer
	mw := multipart.NewWriter(&mb)
	fw, _ := mw.CreateFormFile("file", "q.jpg")
	_, _ = fw.Write(reencode(t, testpic.JPEG(t, testpic.Scene(320, 240, 100), 90), 70))
	mw.Close()
	resp, body = c.do("POST", "/search/image", &mb, mw.FormDataContentType())
	if resp.StatusCode != 200 || !strings.Contains(body, `class="distance"`) || !strings.Contains(body, fmt.Sprint(`href="/media/`, mid, `"`)) {
		t.Errorf("image search = %d, want a near match with media %d:\n%s", resp.StatusCode, mid, body)
	}
	if after, _ := e.store.Stats(ctx); after.Media != before.Media {
		t.Errorf("image search stored media: %d -> %d", before.Media, after.Media)
	}

	// Admin: the FR admin makes an analyst, who must change the one-time password.
	admin := e.login("fr-admin")
	resp, body = admin.post("/admin/users", url.Values{"login": {"fr-new"}, "role": {"analyst"}})
	otp := regexp.MustCompile(`<code id="otp">([^<]+)</code>`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || otp == nil {
		t.Fatalf("create user = %d, no one-time password shown:\n%s", resp.StatusCode, body)
	}
	if resp, body = admin.post("/admin/users", url.Values{"login": {"nl-x"}, "role": {"analyst"}, "country": {"NL"}}); resp.StatusCode != 403 || strings.Contains(body, `id="otp"`) {
		t.Errorf("FR admin creating an NL user = %d, want 403 and no password", resp.StatusCode)
	}
	nu := e.anon()
	resp, _ = nu.post("/signin", url.Values{"login": {"fr-new"}, "password": {otp[1]}})
	if loc := resp.Header.Get("Location"); loc != "/password" {
		t.Fatalf("first sign-in goes to %q, want /password", loc)
	}
	if resp, _ = nu.get("/"); resp.Header.Get("Location") != "/password" {
		t.Errorf("home before the password change goes to %q, want /password", resp.Header.Get("Location"))
	}
	if resp, body = nu.post("/password", url.Values{"old": {otp[1]}, "new": {"short"}, "confirm": {"short"}}); resp.StatusCode != 400 || !strings.Contains(body, "too weak") {
		t.Errorf("weak password = %d", resp.StatusCode)
	}
	np := "a much longer passphrase 42"
	if resp, _ = nu.post("/password", url.Values{"old": {otp[1]}, "new": {np}, "confirm": {np}}); resp.Header.Get("Location") != "/" {
		t.Errorf("password change goes to %q, want /", resp.Header.Get("Location"))
	}
	if resp, _ = nu.get("/"); resp.StatusCode != 200 {
		t.Errorf("home after the change = %d", resp.StatusCode)
	}
	// Sign out revokes the session.
	if resp, _ = nu.post("/signout", nil); resp.Header.Get("Location") != "/signin" {
		t.Errorf("sign-out goes to %q", resp.Header.Get("Location"))
	}
}

// TestSignIn covers wrong passwords, the redirect target and two-factor sign-in.
func TestSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.standardUsers()
	resp, body := e.anon().post("/signin", url.Values{"login": {"fr-analyst"}, "password": {"wrong password!"}})
	if resp.StatusCode != 401 || !strings.Contains(body, "wrong login, password or code") {
		t.Errorf("wrong password = %d", resp.StatusCode)
	}
	for next, want := range map[string]string{"/clues?text=a": "/clues?text=a", "//evil.example/": "/", "https://evil.example/": "/", "/\\evil": "/"} {
		resp, _ := e.anon().post("/signin", url.Values{"login": {"fr-analyst"}, "password": {testPassword}, "next": {next}})
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("next %q: redirect to %q, want %q", next, got, want)
		}
	}

	c := e.login("fr-analyst")
	_, body = c.post("/settings/totp", nil)
	m := regexp.MustCompile(`<code id="totp-secret">([A-Z2-7=]+)</code>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no TOTP secret on the settings page:\n%s", body)
	}
	if resp, body = c.post("/settings/totp/confirm", url.Values{"code": {"000000"}}); resp.StatusCode != 401 {
		t.Errorf("wrong TOTP code = %d %s", resp.StatusCode, body)
	}
	if resp, body = c.post("/settings/totp/confirm", url.Values{"code": {totp(t, m[1], time.Now())}}); resp.StatusCode != 200 || !strings.Contains(body, "two-factor sign-in is on") {
		t.Fatalf("confirm TOTP = %d %s", resp.StatusCode, body)
	}
	resp, body = e.anon().post("/signin", url.Values{"login": {"fr-analyst"}, "password": {testPassword}})
	if resp.StatusCode != 401 || !strings.Contains(body, "authenticator app") {
		t.Errorf("sign-in without the code = %d, want 401 asking for it", resp.StatusCode)
	}
	// The code of the next 30-second step: the one used to confirm may not be used again.
	resp, _ = e.anon().post("/signin", url.Values{"login": {"fr-analyst"}, "password": {testPassword}, "totp": {totp(t, m[1], time.Now().Add(30*time.Second))}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-in with the code = %d, want 303", resp.StatusCode)
	}
}

// totp computes the RFC 6238 code (SHA-1, 30 s, 6 digits) of a base32 secret.
func totp(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(secret, "="))
	if err != nil {
		t.Fatal(err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	h := hmac.New(sha1.New, key)
	h.Write(msg[:])
	sum := h.Sum(nil)
	off := sum[len(sum)-1] & 0xf
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", code%1000000)
}

// TestReveal: a reveal is counted and returned; the personal limit refuses the next one
// without counting it.
func TestReveal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{revealLimit: 5})
	us := e.standardUsers()
	recs := seedRecords(t, e, us.frRev)
	c := e.login("fr-reviewer")
	path := fmt.Sprint("/media/", recs[0].media, "/reveal")
	resp, body := c.post(path, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(body, "\xff\xd8") {
		t.Fatalf("reveal = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := resp.Header.Get("X-Reveals-Today"); got != "1" {
		t.Errorf("X-Reveals-Today = %q, want 1", got)
	}
	if got := resp.Header.Get("X-Reveal-Limit"); got != "5" {
		t.Errorf("X-Reveal-Limit = %q, want 5", got)
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("revealed content CSP = %q, want a sandbox", resp.Header.Get("Content-Security-Policy"))
	}
	if resp, _ := c.post("/settings", url.Values{"blur": {"0.05"}, "grey": {"on"}, "limit": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("saving settings failed")
	}
	resp, body = c.post(path, nil)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "reveal limit") {
		t.Errorf("reveal over the personal limit = %d %q", resp.StatusCode, body)
	}
	if n, _, _ := e.prev.RevealsToday(context.Background(), us.frRev); n != 1 {
		t.Errorf("reveals today = %d, want 1", n)
	}
	// The NL analyst may not reveal an owner-only FR record: not found, not counted.
	resp, _ = e.login("nl-analyst").post(fmt.Sprint("/media/", recs[2].media, "/reveal"), nil)
	if resp.StatusCode != 404 {
		t.Errorf("NL reveal of an owner-only record = %d, want 404", resp.StatusCode)
	}
	_, body = e.login("auditor").get("/audit?action=media.reveal")
	if !strings.Contains(body, "fr-reviewer") || !strings.Contains(body, fmt.Sprint("media/", recs[0].media)) {
		t.Errorf("the audit view does not show the reveal:\n%s", body)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{}, Deps{}); err == nil {
		t.Error("New with no dependencies succeeded")
	}
	e := newEnv(t, envOptions{})
	if _, err := New(Config{MaxUpload: -1}, Deps{Store: e.store, Auth: e.auth, Ingest: e.pipe, Work: e.work, Preview: e.prev}); err == nil {
		t.Error("New with a negative MaxUpload succeeded")
	}
}

// TestSettingsStored saves settings through the UI's server and reads them back from the
// catalog; invalid ones are refused and change nothing.
func TestSettingsStored(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	us := e.standardUsers()
	srv := &server{d: Deps{Work: e.work}}
	ctx := context.Background()
	if got := e.settingsOf(us.frAna); got != DefaultSettings() {
		t.Errorf("settings of a new user = %+v; want the defaults", got)
	}
	tests := []struct {
		s  Settings
		ok bool
	}{
		{Settings{Blur: 0.2, Grey: true, DailyRevealLimit: 3}, true},
		{Settings{Blur: MinBlur}, true},
		{Settings{Blur: MaxBlur, DailyRevealLimit: MaxPersonalLimit}, true},
		{Settings{Blur: 0}, false},
		{Settings{Blur: 0.6}, false},
		{Settings{Blur: 0.2, DailyRevealLimit: -1}, false},
		{Settings{Blur: 0.2, DailyRevealLimit: MaxPersonalLimit + 1}, false},
	}
	for _, tc := range tests {
		before := e.settingsOf(us.frAna)
		err := srv.putSettings(ctx, us.frAna, tc.s)
		got := e.settingsOf(us.frAna)
		switch {
		case tc.ok && err != nil:
			t.Errorf("putSettings(%+v) = %v", tc.s, err)
		case tc.ok && got != tc.s:
			t.Errorf("after putSettings(%+v), settings = %+v", tc.s, got)
		case !tc.ok && err == nil:
			t.Errorf("putSettings(%+v) succeeded", tc.s)
		case !tc.ok && got != before:
			t.Errorf("refused putSettings(%+v) changed the settings to %+v", tc.s, got)
		}
	}
}
