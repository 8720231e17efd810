// Package video hashes videos frame by frame with vPDQ (video PDQ) and compares the frame hashes
// of two videos, following shared/spec/pdq.md section 6.
//
// Decoding is left to FFmpeg's command-line tools: [Hasher.Probe] runs ffprobe for the stream's
// size, frame rate, codec and duration, and [Hasher.Hash] and [Hasher.HashStream] run ffmpeg,
// which writes raw rgb24 frames to a pipe that the PDQ hasher (package pdq) reads. Frames are
// selected as the reference vPDQ selects them: with r seconds per hash and a stream frame rate
// fps, frame n (0-based, in decoder output order) is hashed when n is a multiple of int(r*fps),
// raised to 1. With the same FFmpeg build, the frame hashes equal the C++ vpdq-hash-video's bit
// for bit (checked on shared/testdata/vpdq against Debian 12's FFmpeg 5.1).
//
// Seized video is adversarial, and this package runs external processes on it. Every run has a
// fixed argument list (never a shell) and reads no standard input; the file is named by its
// absolute path behind "file:", so no name reads as an option or a protocol. A file may make
// ffmpeg open local files only (no network protocol) and is refused when its container is a
// playlist, manifest or concatenation script. Larger frames than the pixel budget are refused
// before decoding, each run has a deadline derived from the duration under an absolute cap,
// the hashed frames are counted against a limit, standard error is kept to a bounded tail, and
// the process group is killed when the context ends. A file that ffprobe or ffmpeg cannot read
// is an error for that file (wrapping [ErrBadVideo]), never a hang or a crash of the caller.
// [Hasher.HashStream] follows network streams (HLS, RTMP, ...) named by the investigator; their
// playlists may reach the network but not local files. [Hasher.HashFollow] follows a local
// file still being written, fed to ffmpeg through a pipe until it stops growing.
// [Hasher.Still] decodes one frame, scaled down, for previews, under the same limits.
//
// Matching follows python-threatexchange: [Dedup] drops exact duplicate frame hashes, frames
// of quality below [pdq.MinQuality] are kept but not matched, and [Compare] reports the share
// of one video's frames that have a frame of the other within the distance (inclusive), in
// both directions. A [Matcher] adds the decision (by default, a match when at least 80 % of the
// query's frames are found) and the matching time ranges of both videos; its Strict option
// reproduces the C++ match-hashes-brute instead.
//
// Because it starts processes, this is not one of the pure core packages (internal/codebase):
// it may import os/exec, but not net/http or database/sql, and it keeps no package-level
// mutable state. It imports the standard library and package pdq only.
package video
