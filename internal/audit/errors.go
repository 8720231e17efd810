package audit

import "errors"

// Errors callers may test for with errors.Is. Every error this package returns that fits one of
// them wraps it; the message around it names the event (by sequence number) or the file.
var (
	// ErrInvalidEvent means an event cannot be appended: see [Event.Validate].
	ErrInvalidEvent = errors.New("audit: invalid event")
	// ErrBadSignature means a checkpoint is not signed by the expected key, or its signature
	// does not verify.
	ErrBadSignature = errors.New("audit: bad checkpoint signature")
	// ErrMalformedCheckpoint means a checkpoint is not a signed note holding a tree head in the
	// form SignCheckpoint writes.
	ErrMalformedCheckpoint = errors.New("audit: malformed checkpoint")
	// ErrProof means an inclusion or consistency proof does not verify, or asks for something
	// impossible (an event beyond the tree, a tree smaller than an older one).
	ErrProof = errors.New("audit: proof does not verify")
	// ErrHashNotFound is what a Source's StoredHashes (and a store's tlog.HashReader) wraps when
	// a stored hash asked for does not exist.
	ErrHashNotFound = errors.New("audit: stored hash not found")
	// ErrKeyPermissions means the private key file can be read by group or others.
	ErrKeyPermissions = errors.New("audit: private key file is readable by group or others")
)
