package local_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/blob/local"
)

// crashChildEnv, when set in the environment of the test binary, makes it the child process
// of TestCrash instead of running tests: it writes blobs into the folder the variable names
// until it is killed.
const crashChildEnv = "VIDB_BLOB_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		if err := crashChild(dir); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild puts blobs of up to 3 MiB through a Vault into dir/blobs, one after another,
// appending the SHA-256 of each to dir/journal once Put has returned, and says "ready" on
// stdout after the first. It runs until it is killed.
func crashChild(dir string) error {
	keys, err := blob.LoadKeyFiles(filepath.Join(dir, "keys"))
	if err != nil {
		return err
	}
	b, err := local.New(filepath.Join(dir, "blobs"), local.Options{})
	if err != nil {
		return err
	}
	v := blob.NewVault(b, keys, b.Dir())
	journal, err := os.OpenFile(filepath.Join(dir, "journal"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(time.Now().UnixNano())))
	buf := make([]byte, 3<<20)
	for i := 0; ; i++ {
		data := buf[:rng.IntN(len(buf))]
		for j := 0; j+8 <= len(data); j += 8 {
			binary.LittleEndian.PutUint64(data[j:], rng.Uint64())
		}
		ref, err := v.Put(context.Background(), bytes.NewReader(data))
		if err != nil {
			return err
		}
		if _, err := journal.WriteString(hex.EncodeToString(ref.SHA256[:]) + "\n"); err != nil {
			return err
		}
		if i == 0 {
			fmt.Println("ready")
		}
	}
}

// TestCrash kills a process that is writing blobs, with SIGKILL, at random moments, several
// times over; then every blob in the folder must decrypt and verify, every blob whose Put
// returned must be there, and no temporary file may survive New.
func TestCrash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keys, err := blob.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.WriteKeyFiles(filepath.Join(dir, "keys")); err != nil {
		t.Fatal(err)
	}
	blobs := filepath.Join(dir, "blobs")
	rng := rand.New(rand.NewPCG(1, 2))
	const rounds = 8
	caught := 0 // rounds killed while a temporary file existed
	for round := range rounds {
		before := len(tempFiles(t, blobs))
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: child did not start: %q, %v", round, line, err)
		}
		time.Sleep(time.Duration(20+rng.IntN(300)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup runs
			t.Fatal(err)
		}
		cmd.Wait()
		if len(tempFiles(t, blobs)) > before {
			caught++
		}
	}
	t.Logf("%d of %d kills left a write half done", caught, rounds)

	// A restart within the grace period leaves recent temporary files alone (another process
	// could be writing them), and what is stored is whole.
	b, err := local.New(blobs, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := blob.NewVault(b, keys, b.Dir())
	stored := 0
	err = b.List(t.Context(), func(name string) error {
		stored++
		if _, err := v.Check(t.Context(), name); err != nil {
			t.Errorf("after the crashes: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	journal, err := os.ReadFile(filepath.Join(dir, "journal"))
	if err != nil {
		t.Fatal(err)
	}
	acknowledged := 0
	for line := range strings.Lines(string(journal)) {
		if !strings.HasSuffix(line, "\n") {
			continue // the child was killed while writing this line
		}
		sum, err := hex.DecodeString(strings.TrimSpace(line))
		if err != nil || len(sum) != sha256.Size {
			t.Fatalf("journal line %q", line)
		}
		acknowledged++
		rc, err := v.Open(t.Context(), [sha256.Size]byte(sum))
		if err != nil {
			t.Errorf("a blob whose Put returned is gone: %v", err)
			continue
		}
		if _, err := io.Copy(io.Discard, rc); err != nil {
			t.Errorf("a blob whose Put returned does not verify: %v", err)
		}
		rc.Close()
	}
	if acknowledged == 0 || stored < acknowledged {
		t.Fatalf("%d blobs stored, %d acknowledged; want at least one, and every acknowledged one stored", stored, acknowledged)
	}
	t.Logf("%d blobs stored, %d acknowledged by Put before the kills", stored, acknowledged)

	// Past the grace period, New removes every orphan.
	later := func() time.Time { return time.Now().Add(2 * local.DefaultTempGrace) }
	if _, err := local.New(blobs, local.Options{Now: later}); err != nil {
		t.Fatal(err)
	}
	if left := tempFiles(t, blobs); len(left) > 0 {
		t.Fatalf("temporary files survived New: %v", left)
	}
}

// tempFiles returns the temporary files anywhere under dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if path == dir && errors.Is(err, fs.ErrNotExist) {
			return nil // not made yet
		}
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), blob.TempPrefix) {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}
