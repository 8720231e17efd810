package catalog

import (
	"context"
	"iter"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
)

// Page asks for one page of a listing. Listings are ordered by ID ascending and paginated by
// key, not by offset, so that a page is cheap at any depth and stable under inserts.
type Page struct {
	// After returns records with an ID greater than this; 0 starts at the beginning.
	After int64
	// Limit is the page size: 0 means DefaultPageSize; anything over MaxPageSize is cut to it.
	Limit int
}

// Page sizes.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Size returns the effective page size of p.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageSize
	case p.Limit > MaxPageSize:
		return MaxPageSize
	}
	return p.Limit
}

// MediaFilter narrows a media listing. Zero fields do not filter.
type MediaFilter struct {
	Owner    CountryCode
	Series   SeriesID
	Case     CaseID // media with a sighting in this case
	Category *Category
	// Uncategorised lists only media without a category (the work queue of reviewers).
	Uncategorised bool
	Kind          MediaKind
	// Uploader lists media with a sighting by this user (a user's recent uploads).
	Uploader UserID
}

// ClueFilter narrows a clue listing. Zero fields do not filter.
type ClueFilter struct {
	Media  MediaID
	Series SeriesID
	Kind   ClueKind
	Tag    string
	// Text matches clues whose text contains it, case-insensitively.
	Text string
}

// PDQEntry is one PDQ hash the near-duplicate index holds: an image's hash or a video frame's.
type PDQEntry struct {
	Media MediaID
	// Frame is the frame number for a video frame, -1 for an image.
	Frame   int
	Hash    PDQ
	Deleted bool // set in a change feed when the hash was removed
}

// Stats are the deployment's figures, the ones INTERPOL quotes for its database.
type Stats struct {
	Media               int64
	Series              int64
	VictimsIdentified   int64
	OffendersIdentified int64
	Countries           int64
}

// HashOnlyRecord is one known file from a hash list, stored without content.
type HashOnlyRecord struct {
	Digests  Digests
	Size     int64
	Kind     MediaKind
	Category Category
	PDQ      *PDQ
	// Frames are a video's frame hashes, when the source carries them (VICS Segments in
	// vidb's shape). They are stored with a new record only: a record already held keeps its
	// own frames.
	Frames []Frame
	// Series names the series the source assigns the file to, if any.
	Series string
}

// ImportOptions says how hash-only records are imported.
type ImportOptions struct {
	Access    Access
	Retention time.Time
	Source    string // recorded on each new media record, e.g. "vics:NSRL-CAID-AVI.json"
	// Actor is the user on whose behalf the import runs; the import is one audit event.
	Actor User
}

// ImportConflict is a record whose digest is already held with a different category: both are
// kept and the conflict is reported, never silently overwritten.
type ImportConflict struct {
	Existing MediaID
	Digests  Digests
	Held     Category
	Incoming Category
}

// ImportReport counts what a bulk import did.
type ImportReport struct {
	Read      int64 // records read from the source
	New       int64 // media records created
	Known     int64 // already held with the same category (or the incoming one was empty)
	Updated   int64 // already held without a category; the incoming category was set
	Conflicts []ImportConflict
}

