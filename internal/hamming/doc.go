// Package hamming is vidb's near-duplicate index: an exact Hamming radius search over 256-bit
// codes (PDQ hashes), each stored with a 32-bit id that the catalog maps to a media item or a
// video frame.
//
// A search returns every stored code within distance r (inclusive) of the query, and nothing
// else, for any r from 0 to 256. Small radii (PDQ's usual 31) use multi-index hashing
// (Norouzi, Punjani and Fleet, TPAMI 2014) with direct-addressed tables; large radii use a
// linear scan, which is cheaper there. The design and the measurements behind it are in
// shared/spec/hamming.md; the snapshot file format is described in snapshot.go.
//
// The index is live: [Index.Add] and [Index.Remove] may run while searches run. New codes go
// to a small delta that searches scan linearly, removals are tombstones, and a background
// merge folds both into new static tables. Searches never wait for a merge.
//
// This package computes on memory and files only. It imports the standard library only and
// must not import net/http, database/sql or os/exec (internal/codebase enforces this).
package hamming
