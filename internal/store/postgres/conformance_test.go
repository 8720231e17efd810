package postgres

import (
	"testing"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/store/storetest"
)

// TestConformance runs the catalog.Store conformance suite, each subtest on a fresh store in a
// schema of its own.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) catalog.Store {
		return newTestStore(t, Options{AuditSigner: storetest.Signer()}).Store
	})
}
