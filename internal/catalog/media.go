package catalog

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/vidb-project/vidb/internal/exif"
	"github.com/vidb-project/vidb/pdq"
)

// MediaID identifies a media record.
type MediaID int64

// Digests are the cryptographic digests of a file. A zero array means the digest is unknown:
// hash sets exchanged between laboratories often carry only MD5, or MD5 and SHA-1.
type Digests struct {
	MD5    [16]byte
	SHA1   [20]byte
	SHA256 [32]byte
}

// HasMD5, HasSHA1 and HasSHA256 report whether the digest is known.
func (d Digests) HasMD5() bool    { return d.MD5 != [16]byte{} }
func (d Digests) HasSHA1() bool   { return d.SHA1 != [20]byte{} }
func (d Digests) HasSHA256() bool { return d.SHA256 != [32]byte{} }

// Empty reports whether no digest is known.
func (d Digests) Empty() bool { return !d.HasMD5() && !d.HasSHA1() && !d.HasSHA256() }

// String names the strongest known digest, for messages and logs.
func (d Digests) String() string {
	switch {
	case d.HasSHA256():
		return "sha256:" + hex.EncodeToString(d.SHA256[:])
	case d.HasSHA1():
		return "sha1:" + hex.EncodeToString(d.SHA1[:])
	case d.HasMD5():
		return "md5:" + hex.EncodeToString(d.MD5[:])
	}
	return "no digest"
}

// MediaKind says whether a media item is a still image or a video.
type MediaKind string

// The media kinds.
const (
	KindImage MediaKind = "image"
	KindVideo MediaKind = "video"
	// KindUnknown is a hash-only record whose kind the source did not say.
	KindUnknown MediaKind = "unknown"
)

// Category is a classification of a media item under a named scheme, kept as the (scheme, code)
// pair the source used, so that schemes are never silently mapped onto each other. The zero
// Category means uncategorised.
type Category struct {
	// Scheme names the classification, such as "vics-us" (Project VIC US, codes 0–4) or
	// "vics-uk"; the scheme of a VICS file is its variant.
	Scheme string
	// Code is the category within the scheme, as text ("0" .. "4" for vics-us).
	Code string
}

// IsZero reports whether the category is unset.
func (c Category) IsZero() bool { return c == Category{} }

// SchemeVICSUS is the default categorisation scheme: Project VIC's US categories.
const SchemeVICSUS = "vics-us"

// PDQ is a media item's perceptual hash as computed, with the quality and the flavour that
// produced it.
type PDQ struct {
	Hash    pdq.Hash
	Quality int
	Flavour pdq.Flavour
}

// MatchableQuality is the least PDQ quality used for near matching; lower-quality hashes are
// stored but not matched, as Meta recommends (featureless images give unstable hashes).
const MatchableQuality = 50

// Frame is one hashed frame of a video.
type Frame struct {
	Number    int           // 0-based index in decode order
	Timestamp time.Duration // presentation time
	PDQ       PDQ
}

// MaxFrameNumber is the largest frame number a store keeps (its column is 32 bits).
const MaxFrameNumber = 1<<31 - 1

// ValidateFrames checks a video's frame hashes before they are stored: numbers from 0 to
// MaxFrameNumber, each once; timestamps not negative; qualities from 0 to 100. The error wraps
// ErrInvalid.
func ValidateFrames(frames []Frame) error {
	seen := make(map[int]bool, len(frames))
	for _, f := range frames {
		if f.Number < 0 || f.Number > MaxFrameNumber || seen[f.Number] || f.Timestamp < 0 || f.PDQ.Quality < 0 || f.PDQ.Quality > 100 {
			return fmt.Errorf("%w: frame %d: number out of range or repeated, negative timestamp, or quality out of range", ErrInvalid, f.Number)
		}
		seen[f.Number] = true
	}
	return nil
}

// Media is one distinct file, keyed by its SHA-256 when known. It exists once however often
// and wherever the file was found; each finding is a Sighting.
type Media struct {
	ID      MediaID
	Digests Digests
	Size    int64 // bytes; 0 when unknown
	MIME    string
	Kind    MediaKind
	Width   int
	Height  int
	// Duration of a video; 0 for images.
	Duration time.Duration
	// PDQ of an image (nil when there is none: hash-only records, undecodable files, videos).
	PDQ *PDQ
	// Category is the current categorisation; zero means uncategorised.
	Category Category
	Access   Access
	// Retention is when the owner must review the record: kept, or deleted with its blob.
	Retention time.Time
	// Blob names the encrypted content in the blob store; empty for hash-only records.
	Blob string
	// EXIF is the metadata read from the file's EXIF block, nil when it has none. Its
	// Thumbnail is always nil here: a thumbnail is content, kept only inside the encrypted blob.
	EXIF *exif.Info
	// Series is the series the media belongs to, 0 for none.
	Series SeriesID
	// Source says where the record came from: "upload", or "vics:" and the file's name for
	// imports.
	Source  string
	Created time.Time
	Updated time.Time
}

// HashOnly reports whether vidb holds no content for the record, only its digests.
func (m Media) HashOnly() bool { return m.Blob == "" }

// Validate checks the fields every media record must have.
func (m Media) Validate() error {
	if m.Digests.Empty() {
		return fmt.Errorf("%w: media has no digest", ErrInvalid)
	}
	switch m.Kind {
	case KindImage, KindVideo, KindUnknown:
	default:
		return fmt.Errorf("%w: media kind %q", ErrInvalid, m.Kind)
	}
	if m.Size < 0 || m.Width < 0 || m.Height < 0 || m.Duration < 0 {
		return fmt.Errorf("%w: negative size, dimension or duration", ErrInvalid)
	}
	if m.PDQ != nil && (m.PDQ.Quality < 0 || m.PDQ.Quality > 100) {
		return fmt.Errorf("%w: PDQ quality %d", ErrInvalid, m.PDQ.Quality)
	}
	if m.EXIF != nil && m.EXIF.Thumbnail != nil {
		return fmt.Errorf("%w: media EXIF carries a thumbnail; drop it before storing", ErrInvalid)
	}
	if m.Blob != "" && !m.Digests.HasSHA256() {
		return fmt.Errorf("%w: media with content must have its SHA-256", ErrInvalid)
	}
	return m.Access.Validate()
}

// SightingID identifies a sighting.
type SightingID int64

// Sighting records where a media item was found: in which case, on which exhibit (a seized
// device), at which path, with the file times the device recorded, uploaded by whom and when.
// A sighting is visible to whoever may see its case.
type Sighting struct {
	ID       SightingID
	Media    MediaID
	Case     CaseID
	Exhibit  string
	Path     string
	Created  *time.Time // file times from the device, when known
	Modified *time.Time
	Accessed *time.Time
	Uploader UserID
	Country  CountryCode // the uploader's country
	At       time.Time   // when vidb recorded it
}
