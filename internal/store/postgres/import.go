package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
)

// DefaultImportBatch is how many hash-only records ImportHashOnly commits per transaction
// when Options.ImportBatch is 0.
const DefaultImportBatch = 50_000

// importWindow is how many batches an import has in flight: while one batch's rows go into
// the indexes (the bulk of the work, all on one PostgreSQL backend), the next one is staged,
// decided and copied on another, so an import uses two cores of the database server.
const importWindow = 2

// ImportHashOnly implements catalog.Store. Records are read in batches of Options.ImportBatch;
// each batch is one transaction that
//
//  1. copies the batch's digests (COPY) into a temporary staging table and finds, in one
//     set-based statement, the media record each one is already held as;
//  2. decides in memory, record by record in input order, what each record is (new, known,
//     updated, a conflict), so that records repeated within the import count exactly as if
//     they had been imported one by one;
//  3. copies the new records (COPY, with IDs drawn from the media sequence beforehand)
//     straight into media, sets the categories of the updated ones with one UPDATE,
//     appends the new PDQ hashes to the feed, and stores the new videos' frames (PutFrames);
//  4. records one audit event ("media.import", with the batch's counts) and signs a
//     checkpoint.
//
// Two batches are in flight at once (importWindow): batch k+1 is staged, decided and copied
// while batch k is still being written. Batch k+1 decides with batch k's decisions in hand
// (k's new records, the categories it set), not only with what the database shows, so the
// outcome is exactly that of a sequential import; it commits only after batch k has, and not
// at all if batch k failed. A batch that would change a row batch k is still inserting waits
// for k to commit before it writes anything.
//
// A record is already held when a media record shares a known digest with it and no digest
// known on both sides differs (the same SHA-256 always is); the one with its SHA-256 wins,
// else the oldest. It is then never overwritten: counted Known when its category is the held
// one or empty, Updated when the held record had no category (the incoming one is set), and
// reported as a conflict when the categories differ (the held one stays). A new record whose
// source names a series is linked to the series of that name, created (unidentified, with the
// import's access) if there is none.
//
// A batch that loses a race with a concurrent writer (the same SHA-256 inserted meanwhile, a
// category set meanwhile) is rolled back and run again, with the batch after it. On error,
// the batches committed before it stay, and the report counts exactly them: Read is the
// number of records from the start of the source whose effects are committed, so an import
// can resume after them.
func (s *Store) ImportHashOnly(ctx context.Context, records iter.Seq2[catalog.HashOnlyRecord, error], opts catalog.ImportOptions) (catalog.ImportReport, error) {
	var rep catalog.ImportReport
	opts.Access = opts.Access.Normalize()
	if err := opts.Access.Validate(); err != nil {
		return rep, fmt.Errorf("postgres: import: %w", err)
	}
	imp := &importer{s: s, opts: opts, series: map[string]int64{}}
	var (
		inflight []*importBatch
		batch    []catalog.HashOnlyRecord
		no       int
	)
	// finish waits for the oldest batch in flight and takes in its report. A batch that lost
	// a race is run again, together with those after it, which were decided on its account.
	finish := func() error {
		b := inflight[0]
		<-b.done
		b.prev = nil // its goroutine is over: let the batches before it go
		if b.err == nil {
			inflight = inflight[1:]
			merge(&rep, b.rep)
			maps.Copy(imp.series, b.created)
			return nil
		}
		for _, later := range inflight[1:] {
			<-later.done // they fail: they commit only after b
		}
		if !raced(b.err) || b.attempt == maxAttempts || ctx.Err() != nil {
			inflight = nil
			return fmt.Errorf("postgres: import: batch %d: %w", b.no, b.err)
		}
		s.log.DebugContext(ctx, "running import batches again", "batch", b.no, "attempt", b.attempt, "err", b.err)
		redo := inflight
		inflight = nil
		for _, r := range redo {
			inflight = append(inflight, imp.start(ctx, r.no, r.recs, r.attempt+1, imp.last(inflight)))
		}
		return nil
	}
	submit := func() error {
		for len(inflight) >= importWindow {
			if err := finish(); err != nil {
				return err
			}
		}
		no++
		inflight = append(inflight, imp.start(ctx, no, batch, 1, imp.last(inflight)))
		batch = make([]catalog.HashOnlyRecord, 0, s.importBatch)
		return nil
	}
	drain := func(cause error) (catalog.ImportReport, error) {
		for len(inflight) > 0 {
			if err := finish(); err != nil {
				return rep, errors.Join(err, cause)
			}
		}
		return rep, cause
	}
	for r, err := range records {
		if err != nil {
			return drain(fmt.Errorf("postgres: import: reading record %d: %w", rep.Read+imp.queued(inflight)+int64(len(batch))+1, err))
		}
		if r.Kind == "" {
			r.Kind = catalog.KindUnknown
		}
		m := catalog.Media{Digests: r.Digests, Size: r.Size, Kind: r.Kind, PDQ: r.PDQ, Access: opts.Access}
		err = m.Validate()
		if err == nil {
			err = catalog.ValidateFrames(r.Frames)
		}
		if err != nil {
			return drain(fmt.Errorf("postgres: import: record %d (%v): %w", rep.Read+imp.queued(inflight)+int64(len(batch))+1, r.Digests, err))
		}
		batch = append(batch, r)
		if len(batch) >= s.importBatch {
			if err := submit(); err != nil {
				return drain(err)
			}
		}
	}
	if len(batch) > 0 {
		if err := submit(); err != nil {
			return drain(err)
		}
	}
	return drain(nil)
}

