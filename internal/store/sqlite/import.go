package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
)

// ImportHashOnly adds hash-only records in batches of Options.ImportBatch records, each batch
// one transaction on the writer ending with one audit event ("media.import", its counts in the
// details) and a signed checkpoint. Within a batch, records go in chunks of importChunk: one
// query finds what the database holds for a whole chunk (by SHA-256 alone for the records
// that have one, while every stored record has one too), new records are numbered here and
// inserted insertGroup to a statement, so that SQLite's work per record is little more than
// the insert and its index updates.
//
// A record is already held when a media record shares a known digest with it and no digest
// known on both sides differs (the same SHA-256 always is); it is then never overwritten:
// counted Known when its category is the held one or empty, Updated when the held record had
// no category (the incoming one is set), and reported as a conflict when the categories differ
// (the held one stays). Records repeated within the import count like records held before it.
// A new record whose source names a series is linked to the series of that name, which is
// created (unidentified, with the import's access) if there is none.
//
// On error, the batches committed before it stay, and the report counts exactly them: Read is
// the number of records from the start of the source whose effects are committed, so an
// import can resume after them.
func (s *Store) ImportHashOnly(ctx context.Context, records iter.Seq2[catalog.HashOnlyRecord, error], opts catalog.ImportOptions) (catalog.ImportReport, error) {
	var rep catalog.ImportReport
	opts.Access = opts.Access.Normalize()
	if err := opts.Access.Validate(); err != nil {
		return rep, err
	}
	series := map[string]int64{}
	var b *importBatch
	defer func() {
		if b != nil {
			b.rollback()
		}
	}()
	// The batches run on a context that is never cancelled: with a cancellable one, every
	// statement would start a goroutine to watch it. Cancellation is checked between records
	// instead, and rolls the open batch back.
	dbctx := context.WithoutCancel(ctx)
	commit := func() error {
		err := b.commit(dbctx)
		part := b.rep
		b = nil
		if err != nil {
			return err
		}
		merge(&rep, part)
		return nil
	}
	flush := func() error {
		before := rep.Read + b.rep.Read
		if i, err := b.flush(dbctx); err != nil {
			return fmt.Errorf("sqlite: import: record %d (%v): %w", before+int64(i)+1, b.chunk[i].Digests, err)
		}
		return nil
	}
	batchNo := 0
	for rec, err := range records {
		if cerr := ctx.Err(); cerr != nil {
			return rep, fmt.Errorf("sqlite: import: %w", cerr)
		}
		if err != nil {
			read := rep.Read
			if b != nil {
				read += b.rep.Read + int64(len(b.chunk))
			}
			return rep, fmt.Errorf("sqlite: import: reading record %d: %w", read+1, err)
		}
		if b == nil {
			batchNo++
			if b, err = s.beginImport(dbctx, opts, series, batchNo); err != nil {
				return rep, err
			}
		}
		b.chunk = append(b.chunk, rec)
		if len(b.chunk) == importChunk || b.rep.Read+int64(len(b.chunk)) >= int64(s.batch) {
			if err := flush(); err != nil {
				return rep, err
			}
		}
		if b.rep.Read >= int64(s.batch) {
			if err := commit(); err != nil {
				return rep, err
			}
		}
	}
	if b != nil {
		if err := flush(); err != nil {
			return rep, err
		}
		if err := commit(); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func merge(dst *catalog.ImportReport, src catalog.ImportReport) {
	dst.Read += src.Read
	dst.New += src.New
	dst.Known += src.Known
	dst.Updated += src.Updated
	dst.Conflicts = append(dst.Conflicts, src.Conflicts...)
}

// importChunk is how many records one lookup query and one insert statement handle.
const importChunk = 256

// importBatch is one transaction of an import.
type importBatch struct {
	s      *Store
	sql    *sql.Tx
	t      *tx
	opts   catalog.ImportOptions
	series map[string]int64 // series IDs by name, shared by the batches
	no     int
	now    int64
	nextID int64 // the ID the next new media record gets

	chunk []catalog.HashOnlyRecord // read, not yet flushed

	rep               catalog.ImportReport
	seriesCreated     int
	firstNew, lastNew int64
}

func (s *Store) beginImport(ctx context.Context, opts catalog.ImportOptions, series map[string]int64, no int) (*importBatch, error) {
	sqltx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: import: begin: %w", mapErr(err))
	}
	b := &importBatch{s: s, sql: sqltx, t: newTx(s, sqltx), opts: opts, series: series, no: no, now: s.now().UnixMicro()}
	// New records get their IDs here, so that one statement inserts a chunk's records and
	// later records of the chunk can refer to them. The batch holds the write lock: nothing
	// else inserts media meanwhile. AUTOINCREMENT's sequence still moves with the IDs.
	if err := b.t.q.QueryRowContext(ctx, `SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'media'), 0),
	COALESCE((SELECT max(id) FROM media), 0)) + 1`).Scan(&b.nextID); err != nil {
		b.rollback()
		return nil, fmt.Errorf("sqlite: import: %w", err)
	}
	return b, nil
}

func (b *importBatch) rollback() { _ = b.sql.Rollback() }

// held is a media record an incoming record may be: one the database holds, or one this
// chunk adds (rec is then its index in the chunk).
type held struct {
	id       int64
	digests  catalog.Digests
	category catalog.Category
	isNew    bool
	rec      int
	queued   bool // its category update is queued
}

// agrees reports whether no digest known on both sides differs.
func agrees(a, b catalog.Digests) bool {
	return !(a.HasSHA256() && b.HasSHA256() && a.SHA256 != b.SHA256) &&
		!(a.HasSHA1() && b.HasSHA1() && a.SHA1 != b.SHA1) &&
		!(a.HasMD5() && b.HasMD5() && a.MD5 != b.MD5)
}

// heldIndex finds held records by each digest.
type heldIndex struct {
	sha256 map[[32]byte]*held
	sha1   map[[20]byte][]*held
	md5    map[[16]byte][]*held
}

func (x *heldIndex) add(h *held) {
	if h.digests.HasSHA256() {
		x.sha256[h.digests.SHA256] = h
	}
	if h.digests.HasSHA1() {
		x.sha1[h.digests.SHA1] = append(x.sha1[h.digests.SHA1], h)
	}
	if h.digests.HasMD5() {
		x.md5[h.digests.MD5] = append(x.md5[h.digests.MD5], h)
	}
}

// find returns the record held for d: the one with its SHA-256, else the first (by ID) that
// shares a digest with it and agrees with it on every digest both know; nil for none.
func (x *heldIndex) find(d catalog.Digests) *held {
	if d.HasSHA256() {
		if h := x.sha256[d.SHA256]; h != nil {
			return h
		}
	}
	var first *held
	consider := func(hs []*held) {
		for _, h := range hs {
			if agrees(h.digests, d) && (first == nil || h.id < first.id) {
				first = h
			}
		}
	}
	if d.HasSHA1() {
		consider(x.sha1[d.SHA1])
	}
	if d.HasMD5() {
		consider(x.md5[d.MD5])
	}
	return first
}

// lookupSQL finds the media records holding any of importChunk SHA-256, SHA-1 and MD5
// digests (NULL pads unused places and matches nothing).
func lookupSQL() string {
	in := "(" + placeholders(importChunk) + ")"
	const cols = "SELECT id, sha256, sha1, md5, category_scheme, category_code FROM media WHERE "
	return cols + "sha256 IN " + in + " UNION ALL " + cols + "sha1 IN " + in + " UNION ALL " + cols + "md5 IN " + in
}

// insertGroup is how many records one statement of insertSQL(insertGroup) inserts.
const insertGroup = 64

// insertRow is one record's VALUES row in insertSQL: insertArgs arguments.
const (
	insertRow  = "(?, ?, ?, ?, ?, '', ?, 0, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?)"
	insertArgs = 18
)

// insertSQL inserts n media records. Its arguments are plain, unnumbered: the driver looks
// each numbered one up by name, which costs time in proportion to their number. OR FAIL: a
// constraint error stops the statement without undoing the rows it inserted before, so that
// SQLite keeps no statement journal (a copy of every page the statement changes) for it; the
// import rolls the whole batch back on error.
func insertSQL(n int) string {
	return `INSERT OR FAIL INTO media (id, sha256, sha1, md5, size, mime, kind, width, height, duration,
	pdq_hash, pdq_quality, pdq_flavour, category_scheme, category_code, owner, visibility, retention,
	blob, series_id, source, created, updated) VALUES ` + strings.TrimSuffix(strings.Repeat(insertRow+", ", n), ", ")
}

// flush imports the records read since the last flush. On error it returns the index of the
// record that failed; the batch must then be rolled back.
func (b *importBatch) flush(ctx context.Context) (int, error) {
	recs := b.chunk
	if len(recs) == 0 {
		return 0, nil
	}
	for i := range recs {
		if recs[i].Kind == "" {
			recs[i].Kind = catalog.KindUnknown
		}
		m := catalog.Media{Digests: recs[i].Digests, Size: recs[i].Size, Kind: recs[i].Kind, PDQ: recs[i].PDQ, Access: b.opts.Access}
		if err := m.Validate(); err != nil {
			return i, err
		}
		if err := catalog.ValidateFrames(recs[i].Frames); err != nil {
			return i, err
		}
	}

	// A record with a SHA-256 can be held by another record (not sharing it) only if that
	// record's SHA-256 is unknown: a known one either is the same (found by the SHA-256) or
	// disagrees. So while every stored record has its SHA-256, as when every list imported so
	// far carried it, such a record costs one index probe instead of three. The unique index
	// on sha256 holds the NULLs too, so the question is one probe.
	var weakHeld bool
	if err := b.t.q.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM media WHERE sha256 IS NULL)").Scan(&weakHeld); err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}

	// What the database holds for the chunk, in one query.
	idx := heldIndex{sha256: map[[32]byte]*held{}, sha1: map[[20]byte][]*held{}, md5: map[[16]byte][]*held{}}
	args := make([]any, 3*importChunk)
	seen256, seen1, seen5 := map[[32]byte]bool{}, map[[20]byte]bool{}, map[[16]byte]bool{}
	n256, n1, n5 := 0, 0, 0
	for _, r := range recs {
		d := r.Digests
		if d.HasSHA256() && !seen256[d.SHA256] {
			seen256[d.SHA256] = true
			args[n256] = d.SHA256[:]
			n256++
		}
		if d.HasSHA256() && !weakHeld {
			continue
		}
		if d.HasSHA1() && !seen1[d.SHA1] {
			seen1[d.SHA1] = true
			args[importChunk+n1] = d.SHA1[:]
			n1++
		}
		if d.HasMD5() && !seen5[d.MD5] {
			seen5[d.MD5] = true
			args[2*importChunk+n5] = d.MD5[:]
			n5++
		}
	}
	rows, err := b.t.q.QueryContext(ctx, lookupSQL(), args...)
	if err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}
	ids := map[int64]bool{}
	for rows.Next() {
		h := &held{}
		var s256, s1, m5 []byte
		if err := rows.Scan(&h.id, &s256, &s1, &m5, &h.category.Scheme, &h.category.Code); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlite: %w", err)
		}
		if h.digests, err = scanDigests(s256, s1, m5); err != nil {
			rows.Close()
			return 0, err
		}
		if !ids[h.id] {
			ids[h.id] = true
			idx.add(h)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}

	// Each record in order, against what is held and what the chunk adds before it.
	var fresh, updates []*held
	for i, r := range recs {
		h := idx.find(r.Digests)
		switch {
		case h == nil:
			h = &held{id: b.nextID, digests: r.Digests, category: r.Category, isNew: true, rec: i}
			b.nextID++
			idx.add(h)
			fresh = append(fresh, h)
			b.rep.New++
		case r.Category.IsZero() || r.Category == h.category:
			b.rep.Known++
		case h.category.IsZero():
			h.category = r.Category
			if !h.isNew && !h.queued {
				h.queued = true
				updates = append(updates, h)
			}
			b.rep.Updated++
		default:
			b.rep.Conflicts = append(b.rep.Conflicts, catalog.ImportConflict{
				Existing: catalog.MediaID(h.id), Digests: r.Digests, Held: h.category, Incoming: r.Category,
			})
		}
	}
	b.rep.Read += int64(len(recs))

	if len(fresh) > 0 {
		if i, err := b.insert(ctx, recs, fresh); err != nil {
			return i, err
		}
	}
	for _, h := range updates {
		if _, err := b.t.q.ExecContext(ctx, "UPDATE media SET category_scheme = ?, category_code = ?, updated = ? WHERE id = ?",
			h.category.Scheme, h.category.Code, b.now, h.id); err != nil {
			return 0, fmt.Errorf("sqlite: %w", mapErr(err))
		}
	}
	b.chunk = b.chunk[:0]
	return 0, nil
}