// Reader is the read side of a Store. Every method that returns protected records takes the
// asker's Scope and returns only records the Scope Sees, exactly as Scope.Sees decides;
// anything else is ErrNotFound, indistinguishable from a record that does not exist. Methods
// without a Scope are for vidb's own work (matching, indexing) and for the catalog, which
// applies the rules before anything reaches a user.
type Reader interface {
	// Country returns the country with that code, or ErrNotFound.
	Country(ctx context.Context, code CountryCode) (Country, error)
	// Countries returns every country, ordered by code.
	Countries(ctx context.Context) ([]Country, error)

	// User returns the user with that ID, or ErrNotFound.
	User(ctx context.Context, id UserID) (User, error)
	// UserByLogin returns the user with that login, or ErrNotFound.
	UserByLogin(ctx context.Context, login string) (User, error)
	// Users lists users by ID; country "" lists every country's.
	Users(ctx context.Context, country CountryCode, p Page) ([]User, error)

	// Case returns a case the scope sees, or ErrNotFound.
	Case(ctx context.Context, s Scope, id CaseID) (Case, error)
	// CaseByNumber returns the owner's case with that number if the scope sees it, or ErrNotFound.
	CaseByNumber(ctx context.Context, s Scope, owner CountryCode, number string) (Case, error)
	// Cases lists the cases the scope sees.
	Cases(ctx context.Context, s Scope, p Page) ([]Case, error)

	// Media returns a media record the scope sees, or ErrNotFound.
	Media(ctx context.Context, s Scope, id MediaID) (Media, error)
	// MediaList lists the media records the scope sees that pass the filter.
	MediaList(ctx context.Context, s Scope, f MediaFilter, p Page) ([]Media, error)
	// LookupDigests returns, for each query, every media record sharing any known digest
	// (SHA-256, SHA-1 or MD5) with it, ordered by ID, whatever its access: the catalog turns
	// records the asker may not see into Hits. Unknown (zero) digests never match.
	LookupDigests(ctx context.Context, queries []Digests) ([][]Media, error)
	// MediaByIDs returns the records with those IDs, whatever their access, in the order
	// asked; IDs that do not exist are left out. For matching, whose results the catalog filters.
	MediaByIDs(ctx context.Context, ids []MediaID) ([]Media, error)
	// Frames returns a video's frame hashes in frame order.
	Frames(ctx context.Context, m MediaID) ([]Frame, error)
	// Sightings lists a media item's sightings whose case the scope sees.
	Sightings(ctx context.Context, s Scope, m MediaID, p Page) ([]Sighting, error)
	// Matches lists the matches recorded for a media item (as A or B), whatever the other
	// side's access: the catalog filters.
	Matches(ctx context.Context, m MediaID) ([]Match, error)

	// Series returns a series the scope sees, or ErrNotFound.
	Series(ctx context.Context, s Scope, id SeriesID) (Series, error)
	// SeriesByName returns the series with that name if the scope sees it, or ErrNotFound.
	SeriesByName(ctx context.Context, s Scope, name string) (Series, error)
	// SeriesList lists the series the scope sees.
	SeriesList(ctx context.Context, s Scope, p Page) ([]Series, error)

	// Person returns a victim or offender record the scope sees, or ErrNotFound.
	Person(ctx context.Context, s Scope, id PersonID) (Person, error)
	// Persons lists the victims or offenders the scope sees; series 0 lists all.
	Persons(ctx context.Context, s Scope, kind PersonKind, series SeriesID, p Page) ([]Person, error)

	// Clue returns a clue the scope sees, or ErrNotFound.
	Clue(ctx context.Context, s Scope, id ClueID) (Clue, error)
	// Clues lists the clues the scope sees that pass the filter.
	Clues(ctx context.Context, s Scope, f ClueFilter, p Page) ([]Clue, error)

	// Alerts lists a country's alerts, newest last; unreadOnly leaves out read ones.
	Alerts(ctx context.Context, country CountryCode, unreadOnly bool, p Page) ([]Alert, error)

	// Credential returns a user's credential, or ErrNotFound when none was ever stored.
	Credential(ctx context.Context, u UserID) (Credential, error)
	// TokenByHash returns the token whose secret has that SHA-256, revoked and expired ones
	// included, or ErrNotFound.
	TokenByHash(ctx context.Context, hash [32]byte) (Token, error)
	// Tokens lists a user's tokens of a kind ("" for every kind), revoked and expired ones
	// included, ordered by ID.
	Tokens(ctx context.Context, u UserID, kind TokenKind) ([]Token, error)
	// Reveals counts a user's reveals on the UTC day that contains day.
	Reveals(ctx context.Context, u UserID, day time.Time) (int, error)
	// Settings returns a user's exposure settings, or ErrNotFound when the user never saved any.
	Settings(ctx context.Context, u UserID) (Settings, error)

	// PDQEntries streams every stored PDQ hash with its change sequence number, in sequence
	// order, starting after sequence after (0 for all): the near-duplicate index is built from
	// it and kept current by asking again from the last sequence seen. Entries that were
	// removed come with Deleted set.
	PDQEntries(ctx context.Context, after int64) iter.Seq2[SeqPDQ, error]

	// Stats returns the deployment's figures.
	Stats(ctx context.Context) (Stats, error)

	// AuditEvents streams the audit log from sequence number from (0-based) in order.
	AuditEvents(ctx context.Context, from int64) iter.Seq2[audit.Event, error]
	// AuditCheckpoints returns the signed checkpoints of the audit log, oldest first.
	AuditCheckpoints(ctx context.Context) ([]audit.Checkpoint, error)
}

// SeqPDQ is a PDQEntry with its position in the change sequence.
type SeqPDQ struct {
	Seq int64
	PDQEntry
}

