package triage

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzArchive feeds arbitrary bytes to the walk as a file: it must never panic, hang or read
// past its limits, and must report every file exactly once or fail it.
func FuzzArchive(f *testing.F) {
	f.Add(zipBytes(f, zipEntry{"a.txt", []byte("hello")}, zipEntry{"../x", []byte("y")}))
	f.Add(tarGzBytes(f, zipEntry{"a.txt", []byte("hello")}))
	f.Add([]byte("PK\x03\x04 not really"))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "input")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		lim := Limits{MaxEntryBytes: 1 << 20, MaxArchiveBytes: 4 << 20, MaxInMemory: 1 << 19}
		err := Run(context.Background(), []string{p}, Options{Workers: 1, Limits: lim}, func(r Result) error {
			if r.Class == "" {
				t.Errorf("%s: no class", r.Path)
			}
			if r.Class == ClassFailed && r.Error == "" {
				t.Errorf("%s: failed without an error", r.Path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