// insert stores the chunk's new records, their PDQ hashes in the change feed, their shares and
// their frames.
func (b *importBatch) insert(ctx context.Context, recs []catalog.HashOnlyRecord, fresh []*held) (int, error) {
	a := b.opts.Access
	owner, visibility, retention := string(a.Owner), string(a.Visibility), micros(b.opts.Retention)
	args := make([]any, 0, insertArgs*len(fresh))
	var feed []any
	for _, h := range fresh {
		r := recs[h.rec]
		var seriesID any
		if r.Series != "" {
			id, err := b.seriesID(ctx, r.Series)
			if err != nil {
				return h.rec, err
			}
			seriesID = id
		}
		sha256, sha1, md5 := digestArgs(r.Digests)
		var pdqHash, pdqQuality, pdqFlavour any
		if r.PDQ != nil {
			pdqHash, pdqQuality, pdqFlavour = r.PDQ.Hash[:], r.PDQ.Quality, string(r.PDQ.Flavour)
			feed = append(feed, h.id, pdqHash, pdqQuality, pdqFlavour)
		}
		args = append(args, h.id, sha256, sha1, md5, r.Size, string(r.Kind), pdqHash, pdqQuality, pdqFlavour,
			h.category.Scheme, h.category.Code, owner, visibility, retention, seriesID, b.opts.Source, b.now, b.now)
	}
	// Groups of insertGroup records per statement (one prepared statement for them all), the
	// rest one by one: a statement's own cost (its cursors, its VM) is then shared. An error
	// in a group names the group's first record (the records were validated before: only a
	// fault of the store fails here).
	for i := 0; i < len(fresh); {
		n := insertGroup
		if len(fresh)-i < n {
			n = 1
		}
		if _, err := b.t.q.ExecContext(ctx, insertSQL(n), args[insertArgs*i:insertArgs*(i+n)]...); err != nil {
			return fresh[i].rec, fmt.Errorf("sqlite: %w", mapErr(err))
		}
		i += n
	}
	if len(feed) > 0 {
		q := "INSERT INTO pdq_feed (media_id, frame, hash, quality, flavour, deleted) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, -1, ?, ?, ?, 0), ", len(feed)/4), ", ")
		if _, err := b.t.q.ExecContext(ctx, q, feed...); err != nil {
			return fresh[0].rec, fmt.Errorf("sqlite: %w", mapErr(err))
		}
	}
	for _, h := range fresh {
		if err := putShares(ctx, b.t.q, mediaTable, h.id, a, false); err != nil {
			return h.rec, err
		}
		if frames := recs[h.rec].Frames; len(frames) > 0 {
			if err := b.t.PutFrames(ctx, catalog.MediaID(h.id), frames); err != nil {
				return h.rec, err
			}
		}
	}
	if b.firstNew == 0 {
		b.firstNew = fresh[0].id
	}
	b.lastNew = fresh[len(fresh)-1].id
	return 0, nil
}

