package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/pdq"
)

// reader implements catalog.Reader over a querier: the read pool for *Store, the transaction
// for *tx (which so sees its own writes).
type reader struct {
	q querier
	// page is how many rows the streaming methods read per query; 0 means feedBatch.
	page int
}

func (r reader) pageSize() int {
	if r.page > 0 {
		return r.page
	}
	return feedBatch
}

// feedBatch is how many rows the streaming methods read per query: they never hold a read
// transaction open while the caller works on what they yielded.
const feedBatch = 1000

// one runs a query expected to return one row and scans it with scan; no row is ErrNotFound.
func one[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, catalog.ErrNotFound
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("sqlite: %w", err)
	}
	return v, nil
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return out, nil
}

// Countries and users.

const countryCols = "code, name, created"

func scanCountry(r scanner) (catalog.Country, error) {
	var c catalog.Country
	var created sql.NullInt64
	err := r.Scan(&c.Code, &c.Name, &created)
	c.Created = fromMicros(created)
	return c, err
}

func (r reader) Country(ctx context.Context, code catalog.CountryCode) (catalog.Country, error) {
	return one(ctx, r.q, scanCountry, "SELECT "+countryCols+" FROM countries WHERE code = ?", string(code))
}

func (r reader) Countries(ctx context.Context) ([]catalog.Country, error) {
	return list(ctx, r.q, scanCountry, "SELECT "+countryCols+" FROM countries ORDER BY code")
}

const userCols = "id, login, name, country, role, disabled, created"

func scanUser(r scanner) (catalog.User, error) {
	var u catalog.User
	var created sql.NullInt64
	err := r.Scan(&u.ID, &u.Login, &u.Name, &u.Country, &u.Role, &u.Disabled, &created)
	u.Created = fromMicros(created)
	return u, err
}

func (r reader) User(ctx context.Context, id catalog.UserID) (catalog.User, error) {
	return one(ctx, r.q, scanUser, "SELECT "+userCols+" FROM users WHERE id = ?", int64(id))
}

func (r reader) UserByLogin(ctx context.Context, login string) (catalog.User, error) {
	return one(ctx, r.q, scanUser, "SELECT "+userCols+" FROM users WHERE login = ?", login)
}

func (r reader) Users(ctx context.Context, country catalog.CountryCode, p catalog.Page) ([]catalog.User, error) {
	after, limit := pageArgs(p)
	if country == "" {
		return list(ctx, r.q, scanUser, "SELECT "+userCols+" FROM users WHERE id > ? ORDER BY id LIMIT ?", after, limit)
	}
	return list(ctx, r.q, scanUser, "SELECT "+userCols+" FROM users WHERE country = ? AND id > ? ORDER BY id LIMIT ?",
		string(country), after, limit)
}

// Cases.

var caseCols = "c.id, c.owner, c.visibility, " + sharesColumn(casesTable, "c") + ", c.number, c.title, c.created"

func scanCase(r scanner) (catalog.Case, error) {
	var c catalog.Case
	var owner, vis string
	var shared sql.NullString
	var created sql.NullInt64
	if err := r.Scan(&c.ID, &owner, &vis, &shared, &c.Number, &c.Title, &created); err != nil {
		return c, err
	}
	var err error
	c.Access, err = access(owner, vis, shared)
	c.Created = fromMicros(created)
	return c, err
}

func (r reader) Case(ctx context.Context, s catalog.Scope, id catalog.CaseID) (catalog.Case, error) {
	if blind(s) {
		return catalog.Case{}, catalog.ErrNotFound
	}
	cond, args := visible(s, casesTable, "c")
	return one(ctx, r.q, scanCase, "SELECT "+caseCols+" FROM cases c WHERE c.id = ? AND "+cond,
		append([]any{int64(id)}, args...)...)
}

func (r reader) CaseByNumber(ctx context.Context, s catalog.Scope, owner catalog.CountryCode, number string) (catalog.Case, error) {
	if blind(s) {
		return catalog.Case{}, catalog.ErrNotFound
	}
	cond, args := visible(s, casesTable, "c")
	return one(ctx, r.q, scanCase, "SELECT "+caseCols+" FROM cases c WHERE c.owner = ? AND c.number = ? AND "+cond,
		append([]any{string(owner), number}, args...)...)
}