// merge adds a batch's report to the import's.
func merge(dst *catalog.ImportReport, src catalog.ImportReport) {
	dst.Read += src.Read
	dst.New += src.New
	dst.Known += src.Known
	dst.Updated += src.Updated
	dst.Conflicts = append(dst.Conflicts, src.Conflicts...)
}

// Why a batch did not commit, besides the database's errors.
var (
	// errImportRace: the batch lost a race with a concurrent writer; it is run again.
	errImportRace = errors.New("import batch raced with a concurrent writer")
	// errPreviousBatch: the batch before failed, and this one was decided on its account.
	errPreviousBatch = errors.New("the previous import batch did not commit")
)

// raced reports whether a batch failed for a reason that running it again may cure.
func raced(err error) bool {
	var pe *pgconn.PgError
	return errors.Is(err, errImportRace) || errors.Is(err, errPreviousBatch) || retryable(err) ||
		(errors.As(err, &pe) && pe.Code == "23505") // a concurrent insert of one of our digests or series
}

// importer is one ImportHashOnly call.
type importer struct {
	s    *Store
	opts catalog.ImportOptions
	// series holds the IDs of committed series by name; only the importing goroutine
	// touches it, batches get a copy.
	series map[string]int64
}

// last returns the newest batch in flight, or nil.
func (imp *importer) last(inflight []*importBatch) *importBatch {
	if len(inflight) == 0 {
		return nil
	}
	return inflight[len(inflight)-1]
}

// queued counts the records of the batches in flight.
func (imp *importer) queued(inflight []*importBatch) int64 {
	n := 0
	for _, b := range inflight {
		n += len(b.recs)
	}
	return int64(n)
}

// importBatch is one batch of an import, run in a goroutine of its own.
type importBatch struct {
	no      int
	recs    []catalog.HashOnlyRecord
	attempt int
	prev    *importBatch // the batch before, if still in flight when this one started

	// decided is closed when state is set (nil if the batch failed before deciding).
	decided chan struct{}
	state   *importState
	// done is closed when the batch committed or failed; then rep, created and err are set.
	done    chan struct{}
	rep     catalog.ImportReport
	created map[string]int64 // series the batch created
	err     error
}

// importState is what a batch decided, which the next batch, deciding before this one has
// committed, needs to know.
type importState struct {
	// ids of the batch's new records, and their digests.
	ids      []int64
	digests  []catalog.Digests
	bySHA256 map[[32]byte]int
	bySHA1   digestIndex[[20]byte]
	byMD5    digestIndex[[16]byte]
	// cats are the categories of the records the batch inserted or categorised.
	cats map[int64]catalog.Category
	// series are the series the batch created, by name.
	series map[string]int64
}

func newImportState() *importState {
	return &importState{
		bySHA256: map[[32]byte]int{}, bySHA1: newDigestIndex[[20]byte](), byMD5: newDigestIndex[[16]byte](),
		cats: map[int64]catalog.Category{}, series: map[string]int64{},
	}
}

// add records a new record (its ID may be provisional) and returns its index.
func (st *importState) add(d catalog.Digests) int {
	k := len(st.digests)
	st.digests = append(st.digests, d)
	if d.HasSHA256() {
		st.bySHA256[d.SHA256] = k
	}
	if d.HasSHA1() {
		st.bySHA1.add(d.SHA1, k)
	}
	if d.HasMD5() {
		st.byMD5.add(d.MD5, k)
	}
	return k
}

