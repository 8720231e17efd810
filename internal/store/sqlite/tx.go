package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
)

// tx is the catalog.Tx of one Update: the Reader methods on the SQL transaction (so it sees
// its own writes), the write methods, and what finish needs to enforce the audit rule.
type tx struct {
	reader
	s   *Store
	sql *sql.Tx

	mu     sync.Mutex
	wrote  bool  // some write method changed the catalog
	events int   // audit events appended
	size   int64 // the audit log's size, once known (-1 before)
}

func newTx(s *Store, t *sql.Tx) *tx {
	return &tx{reader: reader{q: newTxQuerier(t), page: s.page}, s: s, sql: t, size: -1}
}

// changed records that the transaction wrote, for the audit rule.
func (t *tx) changed() {
	t.mu.Lock()
	t.wrote = true
	t.mu.Unlock()
}

// finish enforces the audit rule and signs the checkpoint, before the commit.
func (t *tx) finish(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.wrote && t.events == 0 {
		return catalog.ErrUnaudited
	}
	if t.events == 0 {
		return nil
	}
	return t.checkpoint(ctx)
}

// exec runs a write statement and maps constraint errors to the catalog's sentinels.
func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := t.q.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", mapErr(err))
	}
	return res, nil
}

// insert runs an INSERT and returns the new row's ID.
func (t *tx) insert(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// mustAffect turns an UPDATE or DELETE that matched nothing into ErrNotFound.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if n == 0 {
		return catalog.ErrNotFound
	}
	return nil
}

// Countries and users.

func (t *tx) AddCountry(ctx context.Context, c catalog.Country) error {
	if !c.Code.Valid() {
		return fmt.Errorf("%w: country code %q", catalog.ErrInvalid, c.Code)
	}
	if _, err := t.exec(ctx, "INSERT INTO countries (code, name, created) VALUES (?, ?, ?)",
		string(c.Code), c.Name, stamp(c.Created, t.s.now()).UnixMicro()); err != nil {
		return err
	}
	t.changed()
	return nil
}

func (t *tx) AddUser(ctx context.Context, u catalog.User) (catalog.User, error) {
	if err := u.Validate(); err != nil {
		return catalog.User{}, err
	}
	id, err := t.insert(ctx, "INSERT INTO users (login, name, country, role, disabled, created) VALUES (?, ?, ?, ?, ?, ?)",
		u.Login, u.Name, string(u.Country), string(u.Role), u.Disabled, stamp(u.Created, t.s.now()).UnixMicro())
	if err != nil {
		return catalog.User{}, err
	}
	t.changed()
	return t.User(ctx, catalog.UserID(id))
}

func (t *tx) UpdateUser(ctx context.Context, u catalog.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if err := mustAffect(t.exec(ctx, "UPDATE users SET name = ?, country = ?, role = ?, disabled = ? WHERE id = ?",
		u.Name, string(u.Country), string(u.Role), u.Disabled, int64(u.ID))); err != nil {
		return err
	}
	t.changed()
	return nil
}

// Cases.

func (t *tx) CreateCase(ctx context.Context, c catalog.Case) (catalog.Case, error) {
	c.Access = c.Access.Normalize()
	if err := c.Validate(); err != nil {
		return catalog.Case{}, err
	}
	id, err := t.insert(ctx, "INSERT INTO cases (owner, visibility, number, title, created) VALUES (?, ?, ?, ?, ?)",
		string(c.Access.Owner), string(c.Access.Visibility), c.Number, c.Title, stamp(c.Created, t.s.now()).UnixMicro())
	if err != nil {
		return catalog.Case{}, err
	}
	if err := putShares(ctx, t.q, casesTable, id, c.Access, false); err != nil {
		return catalog.Case{}, err
	}
	t.changed()
	return t.Case(ctx, catalog.SystemScope(), catalog.CaseID(id))
}

// Media.

