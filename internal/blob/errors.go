package blob

import (
	"errors"
	"strconv"
)

// Sentinel errors. Errors returned by this package and by backends wrap them in an [*Error]
// naming the blob; check for them with errors.Is.
var (
	// ErrNotFound reports that no blob has the name.
	ErrNotFound = errors.New("blob not found")
	// ErrInvalidName reports a name that is not 64 lowercase hex digits (see [ValidName]).
	ErrInvalidName = errors.New("invalid blob name")
	// ErrCorrupt reports a blob whose stored bytes are damaged: truncated, altered, or holding
	// content other than the content its name stands for.
	ErrCorrupt = errors.New("blob corrupt")
	// ErrWrongKey reports a blob that no key of this deployment opens: the blob was encrypted
	// under another key, or its header is damaged (age cannot tell the two apart).
	ErrWrongKey = errors.New("blob not encrypted to this deployment's key")
	// ErrDigestMismatch reports content that does not hash to the SHA-256 the caller said it
	// would ([Vault.PutVerified]); nothing was stored.
	ErrDigestMismatch = errors.New("content does not match the expected SHA-256")
	// ErrTooLarge reports a blob larger than the limit given to [Vault.ReadAll].
	ErrTooLarge = errors.New("blob larger than the limit")
)

// Error records a failed operation on one blob. Backends and the [Vault] return it so that
// every failure names the blob it concerns.
type Error struct {
	// Op is the operation: "put", "open", "read", "delete", "exists", "check".
	Op string
	// Name is the blob's name (its keyed name, never the plaintext digest).
	Name string
	// Err is the cause; it wraps one of the sentinel errors where one applies.
	Err error
}

// Error returns "blob OP NAME: CAUSE".
func (e *Error) Error() string {
	return "blob " + e.Op + " " + quoteName(e.Name) + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// quoteName returns a valid name as is and anything else quoted and cut short, since an
// invalid name may come from anywhere.
func quoteName(name string) string {
	if ValidName(name) == nil {
		return name
	}
	const max = 80
	if len(name) > max {
		return strconv.Quote(name[:max]) + "..."
	}
	return strconv.Quote(name)
}