// exact returns the index of the new record with d's SHA-256, or -1.
func (st *importState) exact(d catalog.Digests) int {
	if st == nil || !d.HasSHA256() {
		return -1
	}
	if k, ok := st.bySHA256[d.SHA256]; ok {
		return k
	}
	return -1
}

// agreeing returns the index of the oldest new record that shares a digest with d and agrees
// with it on every digest both know, or -1.
func (st *importState) agreeing(d catalog.Digests) int {
	if st == nil {
		return -1
	}
	best := -1
	consider := func(k int) {
		if (best < 0 || k < best) && agrees(st.digests[k], d) {
			best = k
		}
	}
	if d.HasSHA1() {
		st.bySHA1.each(d.SHA1, consider)
	}
	if d.HasMD5() {
		st.byMD5.each(d.MD5, consider)
	}
	return best
}

// digestIndex maps a digest to the new records that carry it, in order. Nearly every digest
// occurs once, so the first record is kept apart from the (rare) others, sparing an
// allocation per record.
type digestIndex[K comparable] struct {
	first map[K]int
	more  map[K][]int
}

func newDigestIndex[K comparable]() digestIndex[K] {
	return digestIndex[K]{first: map[K]int{}, more: map[K][]int{}}
}

func (x digestIndex[K]) add(k K, i int) {
	if _, ok := x.first[k]; !ok {
		x.first[k] = i
		return
	}
	x.more[k] = append(x.more[k], i)
}

func (x digestIndex[K]) each(k K, f func(int)) {
	i, ok := x.first[k]
	if !ok {
		return
	}
	f(i)
	for _, j := range x.more[k] {
		f(j)
	}
}

// start runs a batch in a new goroutine and returns at once.
func (imp *importer) start(ctx context.Context, no int, recs []catalog.HashOnlyRecord, attempt int, prev *importBatch) *importBatch {
	b := &importBatch{no: no, recs: recs, attempt: attempt, prev: prev,
		decided: make(chan struct{}), done: make(chan struct{}), created: map[string]int64{}}
	series := maps.Clone(imp.series)
	go func() {
		defer close(b.done)
		decided := false
		defer func() {
			if !decided {
				close(b.decided)
			}
		}()
		b.rep, b.err = imp.run(ctx, b, series, func(st *importState) {
			b.state, decided = st, true
			close(b.decided)
		})
	}()
	return b
}

// held is the media record a staged record is already held as.
type held struct {
	id       int64
	category catalog.Category
	bySHA256 bool
}

