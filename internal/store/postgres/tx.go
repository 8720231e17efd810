package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vidb-project/vidb/internal/catalog"
)

// tx implements catalog.Tx on one PostgreSQL transaction. Like the pgx.Tx under it, it is for
// one goroutine.
type tx struct {
	reader
	s  *Store
	pt pgx.Tx
	// wrote is set by every change; Update refuses to commit a change without an audit event.
	wrote bool
	// locked is set once the transaction holds the store's write lock (see lockLog).
	locked bool
	// size is the audit log's size as this transaction sees it under the lock, -1 until read;
	// appended counts the events this transaction added.
	size     int64
	appended int
}

var _ catalog.Tx = (*tx)(nil)

// exec runs a change and marks the transaction as having written.
func (t *tx) exec(ctx context.Context, what, sql string, args ...any) (int64, error) {
	tag, err := t.pt.Exec(ctx, sql, args...)
	if err != nil {
		return 0, wrap(what, err)
	}
	if tag.RowsAffected() > 0 {
		t.wrote = true
	}
	return tag.RowsAffected(), nil
}

// insert runs an INSERT ... RETURNING that yields one row and marks the transaction as having
// written.
func insert[T any](ctx context.Context, t *tx, what string, scan func(pgx.Row) (T, error), sql string, args ...any) (T, error) {
	v, err := scan(t.pt.QueryRow(ctx, sql, args...))
	if err != nil {
		var zero T
		return zero, wrap(what, err)
	}
	t.wrote = true
	return v, nil
}

// notFound returns ErrNotFound for a change that touched no row.
func notFound(what string, n int64) error {
	if n == 0 {
		return fmt.Errorf("postgres: %s: %w", what, catalog.ErrNotFound)
	}
	return nil
}

// AddCountry implements catalog.Tx.
func (t *tx) AddCountry(ctx context.Context, c catalog.Country) error {
	if !c.Code.Valid() {
		return fmt.Errorf("postgres: adding country: %w: country code %q", catalog.ErrInvalid, c.Code)
	}
	_, err := t.exec(ctx, "adding country", `INSERT INTO countries (code, name, created) VALUES ($1, $2, $3)`,
		string(c.Code), c.Name, orNow(c.Created, t.s.now()))
	return err
}

// AddUser implements catalog.Tx.
func (t *tx) AddUser(ctx context.Context, u catalog.User) (catalog.User, error) {
	if err := u.Validate(); err != nil {
		return catalog.User{}, fmt.Errorf("postgres: adding user: %w", err)
	}
	return insert(ctx, t, "adding user", scanUser, `INSERT INTO users (login, name, country, role, disabled, created)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+userCols,
		u.Login, u.Name, string(u.Country), string(u.Role), u.Disabled, orNow(u.Created, t.s.now()))
}

// UpdateUser implements catalog.Tx.
func (t *tx) UpdateUser(ctx context.Context, u catalog.User) error {
	if !u.Country.Valid() {
		return fmt.Errorf("postgres: updating user: %w: user country %q", catalog.ErrInvalid, u.Country)
	}
	if _, err := catalog.ParseRole(string(u.Role)); err != nil {
		return fmt.Errorf("postgres: updating user: %w", err)
	}
	n, err := t.exec(ctx, "updating user", `UPDATE users SET name = $2, country = $3, role = $4, disabled = $5 WHERE id = $1`,
		int64(u.ID), u.Name, string(u.Country), string(u.Role), u.Disabled)
	if err != nil {
		return err
	}
	return notFound("updating user", n)
}

// CreateCase implements catalog.Tx.
func (t *tx) CreateCase(ctx context.Context, c catalog.Case) (catalog.Case, error) {
	if err := c.Validate(); err != nil {
		return catalog.Case{}, fmt.Errorf("postgres: creating case: %w", err)
	}
	owner, vis, shared := accessArgs(c.Access)
	return insert(ctx, t, "creating case", scanCase, `INSERT INTO cases AS c (owner, visibility, shared_with, number, title, created)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+caseCols,
		owner, vis, shared, c.Number, c.Title, orNow(c.Created, t.s.now()))
}

