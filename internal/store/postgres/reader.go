package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/pdq"
)

// reader implements catalog.Reader on the pool (the Store) or on a transaction (a Tx).
type reader struct {
	q querier
	// lock makes single-record reads of records that have an Update method take a row lock:
	// set inside transactions, so that a read-change-write in Update cannot lose a concurrent
	// update (see the package comment).
	lock bool
}

// How a single-record read inside a transaction locks the row it returns.
type rowLock string

const (
	// noLock: records without an Update method (countries, cases, clues) cannot be
	// overwritten, so reading them locks nothing.
	noLock rowLock = ""
	// exclusiveLock: media, series and persons, which callers read, change and write back as
	// a whole; a second such transaction waits for the first, then reads what it wrote.
	exclusiveLock rowLock = " FOR NO KEY UPDATE"
	// sharedLock: users, read by nearly every transaction (who is asking) and rarely
	// changed; readers do not wait for each other, and two read-change-writes of one user
	// deadlock, which PostgreSQL breaks and Update retries.
	sharedLock rowLock = " FOR SHARE"
)

// one runs a single-record query and maps no rows to ErrNotFound.
func one[T any](ctx context.Context, r reader, lock rowLock, what string, scan func(pgx.Row) (T, error), sql string, args ...any) (T, error) {
	if r.lock {
		sql += string(lock)
	}
	v, err := scan(r.q.QueryRow(ctx, sql, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		var zero T
		return zero, fmt.Errorf("postgres: %s: %w", what, catalog.ErrNotFound)
	}
	if err != nil {
		var zero T
		return zero, wrap(what, err)
	}
	return v, nil
}

// list runs a listing query.
func list[T any](ctx context.Context, r reader, what string, scan func(pgx.Row) (T, error), q *query) ([]T, error) {
	rows, err := r.q.Query(ctx, q.String(), q.args...)
	out, err := collect(rows, err, scan)
	if err != nil {
		return nil, wrap(what, err)
	}
	return out, nil
}

// Countries and users.

const countryCols = `code, name, created`

func scanCountry(row pgx.Row) (catalog.Country, error) {
	var c catalog.Country
	var code string
	err := row.Scan(&code, &c.Name, &c.Created)
	c.Code, c.Created = catalog.CountryCode(code), c.Created.UTC()
	return c, err
}

// Country implements catalog.Reader.
func (r reader) Country(ctx context.Context, code catalog.CountryCode) (catalog.Country, error) {
	return one(ctx, r, noLock, "country", scanCountry, `SELECT `+countryCols+` FROM countries WHERE code = $1`, string(code))
}

// Countries implements catalog.Reader.
func (r reader) Countries(ctx context.Context) ([]catalog.Country, error) {
	q := new(query).add(`SELECT `, countryCols, ` FROM countries ORDER BY code`)
	return list(ctx, r, "countries", scanCountry, q)
}

const userCols = `id, login, name, country, role, disabled, created`

func scanUser(row pgx.Row) (catalog.User, error) {
	var u catalog.User
	var country, role string
	err := row.Scan(&u.ID, &u.Login, &u.Name, &country, &role, &u.Disabled, &u.Created)
	u.Country, u.Role, u.Created = catalog.CountryCode(country), catalog.Role(role), u.Created.UTC()
	return u, err
}

// User implements catalog.Reader.
func (r reader) User(ctx context.Context, id catalog.UserID) (catalog.User, error) {
	return one(ctx, r, sharedLock, "user", scanUser, `SELECT `+userCols+` FROM users WHERE id = $1`, int64(id))
}

// UserByLogin implements catalog.Reader.
func (r reader) UserByLogin(ctx context.Context, login string) (catalog.User, error) {
	return one(ctx, r, sharedLock, "user", scanUser, `SELECT `+userCols+` FROM users WHERE login = $1`, login)
}

// Users implements catalog.Reader.
func (r reader) Users(ctx context.Context, country catalog.CountryCode, p catalog.Page) ([]catalog.User, error) {
	q := new(query).add(`SELECT `, userCols, ` FROM users u WHERE TRUE`)
	if country != "" {
		q.add(` AND u.country = `, q.arg(string(country)))
	}
	q.page(p, "u")
	return list(ctx, r, "users", scanUser, q)
}

// Cases.

const caseCols = `c.id, c.owner, c.visibility, c.shared_with, c.number, c.title, c.created`

func scanCase(row pgx.Row) (catalog.Case, error) {
	var c catalog.Case
	var owner, vis string
	var shared []string
	err := row.Scan(&c.ID, &owner, &vis, &shared, &c.Number, &c.Title, &c.Created)
	c.Access, c.Created = access(owner, vis, shared), c.Created.UTC()
	return c, err
}

// Case implements catalog.Reader.
func (r reader) Case(ctx context.Context, s catalog.Scope, id catalog.CaseID) (catalog.Case, error) {
	q := new(query)
	q.add(`SELECT `, caseCols, ` FROM cases c WHERE c.id = `, q.arg(int64(id)), ` AND `, q.scope(s, "c"))
	return one(ctx, r, noLock, "case", scanCase, q.String(), q.args...)
}

// CaseByNumber implements catalog.Reader.
func (r reader) CaseByNumber(ctx context.Context, s catalog.Scope, owner catalog.CountryCode, number string) (catalog.Case, error) {
	q := new(query)
	q.add(`SELECT `, caseCols, ` FROM cases c WHERE c.owner = `, q.arg(string(owner)), ` AND c.number = `, q.arg(number), ` AND `, q.scope(s, "c"))
	return one(ctx, r, noLock, "case", scanCase, q.String(), q.args...)
}

// Cases implements catalog.Reader.
func (r reader) Cases(ctx context.Context, s catalog.Scope, p catalog.Page) ([]catalog.Case, error) {
	q := new(query)
	q.add(`SELECT `, caseCols, ` FROM cases c WHERE `, q.scope(s, "c"))
	q.page(p, "c")
	return list(ctx, r, "cases", scanCase, q)
}

// Media.

const mediaCols = `m.id, m.sha256, m.sha1, m.md5, m.size, m.mime, m.kind, m.width, m.height, m.duration,
	m.pdq_hash, m.pdq_quality, m.pdq_flavour, m.category_scheme, m.category_code,
	m.owner, m.visibility, m.shared_with, m.retention, m.blob, m.series_id, m.source, m.created, m.updated, m.exif`

func scanMedia(row pgx.Row) (catalog.Media, error) {
	var (
		m                  catalog.Media
		sha256, sha1, md5  []byte
		kind, owner, vis   string
		pdqHash            []byte
		pdqQuality         *int32
		pdqFlavour         *string
		shared             []string
		retention          *time.Time
		series             *int64
		duration           int64
		width, height      int32
		scheme, code, mime string
		exifJSON           *string
	)
	err := row.Scan(&m.ID, &sha256, &sha1, &md5, &m.Size, &mime, &kind, &width, &height, &duration,
		&pdqHash, &pdqQuality, &pdqFlavour, &scheme, &code,
		&owner, &vis, &shared, &retention, &m.Blob, &series, &m.Source, &m.Created, &m.Updated, &exifJSON)
	if err != nil {
		return m, err
	}
	if m.EXIF, err = decodeEXIF(exifJSON); err != nil {
		return m, err
	}
	copy(m.Digests.SHA256[:], sha256)
	copy(m.Digests.SHA1[:], sha1)
	copy(m.Digests.MD5[:], md5)
	m.MIME, m.Kind = mime, catalog.MediaKind(kind)
	m.Width, m.Height, m.Duration = int(width), int(height), time.Duration(duration)
	if pdqHash != nil {
		p := &catalog.PDQ{}
		copy(p.Hash[:], pdqHash)
		if pdqQuality != nil {
			p.Quality = int(*pdqQuality)
		}
		if pdqFlavour != nil {
			p.Flavour = pdq.Flavour(*pdqFlavour)
		}
		m.PDQ = p
	}
	m.Category = catalog.Category{Scheme: scheme, Code: code}
	m.Access = access(owner, vis, shared)
	if retention != nil {
		m.Retention = retention.UTC()
	}
	if series != nil {
		m.Series = catalog.SeriesID(*series)
	}
	m.Created, m.Updated = m.Created.UTC(), m.Updated.UTC()
	return m, nil
}

// Media implements catalog.Reader.
func (r reader) Media(ctx context.Context, s catalog.Scope, id catalog.MediaID) (catalog.Media, error) {
	q := new(query)
	q.add(`SELECT `, mediaCols, ` FROM media m WHERE m.id = `, q.arg(int64(id)), ` AND `, q.scope(s, "m"))
	return one(ctx, r, exclusiveLock, "media", scanMedia, q.String(), q.args...)
}

// MediaList implements catalog.Reader.
func (r reader) MediaList(ctx context.Context, s catalog.Scope, f catalog.MediaFilter, p catalog.Page) ([]catalog.Media, error) {
	q := new(query)
	q.add(`SELECT `, mediaCols, ` FROM media m WHERE `, q.scope(s, "m"))
	if f.Owner != "" {
		q.add(` AND m.owner = `, q.arg(string(f.Owner)))
	}
	if f.Series != 0 {
		q.add(` AND m.series_id = `, q.arg(int64(f.Series)))
	}
	if f.Case != 0 {
		q.add(` AND EXISTS (SELECT 1 FROM sightings si WHERE si.media_id = m.id AND si.case_id = `, q.arg(int64(f.Case)), `)`)
	}
	if f.Category != nil {
		q.add(` AND m.category_scheme = `, q.arg(f.Category.Scheme), ` AND m.category_code = `, q.arg(f.Category.Code))
	}
	if f.Uncategorised {
		q.add(` AND m.category_scheme = '' AND m.category_code = ''`)
	}
	if f.Kind != "" {
		q.add(` AND m.kind = `, q.arg(string(f.Kind)))
	}
	if f.Uploader != 0 {
		q.add(` AND EXISTS (SELECT 1 FROM sightings si WHERE si.media_id = m.id AND si.uploader = `, q.arg(int64(f.Uploader)), `)`)
	}
	q.page(p, "m")
	return list(ctx, r, "media list", scanMedia, q)
}

// LookupDigests implements catalog.Reader: one statement for all queries, each matched through
// the digest indexes; unknown digests are NULL and never equal anything.
func (r reader) LookupDigests(ctx context.Context, queries []catalog.Digests) ([][]catalog.Media, error) {
	out := make([][]catalog.Media, len(queries))
	if len(queries) == 0 {
		return out, nil
	}
	s256 := make([][]byte, len(queries))
	s1 := make([][]byte, len(queries))
	m5 := make([][]byte, len(queries))
	for i := range queries {
		d := &queries[i]
		s256[i], s1[i], m5[i] = digest(d.SHA256[:]), digest(d.SHA1[:]), digest(d.MD5[:])
	}
	rows, err := r.q.Query(ctx, `SELECT q.i, `+mediaCols+`
		FROM unnest($1::bytea[], $2::bytea[], $3::bytea[]) WITH ORDINALITY AS q(sha256, sha1, md5, i)
		JOIN media m ON m.sha256 = q.sha256 OR m.sha1 = q.sha1 OR m.md5 = q.md5
		ORDER BY q.i, m.id`, s256, s1, m5)
	if err != nil {
		return nil, wrap("looking up digests", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int64
		m, err := scanMedia(scanPrefix{row: rows, first: &i})
		if err != nil {
			return nil, wrap("looking up digests", err)
		}
		out[i-1] = append(out[i-1], m)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("looking up digests", err)
	}
	return out, nil
}

// scanPrefix scans one leading column into first and the rest with the wrapped scanner.
type scanPrefix struct {
	row   pgx.Row
	first any
}

func (s scanPrefix) Scan(dest ...any) error {
	return s.row.Scan(append([]any{s.first}, dest...)...)
}

// MediaByIDs implements catalog.Reader.
func (r reader) MediaByIDs(ctx context.Context, ids []catalog.MediaID) ([]catalog.Media, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	want := make([]int64, len(ids))
	for i, id := range ids {
		want[i] = int64(id)
	}
	q := new(query)
	q.add(`SELECT `, mediaCols, ` FROM media m WHERE m.id = ANY(`, q.arg(want), `)`)
	found, err := list(ctx, r, "media by IDs", scanMedia, q)
	if err != nil {
		return nil, err
	}
	byID := make(map[catalog.MediaID]catalog.Media, len(found))
	for _, m := range found {
		byID[m.ID] = m
	}
	out := make([]catalog.Media, 0, len(found))
	for _, id := range ids {
		if m, ok := byID[id]; ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func scanFrame(row pgx.Row) (catalog.Frame, error) {
	var f catalog.Frame
	var number, quality int32
	var ts int64
	var hash []byte
	var flavour string
	err := row.Scan(&number, &ts, &hash, &quality, &flavour)
	f.Number, f.Timestamp = int(number), time.Duration(ts)
	copy(f.PDQ.Hash[:], hash)
	f.PDQ.Quality, f.PDQ.Flavour = int(quality), pdq.Flavour(flavour)
	return f, err
}

// Frames implements catalog.Reader.
func (r reader) Frames(ctx context.Context, m catalog.MediaID) ([]catalog.Frame, error) {
	q := new(query)
	q.add(`SELECT number, ts, pdq_hash, pdq_quality, pdq_flavour FROM frames WHERE media_id = `, q.arg(int64(m)), ` ORDER BY number`)
	return list(ctx, r, "frames", scanFrame, q)
}

const sightingCols = `s.id, s.media_id, s.case_id, s.exhibit, s.path, s.file_created, s.file_modified, s.file_accessed, s.uploader, s.country, s.at`

func scanSighting(row pgx.Row) (catalog.Sighting, error) {
	var s catalog.Sighting
	var country string
	err := row.Scan(&s.ID, &s.Media, &s.Case, &s.Exhibit, &s.Path, &s.Created, &s.Modified, &s.Accessed, &s.Uploader, &country, &s.At)
	s.Country, s.At = catalog.CountryCode(country), s.At.UTC()
	s.Created, s.Modified, s.Accessed = utc(s.Created), utc(s.Modified), utc(s.Accessed)
	return s, err
}

// Sightings implements catalog.Reader: a sighting is visible to whoever sees its case.
func (r reader) Sightings(ctx context.Context, s catalog.Scope, m catalog.MediaID, p catalog.Page) ([]catalog.Sighting, error) {
	q := new(query)
	q.add(`SELECT `, sightingCols, ` FROM sightings s JOIN cases c ON c.id = s.case_id WHERE s.media_id = `, q.arg(int64(m)),
		` AND `, q.scope(s, "c"))
	q.page(p, "s")
	return list(ctx, r, "sightings", scanSighting, q)
}

func scanMatch(row pgx.Row) (catalog.Match, error) {
	var m catalog.Match
	var kind string
	var distance int32
	err := row.Scan(&m.A, &m.B, &kind, &distance, &m.Found)
	m.Kind, m.Distance, m.Found = catalog.MatchKind(kind), int(distance), m.Found.UTC()
	return m, err
}

// Matches implements catalog.Reader.
func (r reader) Matches(ctx context.Context, m catalog.MediaID) ([]catalog.Match, error) {
	q := new(query)
	id := q.arg(int64(m))
	q.add(`SELECT a, b, kind, distance, found FROM matches WHERE a = `, id, ` OR b = `, id, ` ORDER BY a, b, kind`)
	return list(ctx, r, "matches", scanMatch, q)
}

// Series.

const seriesCols = `s.id, s.owner, s.visibility, s.shared_with, s.name, s.status, s.countries, s.created, s.updated`

func scanSeries(row pgx.Row) (catalog.Series, error) {
	var s catalog.Series
	var owner, vis, status string
	var shared, countries []string
	err := row.Scan(&s.ID, &owner, &vis, &shared, &s.Name, &status, &countries, &s.Created, &s.Updated)
	s.Access, s.Status, s.Countries = access(owner, vis, shared), catalog.SeriesStatus(status), countryCodes(countries)
	s.Created, s.Updated = s.Created.UTC(), s.Updated.UTC()
	return s, err
}

// Series implements catalog.Reader.
func (r reader) Series(ctx context.Context, s catalog.Scope, id catalog.SeriesID) (catalog.Series, error) {
	q := new(query)
	q.add(`SELECT `, seriesCols, ` FROM series s WHERE s.id = `, q.arg(int64(id)), ` AND `, q.scope(s, "s"))
	return one(ctx, r, exclusiveLock, "series", scanSeries, q.String(), q.args...)
}

// SeriesByName implements catalog.Reader.
func (r reader) SeriesByName(ctx context.Context, s catalog.Scope, name string) (catalog.Series, error) {
	q := new(query)
	q.add(`SELECT `, seriesCols, ` FROM series s WHERE s.name = `, q.arg(name), ` AND `, q.scope(s, "s"))
	return one(ctx, r, exclusiveLock, "series", scanSeries, q.String(), q.args...)
}

// SeriesList implements catalog.Reader.
func (r reader) SeriesList(ctx context.Context, s catalog.Scope, p catalog.Page) ([]catalog.Series, error) {
	q := new(query)
	q.add(`SELECT `, seriesCols, ` FROM series s WHERE `, q.scope(s, "s"))
	q.page(p, "s")
	return list(ctx, r, "series list", scanSeries, q)
}

// Persons.

const personCols = `p.id, p.kind, p.owner, p.visibility, p.shared_with, p.code, p.sex, p.age_band, p.status,
	p.identified_by, p.identified_at, p.likely_location, p.notes, p.series_ids, p.created, p.updated`

func scanPerson(row pgx.Row) (catalog.Person, error) {
	var p catalog.Person
	var kind, owner, vis, status, by, loc string
	var shared []string
	var series []int64
	err := row.Scan(&p.ID, &kind, &owner, &vis, &shared, &p.Code, &p.Sex, &p.AgeBand, &status,
		&by, &p.IdentifiedAt, &loc, &p.Notes, &series, &p.Created, &p.Updated)
	p.Kind, p.Access, p.Status = catalog.PersonKind(kind), access(owner, vis, shared), catalog.PersonStatus(status)
	p.IdentifiedBy, p.IdentifiedAt, p.LikelyLocation = catalog.CountryCode(by), utc(p.IdentifiedAt), catalog.CountryCode(loc)
	for _, id := range series {
		p.Series = append(p.Series, catalog.SeriesID(id))
	}
	p.Created, p.Updated = p.Created.UTC(), p.Updated.UTC()
	return p, err
}

// Person implements catalog.Reader.
func (r reader) Person(ctx context.Context, s catalog.Scope, id catalog.PersonID) (catalog.Person, error) {
	q := new(query)
	q.add(`SELECT `, personCols, ` FROM persons p WHERE p.id = `, q.arg(int64(id)), ` AND `, q.scope(s, "p"))
	return one(ctx, r, exclusiveLock, "person", scanPerson, q.String(), q.args...)
}

// Persons implements catalog.Reader.
func (r reader) Persons(ctx context.Context, s catalog.Scope, kind catalog.PersonKind, series catalog.SeriesID, p catalog.Page) ([]catalog.Person, error) {
	q := new(query)
	q.add(`SELECT `, personCols, ` FROM persons p WHERE p.kind = `, q.arg(string(kind)), ` AND `, q.scope(s, "p"))
	if series != 0 {
		q.add(` AND p.series_ids @> ARRAY[`, q.arg(int64(series)), `::bigint]`)
	}
	q.page(p, "p")
	return list(ctx, r, "persons", scanPerson, q)
}

// Clues.

const clueCols = `c.id, c.owner, c.visibility, c.shared_with, c.media_id, c.series_id,
	c.region_x, c.region_y, c.region_w, c.region_h, c.kind, c.text, c.tags, c.author, c.created`

func scanClue(row pgx.Row) (catalog.Clue, error) {
	var c catalog.Clue
	var owner, vis, kind string
	var shared, tags []string
	var media, series *int64
	var x, y, w, h *int32
	err := row.Scan(&c.ID, &owner, &vis, &shared, &media, &series, &x, &y, &w, &h, &kind, &c.Text, &tags, &c.Author, &c.Created)
	c.Access, c.Kind, c.Created = access(owner, vis, shared), catalog.ClueKind(kind), c.Created.UTC()
	if media != nil {
		c.Media = catalog.MediaID(*media)
	}
	if series != nil {
		c.Series = catalog.SeriesID(*series)
	}
	if x != nil && y != nil && w != nil && h != nil {
		c.Region = &catalog.Region{X: int(*x), Y: int(*y), W: int(*w), H: int(*h)}
	}
	if len(tags) > 0 {
		c.Tags = tags
	}
	return c, err
}

// Clue implements catalog.Reader.
func (r reader) Clue(ctx context.Context, s catalog.Scope, id catalog.ClueID) (catalog.Clue, error) {
	q := new(query)
	q.add(`SELECT `, clueCols, ` FROM clues c WHERE c.id = `, q.arg(int64(id)), ` AND `, q.scope(s, "c"))
	return one(ctx, r, noLock, "clue", scanClue, q.String(), q.args...)
}

// Clues implements catalog.Reader.
func (r reader) Clues(ctx context.Context, s catalog.Scope, f catalog.ClueFilter, p catalog.Page) ([]catalog.Clue, error) {
	q := new(query)
	q.add(`SELECT `, clueCols, ` FROM clues c WHERE `, q.scope(s, "c"))
	if f.Media != 0 {
		q.add(` AND c.media_id = `, q.arg(int64(f.Media)))
	}
	if f.Series != 0 {
		q.add(` AND c.series_id = `, q.arg(int64(f.Series)))
	}
	if f.Kind != "" {
		q.add(` AND c.kind = `, q.arg(string(f.Kind)))
	}
	if f.Tag != "" {
		q.add(` AND `, q.arg(f.Tag), `::text = ANY(c.tags)`)
	}
	if f.Text != "" {
		q.add(` AND strpos(lower(c.text), lower(`, q.arg(f.Text), `::text)) > 0`)
	}
	q.page(p, "c")
	return list(ctx, r, "clues", scanClue, q)
}

// Alerts.

const alertCols = `a.id, a.country, a.kind, a.media_id, a.from_country, a.message, a.created, a.read_at`

func scanAlert(row pgx.Row) (catalog.Alert, error) {
	var a catalog.Alert
	var country, kind, from string
	var media *int64
	err := row.Scan(&a.ID, &country, &kind, &media, &from, &a.Message, &a.Created, &a.Read)
	a.Country, a.Kind, a.From = catalog.CountryCode(country), catalog.AlertKind(kind), catalog.CountryCode(from)
	if media != nil {
		a.Media = catalog.MediaID(*media)
	}
	a.Created, a.Read = a.Created.UTC(), utc(a.Read)
	return a, err
}

// Alerts implements catalog.Reader.
func (r reader) Alerts(ctx context.Context, country catalog.CountryCode, unreadOnly bool, p catalog.Page) ([]catalog.Alert, error) {
	q := new(query)
	q.add(`SELECT `, alertCols, ` FROM alerts a WHERE a.country = `, q.arg(string(country)))
	if unreadOnly {
		q.add(` AND a.read_at IS NULL`)
	}
	q.page(p, "a")
	return list(ctx, r, "alerts", scanAlert, q)
}

// Stats implements catalog.Reader.
func (r reader) Stats(ctx context.Context) (catalog.Stats, error) {
	var st catalog.Stats
	err := r.q.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM media),
		(SELECT count(*) FROM series),
		(SELECT count(*) FROM persons WHERE kind = 'victim' AND status = 'identified'),
		(SELECT count(*) FROM persons WHERE kind = 'offender' AND status = 'identified'),
		(SELECT count(*) FROM countries)`).Scan(&st.Media, &st.Series, &st.VictimsIdentified, &st.OffendersIdentified, &st.Countries)
	return st, wrap("stats", err)
}

// feedPage is how many feed entries or audit events one query reads; iterators read page by
// page, so no connection is held while the caller works on what it was given.
const feedPage = 1000

// PDQEntries implements catalog.Reader. See the package comment for why a reader that resumes
// from the last sequence number it saw misses nothing.
func (r reader) PDQEntries(ctx context.Context, after int64) iter.Seq2[catalog.SeqPDQ, error] {
	return func(yield func(catalog.SeqPDQ, error) bool) {
		for {
			rows, err := r.q.Query(ctx, `SELECT seq, media_id, frame, pdq_hash, pdq_quality, pdq_flavour, deleted
				FROM pdq_feed WHERE seq > $1 ORDER BY seq LIMIT $2`, after, feedPage)
			page, err := collect(rows, err, scanSeqPDQ)
			if err != nil {
				yield(catalog.SeqPDQ{}, wrap("reading the PDQ feed", err))
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
				after = e.Seq
			}
			if len(page) < feedPage {
				return
			}
		}
	}
}

func scanSeqPDQ(row pgx.Row) (catalog.SeqPDQ, error) {
	var e catalog.SeqPDQ
	var frame, quality int32
	var hash []byte
	var flavour string
	err := row.Scan(&e.Seq, &e.Media, &frame, &hash, &quality, &flavour, &e.Deleted)
	e.Frame = int(frame)
	copy(e.Hash.Hash[:], hash)
	e.Hash.Quality, e.Hash.Flavour = int(quality), pdq.Flavour(flavour)
	return e, err
}

// AuditEvents implements catalog.Reader.
func (r reader) AuditEvents(ctx context.Context, from int64) iter.Seq2[audit.Event, error] {
	return func(yield func(audit.Event, error) bool) {
		for {
			rows, err := r.q.Query(ctx, `SELECT seq, time, actor, actor_id, country, action, object, details
				FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2`, from, feedPage)
			page, err := collect(rows, err, scanEvent)
			if err != nil {
				yield(audit.Event{}, wrap("reading the audit log", err))
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
				from = e.Seq + 1
			}
			if len(page) < feedPage {
				return
			}
		}
	}
}

func scanEvent(row pgx.Row) (audit.Event, error) {
	var e audit.Event
	err := row.Scan(&e.Seq, &e.Time, &e.Actor, &e.ActorID, &e.Country, &e.Action, &e.Object, &e.Details)
	e.Time = e.Time.UTC()
	return e, err
}

// AuditCheckpoints implements catalog.Reader.
func (r reader) AuditCheckpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	q := new(query).add(`SELECT size, root, note FROM audit_checkpoints ORDER BY size`)
	return list(ctx, r, "audit checkpoints", scanCheckpoint, q)
}

func scanCheckpoint(row pgx.Row) (audit.Checkpoint, error) {
	var c audit.Checkpoint
	var root []byte
	err := row.Scan(&c.Size, &root, &c.Note)
	copy(c.Root[:], root)
	return c, err
}
