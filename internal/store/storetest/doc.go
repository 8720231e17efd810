// Package storetest is the conformance suite of catalog.Store: one set of tests that every
// implementation (internal/store/sqlite, internal/store/postgres) runs from its own tests with
//
//	storetest.Run(t, func(t *testing.T) catalog.Store { ... a fresh, empty store ... })
//
// The suite checks each method against the contract written in internal/catalog/store.go and
// nothing more: CRUD of every record type, uniqueness, transactions that roll back whole,
// ErrUnaudited, concurrent writers, keyset pagination, the access rules (every read method
// with a Scope against catalog.Scope.Sees, over every role and visibility), digest lookups,
// the PDQ change feed, the audit log (verified with audit.Verify) and hash-only imports.
// Where the contract leaves a choice open (the order of a match's sides, what a record's
// times are when the caller leaves them zero), the suite accepts every choice.
//
// The store must sign its audit checkpoints with Signer(), so that the suite can verify them
// with Verifier(), and must also implement audit.Source.
//
// This package is imported by tests only. It must not import a storage adapter (the adapters
// import it), net/http or os/exec.
package storetest
