package vics

import (
	"encoding/json"
	"strings"
)

// Shape says how a VICS file holds its Media records.
type Shape uint8

// The two shapes of a VICS file.
const (
	// HashSet is a file of Media records directly under "value" (entity set "#Media"), as
	// hash databases distribute them.
	HashSet Shape = iota + 1
	// Cases is a case export (entity set "#Cases"): Case objects under "value", each holding
	// its Media records.
	Cases
)

// String returns "Media" or "Cases", the entity set names of the shapes.
func (s Shape) String() string {
	switch s {
	case HashSet:
		return "Media"
	case Cases:
		return "Cases"
	}
	return "unknown"
}

// Header is what the root of a VICS file says about it.
type Header struct {
	// Version is the data model version, such as "1.2", "1.3" or "2.0".
	Version string
	// Variant is the national variant, upper-case ("US", "UK", "DEFAULT", ...): the path
	// segment after "2.0.xml/" when the file names one (VariantStated), otherwise the variant
	// given in [ReaderOptions], otherwise "US". See [Category] for how codes are attributed
	// when the file does not state its variant.
	Variant string
	// VariantStated reports whether the root URI names the variant (2.0 files do; 1.x do not).
	VariantStated bool
	// Shape is HashSet or Cases.
	Shape Shape
	// Key is the root member that named the model: "odata.metadata" (1.x) or "@odata.context"
	// (2.0), as spelled in the file.
	Key string
	// URI is that member's value, as found.
	URI string
}

// Bool is a VICS flag. Files write flags as strings ("true", "false"), sometimes as JSON
// booleans, and often leave them out; Bool keeps the three states apart so that a round trip
// does not invent a "false".
type Bool uint8

// The states of a [Bool].
const (
	Unset Bool = iota // absent or null
	False
	True
)

// BoolOf returns True or False.
func BoolOf(b bool) Bool {
	if b {
		return True
	}
	return False
}

// IsTrue reports whether the flag is set and true.
func (b Bool) IsTrue() bool { return b == True }

// String returns "true", "false" or "" (unset).
func (b Bool) String() string {
	switch b {
	case True:
		return "true"
	case False:
		return "false"
	}
	return ""
}

// Field is a member this package does not interpret, kept to be written back: its name and its
// value as compact JSON (strings re-encoded as UTF-8, whitespace removed).
type Field struct {
	Name  string
	Value json.RawMessage
}

// Media is one VICS Media record: a distinct file, by its digests, with what is known about it.
//
// Strings are as found (times included: see [ParseTime]); "" means absent. Digests are
// upper-case hex. MediaSize 0 means unknown. The zero Category means uncategorised.
type Media struct {
	// MediaID is the record's number in its file. It is not unique (NSRL hash sets use 0 on
	// every record) and means nothing outside the file: key records on their digests.
	MediaID int64
	MD5     string
	SHA1    string
	SHA256  string
	// PhotoDNA is the PhotoDNA hash as the file carries it (base64, 192 characters for the
	// usual 144 bytes), kept opaque.
	PhotoDNA  string
	MediaSize int64
	Category  Category
	// IsPrecategorized says the category was set by a tool before human review (by
	// PrecategorizationSource); exporters are known to set it inconsistently.
	IsPrecategorized        Bool
	PrecategorizationSource string
	// Series names the series (victim or scene) the media belongs to.
	Series             string
	VictimIdentified   Bool
	OffenderIdentified Bool
	IsDistributed      Bool
	IsSuspected        Bool
	// DateUpdated is when the record last changed, as written (ISO 8601 in practice).
	DateUpdated string
	Comments    string
	Tags        string
	MimeType    string
	// RelativeFilePath is where a case export stores its copy of the file, relative to the
	// JSON file, usually with Windows separators ("Files\\ab12....png").
	RelativeFilePath  string
	AlternativeHashes []AltHash
	Exifs             []Exif
	// Segments holds a video's segments as raw JSON, kept verbatim: the official data model
	// that names their fields is not public. vidb writes its frame hashes here in the shape
	// [Segment] documents ([SegmentsJSON], [ParseSegments]); other tools' segments pass
	// through unchanged.
	Segments   json.RawMessage
	MediaFiles []MediaFile
	// Extra holds the members this package does not know, in file order.
	Extra []Field
}

// HasDigest reports whether the record carries any digest (MD5, SHA-1 or SHA-256).
func (m *Media) HasDigest() bool { return m.MD5 != "" || m.SHA1 != "" || m.SHA256 != "" }

// AltHash returns the value of the alternative hash with the given name (compared without
// regard to case, such as "SHA256" or "PhotoDNA"), or "".
func (m *Media) AltHash(name string) string {
	for _, h := range m.AlternativeHashes {
		if strings.EqualFold(h.HashName, name) {
			return h.HashValue
		}
	}
	return ""
}

// MediaFile is one place where a Media record's file was found: a device path and its times.
type MediaFile struct {
	// MD5 repeats the digest of the Media the file belongs to (upper-case hex).
	MD5      string
	FileName string
	// FilePath is the path on the source device, as written (often with Windows separators).
	FilePath string
	// Created, Written (last modified), Modified (an alternative spelling some tools use)
	// and Accessed are file-system times, as written.
	Created     string
	Written     string
	Modified    string
	Accessed    string
	Unallocated Bool
	Deleted     Bool
	// SourceID names the exhibit or device.
	SourceID string
	Extra    []Field
}

// Exif is one EXIF property as the exporting tool read it; the property names are the tool's.
type Exif struct {
	MD5           string
	PropertyName  string
	PropertyValue string
	Extra         []Field
}

// AltHash is a hash beyond MD5 and SHA-1, by name ("SHA256", "PhotoDNA", ...), kept as text.
type AltHash struct {
	MD5       string
	HashName  string
	HashValue string
	Extra     []Field
}

// Case is the case-level part of a case export.
type Case struct {
	CaseID                   string
	CaseNumber               string
	ContactOrganization      string
	ContactName              string
	ContactEmail             string
	ContactPhone             string
	ContactTitle             string
	SeizureDate              string
	SourceApplicationName    string
	SourceApplicationVersion string
	// TotalMediaFiles is what the exporter says; exporters disagree on what it counts (Media
	// records, distinct digests), so count the records instead. 0 means absent.
	TotalMediaFiles int64
	// Extra holds the members this package does not know (case-level arrays included), as
	// raw JSON, in file order.
	Extra []Field
}