func (t *tx) PutMedia(ctx context.Context, m catalog.Media) (catalog.Media, bool, error) {
	m.Access = m.Access.Normalize()
	if err := m.Validate(); err != nil {
		return catalog.Media{}, false, err
	}
	if m.Digests.HasSHA256() {
		held, err := one(ctx, t.q, scanMedia, "SELECT "+mediaCols+" FROM media m WHERE m.sha256 = ?", m.Digests.SHA256[:])
		if err == nil {
			return held, false, nil
		}
		if !errors.Is(err, catalog.ErrNotFound) {
			return catalog.Media{}, false, err
		}
	}
	if err := t.mediaRefs(ctx, m); err != nil {
		return catalog.Media{}, false, err
	}
	now := t.s.now()
	sha256, sha1, md5 := digestArgs(m.Digests)
	var pdqHash, pdqQuality, pdqFlavour any
	if m.PDQ != nil {
		pdqHash, pdqQuality, pdqFlavour = m.PDQ.Hash[:], m.PDQ.Quality, string(m.PDQ.Flavour)
	}
	exifJSON, err := encodeEXIF(m.EXIF)
	if err != nil {
		return catalog.Media{}, false, err
	}
	id, err := t.insert(ctx, `INSERT INTO media (sha256, sha1, md5, size, mime, kind, width, height, duration,
	pdq_hash, pdq_quality, pdq_flavour, category_scheme, category_code, owner, visibility, retention,
	blob, series_id, source, created, updated, exif) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sha256, sha1, md5, m.Size, m.MIME, string(m.Kind), m.Width, m.Height, int64(m.Duration),
		pdqHash, pdqQuality, pdqFlavour, m.Category.Scheme, m.Category.Code,
		string(m.Access.Owner), string(m.Access.Visibility), micros(m.Retention),
		m.Blob, nullID(m.Series), m.Source, stamp(m.Created, now).UnixMicro(), stamp(m.Updated, now).UnixMicro(), exifJSON)
	if err != nil {
		return catalog.Media{}, false, err
	}
	if err := putShares(ctx, t.q, mediaTable, id, m.Access, false); err != nil {
		return catalog.Media{}, false, err
	}
	if m.PDQ != nil {
		if err := t.feedAdd(ctx, catalog.MediaID(id), -1, *m.PDQ); err != nil {
			return catalog.Media{}, false, err
		}
	}
	t.changed()
	// The record as stored, without reading it back: times to the microsecond in UTC.
	m.ID = catalog.MediaID(id)
	m.Created, m.Updated = stamp(m.Created, now), stamp(m.Updated, now)
	if !m.Retention.IsZero() {
		m.Retention = m.Retention.UTC().Truncate(time.Microsecond)
	}
	if m.PDQ != nil {
		p := *m.PDQ
		m.PDQ = &p
	}
	if exifJSON != nil {
		// A copy of what was stored, sharing nothing with the caller's.
		if m.EXIF, err = decodeEXIF(sql.NullString{String: exifJSON.(string), Valid: true}); err != nil {
			return catalog.Media{}, false, err
		}
	}
	return m, true, nil
}

func (t *tx) UpdateMedia(ctx context.Context, m catalog.Media) error {
	held, err := t.Media(ctx, catalog.SystemScope(), m.ID)
	if err != nil {
		return err
	}
	m.Digests = held.Digests // digests never change
	m.Access = m.Access.Normalize()
	if err := m.Validate(); err != nil {
		return err
	}
	if err := t.mediaRefs(ctx, m); err != nil {
		return err
	}
	var pdqHash, pdqQuality, pdqFlavour any
	if m.PDQ != nil {
		pdqHash, pdqQuality, pdqFlavour = m.PDQ.Hash[:], m.PDQ.Quality, string(m.PDQ.Flavour)
	}
	exifJSON, err := encodeEXIF(m.EXIF)
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, `UPDATE media SET category_scheme = ?, category_code = ?, owner = ?, visibility = ?,
	retention = ?, series_id = ?, pdq_hash = ?, pdq_quality = ?, pdq_flavour = ?, width = ?, height = ?, duration = ?,
	mime = ?, kind = ?, exif = ?, blob = ?, updated = ? WHERE id = ?`,
		m.Category.Scheme, m.Category.Code, string(m.Access.Owner), string(m.Access.Visibility),
		micros(m.Retention), nullID(m.Series), pdqHash, pdqQuality, pdqFlavour, m.Width, m.Height, int64(m.Duration),
		m.MIME, string(m.Kind), exifJSON, m.Blob, t.s.now().UnixMicro(), int64(m.ID)); err != nil {
		return err
	}
	if err := putShares(ctx, t.q, mediaTable, int64(m.ID), m.Access, true); err != nil {
		return err
	}
	if !samePDQ(held.PDQ, m.PDQ) {
		if err := t.feedRemove(ctx, m.ID, true); err != nil {
			return err
		}
		if m.PDQ != nil {
			if err := t.feedAdd(ctx, m.ID, -1, *m.PDQ); err != nil {
				return err
			}
		}
	}
	t.changed()
	return nil
}

// mediaRefs checks that the country and series a media record refers to exist. The schema
// checks them too, but at commit (the media table's foreign keys are deferred, for imports):
// this gives the caller the error where it made it.
func (t *tx) mediaRefs(ctx context.Context, m catalog.Media) error {
	var n int
	if err := t.q.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM countries WHERE code = ?) + (SELECT count(*) FROM series WHERE id = ?)",
		string(m.Access.Owner), int64(m.Series)).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	want := 1
	if m.Series != 0 {
		want = 2
	}
	if n != want {
		return fmt.Errorf("%w: media owned by %q in series %d: no such country or series", catalog.ErrInvalid, m.Access.Owner, m.Series)
	}
	return nil
}

func samePDQ(a, b *catalog.PDQ) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (t *tx) DeleteMedia(ctx context.Context, id catalog.MediaID) error {
	if err := t.mediaExists(ctx, id); err != nil {
		return err
	}
	if err := t.feedRemove(ctx, id, false); err != nil {
		return err
	}
	// Sightings, frames, matches, clues and shares go with it (ON DELETE CASCADE); alerts
	// keep their text and lose the reference.
	if err := mustAffect(t.exec(ctx, "DELETE FROM media WHERE id = ?", int64(id))); err != nil {
		return err
	}
	t.changed()
	return nil
}

func (t *tx) mediaExists(ctx context.Context, id catalog.MediaID) error {
	var one int
	err := t.q.QueryRowContext(ctx, "SELECT 1 FROM media WHERE id = ?", int64(id)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

func (t *tx) PutFrames(ctx context.Context, m catalog.MediaID, frames []catalog.Frame) error {
	if err := catalog.ValidateFrames(frames); err != nil {
		return fmt.Errorf("sqlite: putting frames: %w", err)
	}
	if err := t.mediaExists(ctx, m); err != nil {
		return err
	}
	// Frames only: an image's own hash (frame -1) stays.
	if _, err := t.exec(ctx, `INSERT INTO pdq_feed (media_id, frame, hash, quality, flavour, deleted)
	SELECT media_id, frame, hash, quality, flavour, 1 FROM pdq_feed WHERE media_id = ? AND deleted = 0 AND frame >= 0 ORDER BY seq`, int64(m)); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "DELETE FROM pdq_feed WHERE media_id = ? AND deleted = 0 AND frame >= 0", int64(m)); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "DELETE FROM frames WHERE media_id = ?", int64(m)); err != nil {
		return err
	}
	frames = slices.Clone(frames)
	slices.SortFunc(frames, func(a, b catalog.Frame) int { return a.Number - b.Number })
	for _, f := range frames {
		if _, err := t.exec(ctx, "INSERT INTO frames (media_id, number, timestamp, pdq_hash, pdq_quality, pdq_flavour) VALUES (?, ?, ?, ?, ?, ?)",
			int64(m), f.Number, int64(f.Timestamp), f.PDQ.Hash[:], f.PDQ.Quality, string(f.PDQ.Flavour)); err != nil {
			return err
		}
		if err := t.feedAdd(ctx, m, f.Number, f.PDQ); err != nil {
			return err
		}
	}
	t.changed()
	return nil
}

// feedAdd appends a stored hash to the PDQ change feed.
func (t *tx) feedAdd(ctx context.Context, m catalog.MediaID, frame int, p catalog.PDQ) error {
	_, err := t.exec(ctx, "INSERT INTO pdq_feed (media_id, frame, hash, quality, flavour, deleted) VALUES (?, ?, ?, ?, ?, 0)",
		int64(m), frame, p.Hash[:], p.Quality, string(p.Flavour))
	return err
}

// feedRemove appends a removal for each live hash of m (only its image hash when imageOnly)
// and drops the rows that added them, so the feed never grows with superseded hashes.
func (t *tx) feedRemove(ctx context.Context, m catalog.MediaID, imageOnly bool) error {
	cond := "media_id = ? AND deleted = 0"
	if imageOnly {
		cond += " AND frame = -1"
	}
	if _, err := t.exec(ctx, `INSERT INTO pdq_feed (media_id, frame, hash, quality, flavour, deleted)
	SELECT media_id, frame, hash, quality, flavour, 1 FROM pdq_feed WHERE `+cond+" ORDER BY seq", int64(m)); err != nil {
		return err
	}
	_, err := t.exec(ctx, "DELETE FROM pdq_feed WHERE "+cond, int64(m))
	return err
}

func (t *tx) AddSighting(ctx context.Context, s catalog.Sighting) (catalog.Sighting, error) {
	if s.Media == 0 || s.Case == 0 {
		return catalog.Sighting{}, fmt.Errorf("%w: a sighting needs its media and case", catalog.ErrInvalid)
	}
	if s.Country != "" && !s.Country.Valid() {
		return catalog.Sighting{}, fmt.Errorf("%w: sighting country %q", catalog.ErrInvalid, s.Country)
	}
	id, err := t.insert(ctx, `INSERT INTO sightings (media_id, case_id, exhibit, path, created, modified, accessed, uploader, country, at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		int64(s.Media), int64(s.Case), s.Exhibit, s.Path, microsPtr(s.Created), microsPtr(s.Modified), microsPtr(s.Accessed),
		nullID(s.Uploader), string(s.Country), stamp(s.At, t.s.now()).UnixMicro())
	if err != nil {
		return catalog.Sighting{}, err
	}
	t.changed()
	return one(ctx, t.q, scanSighting, "SELECT "+sightingCols+" FROM sightings s WHERE s.id = ?", id)
}

func (t *tx) AddMatch(ctx context.Context, m catalog.Match) error {
	switch m.Kind {
	case catalog.MatchExact, catalog.MatchNear, catalog.MatchVideo:
	default:
		return fmt.Errorf("%w: match kind %q", catalog.ErrInvalid, m.Kind)
	}
	if m.A == m.B || m.Distance < 0 {
		return fmt.Errorf("%w: match of %d with %d at distance %d", catalog.ErrInvalid, m.A, m.B, m.Distance)
	}
	a, b := min(m.A, m.B), max(m.A, m.B) // one row per pair
	if _, err := t.exec(ctx, `INSERT INTO matches (a, b, kind, distance, found) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (a, b, kind) DO UPDATE SET distance = excluded.distance, found = excluded.found
	WHERE excluded.distance < matches.distance`,
		int64(a), int64(b), string(m.Kind), m.Distance, stamp(m.Found, t.s.now()).UnixMicro()); err != nil {
		return err
	}
	t.changed()
	return nil
}

// Series.

func (t *tx) CreateSeries(ctx context.Context, s catalog.Series) (catalog.Series, error) {
	s.Access = s.Access.Normalize()
	if err := s.Validate(); err != nil {
		return catalog.Series{}, err
	}
	now := t.s.now()
	id, err := t.insert(ctx, "INSERT INTO series (owner, visibility, name, status, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
		string(s.Access.Owner), string(s.Access.Visibility), s.Name, string(s.Status),
		stamp(s.Created, now).UnixMicro(), stamp(s.Updated, now).UnixMicro())
	if err != nil {
		return catalog.Series{}, err
	}
	if err := t.putSeriesDetail(ctx, id, s, false); err != nil {
		return catalog.Series{}, err
	}
	t.changed()
	return t.Series(ctx, catalog.SystemScope(), catalog.SeriesID(id))
}

func (t *tx) putSeriesDetail(ctx context.Context, id int64, s catalog.Series, replace bool) error {
	if err := putShares(ctx, t.q, seriesTable, id, s.Access, replace); err != nil {
		return err
	}
	if replace {
		if _, err := t.exec(ctx, "DELETE FROM series_countries WHERE series_id = ?", id); err != nil {
			return err
		}
	}
	for _, c := range normalizeCountries(s.Countries) {
		if _, err := t.exec(ctx, "INSERT INTO series_countries (series_id, country) VALUES (?, ?)", id, string(c)); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) UpdateSeries(ctx context.Context, s catalog.Series) error {
	s.Access = s.Access.Normalize()
	if err := s.Validate(); err != nil {
		return err
	}
	if err := mustAffect(t.exec(ctx, "UPDATE series SET owner = ?, visibility = ?, name = ?, status = ?, updated = ? WHERE id = ?",
		string(s.Access.Owner), string(s.Access.Visibility), s.Name, string(s.Status),
		t.s.now().UnixMicro(), int64(s.ID))); err != nil {
		return err
	}
	if err := t.putSeriesDetail(ctx, int64(s.ID), s, true); err != nil {
		return err
	}
	t.changed()
	return nil
}

// Persons.

func (t *tx) CreatePerson(ctx context.Context, p catalog.Person) (catalog.Person, error) {
	p.Access = p.Access.Normalize()
	if err := p.Validate(); err != nil {
		return catalog.Person{}, err
	}
	now := t.s.now()
	id, err := t.insert(ctx, `INSERT INTO persons (kind, owner, visibility, code, sex, age_band, status, identified_by,
	identified_at, likely_location, notes, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(p.Kind), string(p.Access.Owner), string(p.Access.Visibility), p.Code, p.Sex, p.AgeBand, string(p.Status),
		nullString(p.IdentifiedBy), microsPtr(p.IdentifiedAt), nullString(p.LikelyLocation), p.Notes,
		stamp(p.Created, now).UnixMicro(), stamp(p.Updated, now).UnixMicro())
	if err != nil {
		return catalog.Person{}, err
	}
	if err := t.putPersonDetail(ctx, id, p, false); err != nil {
		return catalog.Person{}, err
	}
	t.changed()
	return t.Person(ctx, catalog.SystemScope(), catalog.PersonID(id))
}

func (t *tx) putPersonDetail(ctx context.Context, id int64, p catalog.Person, replace bool) error {
	if err := putShares(ctx, t.q, personsTable, id, p.Access, replace); err != nil {
		return err
	}
	if replace {
		if _, err := t.exec(ctx, "DELETE FROM person_series WHERE person_id = ?", id); err != nil {
			return err
		}
	}
	series := slices.Clone(p.Series)
	slices.Sort(series)
	for _, s := range slices.Compact(series) {
		if _, err := t.exec(ctx, "INSERT INTO person_series (person_id, series_id) VALUES (?, ?)", id, int64(s)); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) UpdatePerson(ctx context.Context, p catalog.Person) error {
	held, err := t.Person(ctx, catalog.SystemScope(), p.ID)
	if err != nil {
		return err
	}
	p.Kind = held.Kind // the kind never changes
	p.Access = p.Access.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `UPDATE persons SET owner = ?, visibility = ?, code = ?, sex = ?, age_band = ?, status = ?,
	identified_by = ?, identified_at = ?, likely_location = ?, notes = ?, updated = ? WHERE id = ?`,
		string(p.Access.Owner), string(p.Access.Visibility), p.Code, p.Sex, p.AgeBand, string(p.Status),
		nullString(p.IdentifiedBy), microsPtr(p.IdentifiedAt), nullString(p.LikelyLocation), p.Notes,
		t.s.now().UnixMicro(), int64(p.ID)); err != nil {
		return err
	}
	if err := t.putPersonDetail(ctx, int64(p.ID), p, true); err != nil {
		return err
	}
	t.changed()
	return nil
}

// Clues.

func (t *tx) AddClue(ctx context.Context, c catalog.Clue) (catalog.Clue, error) {
	c.Access = c.Access.Normalize()
	if err := c.Validate(); err != nil {
		return catalog.Clue{}, err
	}
	var x, y, w, h any
	if c.Region != nil {
		x, y, w, h = c.Region.X, c.Region.Y, c.Region.W, c.Region.H
	}
	id, err := t.insert(ctx, `INSERT INTO clues (owner, visibility, media_id, series_id, region_x, region_y, region_w, region_h,
	kind, text, text_folded, author, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(c.Access.Owner), string(c.Access.Visibility), nullID(c.Media), nullID(c.Series), x, y, w, h,
		string(c.Kind), c.Text, fold(c.Text), nullID(c.Author), stamp(c.Created, t.s.now()).UnixMicro())
	if err != nil {
		return catalog.Clue{}, err
	}
	if err := putShares(ctx, t.q, cluesTable, id, c.Access, false); err != nil {
		return catalog.Clue{}, err
	}
	tags := slices.Clone(c.Tags)
	slices.Sort(tags)
	for _, tag := range slices.Compact(tags) {
		if _, err := t.exec(ctx, "INSERT INTO clue_tags (clue_id, tag) VALUES (?, ?)", id, tag); err != nil {
			return catalog.Clue{}, err
		}
	}
	t.changed()
	return t.Clue(ctx, catalog.SystemScope(), catalog.ClueID(id))
}

func (t *tx) DeleteClue(ctx context.Context, id catalog.ClueID) error {
	if err := mustAffect(t.exec(ctx, "DELETE FROM clues WHERE id = ?", int64(id))); err != nil {
		return err
	}
	t.changed()
	return nil
}

// Alerts.

func (t *tx) AddAlert(ctx context.Context, a catalog.Alert) (catalog.Alert, error) {
	if !a.Country.Valid() || a.Kind == "" {
		return catalog.Alert{}, fmt.Errorf("%w: an alert needs its country and kind", catalog.ErrInvalid)
	}
	id, err := t.insert(ctx, "INSERT INTO alerts (country, kind, media_id, from_country, message, created, read) VALUES (?, ?, ?, ?, ?, ?, ?)",
		string(a.Country), string(a.Kind), nullID(a.Media), string(a.From), a.Message,
		stamp(a.Created, t.s.now()).UnixMicro(), microsPtr(a.Read))
	if err != nil {
		return catalog.Alert{}, err
	}
	t.changed()
	return one(ctx, t.q, scanAlert, "SELECT "+alertCols+" FROM alerts WHERE id = ?", id)
}

func (t *tx) MarkAlertRead(ctx context.Context, country catalog.CountryCode, id catalog.AlertID, at time.Time) error {
	// An alert read twice keeps the first time it was read.
	if err := mustAffect(t.exec(ctx, "UPDATE alerts SET read = COALESCE(read, ?) WHERE id = ? AND country = ?",
		stamp(at, t.s.now()).UnixMicro(), int64(id), string(country))); err != nil {
		return err
	}
	t.changed()
	return nil
}
