package preview

import "errors"

// Sentinel errors of this package, besides the catalog's (ErrNotFound, ErrForbidden) and the
// blob store's (blob.ErrCorrupt for content that fails verification).
var (
	// ErrNoContent: the record is hash-only; vidb holds no content to show.
	ErrNoContent = errors.New("preview: no content held for this record")
	// ErrNoPreview: no preview can be made of the content (an undecodable image, a video when
	// contact sheets are not configured, a kind that has no preview).
	ErrNoPreview = errors.New("preview: no preview for this content")
	// ErrRevealLimit: the user has reached the deployment's daily reveal limit.
	ErrRevealLimit = errors.New("preview: daily reveal limit reached")
)
