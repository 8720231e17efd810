package triage

import (
	"context"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/pdq"
)

// Class is what triage decided about a file.
type Class string

// The classes, in the order reports list them.
const (
	ClassKnown    Class = "known"     // a matcher holds its exact digest
	ClassNear     Class = "near"      // a matcher holds a PDQ hash within the radius
	ClassUnknown  Class = "unknown"   // media nobody knows: what an examiner must look at
	ClassNotMedia Class = "not-media" // neither an image nor a video
	ClassFailed   Class = "failed"    // unreadable, undecodable, or refused
)

// Classes lists every class in report order.
var Classes = [...]Class{ClassKnown, ClassNear, ClassUnknown, ClassNotMedia, ClassFailed}

// Key identifies a file for resuming: its path as reported, size and modification time (Unix
// nanoseconds). A file changed since a previous run has another key and is triaged again.
type Key struct {
	Path  string `json:"path"`
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime"`
}

// Category is a media category as the (scheme, code) pair of catalog.Category.
type Category struct {
	Scheme string `json:"scheme"`
	Code   string `json:"code"`
}

// CategoryOf converts a catalog category; the zero category gives nil.
func CategoryOf(c catalog.Category) *Category {
	if c.IsZero() {
		return nil
	}
	return &Category{Scheme: c.Scheme, Code: c.Code}
}

// String returns "scheme:code".
func (c Category) String() string { return c.Scheme + ":" + c.Code }

// The kinds of Match.
const (
	MatchExact = string(catalog.MatchExact)
	MatchNear  = string(catalog.MatchNear)
	MatchVideo = string(catalog.MatchVideo) // the file is near a frame of a known video
)

// Match is one record a matcher holds that matches a file. When the record belongs to a
// country the asker may not see, only Hit is set (the owner country and its message).
type Match struct {
	// Source names the matcher: "data", "server", or "known:" and the hash set's name.
	Source string `json:"source"`
	// Kind is MatchExact, MatchNear or MatchVideo.
	Kind string `json:"kind"`
	// Distance is the PDQ distance of a near or video match; 0 for exact matches.
	Distance int `json:"distance"`
	// Media is the record's ID in the source's catalog, 0 when the source has none.
	Media    int64     `json:"media,omitempty"`
	Category *Category `json:"category,omitempty"`
	Series   string    `json:"series,omitempty"`
	// SeriesStatus is "unidentified" or "identified" when the source says.
	SeriesStatus string `json:"series_status,omitempty"`
	// PDQ is the matched record's hash for near matches (hex), when the source says.
	PDQ string `json:"pdq,omitempty"`
	// HitOwner and HitMessage are set instead of the fields above for a record the asker may
	// not see: "a record owned by XX matches; contact XX".
	HitOwner   string `json:"hit_owner,omitempty"`
	HitMessage string `json:"hit_message,omitempty"`
	// Seconds is, for a video triaged frame by frame, the stretch of the video whose frames
	// matched this record (from the first to the last matching frame).
	Seconds *Span `json:"seconds,omitempty"`
}

// Span is a stretch of a video, in seconds from its start.
type Span struct {
	From float64 `json:"from"`
	To   float64 `json:"to"`
}

// Upload is what became of a file sent to a server as new evidence (vidb triage --upload).
type Upload struct {
	// Status is the server's answer: "new", "held" or "hit"; empty when the upload failed.
	Status string `json:"status,omitempty"`
	// Media is the record's ID on the server (absent for a hit).
	Media int64 `json:"media,omitempty"`
	// Error says why the upload failed.
	Error string `json:"error,omitempty"`
}

// Result is one file's triage: the line `vidb triage --json` prints and the State records.
type Result struct {
	Key
	Class  Class  `json:"class"`
	Kind   string `json:"kind,omitempty"` // image, video or other; empty when unread
	Format string `json:"format,omitempty"`
	MD5    string `json:"md5,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	// PDQ is the image's hash (hex) and Quality its quality, 0 to 100.
	PDQ     string `json:"pdq,omitempty"`
	Quality *int   `json:"quality,omitempty"`
	// Frames is, for a video hashed frame by frame, the number of its distinct frame hashes of
	// matchable quality (those put to the matchers).
	Frames  int     `json:"frames,omitempty"`
	Matches []Match `json:"matches,omitempty"`
	// Upload is set for a file sent to a server (see Upload); the State keeps it, so that a
	// resumed run does not send the file again.
	Upload *Upload `json:"upload,omitempty"`
	// Error says why the file failed.
	Error string `json:"error,omitempty"`
	// Err is the error itself, for errors.Is; nil for results read back from a State.
	Err error `json:"-"`
	// Thumbnail is a blurred greyscale PNG preview of an image, when Options.Thumbnails asked
	// for one and the file is unknown or near; never written to JSON or the State.
	Thumbnail []byte `json:"-"`
	// Content is the bytes of an archive entry whose class Options.Content asked for (files on
	// disk are read again from Path); never written to JSON or the State.
	Content []byte `json:"-"`
}

// Category returns the category of the first exact match that has one, or nil.
func (r *Result) Category() *Category {
	for _, m := range r.Matches {
		if m.Kind == MatchExact && m.Category != nil {
			return m.Category
		}
	}
	return nil
}

// Query is what matchers are asked about one file.
type Query struct {
	// Digests are the file's digests (all three are known for a file triage read).
	Digests catalog.Digests
	// PDQ holds the hashes to search near: the image's 8 dihedral hashes (the original
	// first), or none when the file has no PDQ hash or its quality is below the minimum.
	PDQ []pdq.Hash
	// Quality is the PDQ quality (0 when PDQ is empty).
	Quality int
}

// Matcher finds the records a source holds that match files. Match returns, for each query in
// order, its matches: exact matches on any digest, and near matches within the matcher's
// radius of any of the query's PDQ hashes (the smallest distance per record). An error stops
// the run. Implementations must be safe for use by one goroutine at a time.
type Matcher interface {
	Match(ctx context.Context, queries []Query) ([][]Match, error)
}
