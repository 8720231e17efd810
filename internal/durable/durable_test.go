package durable

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileReplaces(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "f")
	for _, content := range []string{"first", "second, longer"} {
		if err := WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Errorf("after WriteFile(%q): read %q, %v", content, got, err)
		}
	}
	assertNoTemp(t, filepath.Dir(path))
}

func TestCreateFileNeverReplaces(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "key")
	if err := CreateFile(path, []byte("secret-1"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := CreateFile(path, []byte("secret-2"), 0o600)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("second CreateFile = %v, want fs.ErrExist", err)
	}
	if err != nil && strings.Contains(err.Error(), "secret") {
		t.Errorf("error %q contains the data", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "secret-1" {
		t.Errorf("content after refused CreateFile = %q, want the first", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	assertNoTemp(t, filepath.Dir(path))
}

func TestReadPrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	private := filepath.Join(dir, "private")
	CreateFile(private, []byte("k"), 0o600)
	if got, err := ReadPrivate(private, 10); err != nil || string(got) != "k" {
		t.Errorf("ReadPrivate = %q, %v", got, err)
	}
	open := filepath.Join(dir, "open")
	CreateFile(open, []byte("k"), 0o644)
	if _, err := ReadPrivate(open, 10); !errors.Is(err, ErrPermissions) {
		t.Errorf("ReadPrivate(0644 file) = %v, want %v", err, ErrPermissions)
	}
	big := filepath.Join(dir, "big")
	CreateFile(big, []byte("0123456789x"), 0o600)
	if _, err := ReadPrivate(big, 10); err == nil {
		t.Errorf("ReadPrivate over the size limit succeeded")
	}
	if _, err := ReadPrivate(dir, 10); err == nil {
		t.Errorf("ReadPrivate(a folder) succeeded")
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), TempPrefix) {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}
