// Package audit is vidb's tamper-evident, append-only log of everything that happens to the
// evidence: every read of media content, every change, every export and every login. Events are
// the leaves of a Merkle tree (RFC 6962, via golang.org/x/mod/sumdb/tlog); the tree heads are
// signed with Ed25519 as checkpoints (golang.org/x/mod/sumdb/note), and inclusion and
// consistency proofs show that an event is in the log and that the log only grew.
//
// The events live in the catalog's database, written in the same transaction as the change they
// record: the stores call this package to compute the hashes to store, and Verify recomputes
// everything from the rows and names the first event that was changed, removed or reordered.
//
// This package must not import net/http, database/sql or os/exec.
package audit
