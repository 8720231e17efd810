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
// # What a store does
//
// A store keeps three tables: the events (one row per Event, keyed by Seq), the stored hashes
// (index -> hash, see tlog.StoredHashIndex) and the checkpoints (size -> root and signed note).
// Appends are serialised (one writer, or a lock on the log). Inside the transaction of a change:
//
//  1. n is the log's size (the number of events); the event gets e.Seq = n, a Time truncated
//     to the microsecond, and must pass [Event.Validate];
//  2. hs := NewHashes(e, r), where r reads the stored-hashes table inside the transaction;
//  3. insert the event row, and hs[i] at index HashIndex(n)+i;
//  4. repeat for the transaction's other events; then, before committing, sign the new head
//     with SignCheckpoint(size, TreeHash(size, r), signer) and insert the checkpoint.
//
// So every transaction is anchored by a signature, and tampering is pinned to the events of a
// transaction at worst. MemLog does exactly this in memory; it is the reference the stores
// follow. To verify, a store implements [Source] over one read snapshot and calls Verify.
//
// # Threat model
//
// An attacker may write to the database but does not hold the signing key (the file
// SignerKeyFile, mode 0600). Whatever rows they change, insert or delete, Verify finds it,
// except removing the newest transactions whole together with their checkpoints (or emptying
// the log): the log then looks exactly as it did before them. A checkpoint kept outside the
// database (Report.Head, printed by `vidb audit verify`) and passed to Verify as trusted
// closes that gap up to its size.
//
// # Format
//
// The leaf encoding (see Leaf) and the checkpoint text (tlog.FormatTree's) are on-disk
// formats: every stored hash and signature depends on them, and testdata/leaf.golden guards
// the leaf encoding.
//
// This package must not import net/http, database/sql or os/exec.
package audit
