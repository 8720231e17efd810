package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// TestServeScaleOut runs two replicas of `vidb serve` on one PostgreSQL catalog and one
// S3-compatible blob store, over TLS. The second replica has a copy of the first one's data
// folder (the keys) and nothing else: it sees the first one's uploads as held, shows their
// previews from the shared blobs, and its near-duplicate index follows the catalog's changes.
func TestServeScaleOut(t *testing.T) {
	t.Parallel()
	dsn := scaleOutSchema(t)
	faker := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog()))
	s3srv := httptest.NewServer(faker.Server())
	t.Cleanup(s3srv.Close)
	blobs := "s3://evidence/vidb?endpoint=" + s3srv.Listener.Addr().String() + "&tls=false&create=true"
	env := map[string]string{"VIDB_S3_ACCESS_KEY": "test-access", "VIDB_S3_SECRET_KEY": "test-secret"}
	getenv := func(k string) string { return env[k] }
	cert, key, roots := selfSigned(t)
	args := []string{"--db", dsn, "--blobs", blobs, "--tls-cert", cert, "--tls-key", key, "--country", "NL"}

	a := startServeIn(t, filepath.Join(t.TempDir(), "a"), getenv, args...)
	defer a.stop()
	if !strings.HasPrefix(a.base, "https://") || a.password == "" {
		t.Fatalf("replica a: base %q, one-time password %q:\n%s", a.base, a.password, a.stderr.String())
	}
	ca := newTLSClient(t, a.base, roots)
	resp, err := ca.c.Post(a.base+"/api/v1/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"login":"coordinator","password":%q}`, a.password)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := resp.Header.Get("Set-Cookie"); resp.StatusCode != http.StatusOK || !strings.Contains(c, "Secure") || !strings.Contains(c, "HttpOnly") {
		t.Fatalf("sign-in over TLS: status %d, cookie %q", resp.StatusCode, c)
	}
	ca.json("POST", "/api/v1/auth/password", map[string]string{"old": a.password, "new": "a much longer passphrase"}, http.StatusNoContent)
	cs := ca.json("POST", "/api/v1/cases", map[string]any{"number": "NL-9", "visibility": "network"}, http.StatusCreated)
	bridge := filepath.Join("..", "..", "..", "shared", "testdata", "pdq", "images", "bridge-mods")
	orig, err := os.ReadFile(filepath.Join(bridge, "aaa-orig.jpg"))
	if err != nil {
		t.Fatalf("the shared test images are missing: %v", err)
	}
	up := ca.call("POST", fmt.Sprintf("/api/v1/media?case=%v&path=orig.jpg", cs["id"]), "application/octet-stream", orig, http.StatusCreated)
	media := up["media"].(map[string]any)["id"]

	// Replica b: a copy of a's data folder (for the keys), the same catalog and blobs.
	bdir := filepath.Join(t.TempDir(), "b")
	copyDataFolder(t, a.dir, bdir)
	b := startServeIn(t, bdir, getenv, args...)
	defer b.stop()
	cb := newTLSClient(t, b.base, roots)
	cb.json("POST", "/api/v1/auth/login", map[string]string{"login": "coordinator", "password": "a much longer passphrase"}, http.StatusOK)
	held := cb.call("POST", fmt.Sprintf("/api/v1/media?case=%v&path=again.jpg", cs["id"]), "application/octet-stream", orig, http.StatusOK)
	if held["status"] != "held" || held["media"].(map[string]any)["id"] != media {
		t.Errorf("upload to replica b of a's file: %v, want held media %v", held["status"], media)
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/media/%v/preview", b.base, media), nil)
	if resp, err := cb.c.Do(req); err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("preview from replica b: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// A new picture uploaded to a is found near by an image search on b once b's index has
	// followed the catalog's change feed (every second).
	blur, err := os.ReadFile(filepath.Join(bridge, "blur-a-little.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.ReadFile(filepath.Join(bridge, "..", "reg-test-input", "pen-and-coaster.png"))
	if err != nil {
		t.Fatal(err)
	}
	pen := ca.call("POST", fmt.Sprintf("/api/v1/media?case=%v&path=pen.png", cs["id"]), "application/octet-stream", other, http.StatusCreated)
	penID := pen["media"].(map[string]any)["id"]
	found := func(body []byte, id any) bool {
		var mb bytes.Buffer
		mw := multipart.NewWriter(&mb)
		fw, _ := mw.CreateFormFile("file", "q")
		fw.Write(body)
		mw.Close()
		res := cb.call("POST", "/api/v1/search/image", mw.FormDataContentType(), mb.Bytes(), http.StatusOK)
		matches, _ := res["matches"].([]any)
		for _, m := range matches {
			if mm, ok := m.(map[string]any)["media"].(map[string]any); ok && mm["id"] == id {
				return true
			}
		}
		return false
	}
	if !found(blur, media) {
		t.Errorf("replica b does not find a blurred copy of a's first upload")
	}
	deadline := time.Now().Add(20 * time.Second)
	for !found(other, penID) {
		if time.Now().After(deadline) {
			t.Fatal("replica b's index did not follow a's new upload within 20 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// scaleOutSchema returns a DSN for a fresh PostgreSQL schema, dropped at the end. Outside CI
// the test is skipped when no server answers; in CI it fails.
func scaleOutSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("VIDB_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL at %s: %v", base, err)
		}
		t.Skipf("no PostgreSQL at %s: %v", base, err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("vidb_cmd_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns their paths and a
// pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "vidb test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

// copyDataFolder copies a data folder (keys, stamp, layout) as an operator would to set up
// another replica; the lock file is left out.
func copyDataFolder(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		if d.Name() == ".lock" || !d.Type().IsRegular() {
			return nil
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, src); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}
