package catalog

import (
	"fmt"
	"time"
)

// CaseID identifies a case.
type CaseID int64

// Case is an investigation of the owner country, under which media are uploaded.
type Case struct {
	ID      CaseID
	Access  Access
	Number  string // the owner's own case reference; unique per owner country
	Title   string
	Created time.Time
}

// Validate checks a case before it is stored.
func (c Case) Validate() error {
	if c.Number == "" || len(c.Number) > 128 {
		return fmt.Errorf("%w: case number must be 1 to 128 characters", ErrInvalid)
	}
	return c.Access.Validate()
}

// SeriesID identifies a series.
type SeriesID int64

// SeriesStatus says whether the victim(s) of a series are identified.
type SeriesStatus string

// The series statuses.
const (
	SeriesUnidentified SeriesStatus = "unidentified"
	SeriesIdentified   SeriesStatus = "identified"
)

// Series groups media that show the same victim or scene.
type Series struct {
	ID     SeriesID
	Access Access
	// Name is the series' code name, unique across the deployment (e.g. "BLUE-LAKE-07").
	Name   string
	Status SeriesStatus
	// Countries working on the series, the owner included.
	Countries []CountryCode
	Created   time.Time
	Updated   time.Time
}

// Validate checks a series before it is stored.
func (s Series) Validate() error {
	if s.Name == "" || len(s.Name) > 128 {
		return fmt.Errorf("%w: series name must be 1 to 128 characters", ErrInvalid)
	}
	if s.Status != SeriesUnidentified && s.Status != SeriesIdentified {
		return fmt.Errorf("%w: series status %q", ErrInvalid, s.Status)
	}
	return s.Access.Validate()
}

// PersonKind distinguishes victims from offenders, which share one shape.
type PersonKind string

// The person kinds.
const (
	PersonVictim   PersonKind = "victim"
	PersonOffender PersonKind = "offender"
)

// PersonID identifies a victim or offender record.
type PersonID int64

// PersonStatus is where an identification stands.
type PersonStatus string

// The identification states. A record goes from unidentified to identified (by a reviewer of
// the country that identified the person); identified records can be reopened only by that
// country or a coordinator.
const (
	PersonUnidentified PersonStatus = "unidentified"
	PersonIdentified   PersonStatus = "identified"
)

// Person is a victim or an offender, pseudonymous: a code, never a name unless the owner
// chooses to record one in Notes (which follow the record's access).
type Person struct {
	ID      PersonID
	Kind    PersonKind
	Access  Access
	Code    string // pseudonymous code, unique per kind across the deployment
	Sex     string // "female", "male", "unknown"
	AgeBand string // e.g. "0-2", "3-5", "6-9", "10-13", "14-17", "adult", "unknown"
	Status  PersonStatus
	// IdentifiedBy and IdentifiedAt record the identification, when Status is identified.
	IdentifiedBy CountryCode
	IdentifiedAt *time.Time
	// LikelyLocation is the country where the person is believed to be, when known: the
	// country a victim-identification report goes to.
	LikelyLocation CountryCode
	Notes          string
	Series         []SeriesID
	Created        time.Time
	Updated        time.Time
}

// Validate checks a person record before it is stored.
func (p Person) Validate() error {
	if p.Kind != PersonVictim && p.Kind != PersonOffender {
		return fmt.Errorf("%w: person kind %q", ErrInvalid, p.Kind)
	}
	if p.Code == "" || len(p.Code) > 64 {
		return fmt.Errorf("%w: code must be 1 to 64 characters", ErrInvalid)
	}
	switch p.Status {
	case PersonUnidentified:
		if p.IdentifiedAt != nil || p.IdentifiedBy != "" {
			return fmt.Errorf("%w: an unidentified person has no identification", ErrInvalid)
		}
	case PersonIdentified:
		if p.IdentifiedAt == nil || !p.IdentifiedBy.Valid() {
			return fmt.Errorf("%w: an identification needs its country and time", ErrInvalid)
		}
	default:
		return fmt.Errorf("%w: person status %q", ErrInvalid, p.Status)
	}
	if p.LikelyLocation != "" && !p.LikelyLocation.Valid() {
		return fmt.Errorf("%w: likely location %q", ErrInvalid, p.LikelyLocation)
	}
	return p.Access.Validate()
}