func (r reader) Cases(ctx context.Context, s catalog.Scope, p catalog.Page) ([]catalog.Case, error) {
	if blind(s) {
		return nil, nil
	}
	after, limit := pageArgs(p)
	cond, args := visible(s, casesTable, "c")
	return list(ctx, r.q, scanCase, "SELECT "+caseCols+" FROM cases c WHERE c.id > ? AND "+cond+" ORDER BY c.id LIMIT ?",
		append(append([]any{after}, args...), limit)...)
}

// Media.

var mediaCols = "m.id, m.sha256, m.sha1, m.md5, m.size, m.mime, m.kind, m.width, m.height, m.duration, " +
	"m.pdq_hash, m.pdq_quality, m.pdq_flavour, m.category_scheme, m.category_code, m.owner, m.visibility, " +
	sharesColumn(mediaTable, "m") + ", m.retention, m.blob, m.series_id, m.source, m.created, m.updated, m.exif"

func scanMedia(r scanner) (catalog.Media, error) {
	var (
		m                   catalog.Media
		sha256, sha1, md5   []byte
		pdqHash             []byte
		pdqQuality          sql.NullInt64
		pdqFlavour          sql.NullString
		owner, vis          string
		shared              sql.NullString
		retention           sql.NullInt64
		series              sql.NullInt64
		created, updated    sql.NullInt64
		duration            int64
		kind, scheme, code  string
		size, width, height int64
		mime, blob, source  string
		id                  int64
		exifJSON            sql.NullString
	)
	if err := r.Scan(&id, &sha256, &sha1, &md5, &size, &mime, &kind, &width, &height, &duration,
		&pdqHash, &pdqQuality, &pdqFlavour, &scheme, &code, &owner, &vis,
		&shared, &retention, &blob, &series, &source, &created, &updated, &exifJSON); err != nil {
		return m, err
	}
	d, err := scanDigests(sha256, sha1, md5)
	if err != nil {
		return m, err
	}
	a, err := access(owner, vis, shared)
	if err != nil {
		return m, err
	}
	m = catalog.Media{
		ID:        catalog.MediaID(id),
		Digests:   d,
		Size:      size,
		MIME:      mime,
		Kind:      catalog.MediaKind(kind),
		Width:     int(width),
		Height:    int(height),
		Duration:  durationOf(duration),
		Category:  catalog.Category{Scheme: scheme, Code: code},
		Access:    a,
		Retention: fromMicros(retention),
		Blob:      blob,
		Series:    catalog.SeriesID(series.Int64),
		Source:    source,
		Created:   fromMicros(created),
		Updated:   fromMicros(updated),
	}
	if m.EXIF, err = decodeEXIF(exifJSON); err != nil {
		return m, err
	}
	if pdqHash != nil {
		h, err := scanHash(pdqHash)
		if err != nil {
			return m, err
		}
		m.PDQ = &catalog.PDQ{Hash: h, Quality: int(pdqQuality.Int64), Flavour: pdq.Flavour(pdqFlavour.String)}
	}
	return m, nil
}

func (r reader) Media(ctx context.Context, s catalog.Scope, id catalog.MediaID) (catalog.Media, error) {
	if blind(s) {
		return catalog.Media{}, catalog.ErrNotFound
	}
	cond, args := visible(s, mediaTable, "m")
	return one(ctx, r.q, scanMedia, "SELECT "+mediaCols+" FROM media m WHERE m.id = ? AND "+cond,
		append([]any{int64(id)}, args...)...)
}

