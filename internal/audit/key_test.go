package audit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateKeyNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "a b", "a+b", "a\tb", "a\u00a0b", "a\xffb"} {
		if _, _, err := GenerateKey(name); err == nil {
			t.Errorf("GenerateKey(%q) = nil error, want an error", name)
		}
	}
	skey, vkey, err := GenerateKey("vidb.example/audit")
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	if !strings.HasPrefix(skey, "PRIVATE+KEY+vidb.example/audit+") || !strings.HasPrefix(vkey, "vidb.example/audit+") {
		t.Errorf("GenerateKey returned keys with unexpected prefixes")
	}
}

func TestWriteKeyFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := WriteKeyFiles(dir); err != nil {
		t.Fatalf("WriteKeyFiles: %v", err)
	}
	for _, f := range []string{SignerKeyFile, VerifierKeyFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fi.Mode().Perm(), fs.FileMode(0o600); got != want {
			t.Errorf("%s has mode %v, want %v", f, got, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("dir holds %d entries after WriteKeyFiles, want 2 (no temporary files left)", len(entries))
	}
	key, err := os.ReadFile(filepath.Join(dir, SignerKeyFile))
	if err != nil {
		t.Fatal(err)
	}

	// A second call, or a call with only one of the files present, overwrites nothing.
	if err := WriteKeyFiles(dir); !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteKeyFiles over existing keys = %v, want fs.ErrExist", err)
	}
	onlyPub := t.TempDir()
	if err := os.WriteFile(filepath.Join(onlyPub, VerifierKeyFile), []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyFiles(onlyPub); !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteKeyFiles with an existing %s = %v, want fs.ErrExist", VerifierKeyFile, err)
	}
	if _, err := os.Stat(filepath.Join(onlyPub, SignerKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("WriteKeyFiles wrote %s next to an existing %s", SignerKeyFile, VerifierKeyFile)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, SignerKeyFile)); string(again) != string(key) {
		t.Errorf("the signer key changed after a refused WriteKeyFiles")
	}

	// The keys load and work together.
	s, err := LoadSigner(dir)
	if err != nil {
		t.Fatalf("LoadSigner: %v", err)
	}
	v, err := LoadVerifier(dir)
	if err != nil {
		t.Fatalf("LoadVerifier: %v", err)
	}
	cp, err := SignCheckpoint(3, LeafHash(goldenEvents[0].e), s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCheckpoint(cp.Note, v); err != nil {
		t.Errorf("OpenCheckpoint with the loaded verifier: %v", err)
	}
}

func TestLoadSignerRefuses(t *testing.T) {
	t.Parallel()
	skey, _, err := GenerateKey("vidb-audit")
	if err != nil {
		t.Fatal(err)
	}
	// PRIVATE+KEY+name+hash+key: the key is base64, which may itself hold '+'.
	fields := strings.SplitN(skey, "+", 5)
	if len(fields) != 5 || len(fields[4]) < 8 {
		t.Fatalf("unexpected signer key format %q", fields[:min(len(fields), 4)])
	}
	secret := fields[4]
	tests := []struct {
		name    string
		content string
		mode    fs.FileMode
		want    error  // errors.Is, or nil to check only that it fails
		wantMsg string // in the error
	}{
		{"group-readable", skey, 0o640, ErrKeyPermissions, "chmod 600"},
		{"world-readable", skey, 0o644, ErrKeyPermissions, "-rw-r--r--"},
		{"not a key", "PRIVATE+KEY+vidb-audit+00000000+" + secret, 0o600, nil, "does not hold a signer key"},
		{"verifier key", strings.TrimPrefix(skey, "PRIVATE+KEY+"), 0o600, nil, "does not hold a signer key"},
		{"too large", strings.Repeat(skey, 100), 0o600, nil, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, SignerKeyFile)
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := LoadSigner(dir)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("LoadSigner = %v, want an error wrapping %v mentioning %q", err, tt.want, tt.wantMsg)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), secret[:8]) {
				t.Errorf("LoadSigner's error contains key material")
			}
		})
	}
	if _, err := LoadSigner(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadSigner of an empty dir = %v, want fs.ErrNotExist", err)
	}
	if _, err := LoadVerifier(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadVerifier of an empty dir = %v, want fs.ErrNotExist", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, VerifierKeyFile), []byte("nonsense\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadVerifier(dir); err == nil {
		t.Errorf("LoadVerifier of a malformed key = nil error, want an error")
	}
}