// ClueID identifies a clue.
type ClueID int64

// Region is a rectangle on a media item, in pixels of the original image.
type Region struct {
	X, Y, W, H int
}

// ClueKind says what a clue is about.
type ClueKind string

// The clue kinds analysts use.
const (
	ClueObject   ClueKind = "object"   // a power socket, a product, a uniform
	ClueText     ClueKind = "text"     // a shop sign, a label, a newspaper
	ClueLanguage ClueKind = "language" // a language or accent heard or written
	ClueLocation ClueKind = "location" // a landscape, a building, a view
	ClueMetadata ClueKind = "metadata" // EXIF, file names, device traces
	ClueOther    ClueKind = "other"
)

// Clue is a note on a media item, or on a region of it, or on a whole series.
type Clue struct {
	ID     ClueID
	Access Access
	Media  MediaID  // 0 when the clue is about a series
	Series SeriesID // 0 when the clue is about a media item only
	Region *Region  // nil for the whole item
	Kind   ClueKind
	Text   string
	Tags   []string
	// Author wrote the clue; Access.Owner is always the author's country.
	Author  UserID
	Created time.Time
}

// Validate checks a clue before it is stored.
func (c Clue) Validate() error {
	if c.Media == 0 && c.Series == 0 {
		return fmt.Errorf("%w: a clue is about a media item or a series", ErrInvalid)
	}
	if c.Region != nil && (c.Region.W <= 0 || c.Region.H <= 0 || c.Region.X < 0 || c.Region.Y < 0) {
		return fmt.Errorf("%w: clue region %+v", ErrInvalid, *c.Region)
	}
	switch c.Kind {
	case ClueObject, ClueText, ClueLanguage, ClueLocation, ClueMetadata, ClueOther:
	default:
		return fmt.Errorf("%w: clue kind %q", ErrInvalid, c.Kind)
	}
	if c.Text == "" || len(c.Text) > 10000 {
		return fmt.Errorf("%w: clue text must be 1 to 10000 characters", ErrInvalid)
	}
	return c.Access.Validate()
}

// MatchKind says how two media items match.
type MatchKind string

// The match kinds.
const (
	MatchExact MatchKind = "exact" // same SHA-256, SHA-1 or MD5
	MatchNear  MatchKind = "near"  // PDQ distance within the threshold
	MatchVideo MatchKind = "video" // video frames in common
)

// Match is a pair of media items found to match.
type Match struct {
	A, B     MediaID
	Kind     MatchKind
	Distance int // PDQ distance for near matches; 0 for exact
	Found    time.Time
}

// Hit is what a match on a record the asker may not see becomes: the owner country and
// nothing else about the record, so that the asker can contact the owner.
type Hit struct {
	Owner CountryCode
}

// Message is the text shown to the asker for a hit.
func (h Hit) Message() string {
	return fmt.Sprintf("a record owned by %s matches; contact %s", h.Owner, h.Owner)
}

// AlertID identifies an alert.
type AlertID int64

// AlertKind says why an alert was raised.
type AlertKind string

// The alert kinds.
const (
	// AlertMatchOnYourRecord: another country's upload or search matched a record you own.
	AlertMatchOnYourRecord AlertKind = "match-on-your-record"
	// AlertHitOnOthersRecord: your upload matched a record owned by another country that you
	// may not see; contact them.
	AlertHitOnOthersRecord AlertKind = "hit-on-others-record"
	// AlertSeriesActivity: media you hold matched a series owned by another country.
	AlertSeriesActivity AlertKind = "series-activity"
)

// Alert is a message to a country about a match that concerns it. Its text never carries more
// than the recipient may see.
type Alert struct {
	ID      AlertID
	Country CountryCode // the recipient
	Kind    AlertKind
	// Media is the recipient's own record concerned, when there is one.
	Media MediaID
	// From is the other country involved.
	From    CountryCode
	Message string
	Created time.Time
	Read    *time.Time
}