// mediaArgs are the values of the media columns from sha256 to exif, in mediaCols order.
func mediaArgs(m catalog.Media, now time.Time) ([]any, error) {
	owner, vis, shared := accessArgs(m.Access)
	var pdqHash []byte
	var pdqQuality *int
	var pdqFlavour *string
	if m.PDQ != nil {
		h, q, f := m.PDQ.Hash, m.PDQ.Quality, string(m.PDQ.Flavour)
		pdqHash, pdqQuality, pdqFlavour = h[:], &q, &f
	}
	exifJSON, err := encodeEXIF(m.EXIF)
	if err != nil {
		return nil, err
	}
	d := m.Digests
	return []any{
		digest(d.SHA256[:]), digest(d.SHA1[:]), digest(d.MD5[:]), m.Size, m.MIME, string(m.Kind),
		m.Width, m.Height, int64(m.Duration), pdqHash, pdqQuality, pdqFlavour,
		m.Category.Scheme, m.Category.Code, owner, vis, shared, nullTime(m.Retention), m.Blob,
		nullID(m.Series), m.Source, orNow(m.Created, now), orNow(m.Updated, now), exifJSON,
	}, nil
}

// PutMedia implements catalog.Tx: the unique index on sha256 decides, so two transactions
// putting the same file at once make one record (the second waits for the first and finds it).
func (t *tx) PutMedia(ctx context.Context, m catalog.Media) (catalog.Media, bool, error) {
	m.Access = m.Access.Normalize()
	if err := m.Validate(); err != nil {
		return catalog.Media{}, false, fmt.Errorf("postgres: putting media: %w", err)
	}
	args, err := mediaArgs(m, t.s.now())
	if err != nil {
		return catalog.Media{}, false, fmt.Errorf("postgres: putting media: %w", err)
	}
	row := t.pt.QueryRow(ctx, `INSERT INTO media AS m (sha256, sha1, md5, size, mime, kind, width, height, duration,
			pdq_hash, pdq_quality, pdq_flavour, category_scheme, category_code, owner, visibility, shared_with,
			retention, blob, series_id, source, created, updated, exif)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
		ON CONFLICT (sha256) DO NOTHING
		RETURNING `+mediaCols, args...)
	got, err := scanMedia(row)
	if errors.Is(err, pgx.ErrNoRows) {
		// Held already: return it unchanged.
		held, err := one(ctx, reader{q: t.pt}, noLock, "putting media", scanMedia,
			`SELECT `+mediaCols+` FROM media m WHERE m.sha256 = $1`, m.Digests.SHA256[:])
		return held, false, err
	}
	if err != nil {
		return catalog.Media{}, false, wrap("putting media", err)
	}
	t.wrote = true
	if got.PDQ != nil {
		if err := t.feedPut(ctx, got.ID, -1, *got.PDQ); err != nil {
			return catalog.Media{}, false, err
		}
	}
	return got, true, nil
}

