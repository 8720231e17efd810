package ingest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/blob/local"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/store/sqlite"
	"github.com/vidb-project/vidb/internal/store/storetest"
)

// The countries of the fixture.
const (
	fr catalog.CountryCode = "FR"
	de catalog.CountryCode = "DE"
	nl catalog.CountryCode = "NL"
)

// env is a deployment on a real SQLite store and a real encrypted local vault.
type env struct {
	store   *sqlite.Store
	catalog catalog.Store
	vault   *blob.Vault
	blobs   string
	spool   string
	index   *Index
	p       *Pipeline
	users   map[string]catalog.User
	cases   map[catalog.CountryCode]catalog.Case
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "vidb.db"), sqlite.Options{AuditSigner: storetest.Signer()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newEnvOn(t, st, cfg)
}

// newEnvOn builds the fixture on store st: three countries, an analyst in each, a coordinator
// and an auditor, a case per country.
func newEnvOn(t testing.TB, st catalog.Store, cfg Config) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	e := &env{blobs: filepath.Join(dir, "blobs"), spool: filepath.Join(dir, "spool"),
		users: map[string]catalog.User{}, cases: map[catalog.CountryCode]catalog.Case{}}
	if err := os.Mkdir(e.spool, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := local.New(e.blobs, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := blob.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	e.vault = blob.NewVault(b, keys, "")
	err = st.Update(ctx, func(tx catalog.Tx) error {
		for _, c := range []catalog.CountryCode{fr, de, nl} {
			if err := tx.AddCountry(ctx, catalog.Country{Code: c, Name: string(c)}); err != nil {
				return err
			}
			u, err := tx.AddUser(ctx, catalog.User{Login: "analyst-" + strings.ToLower(string(c)), Country: c, Role: catalog.RoleAnalyst})
			if err != nil {
				return err
			}
			e.users[string(c)] = u
			cs, err := tx.CreateCase(ctx, catalog.Case{Number: "C-" + string(c), Title: "case", Access: catalog.Access{Owner: c, Visibility: catalog.VisibilityOwner}})
			if err != nil {
				return err
			}
			e.cases[c] = cs
		}
		for _, u := range []catalog.User{
			{Login: "coordinator", Country: nl, Role: catalog.RoleCoordinator},
			{Login: "auditor", Country: nl, Role: catalog.RoleAuditor},
		} {
			u, err := tx.AddUser(ctx, u)
			if err != nil {
				return err
			}
			e.users[u.Login] = u
		}
		_, err := tx.Audit(ctx, audit.Event{Actor: "system", Action: "test.setup"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.index = NewIndex(st, 0, nil)
	t.Cleanup(e.index.Close)
	if err := e.index.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = e.spool
	}
	e.p, err = New(st, e.vault, e.index, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := st.(*sqlite.Store); ok {
		e.store = s
	}
	e.catalog = st
	return e
}

// upload ingests data as user login into the case of country c.
func (e *env) upload(t testing.TB, login string, c catalog.CountryCode, data []byte, access *catalog.Access) (Result, error) {
	t.Helper()
	return e.p.Ingest(context.Background(), e.users[login], Upload{
		Body: bytes.NewReader(data), Case: e.cases[c].ID, Exhibit: "laptop-1", Path: "/home/x/pic", Access: access,
	})
}

func (e *env) mustUpload(t testing.TB, login string, c catalog.CountryCode, data []byte, access *catalog.Access) Result {
	t.Helper()
	r, err := e.upload(t, login, c, data, access)
	if err != nil {
		t.Fatalf("upload by %s: %v", login, err)
	}
	return r
}

// counts returns the media records, blobs and spool files held.
func (e *env) counts(t testing.TB) (media, blobs, spool int) {
	t.Helper()
	ms, err := e.catalog.MediaList(context.Background(), catalog.SystemScope(), catalog.MediaFilter{}, catalog.Page{Limit: catalog.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	filepath.Walk(e.blobs, func(path string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			blobs++
		}
		return nil
	})
	return len(ms), blobs, len(spoolFiles(t, e.spool))
}

// events returns the audit events recorded after the fixture's set-up.
func (e *env) events(t testing.TB) []audit.Event {
	t.Helper()
	var out []audit.Event
	for ev, err := range e.catalog.AuditEvents(context.Background(), 1) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// alerts returns a country's alerts.
func (e *env) alerts(t testing.TB, c catalog.CountryCode) []catalog.Alert {
	t.Helper()
	as, err := e.catalog.Alerts(context.Background(), c, false, catalog.Page{Limit: catalog.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// requireFFmpeg skips when ffmpeg is absent outside CI, and fails in CI.
func requireFFmpeg(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ffmpeg not installed: %v", err)
		}
		t.Skipf("ffmpeg not installed (apt-get install ffmpeg): %v", err)
	}
}

// makeVideo runs ffmpeg with args to make a benign test video and returns its bytes.
func makeVideo(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	requireFFmpeg(t)
	path := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("ffmpeg", append(append([]string{"-nostdin", "-v", "error", "-y"}, args...), path)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v\n%s", name, err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// slideshow makes a video from pictures, each shown for secs seconds at 5 fps.
func slideshow(t testing.TB, name string, secs int, extra []string, pics ...[]byte) []byte {
	t.Helper()
	requireFFmpeg(t)
	dir := t.TempDir()
	for i, p := range pics {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("p%03d.png", i)), p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"-framerate", fmt.Sprintf("1/%d", secs), "-i", filepath.Join(dir, "p%03d.png"),
		"-r", "5", "-c:v", "libx264", "-pix_fmt", "yuv420p"}
	return makeVideo(t, name, append(args, extra...)...)
}
