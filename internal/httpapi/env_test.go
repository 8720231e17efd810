package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/auth/session"
	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/blob/local"
	"github.com/vidb-project/vidb/internal/casework"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/obs"
	"github.com/vidb-project/vidb/internal/preview"
	"github.com/vidb-project/vidb/internal/store/sqlite"
	"github.com/vidb-project/vidb/internal/store/storetest"
)

// testPassword is every fixture user's password.
const testPassword = "correct horse battery staple"

// env is the whole stack behind an httptest.Server: a real SQLite store, a real encrypted local
// vault, auth, ingest, casework, preview and this API.
type env struct {
	t       testing.TB
	srv     *httptest.Server
	store   *sqlite.Store
	vault   *blob.Vault
	blobDir string
	spool   string
	auth    *auth.Service
	pipe    *ingest.Pipeline
	index   *ingest.Index
	reg     *obs.Registry
	logs    *bytes.Buffer
}

type envOptions struct {
	cfg        Config
	ingest     ingest.Config
	preview    preview.Config
	authConfig auth.Config
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "vidb.db"), sqlite.Options{AuditSigner: storetest.Signer()})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, blobDir: filepath.Join(dir, "blobs"), spool: filepath.Join(dir, "spool"), reg: obs.NewRegistry(), logs: &bytes.Buffer{}}
	if err := os.Mkdir(e.spool, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := local.New(e.blobDir, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := blob.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	e.vault = blob.NewVault(b, keys, "")
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ac := o.authConfig
	if ac.Argon2 == (auth.Argon2Params{}) {
		ac.Argon2 = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}
	}
	ac.SealKey = bytes.Repeat([]byte{7}, 32)
	if ac.RatePerMinute == 0 {
		ac.RatePerMinute, ac.Burst = 6000, 1000
	}
	if e.auth, err = auth.New(st, ac, log); err != nil {
		t.Fatal(err)
	}
	e.index = ingest.NewIndex(st, 0, log)
	if err := e.index.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	ic := o.ingest
	ic.SpoolDir = e.spool
	if e.pipe, err = ingest.New(st, e.vault, e.index, ic, log); err != nil {
		t.Fatal(err)
	}
	pc := o.preview
	pc.SpoolDir = e.spool
	prev, err := preview.New(st, e.vault, pc, log)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(o.cfg, Deps{
		Store: st, Auth: e.auth, Ingest: e.pipe, Index: e.index, Work: casework.New(st, nil, log), Preview: prev,
		Metrics: e.reg, Log: log, Ready: func(ctx context.Context) error { _, err := st.Stats(ctx); return err },
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		e.srv.Close()
		e.index.Close()
		st.Close()
	})
	return e
}

// lockedWriter serialises writes to the log buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// addCountry registers a country straight in the store.
func (e *env) addCountry(code catalog.CountryCode) {
	e.t.Helper()
	err := e.store.Update(context.Background(), func(tx catalog.Tx) error {
		if err := tx.AddCountry(context.Background(), catalog.Country{Code: code, Name: "Country " + string(code)}); err != nil {
			return err
		}
		_, err := tx.Audit(context.Background(), auditEvent("country.add", "country/"+string(code)))
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func auditEvent(action, object string) audit.Event {
	return audit.Event{Time: time.Now().UTC().Truncate(time.Microsecond), Actor: "system", Action: action, Object: object}
}

// addUser creates a user with testPassword, ready to sign in (no password change pending).
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

// client is a signed-in (or anonymous) HTTP client of the env.
type client struct {
	e      *env
	cookie string // the session secret, sent as the vidb_session cookie
	bearer string // an API token, sent as Authorization: Bearer
}

func (e *env) anon() *client { return &client{e: e} }

// login signs in and returns a client carrying the session cookie.
func (e *env) login(login string) *client {
	e.t.Helper()
	resp, body := e.anon().do("POST", "/api/v1/auth/login", map[string]string{"login": login, "password": testPassword})
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", login, resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == session.CookieName {
			return &client{e: e, cookie: c.Value}
		}
	}
	e.t.Fatalf("login %s: no session cookie", login)
	return nil
}

// request sends a request with the client's credentials. body is JSON-encoded unless it is
// an io.Reader or []byte (sent as is with contentType).
func (c *client) request(method, path string, body any, contentType string, hdr http.Header) (*http.Response, []byte) {
	c.e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case io.Reader:
		r = b
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.e.t.Fatal(err)
		}
		r = bytes.NewReader(j)
		if contentType == "" {
			contentType = "application/json"
		}
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, r)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: session.CookieName, Value: c.cookie})
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	resp, err := c.e.srv.Client().Do(req)
	if err != nil {
		c.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		c.e.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp, out
}

func (c *client) do(method, path string, body any) (*http.Response, []byte) {
	c.e.t.Helper()
	return c.request(method, path, body, "", nil)
}

// must sends a request, requires status want, and decodes the JSON response into out (if
// not nil).
func (c *client) must(want int, method, path string, body any, out any) {
	c.e.t.Helper()
	resp, b := c.do(method, path, body)
	if resp.StatusCode != want {
		c.e.t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.e.t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
}

// upload sends a raw-body upload with the fields as query parameters.
func (c *client) upload(data []byte, query string) (*http.Response, []byte) {
	c.e.t.Helper()
	return c.request("POST", "/api/v1/media?"+query, data, "application/octet-stream", nil)
}

// errorCode returns the code of a JSON error body.
func errorCode(t testing.TB, body []byte) string {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	return e.Error.Code
}

// counts returns how many media records and blobs the deployment holds and how many
// files are left in the spool.
func (e *env) counts() (media, blobs, spool int) {
	e.t.Helper()
	ms, err := e.store.MediaList(context.Background(), catalog.SystemScope(), catalog.MediaFilter{}, catalog.Page{Limit: catalog.MaxPageSize})
	if err != nil {
		e.t.Fatal(err)
	}
	_ = filepath.WalkDir(e.blobDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			blobs++
		}
		return nil
	})
	ents, _ := os.ReadDir(e.spool)
	return len(ms), blobs, len(ents)
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
