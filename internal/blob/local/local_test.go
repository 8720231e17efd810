package local_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/blob/blobtest"
	"github.com/vidb-project/vidb/internal/blob/local"
)

func newBackend(t *testing.T) *local.Backend {
	t.Helper()
	b, err := local.New(filepath.Join(t.TempDir(), "blobs"), local.Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Backend { return newBackend(t) })
}

func name(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestLayoutAndPermissions(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	n := name("layout")
	if err := b.Put(t.Context(), n, strings.NewReader("content")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(b.Dir(), n[:2], n)
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("object not at DIR/%s/NAME: %v", n[:2], err)
	}
	if string(got) != "content" {
		t.Fatalf("object file holds %q, want %q", got, "content")
	}
	if runtime.GOOS == "windows" {
		return
	}
	for _, c := range []struct {
		path string
		want fs.FileMode
	}{
		{b.Dir(), 0o700},
		{filepath.Join(b.Dir(), n[:2]), 0o700},
		{path, 0o600},
	} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != c.want {
			t.Errorf("%s: mode %04o, want %04o", c.path, got, c.want)
		}
	}
}

func TestPutFileRenames(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	src := filepath.Join(b.Dir(), blob.TempPrefix+"spool-test")
	if err := os.WriteFile(src, []byte("spooled"), 0o644); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	n := name("putfile")
	if err := b.PutFile(t.Context(), n, src); err != nil {
		t.Fatalf("PutFile: %v", err)
	}
	if _, err := os.Stat(src); !os.IsNotExist(err) {
		t.Fatalf("PutFile left the source file behind: %v", err)
	}
	after, err := os.Stat(filepath.Join(b.Dir(), n[:2], n))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Errorf("PutFile copied the file instead of renaming it")
	}
	if runtime.GOOS != "windows" && after.Mode().Perm() != 0o600 {
		t.Errorf("object mode %04o, want 0600", after.Mode().Perm())
	}
}

func TestNewRemovesOrphanedTempFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "blobs")
	b, err := local.New(dir, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	obj := name("kept")
	if err := b.Put(t.Context(), obj, strings.NewReader("kept")); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * local.DefaultTempGrace)
	write := func(path string, mtime time.Time) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	orphans := []string{
		filepath.Join(dir, blob.TempPrefix+"spool-1"),
		filepath.Join(dir, obj[:2], blob.TempPrefix+"put-2"),
		filepath.Join(dir, "7f", blob.TempPrefix+"put-3"),
	}
	fresh := filepath.Join(dir, obj[:2], blob.TempPrefix+"put-4") // another process may be writing it
	foreign := []string{
		filepath.Join(dir, "README"),
		filepath.Join(dir, "zz", blob.TempPrefix+"x"), // not a fan-out folder: not ours
	}
	for _, p := range orphans {
		write(p, old)
	}
	write(fresh, time.Now())
	for _, p := range foreign {
		write(p, old)
	}

	if _, err := local.New(dir, local.Options{}); err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, p := range orphans {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("orphaned temp file %s survived New", p)
		}
	}
	for _, p := range append([]string{fresh, filepath.Join(dir, obj[:2], obj)}, foreign...) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("New removed %s: %v", p, err)
		}
	}

	// RemoveOrphans does the same for an open backend.
	late := filepath.Join(dir, obj[:2], blob.TempPrefix+"put-5")
	write(late, old)
	if n, err := b.RemoveOrphans(t.Context()); err != nil || n != 1 {
		t.Errorf("RemoveOrphans: removed %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(late); !os.IsNotExist(err) {
		t.Errorf("orphaned temp file %s survived RemoveOrphans", late)
	}

	// With a clock past the grace period, the fresh one goes too.
	later := func() time.Time { return time.Now().Add(2 * local.DefaultTempGrace) }
	b, err = local.New(dir, local.Options{Now: later})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("temp file %s survived New past its grace period", fresh)
	}
	names := []string{}
	if err := b.List(t.Context(), func(n string) error { names = append(names, n); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != obj {
		t.Errorf("List: got %v, want [%s]", names, obj)
	}
}

func TestNewRefusesAFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := local.New(path, local.Options{}); err == nil {
		t.Fatalf("New on a file: got no error")
	}
}

func TestListSkipsForeignFiles(t *testing.T) {
	t.Parallel()
	b := newBackend(t)
	n := name("listed")
	if err := b.Put(t.Context(), n, bytes.NewReader(nil)); err != nil {
		t.Fatal(err)
	}
	misplaced := name("misplaced")
	for _, p := range []string{
		filepath.Join(b.Dir(), n),                                 // an object name outside its fan-out folder
		filepath.Join(b.Dir(), "00", misplaced),                   // in the wrong fan-out folder
		filepath.Join(b.Dir(), n[:2], blob.TempPrefix+"put-1234"), // a write in progress
		filepath.Join(b.Dir(), n[:2], strings.ToUpper(misplaced)), // not a valid name
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	if err := b.List(t.Context(), func(n string) error { got = append(got, n); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != n {
		t.Fatalf("List: got %v, want [%s]", got, n)
	}
}