// Tx is a transaction: every change to the catalog happens inside one, together with the audit
// event that records it. A Tx sees its own writes.
type Tx interface {
	Reader

	// AddCountry adds a country; ErrConflict if the code exists.
	AddCountry(ctx context.Context, c Country) error
	// AddUser creates a user and returns it with its ID; ErrConflict if the login exists.
	AddUser(ctx context.Context, u User) (User, error)
	// UpdateUser stores u's name, country, role and disabled flag; ErrNotFound if absent.
	UpdateUser(ctx context.Context, u User) error

	// PutCredential stores a user's credential, replacing the one held; ErrNotFound if the
	// user does not exist.
	PutCredential(ctx context.Context, c Credential) error
	// AddToken stores a token (after Token.Validate) and returns it with its ID; ErrConflict
	// if a token with the same hash exists, ErrNotFound if the user does not.
	AddToken(ctx context.Context, t Token) (Token, error)
	// RevokeToken marks a token revoked at time at; revoking it again keeps the first time.
	// ErrNotFound if absent.
	RevokeToken(ctx context.Context, id TokenID, at time.Time) error
	// RevokeTokens revokes every unrevoked token of a user of a kind ("" for every kind),
	// as when an account is disabled or its password changed, and returns how many it revoked.
	RevokeTokens(ctx context.Context, u UserID, kind TokenKind, at time.Time) (int, error)
	// DeleteExpiredTokens removes tokens that expired before before and returns how many.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error)
	// AddReveal records a reveal and returns the user's count of reveals on its UTC day,
	// this one included.
	AddReveal(ctx context.Context, r Reveal) (int, error)
	// PutSettings stores a user's exposure settings (after Settings.Validate), replacing
	// what was held; ErrNotFound if the user does not exist.
	PutSettings(ctx context.Context, s Settings) error

	// CreateCase creates a case; ErrConflict if the owner already has that case number.
	CreateCase(ctx context.Context, c Case) (Case, error)

	// PutMedia stores a new media record, or, if one with the same SHA-256 exists, returns
	// that one unchanged with created false: the same file twice is one media record.
	PutMedia(ctx context.Context, m Media) (_ Media, created bool, _ error)
	// UpdateMedia stores m's category, access, retention, series, PDQ, dimensions, MIME,
	// kind, duration, EXIF and blob; ErrNotFound if absent. Digests never change.
	UpdateMedia(ctx context.Context, m Media) error
	// DeleteMedia removes a media record with its sightings, frames, matches and clues;
	// ErrNotFound if absent. The blob is the caller's to delete after the commit.
	DeleteMedia(ctx context.Context, id MediaID) error
	// PutFrames replaces a video's frame hashes.
	PutFrames(ctx context.Context, m MediaID, frames []Frame) error
	// AddSighting records where a media item was found.
	AddSighting(ctx context.Context, s Sighting) (Sighting, error)
	// AddMatch records a match between two media items; recording the same pair and kind again
	// keeps the smaller distance.
	AddMatch(ctx context.Context, m Match) error

	// CreateSeries creates a series; ErrConflict if the name exists.
	CreateSeries(ctx context.Context, s Series) (Series, error)
	// UpdateSeries stores s's name, status, access and countries; ErrNotFound if absent.
	UpdateSeries(ctx context.Context, s Series) error

	// CreatePerson creates a victim or offender; ErrConflict if the code exists for its kind.
	CreatePerson(ctx context.Context, p Person) (Person, error)
	// UpdatePerson stores every field of p but its ID, kind and creation time.
	UpdatePerson(ctx context.Context, p Person) error

	// AddClue stores a clue.
	AddClue(ctx context.Context, c Clue) (Clue, error)
	// DeleteClue removes a clue; ErrNotFound if absent.
	DeleteClue(ctx context.Context, id ClueID) error

	// AddAlert stores an alert for its country.
	AddAlert(ctx context.Context, a Alert) (Alert, error)
	// MarkAlertRead marks a country's alert read; ErrNotFound if it is not that country's.
	MarkAlertRead(ctx context.Context, country CountryCode, id AlertID, at time.Time) error

	// Audit appends an event to the audit log, in this transaction: the event is durable
	// exactly when the change it records is. It returns the event with its sequence number.
	Audit(ctx context.Context, e audit.Event) (audit.Event, error)
}

// Store is where the catalog lives. Implementations: internal/store/sqlite (the embedded
// default) and internal/store/postgres (scale-out); internal/store/storetest is the conformance
// suite both pass. All methods are safe for concurrent use.
type Store interface {
	Reader

	// Update runs fn in a transaction and commits it if fn returns nil; otherwise, or on panic,
	// nothing of it remains. A transaction that changed anything must record at least one audit
	// event; if it did not, Update rolls it back and returns ErrUnaudited. Update retries fn
	// when the database reports a serialisation conflict, so fn must have no effects outside tx.
	Update(ctx context.Context, fn func(tx Tx) error) error

	// ImportHashOnly adds hash-only records in bulk (millions of rows: COPY on PostgreSQL,
	// large batched transactions on SQLite), recording an audit event with every batch it commits,
	// so that a crash mid-import leaves no unaudited rows.
	// Records already held are counted and never overwritten (see ImportReport). On error,
	// the batches committed before it stay and the report says how far the import got.
	ImportHashOnly(ctx context.Context, records iter.Seq2[HashOnlyRecord, error], opts ImportOptions) (ImportReport, error)

	// Close releases the store's resources.
	Close() error
}
