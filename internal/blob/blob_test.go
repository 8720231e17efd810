package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/blob/blobtest"
)

func TestConformanceMemory(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Backend { return newMemory() })
}

// x25519Keys returns keys with an X25519 identity and the naming key 00 01 ... 1f.
func x25519Keys(t testing.TB) blob.Keys {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	k, err := blob.ParseKeys([]byte(id.String()), []byte("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"))
	if err != nil {
		t.Fatalf("ParseKeys: %v", err)
	}
	return k
}

func TestNameIsKeyedHMAC(t *testing.T) {
	t.Parallel()
	v := blob.NewVault(newMemory(), x25519Keys(t), t.TempDir())
	// hmac.new(bytes(range(32)), sha256(b"abc").digest(), sha256).hexdigest(), by Python.
	const want = "910ec338f64892dfc0288e343162e996b71c39c67dd1cad13923f2d67a79cff6"
	if got := v.Name(sha256.Sum256([]byte("abc"))); got != want {
		t.Fatalf("Name(sha256(abc)): got %s, want %s", got, want)
	}
}

func TestX25519Identity(t *testing.T) {
	t.Parallel()
	v := blob.NewVault(newMemory(), x25519Keys(t), t.TempDir())
	ref, err := v.Put(t.Context(), strings.NewReader("older deployments have X25519 keys"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.ReadAll(t.Context(), ref.SHA256, 1<<10)
	if err != nil || string(got) != "older deployments have X25519 keys" {
		t.Fatalf("ReadAll: got %q, %v", got, err)
	}
}

func TestValidName(t *testing.T) {
	t.Parallel()
	good := strings.Repeat("0123456789abcdef", 4)
	if err := blob.ValidName(good); err != nil {
		t.Errorf("ValidName(%q): %v", good, err)
	}
	for _, n := range []string{"", good[:63], good + "0", strings.ToUpper(good), good[:63] + "g", good[:63] + "/", "../" + good[3:]} {
		if err := blob.ValidName(n); !errors.Is(err, blob.ErrInvalidName) {
			t.Errorf("ValidName(%q): got %v, want ErrInvalidName", n, err)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	n := strings.Repeat("ab", 32)
	e := &blob.Error{Op: "open", Name: n, Err: blob.ErrNotFound}
	if got, want := e.Error(), "blob open "+n+": blob not found"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = &blob.Error{Op: "open", Name: "../../etc/passwd\n" + strings.Repeat("x", 200), Err: blob.ErrInvalidName}
	if got := e.Error(); strings.Contains(got, "\n") || len(got) > 150 {
		t.Errorf("an invalid name is not quoted and cut short: %q", got)
	}
}

func TestKeyFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	k, err := blob.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	if err := k.WriteKeyFiles(dir); err != nil {
		t.Fatalf("WriteKeyFiles: %v", err)
	}
	if runtime.GOOS != "windows" {
		for _, f := range []string{blob.IdentityFile, blob.NameKeyFile} {
			fi, err := os.Stat(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %04o, want 0600", f, fi.Mode().Perm())
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("key folder holds %d entries, want the 2 key files", len(entries))
	}
	id, _ := os.ReadFile(filepath.Join(dir, blob.IdentityFile))
	if !bytes.Contains(id, []byte("AGE-SECRET-KEY-PQ-1")) {
		t.Errorf("identity file holds no post-quantum age identity")
	}

	loaded, err := blob.LoadKeyFiles(dir)
	if err != nil {
		t.Fatalf("LoadKeyFiles: %v", err)
	}
	// Content put under the generated keys reads back under the loaded ones.
	b := newMemory()
	ref, err := blob.NewVault(b, k, t.TempDir()).Put(t.Context(), strings.NewReader("evidence"))
	if err != nil {
		t.Fatal(err)
	}
	v := blob.NewVault(b, loaded, t.TempDir())
	if v.Name(ref.SHA256) != ref.Name {
		t.Fatalf("loaded keys name content differently")
	}
	if got, err := v.ReadAll(t.Context(), ref.SHA256, 100); err != nil || string(got) != "evidence" {
		t.Fatalf("ReadAll with loaded keys: %q, %v", got, err)
	}

	// Never overwritten.
	before, _ := os.ReadFile(filepath.Join(dir, blob.NameKeyFile))
	other, _ := blob.GenerateKeys()
	if err := other.WriteKeyFiles(dir); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("WriteKeyFiles over existing keys: got %v, want fs.ErrExist", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, blob.NameKeyFile))
	if !bytes.Equal(before, after) {
		t.Fatalf("WriteKeyFiles changed an existing key file")
	}
}

func TestWriteKeyFilesRefusesHalfAnExistingDeployment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, blob.NameKeyFile), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	k, _ := blob.GenerateKeys()
	if err := k.WriteKeyFiles(dir); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("WriteKeyFiles with the naming key present: got %v, want fs.ErrExist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, blob.IdentityFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("WriteKeyFiles wrote the identity although it refused: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("WriteKeyFiles left %d files, want only the one that was there", len(entries))
	}
}

func TestLoadKeyFilesRefusesLoosePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions on Windows")
	}
	t.Parallel()
	for _, f := range []string{blob.IdentityFile, blob.NameKeyFile} {
		for _, mode := range []fs.FileMode{0o640, 0o604, 0o660, 0o602} {
			dir := t.TempDir()
			k, _ := blob.GenerateKeys()
			if err := k.WriteKeyFiles(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Join(dir, f), mode); err != nil {
				t.Fatal(err)
			}
			if _, err := blob.LoadKeyFiles(dir); err == nil {
				t.Errorf("LoadKeyFiles with %s mode %04o: got no error", f, mode)
			}
		}
	}
	if _, err := blob.LoadKeyFiles(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadKeyFiles of an empty folder: got %v, want fs.ErrNotExist", err)
	}
}