// UpdateMedia implements catalog.Tx.
func (t *tx) UpdateMedia(ctx context.Context, m catalog.Media) error {
	// The old hash, locked, to know whether the feed must hear of a change, and the digests,
	// which never change, so that m is validated as it will be stored.
	var oldHash []byte
	var oldQuality *int32
	var oldFlavour *string
	var sha256, sha1, md5 []byte
	err := t.pt.QueryRow(ctx, `SELECT pdq_hash, pdq_quality, pdq_flavour, sha256, sha1, md5 FROM media WHERE id = $1 FOR NO KEY UPDATE`,
		int64(m.ID)).Scan(&oldHash, &oldQuality, &oldFlavour, &sha256, &sha1, &md5)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: updating media: %w", catalog.ErrNotFound)
	}
	if err != nil {
		return wrap("updating media", err)
	}
	m.Digests = catalog.Digests{}
	copy(m.Digests.SHA256[:], sha256)
	copy(m.Digests.SHA1[:], sha1)
	copy(m.Digests.MD5[:], md5)
	m.Access = m.Access.Normalize()
	if err := m.Validate(); err != nil {
		return fmt.Errorf("postgres: updating media: %w", err)
	}
	a, err := mediaArgs(m, t.s.now())
	if err != nil {
		return fmt.Errorf("postgres: updating media: %w", err)
	}
	// a: 0 sha256, 1 sha1, 2 md5, 3 size, 4 mime, 5 kind, 6 width, 7 height, 8 duration, 9 pdq_hash,
	// 10 pdq_quality, 11 pdq_flavour, 12 scheme, 13 code, 14 owner, 15 visibility, 16 shared_with,
	// 17 retention, 18 blob, 19 series_id, 20 source, 21 created, 22 updated, 23 exif.
	if _, err := t.exec(ctx, "updating media", `UPDATE media SET category_scheme = $2, category_code = $3,
			owner = $4, visibility = $5, shared_with = $6, retention = $7, series_id = $8,
			pdq_hash = $9, pdq_quality = $10, pdq_flavour = $11, width = $12, height = $13, duration = $14,
			blob = $15, updated = $16, mime = $17, kind = $18, exif = $19
		WHERE id = $1`,
		int64(m.ID), a[12], a[13], a[14], a[15], a[16], a[17], a[19], a[9], a[10], a[11], a[6], a[7], a[8], a[18], t.s.now(),
		a[4], a[5], a[23]); err != nil {
		return err
	}
	t.wrote = true
	switch {
	case m.PDQ != nil:
		same := oldHash != nil && string(oldHash) == string(m.PDQ.Hash[:]) &&
			oldQuality != nil && int(*oldQuality) == m.PDQ.Quality &&
			oldFlavour != nil && *oldFlavour == string(m.PDQ.Flavour)
		if !same {
			return t.feedPut(ctx, m.ID, -1, *m.PDQ)
		}
	case oldHash != nil:
		return t.feedDelete(ctx, m.ID, true, false)
	}
	return nil
}

// DeleteMedia implements catalog.Tx. Sightings, frames, matches and clues go with the media
// (ON DELETE CASCADE); its hashes leave the PDQ feed as tombstones.
func (t *tx) DeleteMedia(ctx context.Context, id catalog.MediaID) error {
	n, err := t.exec(ctx, "deleting media", `DELETE FROM media WHERE id = $1`, int64(id))
	if err != nil {
		return err
	}
	if err := notFound("deleting media", n); err != nil {
		return err
	}
	return t.feedDelete(ctx, id, true, true)
}

// PutFrames implements catalog.Tx.
func (t *tx) PutFrames(ctx context.Context, m catalog.MediaID, frames []catalog.Frame) error {
	// Lock the media row first: concurrent PutFrames of one video queue here, and a missing
	// video is reported as such.
	var id int64
	err := t.pt.QueryRow(ctx, `SELECT id FROM media WHERE id = $1 FOR NO KEY UPDATE`, int64(m)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: putting frames: %w", catalog.ErrNotFound)
	}
	if err != nil {
		return wrap("putting frames", err)
	}
	n := len(frames)
	numbers, ts, hashes := make([]int32, n), make([]int64, n), make([][]byte, n)
	qualities, flavours := make([]int32, n), make([]string, n)
	if err := catalog.ValidateFrames(frames); err != nil {
		return fmt.Errorf("postgres: putting frames: %w", err)
	}
	for i, f := range frames {
		h := f.PDQ.Hash
		numbers[i], ts[i], hashes[i] = int32(f.Number), int64(f.Timestamp), h[:]
		qualities[i], flavours[i] = int32(f.PDQ.Quality), string(f.PDQ.Flavour)
	}
	if _, err := t.exec(ctx, "putting frames", `DELETE FROM frames WHERE media_id = $1`, int64(m)); err != nil {
		return err
	}
	if _, err := t.exec(ctx, "putting frames", `INSERT INTO frames (media_id, number, ts, pdq_hash, pdq_quality, pdq_flavour)
		SELECT $1, * FROM unnest($2::integer[], $3::bigint[], $4::bytea[], $5::integer[], $6::text[])`,
		int64(m), numbers, ts, hashes, qualities, flavours); err != nil {
		return err
	}
	t.wrote = true
	return t.feedFrames(ctx, m, numbers, hashes, qualities, flavours, false)
}