// waitPrev waits until the previous batch is done and reports whether it committed.
func (b *importBatch) waitPrev(ctx context.Context) error {
	if b.prev == nil {
		return nil
	}
	select {
	case <-b.prev.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if b.prev.err != nil {
		return errPreviousBatch
	}
	return nil
}

// run imports batch b in one transaction; decided hands its decisions to the next batch.
func (imp *importer) run(ctx context.Context, b *importBatch, series map[string]int64, decided func(*importState)) (catalog.ImportReport, error) {
	s, opts, recs := imp.s, imp.opts, b.recs
	rep := catalog.ImportReport{Read: int64(len(recs))}
	start := time.Now()
	pt, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return rep, err
	}
	defer func() { _ = pt.Rollback(context.WithoutCancel(ctx)) }() // after Commit, a no-op
	t := &tx{reader: reader{q: pt, lock: true}, s: s, pt: pt, size: -1}

	// 1. Stage the digests and find what the database holds.
	found, err := s.stageAndFind(ctx, pt, recs)
	if err != nil {
		return rep, err
	}
	staged := time.Now()

	// 2. Decide, in input order, with the previous batch's decisions in hand.
	var prev *importState
	if b.prev != nil {
		select {
		case <-b.prev.decided:
		case <-ctx.Done():
			return rep, ctx.Err()
		}
		if prev = b.prev.state; prev == nil {
			return rep, errPreviousBatch
		}
	}
	st := newImportState()
	var (
		newRecs   []int              // batch indexes of the new records
		newCat    []catalog.Category // their categories, as later records of the batch set them
		updates   = map[int64]catalog.Category{}
		dependent bool // the batch changes a record the previous one inserts
		conflicts []importConflict
	)
	category := func(id int64, h held) catalog.Category {
		if c, ok := st.cats[id]; ok {
			return c
		}
		if prev != nil {
			if c, ok := prev.cats[id]; ok {
				return c
			}
		}
		return h.category
	}
	for i, r := range recs {
		h, isHeld := found[i]
		d := r.Digests
		id, own := int64(0), -1
		switch {
		case isHeld && h.bySHA256:
			id = h.id
		case prev.exact(d) >= 0:
			id = prev.ids[prev.exact(d)]
		case st.exact(d) >= 0:
			own = st.exact(d)
		default:
			if isHeld {
				id = h.id
			}
			if k := prev.agreeing(d); k >= 0 && (id == 0 || prev.ids[k] < id) {
				id = prev.ids[k]
			}
			if id == 0 {
				own = st.agreeing(d)
			}
		}
		if id == 0 && own < 0 {
			st.add(d)
			newRecs = append(newRecs, i)
			newCat = append(newCat, r.Category)
			rep.New++
			continue
		}
		var cur catalog.Category
		if own >= 0 {
			cur = newCat[own]
		} else {
			cur = category(id, h)
		}
		switch {
		case r.Category.IsZero() || r.Category == cur:
			rep.Known++
		case cur.IsZero():
			rep.Updated++
			if own >= 0 {
				newCat[own] = r.Category
			} else {
				st.cats[id], updates[id] = r.Category, r.Category
				if prev != nil && prev.inserted(id) {
					dependent = true
				}
			}
		default:
			conflicts = append(conflicts, importConflict{
				c:   catalog.ImportConflict{Existing: catalog.MediaID(id), Digests: d, Held: cur, Incoming: r.Category},
				own: own,
			})
		}
	}

	// IDs for the new records, then the state the next batch decides with.
	if len(newRecs) > 0 {
		// The sequence's name is resolved once: pg_get_serial_sequence per row costs ten times
		// what nextval does.
		var seq string
		if err := pt.QueryRow(ctx, `SELECT pg_get_serial_sequence('media', 'id')`).Scan(&seq); err != nil {
			return rep, err
		}
		rows, err := pt.Query(ctx, `SELECT nextval($1::regclass) FROM generate_series(1, $2)`, seq, len(newRecs))
		st.ids, err = collect(rows, err, func(row pgx.Row) (int64, error) {
			var id int64
			return id, row.Scan(&id)
		})
		if err != nil {
			return rep, err
		}
	}
	for k, id := range st.ids {
		st.cats[id] = newCat[k]
	}
	for _, c := range conflicts {
		if c.own >= 0 {
			c.c.Existing = catalog.MediaID(st.ids[c.own])
		}
		rep.Conflicts = append(rep.Conflicts, c.c)
	}
	// Series: committed, created by the previous batch (then wait for it), or created here.
	seriesCreated := 0
	seriesOf := func(name string) (int64, error) {
		if id, ok := series[name]; ok {
			return id, nil
		}
		if id, ok := st.series[name]; ok {
			return id, nil
		}
		if prev != nil {
			if id, ok := prev.series[name]; ok {
				dependent = true
				return id, nil
			}
		}
		var id int64
		err := pt.QueryRow(ctx, `SELECT id FROM series WHERE name = $1`, name).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			sr, err := t.CreateSeries(ctx, catalog.Series{
				Access: opts.Access, Name: name, Status: catalog.SeriesUnidentified,
				Countries: []catalog.CountryCode{opts.Access.Owner},
			})
			if err != nil {
				return 0, err
			}
			seriesCreated++
			b.created[name] = int64(sr.ID)
			st.series[name] = int64(sr.ID)
			return int64(sr.ID), nil
		}
		if err != nil {
			return 0, err
		}
		series[name] = id
		return id, nil
	}
	now := s.now()
	owner, vis, shared := accessArgs(opts.Access)
	retention := nullTime(opts.Retention)
	rows := make([][]any, len(newRecs))
	var pdqIDs []int64
	for k, i := range newRecs {
		r := recs[i]
		var sid *int64
		if r.Series != "" {
			id, err := seriesOf(r.Series)
			if err != nil {
				return rep, err
			}
			sid = &id
		}
		var pdqHash []byte
		var pdqQuality *int32
		var pdqFlavour *string
		if r.PDQ != nil {
			h, q, f := r.PDQ.Hash, int32(r.PDQ.Quality), string(r.PDQ.Flavour)
			pdqHash, pdqQuality, pdqFlavour = h[:], &q, &f
			pdqIDs = append(pdqIDs, st.ids[k])
		}
		d := r.Digests
		rows[k] = []any{st.ids[k], digest(d.SHA256[:]), digest(d.SHA1[:]), digest(d.MD5[:]), r.Size, "", string(r.Kind),
			int32(0), int32(0), int64(0), pdqHash, pdqQuality, pdqFlavour, newCat[k].Scheme, newCat[k].Code,
			owner, vis, shared, retention, "", sid, opts.Source, now, now}
	}
	decided(st)

	// 3. Write. The rows go in while the previous batch may still be writing, unless this
	// batch changes what that one inserts.
	if dependent {
		if err := b.waitPrev(ctx); err != nil {
			return rep, err
		}
	}
	if len(rows) > 0 {
		if _, err := pt.CopyFrom(ctx, pgx.Identifier{"media"}, []string{"id", "sha256", "sha1", "md5", "size", "mime", "kind",
			"width", "height", "duration", "pdq_hash", "pdq_quality", "pdq_flavour", "category_scheme", "category_code",
			"owner", "visibility", "shared_with", "retention", "blob", "series_id", "source", "created", "updated"},
			pgx.CopyFromRows(rows)); err != nil {
			return rep, err
		}
		t.wrote = true
	}
	copied := time.Now()
	// The rest only after the previous batch committed: categories it may have inserted, feed
	// and audit numbers after its own.
	if err := b.waitPrev(ctx); err != nil {
		return rep, err
	}
	waited := time.Now()
	if len(updates) > 0 {
		uid := make([]int64, 0, len(updates))
		schemes := make([]string, 0, len(updates))
		codes := make([]string, 0, len(updates))
		for id, c := range updates {
			uid, schemes, codes = append(uid, id), append(schemes, c.Scheme), append(codes, c.Code)
		}
		tag, err := pt.Exec(ctx, `UPDATE media m SET category_scheme = u.scheme, category_code = u.code, updated = $4
			FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, scheme, code)
			WHERE m.id = u.id AND m.category_scheme = '' AND m.category_code = ''`, uid, schemes, codes, s.now())
		if err != nil {
			return rep, err
		}
		if tag.RowsAffected() != int64(len(updates)) {
			return rep, fmt.Errorf("%w: a record was categorised or deleted meanwhile", errImportRace)
		}
		t.wrote = true
	}
	if len(pdqIDs) > 0 {
		if err := t.lockLog(ctx); err != nil {
			return rep, err
		}
		if _, err := pt.Exec(ctx, `INSERT INTO pdq_feed (seq, media_id, frame, pdq_hash, pdq_quality, pdq_flavour, deleted)
			SELECT nextval('pdq_feed_seq'), m.id, -1, m.pdq_hash, m.pdq_quality, m.pdq_flavour, FALSE
			FROM media m WHERE m.id = ANY($1) ORDER BY m.id`, pdqIDs); err != nil {
			return rep, err
		}
	}
	for k, i := range newRecs {
		if frames := recs[i].Frames; len(frames) > 0 {
			if err := t.PutFrames(ctx, catalog.MediaID(st.ids[k]), frames); err != nil {
				return rep, err
			}
		}
	}

	// 4. Audit and checkpoint.
	actor := opts.Actor.Login
	if actor == "" {
		actor = "system"
	}
	object := "import"
	if opts.Source != "" {
		object = "import/" + opts.Source
	}
	details := map[string]string{
		"batch":     strconv.Itoa(b.no),
		"records":   strconv.FormatInt(rep.Read, 10),
		"new":       strconv.FormatInt(rep.New, 10),
		"known":     strconv.FormatInt(rep.Known, 10),
		"updated":   strconv.FormatInt(rep.Updated, 10),
		"conflicts": strconv.Itoa(len(rep.Conflicts)),
	}
	if opts.Source != "" {
		details["source"] = opts.Source
	}
	if len(st.ids) > 0 {
		details["first_media"] = strconv.FormatInt(st.ids[0], 10)
		details["last_media"] = strconv.FormatInt(st.ids[len(st.ids)-1], 10)
	}
	if seriesCreated > 0 {
		details["series_created"] = strconv.Itoa(seriesCreated)
	}
	if _, err := t.Audit(ctx, audit.Event{
		Actor: actor, ActorID: int64(opts.Actor.ID), Country: string(opts.Actor.Country),
		Action: "media.import", Object: object, Details: details,
	}); err != nil {
		return rep, err
	}
	wctx := context.WithoutCancel(ctx)
	if err := t.checkpoint(wctx); err != nil {
		return rep, err
	}
	if err := pt.Commit(wctx); err != nil {
		return rep, err
	}
	s.log.DebugContext(ctx, "imported a batch", "batch", b.no, "records", len(recs), "new", rep.New,
		"stage", staged.Sub(start), "decide_copy", copied.Sub(staged), "wait", waited.Sub(copied), "commit", time.Since(waited))
	return rep, nil
}