func (r reader) MediaList(ctx context.Context, s catalog.Scope, f catalog.MediaFilter, p catalog.Page) ([]catalog.Media, error) {
	if blind(s) {
		return nil, nil
	}
	after, limit := pageArgs(p)
	cond, vargs := visible(s, mediaTable, "m")
	where := []string{"m.id > ?", cond}
	args := append([]any{after}, vargs...)
	if f.Owner != "" {
		where = append(where, "m.owner = ?")
		args = append(args, string(f.Owner))
	}
	if f.Series != 0 {
		where = append(where, "m.series_id = ?")
		args = append(args, int64(f.Series))
	}
	if f.Case != 0 {
		// IN, not EXISTS: the case's sightings drive the query, not a walk over every media.
		where = append(where, "m.id IN (SELECT x.media_id FROM sightings x WHERE x.case_id = ?)")
		args = append(args, int64(f.Case))
	}
	if f.Category != nil {
		where = append(where, "m.category_scheme = ? AND m.category_code = ?")
		args = append(args, f.Category.Scheme, f.Category.Code)
	}
	if f.Uncategorised {
		where = append(where, "m.category_scheme = '' AND m.category_code = ''")
	}
	if f.Kind != "" {
		where = append(where, "m.kind = ?")
		args = append(args, string(f.Kind))
	}
	if f.Uploader != 0 {
		where = append(where, "m.id IN (SELECT x.media_id FROM sightings x WHERE x.uploader = ?)")
		args = append(args, int64(f.Uploader))
	}
	args = append(args, limit)
	return list(ctx, r.q, scanMedia, "SELECT "+mediaCols+" FROM media m WHERE "+strings.Join(where, " AND ")+" ORDER BY m.id LIMIT ?", args...)
}

// lookupQuery finds the media records sharing a digest; NULL (unknown) matches nothing.
var lookupQuery = "SELECT " + mediaCols + " FROM media m WHERE m.sha256 = ? OR m.sha1 = ? OR m.md5 = ? ORDER BY m.id"

func (r reader) LookupDigests(ctx context.Context, queries []catalog.Digests) ([][]catalog.Media, error) {
	out := make([][]catalog.Media, len(queries))
	if len(queries) == 0 {
		return out, nil
	}
	// NULL never equals anything, so an unknown digest matches nothing.
	for i, d := range queries {
		if d.Empty() {
			continue
		}
		sha256, sha1, md5 := digestArgs(d)
		ms, err := list(ctx, r.q, scanMedia, lookupQuery, sha256, sha1, md5)
		if err != nil {
			return nil, err
		}
		out[i] = ms
	}
	return out, nil
}

