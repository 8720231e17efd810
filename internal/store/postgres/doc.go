// Package postgres is the scale-out implementation of catalog.Store: the catalog, its PDQ change
// feed and its audit log in one PostgreSQL database (github.com/jackc/pgx/v5), shared by any
// number of stateless vidb replicas.
//
// # Schema and migrations
//
// The schema is created by the embedded, forward-only migrations in migrations/ (NNNN_name.sql),
// applied by Open under a session advisory lock, so that replicas starting together migrate once,
// and recorded in schema_migrations. Open refuses a database migrated by a newer vidb
// (ErrSchemaTooNew). testdata/schema.golden is the migrated schema as PostgreSQL reports it;
// TestSchemaGolden compares the two (go test -run TestSchemaGolden -update rewrites it).
// Options.Schema puts the tables in a schema of their own (created if missing), which is how the
// tests isolate each store.
//
// # Transactions
//
// Update runs at READ COMMITTED with explicit locking, and retries the whole function on a
// serialisation failure (40001) or a deadlock (40P01):
//
//   - A single-record read inside a transaction of a record that callers change by writing it
//     back whole (Media, Series, Person, Credential) takes a FOR NO KEY UPDATE row lock, so the usual
//     read-change-write in fn cannot lose a concurrent update: the second reader waits and
//     then reads the committed value. User reads take FOR SHARE (nearly every transaction
//     reads who is asking; two read-change-writes of one user deadlock and are retried).
//     Countries, cases and clues, which have no update method, and listings do not lock.
//   - Creation races are settled by unique indexes (one media per SHA-256, one case number per
//     owner, ...), with ON CONFLICT where the contract wants the existing record, never by
//     read-then-insert.
//   - The audit log and the PDQ feed are appended under one transaction-scoped advisory lock
//     (pg_advisory_xact_lock, keyed by schema), taken at the first append and held to commit.
//     Leaf numbers are therefore contiguous, and feed sequence numbers, drawn only under the
//     lock, become visible in the order they were drawn.
//   - AddReveal takes that lock before it counts, so that one user's concurrent reveals are
//     counted one after the other against the daily limit.
//
// SERIALIZABLE was rejected: its snapshot is taken at the first statement, so a transaction
// that waited for the audit lock would still see the log head as it was before the wait and
// fail on every concurrent append; writers would abort each other instead of queueing.
//
// A transaction that changed anything but appended no audit event is rolled back with
// catalog.ErrUnaudited. One that appended events stores, before it commits, a checkpoint of
// the new tree head signed with Options.AuditSigner; a store opened without a signer can read
// but not audit.
//
// # The PDQ change feed
//
// pdq_feed holds every live PDQ hash (an image's, frame -1, or a video frame's) once, plus a
// removal row for every hash removed or replaced, each under its sequence number; when a hash
// goes, its live row is dropped and the removal appended. PDQEntries(after) is one index range
// scan, read a page at a time. Sequence numbers drawn by concurrent transactions could commit
// out of order, and a replica that had read up to 7 would never look back for a 6 committed
// later. Here they are drawn only while holding the write lock, the same advisory lock every
// audited transaction takes anyway, which is released after the commit is visible: every
// snapshot sees a prefix of the sequence, and a replica that remembers the last number it read
// misses nothing (TestFeedOrderUnderConcurrency polls the feed against concurrent writers).
//
// # Bulk import
//
// ImportHashOnly reads records in batches (Options.ImportBatch, default 50,000). Each batch is
// one transaction: its digests are copied (COPY) into a temporary staging table and matched
// against media in one set-based statement; the batch is then decided in memory in input
// order (new, known, updated, conflict, exactly as a record-by-record import would), its new
// rows are copied straight into media with IDs drawn beforehand, categories set with one
// UPDATE, and the batch audited and checkpointed. Two batches are in flight, on two
// connections, so the index maintenance that dominates the cost uses two server cores; the
// second decides with the first's decisions in hand and commits only after it.
//
// # Audit source
//
// *Store implements audit.Source, each method reading the latest committed state; while
// others append, verify from an AuditSnapshot instead (one REPEATABLE READ transaction), so
// that events, hashes and checkpoints come from one instant.
//
// # Errors
//
// Unique violations are catalog.ErrConflict; check, not-null and data errors, and references
// to records that do not exist (foreign keys), are catalog.ErrInvalid; the PostgreSQL error
// stays in the chain for the log.
//
// This package must not import net/http.
package postgres
