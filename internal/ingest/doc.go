// Package ingest is the pipeline from uploaded bytes to a stored, indexed, matched record, and
// the search of the catalog by digests and perceptual hashes.
//
// Ingest reads an upload once: it computes the digests while spooling the bytes to a private
// temporary file (0600, removed on every path), recognises the kind of media by its content,
// decodes an image within a budget and hashes it with PDQ (and its 8 dihedral variants, which
// find flipped and rotated copies), or hashes a video's frames with vPDQ through package video.
// It stores the content in the encrypted blob vault, and the record, its sighting, its matches,
// the alerts they raise and the audit event in one catalog transaction, then brings the
// near-duplicate Index up to date. Matches are presented under the catalog's rules: a record the
// asker may not see is reported as a catalog.Hit naming only its owner country.
//
// Index is the in-memory near-duplicate index of the catalog's PDQ hashes (package hamming),
// built from Store.PDQEntries and kept current from the same change feed, so that replicas
// sharing one PostgreSQL database stay in step without rebuilding.
//
// This package must not import net/http, database/sql or any storage adapter
// (internal/store/...): it works through the catalog.Store and blob.Vault it is given. It runs
// ffmpeg only through package video.
package ingest