func TestParseKeysRefuses(t *testing.T) {
	t.Parallel()
	id, _ := age.GenerateX25519Identity()
	nk := "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	tests := []struct{ id, nk string }{
		{"", nk},
		{"# only a comment\n", nk},
		{id.String() + "\n" + id.String(), nk},
		{"AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ", nk},
		{"AGE-SECRET-KEY-PQ-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ", nk},
		{"age1recipientnotanidentity", nk},
		{id.String(), ""},
		{id.String(), nk[:62]},
		{id.String(), nk + "00"},
		{id.String(), "zz" + nk[2:]},
		{id.String(), nk + "\n" + nk},
	}
	for _, tt := range tests {
		if _, err := blob.ParseKeys([]byte(tt.id), []byte(tt.nk)); err == nil {
			t.Errorf("ParseKeys(%.20q..., %.20q...): got no error", tt.id, tt.nk)
		} else if strings.Contains(err.Error(), id.String()[20:40]) || strings.Contains(err.Error(), "QQQQQQQQ") || strings.Contains(err.Error(), nk[:16]) {
			t.Errorf("ParseKeys error quotes key material: %v", err)
		}
	}
	if _, err := blob.ParseKeys([]byte("# comment\n\n  "+id.String()+"  \n"), []byte("# comment\n"+nk+"\n")); err != nil {
		t.Errorf("ParseKeys with comments and blank lines: %v", err)
	}
}

func TestKeysRedacted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k, _ := blob.GenerateKeys()
	if err := k.WriteKeyFiles(dir); err != nil {
		t.Fatal(err)
	}
	idFile, _ := os.ReadFile(filepath.Join(dir, blob.IdentityFile))
	nkFile, _ := os.ReadFile(filepath.Join(dir, blob.NameKeyFile))
	var secrets []string
	for _, f := range [][]byte{idFile, nkFile} {
		for l := range strings.Lines(string(f)) {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				secrets = append(secrets, l, strings.ToLower(l), l[20:40])
			}
		}
	}
	nkBytes, _ := hex.DecodeString(secrets[len(secrets)-3])
	secrets = append(secrets, fmt.Sprint(nkBytes), fmt.Sprintf("%v", nkBytes[:8]))

	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		out = append(out, fmt.Sprintf(verb, k), fmt.Sprintf(verb, &k), fmt.Sprintf(verb, struct{ K blob.Keys }{k}))
	}
	out = append(out, fmt.Sprint(k), fmt.Sprintln(k))
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("keys", "keys", k, "ptr", &k)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("keys", "keys", k)
	out = append(out, logs.String())
	j, err := json.Marshal(struct{ K blob.Keys }{k})
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(j))
	for _, o := range out {
		for _, s := range secrets {
			if strings.Contains(o, s) {
				t.Fatalf("key material printed: %q contains %q", o, s)
			}
		}
	}
}

func TestNewVaultRefusesNoKeys(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatalf("NewVault with zero Keys did not panic")
		}
	}()
	blob.NewVault(newMemory(), blob.Keys{}, "")
}

func TestSpoolHoldsNoPlaintext(t *testing.T) {
	t.Parallel()
	// A backend that looks at the spool file while it is being put.
	spool := t.TempDir()
	b := &spyBackend{memory: newMemory(), spool: spool}
	v := blob.NewVault(b, x25519Keys(t), spool)
	plain := bytes.Repeat([]byte("identifying detail "), 5000)
	if _, err := v.Put(t.Context(), bytes.NewReader(plain)); err != nil {
		t.Fatal(err)
	}
	if len(b.seen) == 0 {
		t.Fatalf("no spool file seen")
	}
	for _, s := range b.seen {
		if bytes.Contains(s, plain[:40]) {
			t.Fatalf("spool file holds plaintext")
		}
	}
}

// spyBackend records the files in the spool folder whenever Put is called.
type spyBackend struct {
	*memory
	spool string
	seen  [][]byte
}

func (s *spyBackend) Put(ctx context.Context, name string, r io.Reader) error {
	entries, _ := os.ReadDir(s.spool)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(s.spool, e.Name()))
		s.seen = append(s.seen, b)
	}
	return s.memory.Put(ctx, name, r)
}

func TestRemoveTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	files := map[string]bool{ // name: removed
		blob.TempPrefix + "spool-old": true,
		blob.TempPrefix + "spool-new": false,
		"not-temp":                    false,
	}
	for f := range files {
		p := filepath.Join(dir, f)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if f != blob.TempPrefix+"spool-new" {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Mkdir(filepath.Join(dir, blob.TempPrefix+"dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	n, err := blob.RemoveTempFiles(dir, time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("RemoveTempFiles: removed %d, %v; want 1", n, err)
	}
	for f, removed := range files {
		_, err := os.Stat(filepath.Join(dir, f))
		if gone := errors.Is(err, fs.ErrNotExist); gone != removed {
			t.Errorf("%s: removed %t, want %t", f, gone, removed)
		}
	}
}