func (r reader) MediaByIDs(ctx context.Context, ids []catalog.MediaID) ([]catalog.Media, error) {
	found := make(map[catalog.MediaID]catalog.Media, len(ids))
	const chunk = 500
	for lo := 0; lo < len(ids); lo += chunk {
		part := ids[lo:min(lo+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = int64(id)
		}
		ms, err := list(ctx, r.q, scanMedia, "SELECT "+mediaCols+" FROM media m WHERE m.id IN ("+placeholders(len(part))+")", args...)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			found[m.ID] = m
		}
	}
	var out []catalog.Media
	for _, id := range ids {
		if m, ok := found[id]; ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func scanFrame(r scanner) (catalog.Frame, error) {
	var f catalog.Frame
	var ts int64
	var h []byte
	var flavour string
	if err := r.Scan(&f.Number, &ts, &h, &f.PDQ.Quality, &flavour); err != nil {
		return f, err
	}
	f.Timestamp = durationOf(ts)
	f.PDQ.Flavour = pdq.Flavour(flavour)
	var err error
	f.PDQ.Hash, err = scanHash(h)
	return f, err
}

func (r reader) Frames(ctx context.Context, m catalog.MediaID) ([]catalog.Frame, error) {
	return list(ctx, r.q, scanFrame, "SELECT number, timestamp, pdq_hash, pdq_quality, pdq_flavour FROM frames WHERE media_id = ? ORDER BY number", int64(m))
}

const sightingCols = "s.id, s.media_id, s.case_id, s.exhibit, s.path, s.created, s.modified, s.accessed, s.uploader, s.country, s.at"

func scanSighting(r scanner) (catalog.Sighting, error) {
	var s catalog.Sighting
	var created, modified, accessed, uploader, at sql.NullInt64
	if err := r.Scan(&s.ID, &s.Media, &s.Case, &s.Exhibit, &s.Path, &created, &modified, &accessed, &uploader, &s.Country, &at); err != nil {
		return s, err
	}
	s.Created, s.Modified, s.Accessed = fromMicrosPtr(created), fromMicrosPtr(modified), fromMicrosPtr(accessed)
	s.Uploader = catalog.UserID(uploader.Int64)
	s.At = fromMicros(at)
	return s, nil
}

func (r reader) Sightings(ctx context.Context, s catalog.Scope, m catalog.MediaID, p catalog.Page) ([]catalog.Sighting, error) {
	if blind(s) {
		return nil, nil
	}
	after, limit := pageArgs(p)
	cond, args := visible(s, casesTable, "c")
	return list(ctx, r.q, scanSighting, "SELECT "+sightingCols+" FROM sightings s JOIN cases c ON c.id = s.case_id WHERE s.media_id = ? AND s.id > ? AND "+cond+" ORDER BY s.id LIMIT ?",
		append(append([]any{int64(m), after}, args...), limit)...)
}

func scanMatch(r scanner) (catalog.Match, error) {
	var m catalog.Match
	var found sql.NullInt64
	err := r.Scan(&m.A, &m.B, &m.Kind, &m.Distance, &found)
	m.Found = fromMicros(found)
	return m, err
}

func (r reader) Matches(ctx context.Context, m catalog.MediaID) ([]catalog.Match, error) {
	return list(ctx, r.q, scanMatch, `SELECT a, b, kind, distance, found FROM matches WHERE a = ?1
UNION ALL SELECT a, b, kind, distance, found FROM matches WHERE b = ?1 ORDER BY 1, 2, 3`, int64(m))
}

// Series.

var seriesCols = "r.id, r.owner, r.visibility, " + sharesColumn(seriesTable, "r") + ", r.name, r.status, " +
	"(SELECT json_group_array(country ORDER BY country) FROM series_countries WHERE series_id = r.id), r.created, r.updated"

func scanSeries(r scanner) (catalog.Series, error) {
	var s catalog.Series
	var owner, vis string
	var shared, countries sql.NullString
	var created, updated sql.NullInt64
	if err := r.Scan(&s.ID, &owner, &vis, &shared, &s.Name, &s.Status, &countries, &created, &updated); err != nil {
		return s, err
	}
	var err error
	if s.Access, err = access(owner, vis, shared); err != nil {
		return s, err
	}
	if s.Countries, err = jsonList[catalog.CountryCode](countries); err != nil {
		return s, err
	}
	s.Created, s.Updated = fromMicros(created), fromMicros(updated)
	return s, nil
}

func (r reader) Series(ctx context.Context, s catalog.Scope, id catalog.SeriesID) (catalog.Series, error) {
	if blind(s) {
		return catalog.Series{}, catalog.ErrNotFound
	}
	cond, args := visible(s, seriesTable, "r")
	return one(ctx, r.q, scanSeries, "SELECT "+seriesCols+" FROM series r WHERE r.id = ? AND "+cond,
		append([]any{int64(id)}, args...)...)
}

func (r reader) SeriesByName(ctx context.Context, s catalog.Scope, name string) (catalog.Series, error) {
	if blind(s) {
		return catalog.Series{}, catalog.ErrNotFound
	}
	cond, args := visible(s, seriesTable, "r")
	return one(ctx, r.q, scanSeries, "SELECT "+seriesCols+" FROM series r WHERE r.name = ? AND "+cond,
		append([]any{name}, args...)...)
}

func (r reader) SeriesList(ctx context.Context, s catalog.Scope, p catalog.Page) ([]catalog.Series, error) {
	if blind(s) {
		return nil, nil
	}
	after, limit := pageArgs(p)
	cond, args := visible(s, seriesTable, "r")
	return list(ctx, r.q, scanSeries, "SELECT "+seriesCols+" FROM series r WHERE r.id > ? AND "+cond+" ORDER BY r.id LIMIT ?",
		append(append([]any{after}, args...), limit)...)
}

// Persons.

var personCols = "p.id, p.kind, p.owner, p.visibility, " + sharesColumn(personsTable, "p") +
	", p.code, p.sex, p.age_band, p.status, p.identified_by, p.identified_at, p.likely_location, p.notes, " +
	"(SELECT json_group_array(series_id ORDER BY series_id) FROM person_series WHERE person_id = p.id), p.created, p.updated"

func scanPerson(r scanner) (catalog.Person, error) {
	var p catalog.Person
	var owner, vis string
	var shared, series, identBy, likely sql.NullString
	var identAt, created, updated sql.NullInt64
	if err := r.Scan(&p.ID, &p.Kind, &owner, &vis, &shared, &p.Code, &p.Sex, &p.AgeBand, &p.Status,
		&identBy, &identAt, &likely, &p.Notes, &series, &created, &updated); err != nil {
		return p, err
	}
	var err error
	if p.Access, err = access(owner, vis, shared); err != nil {
		return p, err
	}
	if p.Series, err = jsonList[catalog.SeriesID](series); err != nil {
		return p, err
	}
	p.IdentifiedBy = catalog.CountryCode(identBy.String)
	p.IdentifiedAt = fromMicrosPtr(identAt)
	p.LikelyLocation = catalog.CountryCode(likely.String)
	p.Created, p.Updated = fromMicros(created), fromMicros(updated)
	return p, nil
}

func (r reader) Person(ctx context.Context, s catalog.Scope, id catalog.PersonID) (catalog.Person, error) {
	if blind(s) {
		return catalog.Person{}, catalog.ErrNotFound
	}
	cond, args := visible(s, personsTable, "p")
	return one(ctx, r.q, scanPerson, "SELECT "+personCols+" FROM persons p WHERE p.id = ? AND "+cond,
		append([]any{int64(id)}, args...)...)
}

func (r reader) Persons(ctx context.Context, s catalog.Scope, kind catalog.PersonKind, series catalog.SeriesID, p catalog.Page) ([]catalog.Person, error) {
	if blind(s) {
		return nil, nil
	}
	after, limit := pageArgs(p)
	cond, vargs := visible(s, personsTable, "p")
	where := []string{"p.id > ?", cond}
	args := append([]any{after}, vargs...)
	if kind != "" {
		where = append(where, "p.kind = ?")
		args = append(args, string(kind))
	}
	if series != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM person_series x WHERE x.person_id = p.id AND x.series_id = ?)")
		args = append(args, int64(series))
	}
	args = append(args, limit)
	return list(ctx, r.q, scanPerson, "SELECT "+personCols+" FROM persons p WHERE "+strings.Join(where, " AND ")+" ORDER BY p.id LIMIT ?", args...)
}

