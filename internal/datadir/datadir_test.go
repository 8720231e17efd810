package datadir

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/catalog"
)

func ctx() context.Context { return context.Background() }

func TestInitAndOpen(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	if err := Init(ctx(), dir, Options{}); err != nil {
		t.Fatalf("Init: %v", err)
	}
	for _, p := range []string{DBFile, BlobsDir, SpoolDir, KeysDir, IndexDir, stampFile} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("after Init: %v", err)
		}
	}
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v; a data folder must be private to its owner", path, fi.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Init refuses to overwrite anything.
	keyBefore, _ := os.ReadFile(filepath.Join(dir, KeysDir, "audit.key"))
	if err := Init(ctx(), dir, Options{}); !errors.Is(err, ErrExists) {
		t.Errorf("Init over an existing deployment = %v, want %v", err, ErrExists)
	}
	if keyAfter, _ := os.ReadFile(filepath.Join(dir, KeysDir, "audit.key")); !bytes.Equal(keyBefore, keyAfter) {
		t.Errorf("a refused Init changed the audit key")
	}

	d, err := Open(ctx(), dir, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	// The folder is this process's alone while open.
	if _, err := Open(ctx(), dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Errorf("second Open = %v, want %v", err, ErrLocked)
	}
	snap, err := d.Store.AuditSource(ctx())
	if err != nil {
		t.Fatal(err)
	}
	report, err := audit.Verify(ctx(), snap, d.Verifier, nil)
	snap.Close()
	if err != nil || !report.OK() || report.Events != 1 {
		t.Errorf("audit after Init: %+v, %v; want OK with the init event", report, err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = Open(ctx(), dir, Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	d.Close()
}

func TestOpenRefusesOtherFolders(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	if _, err := Open(ctx(), empty, Options{}); !errors.Is(err, ErrNotDataDir) {
		t.Errorf("Open(empty folder) = %v, want %v", err, ErrNotDataDir)
	}
	if _, err := Open(ctx(), filepath.Join(empty, "missing"), Options{}); !errors.Is(err, ErrNotDataDir) {
		t.Errorf("Open(missing folder) = %v, want %v", err, ErrNotDataDir)
	}
	notEmpty := t.TempDir()
	os.WriteFile(filepath.Join(notEmpty, "holiday.jpg"), []byte("x"), 0o600)
	if err := Init(ctx(), notEmpty, Options{}); !errors.Is(err, ErrExists) {
		t.Errorf("Init(folder with a file) = %v, want %v", err, ErrExists)
	}
}

const crashEnv = "VIDB_DATADIR_CRASH_CHILD"

// TestCrash kills a process that writes evidence (blob, media record, sighting, audit event) in
// a loop, at random moments, and checks after each kill that the data folder is consistent:
// every media record has its blob, intact; the audit log verifies with no gap; no temporary
// file survives Open.
func TestCrash(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(dir)
		return
	}
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	if err := Init(ctx(), dir, Options{}); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	kills := 6
	if testing.Short() {
		kills = 2
	}
	for round := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir, "VIDB_CRASH_ROUND="+strconv.Itoa(round))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(300+r.IntN(700)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if !strings.Contains(fmt.Sprint(err), "killed") {
			t.Fatalf("round %d: the child ended by itself (%v):\n%s", round, err, out.String())
		}
		checkConsistent(t, dir, round)
	}
}

// crashChild writes evidence until it is killed.
func crashChild(dir string) {
	d, err := Open(ctx(), dir, Options{})
	if err != nil {
		fmt.Println("child open:", err)
		os.Exit(2)
	}
	round, _ := strconv.Atoi(os.Getenv("VIDB_CRASH_ROUND"))
	r := rand.New(rand.NewPCG(uint64(round), 9))
	var owner catalog.CountryCode = "FR"
	var c catalog.Case
	err = d.Store.Update(ctx(), func(tx catalog.Tx) error {
		if _, err := tx.Country(ctx(), owner); errors.Is(err, catalog.ErrNotFound) {
			if err := tx.AddCountry(ctx(), catalog.Country{Code: owner, Name: "France"}); err != nil {
				return err
			}
		}
		var err error
		c, err = tx.CreateCase(ctx(), catalog.Case{Number: fmt.Sprintf("crash-%d", round), Access: catalog.Access{Owner: owner, Visibility: catalog.VisibilityOwner}})
		if err != nil {
			return err
		}
		_, err = tx.Audit(ctx(), audit.Event{Time: time.Now().UTC().Truncate(time.Microsecond), Actor: "system", Action: "case.create", Object: fmt.Sprintf("case/%d", c.ID)})
		return err
	})
	if err != nil {
		fmt.Println("child setup:", err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		content := make([]byte, 1000+r.IntN(200_000))
		for j := range content {
			content[j] = byte(r.Uint32())
		}
		ref, err := d.Vault.Put(ctx(), bytes.NewReader(content))
		if err != nil {
			fmt.Println("child put:", err)
			os.Exit(2)
		}
		err = d.Store.Update(ctx(), func(tx catalog.Tx) error {
			m, _, err := tx.PutMedia(ctx(), catalog.Media{
				Digests: catalog.Digests{SHA256: ref.SHA256}, Size: ref.Size, Kind: catalog.KindUnknown,
				Access: catalog.Access{Owner: owner, Visibility: catalog.VisibilityOwner}, Blob: ref.Name, Source: "upload",
			})
			if err != nil {
				return err
			}
			if _, err := tx.AddSighting(ctx(), catalog.Sighting{Media: m.ID, Case: c.ID, Path: fmt.Sprintf("/%d/%d", round, i), Country: owner}); err != nil {
				return err
			}
			_, err = tx.Audit(ctx(), audit.Event{Time: time.Now().UTC().Truncate(time.Microsecond), Actor: "system", Action: "media.upload", Object: fmt.Sprintf("media/%d", m.ID)})
			return err
		})
		if err != nil {
			fmt.Println("child update:", err)
			os.Exit(2)
		}
	}
}

func checkConsistent(t *testing.T, dir string, round int) {
	t.Helper()
	d, err := Open(ctx(), dir, Options{})
	if err != nil {
		t.Fatalf("round %d: Open after the crash: %v", round, err)
	}
	defer d.Close()
	for _, sub := range []string{BlobsDir, SpoolDir} {
		filepath.Walk(filepath.Join(dir, sub), func(path string, fi os.FileInfo, err error) error {
			if err == nil && strings.HasPrefix(fi.Name(), blob.TempPrefix) {
				t.Errorf("round %d: temporary file %s survived Open", round, path)
			}
			return nil
		})
	}
	media := 0
	for p := (catalog.Page{}); ; {
		list, err := d.Store.MediaList(ctx(), catalog.SystemScope(), catalog.MediaFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range list {
			media++
			data, err := d.Vault.ReadAll(ctx(), m.Digests.SHA256, 1<<20)
			if err != nil {
				t.Errorf("round %d: media %d: its blob: %v", round, m.ID, err)
			} else if sha256.Sum256(data) != m.Digests.SHA256 {
				t.Errorf("round %d: media %d: blob content does not match", round, m.ID)
			}
			s, err := d.Store.Sightings(ctx(), catalog.SystemScope(), m.ID, catalog.Page{})
			if err != nil || len(s) != 1 {
				t.Errorf("round %d: media %d has %d sightings (%v), want 1: a half-written transaction", round, m.ID, len(s), err)
			}
		}
		if len(list) < p.Size() {
			break
		}
		p.After = int64(list[len(list)-1].ID)
	}
	snap, err := d.Store.AuditSource(ctx())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	report, err := audit.Verify(ctx(), snap, d.Verifier, nil)
	if err != nil || !report.OK() {
		t.Errorf("round %d: audit after the crash: %+v, %v", round, report.Problem, err)
	}
	t.Logf("round %d: %d media, %d audit events, consistent", round, media, report.Events)
}
