package catalog

import "errors"

// Sentinel errors returned by the catalog and by every Store implementation. Check them with
// errors.Is; the wrapped message may carry detail for the log but not for another country.
var (
	// ErrNotFound: no such record, or one the asker may not see (the two are indistinguishable
	// on purpose).
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the asker may see the record but not do this to it.
	ErrForbidden = errors.New("forbidden")
	// ErrConflict: the change collides with an existing record (a duplicate key, a stale update).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the record or request breaks a rule of the domain (a malformed country code,
	// an unknown role, a region outside the image).
	ErrInvalid = errors.New("invalid")
	// ErrUnaudited: a transaction changed records but recorded no audit event; it was rolled back.
	ErrUnaudited = errors.New("change without an audit event")
)