// Clues.

var clueCols = "l.id, l.owner, l.visibility, " + sharesColumn(cluesTable, "l") +
	", l.media_id, l.series_id, l.region_x, l.region_y, l.region_w, l.region_h, l.kind, l.text, " +
	"(SELECT json_group_array(tag ORDER BY tag) FROM clue_tags WHERE clue_id = l.id), l.author, l.created"

func scanClue(r scanner) (catalog.Clue, error) {
	var c catalog.Clue
	var owner, vis string
	var shared, tags sql.NullString
	var media, series, x, y, w, h, author, created sql.NullInt64
	if err := r.Scan(&c.ID, &owner, &vis, &shared, &media, &series, &x, &y, &w, &h, &c.Kind, &c.Text, &tags, &author, &created); err != nil {
		return c, err
	}
	var err error
	if c.Access, err = access(owner, vis, shared); err != nil {
		return c, err
	}
	if c.Tags, err = jsonList[string](tags); err != nil {
		return c, err
	}
	c.Media, c.Series = catalog.MediaID(media.Int64), catalog.SeriesID(series.Int64)
	if w.Valid {
		c.Region = &catalog.Region{X: int(x.Int64), Y: int(y.Int64), W: int(w.Int64), H: int(h.Int64)}
	}
	c.Author = catalog.UserID(author.Int64)
	c.Created = fromMicros(created)
	return c, nil
}

func (r reader) Clue(ctx context.Context, s catalog.Scope, id catalog.ClueID) (catalog.Clue, error) {
	if blind(s) {
		return catalog.Clue{}, catalog.ErrNotFound
	}
	cond, args := visible(s, cluesTable, "l")
	return one(ctx, r.q, scanClue, "SELECT "+clueCols+" FROM clues l WHERE l.id = ? AND "+cond,
		append([]any{int64(id)}, args...)...)
}

