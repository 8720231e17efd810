package webui

import (
	"bytes"
	"context"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/blob/local"
	"github.com/vidb-project/vidb/internal/casework"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/httpapi"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/obs"
	"github.com/vidb-project/vidb/internal/preview"
	"github.com/vidb-project/vidb/internal/store/sqlite"
	"github.com/vidb-project/vidb/internal/store/storetest"
	"github.com/vidb-project/vidb/internal/testpic"
	"github.com/vidb-project/vidb/internal/video"
)

// testPassword is every fixture user's password.
const testPassword = "correct horse battery staple"

// env is the whole stack as cmd/vidb's newServer wires it, behind an httptest.Server: a real
// SQLite store, a real encrypted local vault, auth, ingest, casework, preview, the JSON API
// under /api/ and this UI at /.
type env struct {
	t     testing.TB
	srv   *httptest.Server
	ui    http.Handler
	store *sqlite.Store
	auth  *auth.Service
	pipe  *ingest.Pipeline
	work  *casework.Service
	prev  *preview.Service
	logs  *lockedBuffer
}

type envOptions struct {
	revealLimit int
	// video hashes videos and makes contact sheets with the real ffmpeg.
	video bool
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "vidb.db"), sqlite.Options{AuditSigner: storetest.Signer()})
	if err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(dir, "spool")
	if err := os.Mkdir(spool, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := local.New(filepath.Join(dir, "blobs"), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := blob.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	vault := blob.NewVault(b, keys, "")
	e := &env{t: t, store: st, logs: &lockedBuffer{}}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.auth, err = auth.New(st, auth.Config{
		Argon2: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}, SealKey: bytes.Repeat([]byte{7}, 32),
		RatePerMinute: 6000, Burst: 1000,
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	index := ingest.NewIndex(st, catalog.MatchableQuality, log)
	if err := index.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	var vcfg *video.Config
	if o.video {
		vcfg = &video.Config{}
	}
	if e.pipe, err = ingest.New(st, vault, index, ingest.Config{SpoolDir: spool, Video: vcfg}, log); err != nil {
		t.Fatal(err)
	}
	if e.prev, err = preview.New(st, vault, preview.Config{DailyRevealLimit: o.revealLimit, SpoolDir: spool, Video: vcfg}, log); err != nil {
		t.Fatal(err)
	}
	e.work = casework.New(st, time.Now, log)
	api, err := httpapi.New(httpapi.Config{}, httpapi.Deps{
		Store: st, Auth: e.auth, Ingest: e.pipe, Index: index, Work: e.work, Preview: e.prev,
		Metrics: obs.NewRegistry(), Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	ui, err := New(Config{}, Deps{Store: st, Auth: e.auth, Ingest: e.pipe, Work: e.work, Preview: e.prev, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	e.ui = ui
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/healthz", api)
	mux.Handle("/metrics", api)
	mux.Handle("/", ui)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		e.srv.Close()
		index.Close()
		st.Close()
	})
	return e
}

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func auditEvent(action, object string) audit.Event {
	return audit.Event{Time: time.Now().UTC().Truncate(time.Microsecond), Actor: "system", Action: action, Object: object}
}

// addCountry registers a country straight in the store.
func (e *env) addCountry(code catalog.CountryCode) {
	e.t.Helper()
	ctx := context.Background()
	err := e.store.Update(ctx, func(tx catalog.Tx) error {
		if err := tx.AddCountry(ctx, catalog.Country{Code: code, Name: "Country " + string(code)}); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, auditEvent("country.add", "country/"+string(code)))
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// addUser creates a user with testPassword, ready to sign in.
func (e *env) addUser(login string, country catalog.CountryCode, role catalog.Role) catalog.User {
	e.t.Helper()
	ctx := context.Background()
	hash, err := auth.HashPassword(testPassword, auth.Argon2Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	var u catalog.User
	err = e.store.Update(ctx, func(tx catalog.Tx) error {
		var err error
		if u, err = tx.AddUser(ctx, catalog.User{Login: login, Country: country, Role: role}); err != nil {
			return err
		}
		if err := tx.PutCredential(ctx, catalog.Credential{User: u.ID, PasswordHash: hash, Updated: time.Now().UTC()}); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, auditEvent("user.create", "user/"+login))
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// users are the fixture accounts of a standard env: FR and NL, every role that matters.
type users struct {
	frRev, frAna, frAdmin, nlAna, nlRev, auditor, coord catalog.User
}

func (e *env) standardUsers() users {
	e.addCountry("FR")
	e.addCountry("NL")
	e.addCountry("DE")
	return users{
		frRev:   e.addUser("fr-reviewer", "FR", catalog.RoleReviewer),
		frAna:   e.addUser("fr-analyst", "FR", catalog.RoleAnalyst),
		frAdmin: e.addUser("fr-admin", "FR", catalog.RoleCountryAdmin),
		nlAna:   e.addUser("nl-analyst", "NL", catalog.RoleAnalyst),
		nlRev:   e.addUser("nl-reviewer", "NL", catalog.RoleReviewer),
		auditor: e.addUser("auditor", "FR", catalog.RoleAuditor),
		coord:   e.addUser("coordinator", "DE", catalog.RoleCoordinator),
	}
}

// client is a browser-like HTTP client of the env with a cookie jar.
type client struct {
	e *env
	c *http.Client
}

func (e *env) anon() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &client{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login signs in through the UI's form.
func (e *env) login(login string) *client {
	e.t.Helper()
	c := e.anon()
	resp, body := c.post("/signin", url.Values{"login": {login}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign-in of %s: %d %s", login, resp.StatusCode, body)
	}
	return c
}

// do sends a request as a browser would from the UI's own pages.
func (c *client) do(method, path string, body io.Reader, contentType string) (*http.Response, string) {
	c.e.t.Helper()
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method != http.MethodGet {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	return resp, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	c.e.t.Helper()
	return c.do(http.MethodGet, path, nil, "")
}

func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.e.t.Helper()
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// reencode decodes a JPEG and encodes it again at another quality: a near copy, not the same
// file.
func reencode(t testing.TB, b []byte, quality int) []byte {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return testpic.JPEG(t, img, quality)
}

// upload ingests a file as u under case cs.
func (e *env) upload(u catalog.User, cs catalog.CaseID, data []byte, path string, access *catalog.Access) ingest.Result {
	e.t.Helper()
	res, err := e.pipe.Ingest(context.Background(), u, ingest.Upload{Body: bytes.NewReader(data), Case: cs, Exhibit: "laptop", Path: path, Access: access})
	if err != nil {
		e.t.Fatalf("upload %s: %v", path, err)
	}
	return res
}

// settingsOf returns u's exposure settings as the UI reads them from the catalog.
func (e *env) settingsOf(u catalog.User) Settings {
	e.t.Helper()
	st, err := (&server{d: Deps{Work: e.work}}).settingsOf(context.Background(), u)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}
