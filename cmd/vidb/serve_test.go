package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// lockedBuffer is an io.Writer safe to read while a server goroutine writes to it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var servingOn = regexp.MustCompile(`on (https?://\S+) `)

// served is a `vidb serve` running in the test's process.
type served struct {
	dir      string // the data folder
	base     string // http://127.0.0.1:PORT
	password string // the first coordinator's one-time password
	stderr   *lockedBuffer
	stop     func() int // cancels the server and returns its exit code
}

// startServe runs `vidb serve` with args on a new data folder and waits until it listens.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	return startServeIn(t, filepath.Join(t.TempDir(), "data"), nil, args...)
}

// startServeIn runs `vidb serve` with args on the data folder dir, with getenv as its
// environment, and waits until it listens. A new folder's one-time password is in password.
func startServeIn(t *testing.T, dir string, getenv func(string) string, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sv := &served{dir: dir, stderr: &lockedBuffer{}}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--data", dir, "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...),
			streams{stdin: strings.NewReader(""), stdout: io.Discard, stderr: sv.stderr, getenv: getenv})
	}()
	for deadline := time.Now().Add(60 * time.Second); sv.base == ""; {
		select {
		case code := <-done:
			t.Fatalf("serve exited early with %d:\n%s", code, sv.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", sv.stderr.String())
		}
		if m := servingOn.FindStringSubmatch(sv.stderr.String()); m != nil {
			sv.base = m[1]
		}
	}
	if m := oneTimePassword.FindStringSubmatch(sv.stderr.String()); m != nil {
		sv.password = m[1]
	}
	sv.stop = func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(60 * time.Second):
			t.Fatal("serve did not stop after cancel")
			return -1
		}
	}
	return sv
}

