// Package sqlite is vidb's embedded default catalog.Store: one SQLite file (modernc.org/sqlite,
// pure Go, no cgo) in WAL mode with synchronous=FULL, so that a committed change survives a
// power cut, and foreign keys on. One connection writes (every Update is a BEGIN IMMEDIATE
// transaction on it); a pool of query-only connections reads, and in WAL mode readers never
// wait for the writer.
//
// The schema lives in embedded, forward-only migrations (migrations/NNNN_name.sql), applied in
// order, each in its own transaction, and recorded in schema_migrations; a database whose schema
// is newer than this code is refused. testdata/schema.golden is the migrated schema; the schema
// test rewrites it with -update.
//
// Every transaction that appends audit events also stores their Merkle tree hashes (see
// internal/audit) and ends by signing a checkpoint of the new tree head, so the audit log, its
// tree and its latest signed head are exactly as durable as the change they record. *Store is
// also an audit.Source, which `vidb audit verify` reads.
//
// The access rules of catalog.Scope.Sees are applied in SQL, so that keyset pagination stays
// correct for every reader. The conformance suite internal/store/storetest checks this package
// against the catalog.Store contract; the tests here add what only SQLite has: the schema
// golden file, migrations, a tamper test, a crash test and the bulk-import benchmark.
//
// Bulk imports (ImportHashOnly) number their new records themselves and look up a chunk of
// records per query (by SHA-256 alone while every stored record has one), and the media
// table's foreign keys are checked at commit, so that a batch costs SQLite little more than
// its inserts and index updates; the writer keeps a large
// page cache and maps the file, because an import's index updates touch pages all over it.
//
// This package must not import net/http, os/exec (its crash test does, to run a child; the
// driver's libc links it for popen, which nothing here calls) or any other storage adapter: it
// is storage only, and the HTTP and CLI layers import it, never the reverse.
package sqlite
