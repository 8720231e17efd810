// Package triage sorts a seized device into known, near, unknown, not-media and failed files:
// it walks folders and archives safely, fingerprints every file on all cores (through
// internal/fingerprint: digests, PDQ and its 8 dihedral variants), asks any number of
// Matchers which files are already known, and hands each classified file to the caller in walk
// order. `vidb triage` is its command line.
//
// # What is walked
//
// Each path is a folder, a file, or an archive: a zip, a tar, or a gzip-compressed tar, all
// recognised by their content, not their name, whether named on the command line or found in
// a folder. Inside folders symbolic links and special files are skipped, so a walk never leaves
// the tree. An archive entry is reported with the path ARCHIVE!/ENTRY.
//
// Archives are read in memory, never extracted to disk, and distrusted:
//   - an entry whose name is absolute, contains "..", or otherwise escapes the archive is
//     refused and reported as failed ([ErrUnsafePath]); link entries are skipped, never followed;
//   - decompression is bounded ([Limits]): an entry over MaxEntryBytes, an archive over
//     MaxArchiveBytes, and a compression ratio over MaxRatio (per zip entry; for a tar.gz over
//     the whole stream) are refused as a decompression bomb ([ErrBomb]); the rest of an archive
//     whose total budget ran out is refused with one message;
//   - nesting is depth 1: an archive inside an archive is not expanded; it is fingerprinted as
//     a file (class not-media).
//
// # Classes
//
// A file is known when a matcher holds its exact digest (MD5, SHA-1 or SHA-256), near when a
// matcher holds a PDQ hash within the radius (31 by default) of one of its 8 dihedral hashes
// and its PDQ quality is at least catalog.MatchableQuality, unknown when it is media that no
// matcher knows, not-media when its content is not an image or a video, and failed when it
// could not be read or decoded, or was refused.
//
// A video is known when a matcher holds its digest. With Options.Video (a VideoHasher: the CLI
// wires in internal/video, which runs ffmpeg), its frames are hashed too (an archive entry is
// first written to a 0600 file in Options.SpoolDir, removed as soon as it is hashed), and each
// distinct frame hash of matchable quality is put to the matchers: a video whose frames match is
// near, each match carrying the stretch of the video (Match.Seconds) whose frames matched it.
// A video whose frames cannot be hashed fails unless its digest is known. Without Options.Video,
// videos are classified by digest only.
//
// # Matchers
//
// [HashSet] holds VICS hash sets in memory (digests as fixed-size keys, PDQ hashes in a
// hamming.Index); [CatalogMatcher] looks digests up in a catalog.Store and PDQ hashes in an
// index built from its PDQEntries; package remote asks a vidb server.
//
// # Resuming, reporting
//
// [State] is the file of finished files, keyed by (path, size, modification time), that lets
// an interrupted run resume: a re-run skips those files and reports their recorded results,
// so its output equals an uninterrupted run's. [Summary], [HTMLReport] and [VICSExport] turn
// the results into counts, a self-contained HTML report and a VICS 2.0 case export.
//
// This package computes on local files and memory: it must not import net/http, database/sql,
// os/exec (directly or through internal/video), the store adapters or internal/datadir (the
// CLI wires those in).
package triage
