// Package fingerprint computes what vidb knows about a file from its bytes alone: the digests
// (MD5, SHA-1, SHA-256, size), the kind of media recognised from its content, the image's
// dimensions, and its PDQ perceptual hash with quality and, on request, the 8 dihedral hashes.
//
// It is the first stage shared by `vidb hash`, triage and ingest: File and Bytes fingerprint one
// input with a per-goroutine Hasher, and Walk runs a Hasher per core over files and folders and
// hands the results back in input order. The package reports progress through a callback and
// never prints.
//
// Memory is bounded by the pixels in flight: before decoding, a Hasher reads the image's
// declared size and takes that many pixels from a PixelBudget shared by its workers (Walk makes
// one of WalkOptions.MaxPixelsInFlight), so a few large images do not decode side by side while
// small ones still decode in parallel.
//
// This package must not import net/http, database/sql or os/exec.
package fingerprint