// apiClient calls a served vidb's JSON API with a cookie jar, failing the test on any
// unexpected status.
type apiClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newAPIClient(t *testing.T, base string) *apiClient {
	jar, _ := cookiejar.New(nil)
	return &apiClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// newTLSClient is newAPIClient over HTTPS, trusting the certificates in roots.
func newTLSClient(t *testing.T, base string, roots *x509.CertPool) *apiClient {
	a := newAPIClient(t, base)
	a.c.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
	return a
}

func (a *apiClient) call(method, path, contentType string, body []byte, want int) map[string]any {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.base+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	var v map[string]any
	if len(b) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &v); err != nil {
			a.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return v
}

func (a *apiClient) json(method, path string, v any, want int) map[string]any {
	a.t.Helper()
	b, _ := json.Marshal(v)
	return a.call(method, path, "application/json", b, want)
}

// signIn signs the first coordinator in and replaces the one-time password.
func (a *apiClient) signIn(password string) {
	a.t.Helper()
	a.json("POST", "/api/v1/auth/login", map[string]string{"login": "coordinator", "password": password}, http.StatusOK)
	a.json("POST", "/api/v1/auth/password", map[string]string{"old": password, "new": "a much longer passphrase"}, http.StatusNoContent)
}

// TestServe runs `vidb serve` on a folder that does not exist yet, as the README's run command
// does: it creates the deployment and prints the coordinator's one-time password; the
// coordinator signs in, must change the password first, then creates a case and uploads the
// same image twice (new, then held). Cancelling the context shuts the server down cleanly.
func TestServe(t *testing.T) {
	t.Parallel()
	sv := startServe(t, "--country", "NL")
	base, password := sv.base, sv.password
	if password == "" {
		t.Fatalf("serve did not print the one-time password:\n%s", sv.stderr.String())
	}
	a := newAPIClient(t, base)
	call := a.call
	jsonBody := func(v any) []byte { b, _ := json.Marshal(v); return b }

	call("GET", "/healthz", "", nil, http.StatusOK)
	call("GET", "/", "", nil, http.StatusOK) // the web UI's sign-in page, after a redirect
	call("GET", "/api/nowhere", "", nil, http.StatusNotFound)
	call("GET", "/api/v1/cases", "", nil, http.StatusUnauthorized)
	call("POST", "/api/v1/auth/login", "application/json", jsonBody(map[string]string{"login": "coordinator", "password": "wrong password here"}), http.StatusUnauthorized)
	call("POST", "/api/v1/auth/login", "application/json", jsonBody(map[string]string{"login": "coordinator", "password": password}), http.StatusOK)
	call("GET", "/api/v1/cases", "", nil, http.StatusForbidden) // the one-time password must be changed first
	call("POST", "/api/v1/auth/password", "application/json", jsonBody(map[string]string{"old": password, "new": "a much longer passphrase"}), http.StatusNoContent)
	cs := call("POST", "/api/v1/cases", "application/json", jsonBody(map[string]any{"number": "NL-2026-1", "title": "test", "visibility": "network"}), http.StatusCreated)
	caseID := fmt.Sprint(cs["id"])

	img := writePNG(t, filepath.Join(t.TempDir(), "a.png"), 200, 150, 5)
	path := "/api/v1/media?case=" + caseID + "&exhibit=phone-1&path=DCIM/a.png"
	first := call("POST", path, "application/octet-stream", img, http.StatusCreated)
	if first["status"] != "new" {
		t.Errorf("first upload: status %v, want new", first["status"])
	}
	second := call("POST", path, "application/octet-stream", img, http.StatusOK)
	if second["status"] != "held" {
		t.Errorf("second upload: status %v, want held", second["status"])
	}
	call("GET", "/metrics", "", nil, http.StatusOK)

	if code := sv.stop(); code != exitOK {
		t.Errorf("serve exited with %d after cancel:\n%s", code, sv.stderr.String())
	}
}

// TestTriageAgainstServer triages a folder against a running server with an API token: the
// file the server holds is known, a re-encoded copy of it is near, a new image is unknown.
func TestTriageAgainstServer(t *testing.T) {
	t.Parallel()
	sv := startServe(t, "--country", "NL")
	defer sv.stop()
	a := newAPIClient(t, sv.base)
	a.signIn(sv.password)
	cs := a.json("POST", "/api/v1/cases", map[string]any{"number": "NL-1", "visibility": "network"}, http.StatusCreated)
	bridge := filepath.Join("..", "..", "..", "shared", "testdata", "pdq", "images", "bridge-mods")
	held, err := os.ReadFile(filepath.Join(bridge, "aaa-orig.jpg"))
	if err != nil {
		t.Fatalf("the shared test images are missing: %v", err)
	}
	a.call("POST", fmt.Sprintf("/api/v1/media?case=%v&path=held.jpg", cs["id"]), "application/octet-stream", held, http.StatusCreated)
	tok := a.json("POST", "/api/v1/me/tokens", map[string]any{"name": "triage laptop"}, http.StatusCreated)
	token, _ := tok["secret"].(string)
	if token == "" {
		t.Fatalf("token response without a token: %v", tok)
	}

	dev := t.TempDir()
	if err := os.WriteFile(filepath.Join(dev, "a-held.jpg"), held, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{
		"b-copy.jpg": filepath.Join(bridge, "blur-a-little.jpg"), // the same picture, blurred
		"c-new.png":  filepath.Join(bridge, "..", "reg-test-input", "pen-and-coaster.png"),
	} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dev, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dev, "d-notes.txt"), []byte("not media"), 0o600)

	var stdout, stderr string
	stdout, stderr, err = runCmd(t, runTriage, "--json", "--server", sv.base, "--token", token, dev)
	if err != nil {
		t.Fatalf("triage: %v\n%s", err, stderr)
	}
	classes := map[string]string{}
	for line := range strings.Lines(stdout) {
		var r struct {
			Path, Class string
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		classes[filepath.Base(r.Path)] = r.Class
	}
	want := map[string]string{"a-held.jpg": "known", "b-copy.jpg": "near", "c-new.png": "unknown", "d-notes.txt": "not-media"}
	if diff := cmp.Diff(want, classes); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}
}
