package sqlite

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/store/storetest"
)

// crashEnv names the database a crash-test child writes to; set only in the child.
const crashEnv = "VIDB_SQLITE_CRASH_DB"

// TestCrash kills a process that is writing, with SIGKILL, at a random moment, several times
// over, and checks after each kill that the database is whole: SQLite's integrity check
// passes, the audit log verifies (no gap, every event signed), every media record has the
// sighting written in its transaction, and nothing the child saw committed is lost.
//
// The child is this test binary, run again with crashEnv set: it appends upload transactions
// (a media record, its sighting, a video's frames, the audit event, the checkpoint) until it is
// killed, printing the number of each transaction once it has committed.
func TestCrash(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "vidb.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	committed := 0
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let the child commit a few transactions, then kill it at a random moment.
		lines := bufio.NewScanner(out)
		last := -1
		target := 5 + rng.IntN(20)
		for n := 0; n < target && lines.Scan(); n++ {
			if v, err := strconv.Atoi(strings.TrimPrefix(lines.Text(), "committed ")); err == nil {
				last = v
			}
		}
		time.Sleep(time.Duration(rng.IntN(30_000)) * time.Microsecond)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		for lines.Scan() { // what it reported before it died
			if v, err := strconv.Atoi(strings.TrimPrefix(lines.Text(), "committed ")); err == nil {
				last = v
			}
		}
		_ = cmd.Wait()
		if last < 0 {
			t.Fatalf("round %d: the child committed nothing", round)
		}
		committed = checkAfterCrash(t, path, last)
		t.Logf("round %d: killed after %d committed uploads (%d in the database)", round, last, committed)
	}
	if committed == 0 {
		t.Fatal("no upload survived")
	}
}

// checkAfterCrash reopens the database and checks it; it returns the number of media records.
func checkAfterCrash(t *testing.T, path string, reported int) int {
	t.Helper()
	s, err := Open(t.Context(), path, Options{AuditSigner: storetest.Signer()})
	if err != nil {
		t.Fatalf("reopening after the crash: %v", err)
	}
	defer s.Close()
	var ok string
	if err := s.w.QueryRowContext(t.Context(), "PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q, %v", ok, err)
	}
	var fkErrors int
	if err := s.w.QueryRowContext(t.Context(), "SELECT count(*) FROM pragma_foreign_key_check").Scan(&fkErrors); err != nil || fkErrors != 0 {
		t.Errorf("foreign_key_check: %d violations, %v", fkErrors, err)
	}
	rep, err := audit.Verify(t.Context(), s, storetest.Verifier(), nil)
	if err != nil {
		t.Fatalf("audit.Verify: %v", err)
	}
	if !rep.OK() {
		t.Fatalf("audit.Verify after the crash: %v", rep.Problem)
	}
	var media, orphans, events int
	q := func(sql string, dst *int) {
		if err := s.w.QueryRowContext(t.Context(), sql).Scan(dst); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	q("SELECT count(*) FROM media", &media)
	q("SELECT count(*) FROM media m WHERE NOT EXISTS (SELECT 1 FROM sightings s WHERE s.media_id = m.id) OR NOT EXISTS (SELECT 1 FROM frames f WHERE f.media_id = m.id)", &orphans)
	q("SELECT count(*) FROM audit_events WHERE action = 'media.upload'", &events)
	if orphans != 0 {
		t.Errorf("%d media records without their sighting or frames: a transaction was half written", orphans)
	}
	if events != media {
		t.Errorf("%d media records but %d upload events: a change without its audit event, or the reverse", media, events)
	}
	if media < reported {
		t.Errorf("%d media records, but the child saw %d uploads committed: committed work was lost", media, reported)
	}
	if int64(events) > rep.Events {
		t.Errorf("%d upload events, %d events verified", events, rep.Events)
	}
	return media
}

// crashChild is the child of TestCrash: it writes uploads until it is killed.
func crashChild(t *testing.T, path string) {
	s, err := Open(t.Context(), path, Options{AuditSigner: storetest.Signer()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var c catalog.Case
	if _, err := s.Country(ctx, "FR"); err != nil {
		c = addFixture(t, s)
	} else if c, err = s.CaseByNumber(ctx, catalog.SystemScope(), "FR", "FR-1"); err != nil {
		t.Fatal(err)
	}
	start, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := int(start.Media); ; i++ {
		err := s.Update(ctx, func(tx catalog.Tx) error {
			m, _, err := tx.PutMedia(ctx, catalog.Media{
				Digests: catalog.Digests{SHA256: [32]byte{byte(i), byte(i >> 8), byte(i >> 16), 0xc8}},
				Kind:    catalog.KindVideo, Access: c.Access, Blob: fmt.Sprint("blob-", i), Source: "upload",
			})
			if err != nil {
				return err
			}
			if _, err := tx.AddSighting(ctx, catalog.Sighting{Media: m.ID, Case: c.ID, Path: fmt.Sprintf("/%d.mp4", i), Country: "FR"}); err != nil {
				return err
			}
			frames := make([]catalog.Frame, 20)
			for f := range frames {
				frames[f] = catalog.Frame{Number: f, Timestamp: time.Duration(f) * time.Second,
					PDQ: catalog.PDQ{Hash: [32]byte{byte(i), byte(f)}, Quality: 90}}
			}
			if err := tx.PutFrames(ctx, m.ID, frames); err != nil {
				return err
			}
			_, err = tx.Audit(ctx, audit.Event{Actor: "crash", Action: "media.upload", Object: fmt.Sprintf("media/%d", m.ID)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("committed %d\n", i+1)
	}
}