func (r reader) Clues(ctx context.Context, s catalog.Scope, f catalog.ClueFilter, p catalog.Page) ([]catalog.Clue, error) {
	if blind(s) {
		return nil, nil
	}
	after, limit := pageArgs(p)
	cond, vargs := visible(s, cluesTable, "l")
	where := []string{"l.id > ?", cond}
	args := append([]any{after}, vargs...)
	if f.Media != 0 {
		where = append(where, "l.media_id = ?")
		args = append(args, int64(f.Media))
	}
	if f.Series != 0 {
		where = append(where, "l.series_id = ?")
		args = append(args, int64(f.Series))
	}
	if f.Kind != "" {
		where = append(where, "l.kind = ?")
		args = append(args, string(f.Kind))
	}
	if f.Tag != "" {
		where = append(where, "EXISTS (SELECT 1 FROM clue_tags x WHERE x.clue_id = l.id AND x.tag = ?)")
		args = append(args, f.Tag)
	}
	if f.Text != "" {
		// instr, not LIKE: the text is matched literally, % and _ included.
		where = append(where, "instr(l.text_folded, ?) > 0")
		args = append(args, fold(f.Text))
	}
	args = append(args, limit)
	return list(ctx, r.q, scanClue, "SELECT "+clueCols+" FROM clues l WHERE "+strings.Join(where, " AND ")+" ORDER BY l.id LIMIT ?", args...)
}

// fold is the case-insensitive form clue texts are searched in.
func fold(s string) string { return strings.ToLower(s) }

// Alerts.

const alertCols = "id, country, kind, media_id, from_country, message, created, read"

func scanAlert(r scanner) (catalog.Alert, error) {
	var a catalog.Alert
	var media, created, read sql.NullInt64
	err := r.Scan(&a.ID, &a.Country, &a.Kind, &media, &a.From, &a.Message, &created, &read)
	a.Media = catalog.MediaID(media.Int64)
	a.Created = fromMicros(created)
	a.Read = fromMicrosPtr(read)
	return a, err
}

func (r reader) Alerts(ctx context.Context, country catalog.CountryCode, unreadOnly bool, p catalog.Page) ([]catalog.Alert, error) {
	after, limit := pageArgs(p)
	q := "SELECT " + alertCols + " FROM alerts WHERE country = ? AND id > ?"
	if unreadOnly {
		q += " AND read IS NULL"
	}
	return list(ctx, r.q, scanAlert, q+" ORDER BY id LIMIT ?", string(country), after, limit)
}

// PDQ feed.

func scanFeed(r scanner) (catalog.SeqPDQ, error) {
	var e catalog.SeqPDQ
	var h []byte
	var flavour string
	if err := r.Scan(&e.Seq, &e.Media, &e.Frame, &h, &e.Hash.Quality, &flavour, &e.Deleted); err != nil {
		return e, err
	}
	e.Hash.Flavour = pdq.Flavour(flavour)
	var err error
	e.Hash.Hash, err = scanHash(h)
	return e, err
}

func (r reader) PDQEntries(ctx context.Context, after int64) iter.Seq2[catalog.SeqPDQ, error] {
	return func(yield func(catalog.SeqPDQ, error) bool) {
		for {
			batch, err := list(ctx, r.q, scanFeed,
				"SELECT seq, media_id, frame, hash, quality, flavour, deleted FROM pdq_feed WHERE seq > ? ORDER BY seq LIMIT ?",
				after, r.pageSize())
			if err != nil {
				yield(catalog.SeqPDQ{}, err)
				return
			}
			for _, e := range batch {
				if !yield(e, nil) {
					return
				}
			}
			if len(batch) < r.pageSize() {
				return
			}
			after = batch[len(batch)-1].Seq
		}
	}
}

// Stats.

func (r reader) Stats(ctx context.Context) (catalog.Stats, error) {
	var st catalog.Stats
	err := r.q.QueryRowContext(ctx, `SELECT
	(SELECT count(*) FROM media),
	(SELECT count(*) FROM series),
	(SELECT count(*) FROM persons WHERE kind = 'victim' AND status = 'identified'),
	(SELECT count(*) FROM persons WHERE kind = 'offender' AND status = 'identified'),
	(SELECT count(*) FROM countries)`).Scan(&st.Media, &st.Series, &st.VictimsIdentified, &st.OffendersIdentified, &st.Countries)
	if err != nil {
		return st, fmt.Errorf("sqlite: stats: %w", err)
	}
	return st, nil
}
