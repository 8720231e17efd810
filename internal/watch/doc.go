// Package watch follows a live video stream (a file still being written, an HLS, RTMP or RTSP
// address on the investigator's network), hashes its frames as they arrive with package video,
// looks every usable frame up in held material and raises an alert as soon as one matches; when
// the stream ends, the frame hashes can be recorded as a new hash-only video record.
//
// Run drives one watch: video.Hasher.HashStream (for a local file, HashFollow, which reads the
// file as it grows) decodes and hashes, a second goroutine looks frames up in batches through
// a Matcher, so that a slow lookup never stalls decoding, and Options.OnAlert hears of each
// matched record at once. Two Matchers exist: Local searches a
// deployment's ingest.Index and records the alerts and the audit event in the catalog (Local
// also records the stream when it ends), and Remote adapts a triage.Matcher, such as the
// vidb-server client in internal/triage/remote.
//
// A live capture has no file: its record is identified by the SHA-256 of the canonical text of
// its frame hashes (video.WriteFrames output, see Digest), its Source is "watch:" and the
// stream's address without credentials, query or fragment (Source.Redacted).
//
// This package is core logic: it must not import net/http, database/sql, the storage adapters
// (internal/store/...) or internal/datadir, and it never prints; the CLI (cmd/vidb watch) wires
// it and renders alerts. It runs ffmpeg only through package video.
package watch
