// Package preview is what analysts see of media: a downscaled, blurred, greyscale preview by
// default, a video's contact sheet of blurred frames, and the full content only on an explicit
// reveal, which is audited and counted per user per UTC day against a per-deployment limit.
//
// Previews are derived from evidence, so they are cached in memory only (a bounded LRU keyed by
// media, blob and options) and never written to disk. The plaintext a contact sheet needs for
// ffmpeg is written to a temporary file of mode 0600 in Config.SpoolDir and removed as soon as
// ffmpeg is done with it. Every read checks the catalog's rules first (catalog.ScopeOf,
// catalog.Can); a record the user may not see is catalog.ErrNotFound.
//
// A video is probed and its frames extracted by package video (Hasher.Probe, Hasher.Still),
// which holds all the hardening of the ffmpeg runs: playlists, manifests and concatenation
// scripts refused, a fixed argument list, local-file protocols only, no standard input, a
// deadline and bounded output. This package starts no process itself: it must not import
// os/exec, net/http, database/sql or any storage adapter, and it keeps no package-level
// mutable state.
package preview