// seriesID returns the ID of the series named name, creating it if there is none.
func (b *importBatch) seriesID(ctx context.Context, name string) (int64, error) {
	if id, ok := b.series[name]; ok {
		return id, nil
	}
	var id int64
	err := b.t.q.QueryRowContext(ctx, "SELECT id FROM series WHERE name = ?", name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		s, cerr := b.t.CreateSeries(ctx, catalog.Series{
			Access:    b.opts.Access,
			Name:      name,
			Status:    catalog.SeriesUnidentified,
			Countries: []catalog.CountryCode{b.opts.Access.Owner},
		})
		if cerr != nil {
			return 0, cerr
		}
		id, err = int64(s.ID), nil
		b.seriesCreated++
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}
	b.series[name] = id
	return id, nil
}

// commit records the batch's audit event and checkpoint and commits it.
func (b *importBatch) commit(ctx context.Context) error {
	actor, actorID := b.opts.Actor.Login, int64(b.opts.Actor.ID)
	if actor == "" {
		actor = "system"
	}
	object := "import"
	if b.opts.Source != "" {
		object = "import/" + b.opts.Source
	}
	details := map[string]string{
		"batch":     strconv.Itoa(b.no),
		"records":   strconv.FormatInt(b.rep.Read, 10),
		"new":       strconv.FormatInt(b.rep.New, 10),
		"known":     strconv.FormatInt(b.rep.Known, 10),
		"updated":   strconv.FormatInt(b.rep.Updated, 10),
		"conflicts": strconv.Itoa(len(b.rep.Conflicts)),
	}
	if b.opts.Source != "" {
		details["source"] = b.opts.Source
	}
	if b.rep.New > 0 {
		details["first_media"] = strconv.FormatInt(b.firstNew, 10)
		details["last_media"] = strconv.FormatInt(b.lastNew, 10)
	}
	if b.seriesCreated > 0 {
		details["series_created"] = strconv.Itoa(b.seriesCreated)
	}
	if _, err := b.t.Audit(ctx, audit.Event{
		Actor: actor, ActorID: actorID, Country: string(b.opts.Actor.Country),
		Action: "media.import", Object: object, Details: details,
	}); err != nil {
		b.rollback()
		return fmt.Errorf("sqlite: import: %w", err)
	}
	if err := b.t.finish(ctx); err != nil {
		b.rollback()
		return fmt.Errorf("sqlite: import: %w", err)
	}
	if err := b.sql.Commit(); err != nil {
		return fmt.Errorf("sqlite: import: commit: %w", mapErr(err))
	}
	return nil
}