// AddSighting implements catalog.Tx.
func (t *tx) AddSighting(ctx context.Context, s catalog.Sighting) (catalog.Sighting, error) {
	if s.Media == 0 || s.Case == 0 {
		return catalog.Sighting{}, fmt.Errorf("postgres: adding sighting: %w: a sighting needs its media and case", catalog.ErrInvalid)
	}
	if s.Country != "" && !s.Country.Valid() {
		return catalog.Sighting{}, fmt.Errorf("postgres: adding sighting: %w: sighting country %q", catalog.ErrInvalid, s.Country)
	}
	return insert(ctx, t, "adding sighting", scanSighting, `INSERT INTO sightings AS s (media_id, case_id, exhibit, path,
			file_created, file_modified, file_accessed, uploader, country, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING `+sightingCols,
		int64(s.Media), int64(s.Case), s.Exhibit, s.Path, microp(s.Created), microp(s.Modified), microp(s.Accessed),
		int64(s.Uploader), string(s.Country), orNow(s.At, t.s.now()))
}

// AddMatch implements catalog.Tx. A pair is unordered: (A, B) and (B, A) are one match,
// stored with A < B, with the smallest distance seen.
func (t *tx) AddMatch(ctx context.Context, m catalog.Match) error {
	if m.A == m.B {
		return fmt.Errorf("postgres: adding match: %w: media %d matched with itself", catalog.ErrInvalid, m.A)
	}
	a, b := min(m.A, m.B), max(m.A, m.B)
	_, err := t.exec(ctx, "adding match", `INSERT INTO matches AS x (a, b, kind, distance, found) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (a, b, kind) DO UPDATE SET distance = EXCLUDED.distance
		WHERE EXCLUDED.distance < x.distance`,
		int64(a), int64(b), string(m.Kind), m.Distance, orNow(m.Found, t.s.now()))
	t.wrote = t.wrote || err == nil
	return err
}

