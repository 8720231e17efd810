package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/store/storetest"
)

// openTest opens a fresh store in the test's temporary directory, closed at cleanup.
func openTest(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.AuditSigner == nil {
		opts.AuditSigner = storetest.Signer()
	}
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "vidb.db"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) catalog.Store { return openTest(t, Options{}) })
}