// importConflict is a conflict found while deciding; own is the index of the batch's own new
// record it is about (whose ID is not drawn yet), or -1.
type importConflict struct {
	c   catalog.ImportConflict
	own int
}

// inserted reports whether the batch inserts the record with that ID (its IDs are ascending,
// drawn by one statement).
func (st *importState) inserted(id int64) bool {
	_, ok := slices.BinarySearch(st.ids, id)
	return ok
}

// stageAndFind copies the batch's digests into a temporary table and returns, by batch index,
// the stored record each is held as.
func (s *Store) stageAndFind(ctx context.Context, pt pgx.Tx, recs []catalog.HashOnlyRecord) (map[int]held, error) {
	if _, err := pt.Exec(ctx, `CREATE TEMPORARY TABLE import_stage (
		ord integer NOT NULL, sha256 bytea, sha1 bytea, md5 bytea) ON COMMIT DROP`); err != nil {
		return nil, err
	}
	i := 0
	if _, err := pt.CopyFrom(ctx, pgx.Identifier{"import_stage"}, []string{"ord", "sha256", "sha1", "md5"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == len(recs) {
				return nil, nil
			}
			d := &recs[i].Digests
			row := []any{int32(i), digest(d.SHA256[:]), digest(d.SHA1[:]), digest(d.MD5[:])}
			i++
			return row, nil
		})); err != nil {
		return nil, err
	}
	if _, err := pt.Exec(ctx, `ANALYZE import_stage`); err != nil {
		return nil, err
	}
	// A staged record with a SHA-256 can be held by another record (not sharing it) only if
	// that record's SHA-256 is unknown: a known one either is the same (found by the SHA-256
	// arm) or disagrees. So when no stored record lacks its SHA-256, as when every list
	// imported so far carried SHA-256, such a record costs one index probe instead of three.
	var noSHA256Held bool
	if err := pt.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM media WHERE sha256 IS NULL)`).Scan(&noSHA256Held); err != nil {
		return nil, err
	}
	weak := `TRUE`
	if noSHA256Held {
		weak = `s.sha256 IS NULL`
	}
	// Each arm probes one digest index; a NULL (unknown) digest matches nothing. A match by
	// SHA-1 or MD5 counts only when no digest known on both sides differs.
	rows, err := pt.Query(ctx, `SELECT DISTINCT ON (c.ord) c.ord, c.id, c.category_scheme, c.category_code, c.by_sha256
		FROM (
			SELECT s.ord, m.id, m.category_scheme, m.category_code, TRUE AS by_sha256
			FROM import_stage s JOIN media m ON m.sha256 = s.sha256
			UNION ALL
			SELECT s.ord, m.id, m.category_scheme, m.category_code, FALSE
			FROM (SELECT * FROM import_stage s WHERE `+weak+`) s JOIN media m ON m.sha1 = s.sha1
			WHERE (m.sha256 IS NULL OR s.sha256 IS NULL)
			  AND (m.md5 IS NULL OR s.md5 IS NULL OR m.md5 = s.md5)
			UNION ALL
			SELECT s.ord, m.id, m.category_scheme, m.category_code, FALSE
			FROM (SELECT * FROM import_stage s WHERE `+weak+`) s JOIN media m ON m.md5 = s.md5
			WHERE (m.sha256 IS NULL OR s.sha256 IS NULL)
			  AND (m.sha1 IS NULL OR s.sha1 IS NULL OR m.sha1 = s.sha1)
		) c
		ORDER BY c.ord, c.by_sha256 DESC, c.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := map[int]held{}
	for rows.Next() {
		var ord int32
		var h held
		if err := rows.Scan(&ord, &h.id, &h.category.Scheme, &h.category.Code, &h.bySHA256); err != nil {
			return nil, err
		}
		found[int(ord)] = h
	}
	return found, rows.Err()
}

// agrees reports whether no digest known on both sides differs.
func agrees(a, b catalog.Digests) bool {
	return !(a.HasSHA256() && b.HasSHA256() && a.SHA256 != b.SHA256) &&
		!(a.HasSHA1() && b.HasSHA1() && a.SHA1 != b.SHA1) &&
		!(a.HasMD5() && b.HasMD5() && a.MD5 != b.MD5)
}
