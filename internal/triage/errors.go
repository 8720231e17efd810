package triage

import "errors"

// Sentinel errors; check with errors.Is.
var (
	// ErrUnsafePath reports an archive entry whose name is absolute, contains "..", or
	// otherwise escapes the archive. The entry is refused, not read.
	ErrUnsafePath = errors.New("triage: archive entry name escapes the archive")
	// ErrBomb reports an archive entry or archive whose decompressed size or compression ratio
	// is over the Limits: a decompression bomb. The entry (or the rest of the archive) is
	// refused.
	ErrBomb = errors.New("triage: decompression bomb refused")
	// ErrArchive reports an archive that could not be read (corrupt or truncated).
	ErrArchive = errors.New("triage: unreadable archive")
	// ErrMatcher reports a matcher that failed; the run stops, since continuing would call
	// known files unknown.
	ErrMatcher = errors.New("triage: matcher failed")
	// ErrState reports a resume state file that cannot be used.
	ErrState = errors.New("triage: resume state")
)