// CreateSeries implements catalog.Tx.
func (t *tx) CreateSeries(ctx context.Context, s catalog.Series) (catalog.Series, error) {
	if err := s.Validate(); err != nil {
		return catalog.Series{}, fmt.Errorf("postgres: creating series: %w", err)
	}
	owner, vis, shared := accessArgs(s.Access)
	now := t.s.now()
	return insert(ctx, t, "creating series", scanSeries, `INSERT INTO series AS s (owner, visibility, shared_with, name, status, countries, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+seriesCols,
		owner, vis, shared, s.Name, string(s.Status), set(s.Countries), orNow(s.Created, now), now)
}

// UpdateSeries implements catalog.Tx.
func (t *tx) UpdateSeries(ctx context.Context, s catalog.Series) error {
	if err := s.Validate(); err != nil {
		return fmt.Errorf("postgres: updating series: %w", err)
	}
	owner, vis, shared := accessArgs(s.Access)
	n, err := t.exec(ctx, "updating series", `UPDATE series SET name = $2, status = $3, owner = $4, visibility = $5,
			shared_with = $6, countries = $7, updated = $8
		WHERE id = $1`,
		int64(s.ID), s.Name, string(s.Status), owner, vis, shared, set(s.Countries), t.s.now())
	if err != nil {
		return err
	}
	return notFound("updating series", n)
}

// personArgs are the values of the person columns from owner to series_ids.
func personArgs(p catalog.Person) []any {
	owner, vis, shared := accessArgs(p.Access)
	series := make([]int64, len(p.Series))
	for i, s := range p.Series {
		series[i] = int64(s)
	}
	slices.Sort(series)
	series = slices.Compact(series)
	return []any{owner, vis, shared, p.Code, p.Sex, p.AgeBand, string(p.Status),
		string(p.IdentifiedBy), microp(p.IdentifiedAt), string(p.LikelyLocation), p.Notes, series}
}

// CreatePerson implements catalog.Tx.
func (t *tx) CreatePerson(ctx context.Context, p catalog.Person) (catalog.Person, error) {
	if err := p.Validate(); err != nil {
		return catalog.Person{}, fmt.Errorf("postgres: creating person: %w", err)
	}
	now := t.s.now()
	args := append([]any{string(p.Kind)}, personArgs(p)...)
	args = append(args, orNow(p.Created, now), now)
	return insert(ctx, t, "creating person", scanPerson, `INSERT INTO persons AS p (kind, owner, visibility, shared_with, code,
			sex, age_band, status, identified_by, identified_at, likely_location, notes, series_ids, created, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING `+personCols, args...)
}

// UpdatePerson implements catalog.Tx.
func (t *tx) UpdatePerson(ctx context.Context, p catalog.Person) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("postgres: updating person: %w", err)
	}
	args := append([]any{int64(p.ID)}, personArgs(p)...)
	args = append(args, t.s.now())
	n, err := t.exec(ctx, "updating person", `UPDATE persons SET owner = $2, visibility = $3, shared_with = $4, code = $5,
			sex = $6, age_band = $7, status = $8, identified_by = $9, identified_at = $10, likely_location = $11,
			notes = $12, series_ids = $13, updated = $14
		WHERE id = $1`, args...)
	if err != nil {
		return err
	}
	return notFound("updating person", n)
}

// AddClue implements catalog.Tx.
func (t *tx) AddClue(ctx context.Context, c catalog.Clue) (catalog.Clue, error) {
	if err := c.Validate(); err != nil {
		return catalog.Clue{}, fmt.Errorf("postgres: adding clue: %w", err)
	}
	owner, vis, shared := accessArgs(c.Access)
	var x, y, w, h *int
	if r := c.Region; r != nil {
		x, y, w, h = &r.X, &r.Y, &r.W, &r.H
	}
	tags := slices.Clone(c.Tags)
	slices.Sort(tags)
	tags = slices.Compact(tags)
	if tags == nil {
		tags = []string{}
	}
	return insert(ctx, t, "adding clue", scanClue, `INSERT INTO clues AS c (owner, visibility, shared_with, media_id, series_id,
			region_x, region_y, region_w, region_h, kind, text, tags, author, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING `+clueCols,
		owner, vis, shared, nullID(c.Media), nullID(c.Series), x, y, w, h, string(c.Kind), c.Text, tags,
		int64(c.Author), orNow(c.Created, t.s.now()))
}

// DeleteClue implements catalog.Tx.
func (t *tx) DeleteClue(ctx context.Context, id catalog.ClueID) error {
	n, err := t.exec(ctx, "deleting clue", `DELETE FROM clues WHERE id = $1`, int64(id))
	if err != nil {
		return err
	}
	return notFound("deleting clue", n)
}

// AddAlert implements catalog.Tx.
func (t *tx) AddAlert(ctx context.Context, a catalog.Alert) (catalog.Alert, error) {
	if !a.Country.Valid() {
		return catalog.Alert{}, fmt.Errorf("postgres: adding alert: %w: country %q", catalog.ErrInvalid, a.Country)
	}
	return insert(ctx, t, "adding alert", scanAlert, `INSERT INTO alerts AS a (country, kind, media_id, from_country, message, created, read_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+alertCols,
		string(a.Country), string(a.Kind), nullID(a.Media), string(a.From), a.Message, orNow(a.Created, t.s.now()), microp(a.Read))
}

// MarkAlertRead implements catalog.Tx.
func (t *tx) MarkAlertRead(ctx context.Context, country catalog.CountryCode, id catalog.AlertID, at time.Time) error {
	n, err := t.exec(ctx, "marking alert read", `UPDATE alerts SET read_at = $3 WHERE id = $1 AND country = $2`,
		int64(id), string(country), orNow(at, t.s.now()))
	if err != nil {
		return err
	}
	return notFound("marking alert read", n)
}
