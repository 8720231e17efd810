package postgres

import (
	"context"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
)

// Audit implements catalog.Tx. The event becomes the next leaf of the log: under the write
// lock the transaction reads the log's size once, then numbers its events from there, and
// stores each event with the tree hashes it adds. Update signs a checkpoint of the new head
// before committing.
func (t *tx) Audit(ctx context.Context, e audit.Event) (audit.Event, error) {
	if t.s.signer == nil {
		return audit.Event{}, fmt.Errorf("postgres: recording an audit event: %w", ErrNoSigner)
	}
	// A caller that hangs up must not drop an audit record half-way; the transaction as a
	// whole still commits or rolls back together.
	ctx = context.WithoutCancel(ctx)
	if err := t.lockLog(ctx); err != nil {
		return audit.Event{}, err
	}
	if t.size < 0 {
		// READ COMMITTED: this statement's snapshot is taken after the lock was granted, so it
		// sees every event committed before.
		if err := t.pt.QueryRow(ctx, `SELECT COALESCE(max(seq) + 1, 0) FROM audit_events`).Scan(&t.size); err != nil {
			return audit.Event{}, wrap("reading the audit log size", err)
		}
	}
	e.Seq = t.size
	if e.Time.IsZero() {
		e.Time = t.s.now()
	} else {
		e.Time = micro(e.Time)
	}
	if len(e.Details) == 0 {
		e.Details = nil
	}
	if err := e.Validate(); err != nil {
		return audit.Event{}, fmt.Errorf("postgres: recording an audit event: %w: %w", catalog.ErrInvalid, err)
	}
	hashes, err := audit.NewHashes(e, t.hashReader(ctx))
	if err != nil {
		return audit.Event{}, fmt.Errorf("postgres: recording an audit event: %w", err)
	}
	if _, err := t.pt.Exec(ctx, `INSERT INTO audit_events (seq, time, actor, actor_id, country, action, object, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.Seq, e.Time, e.Actor, e.ActorID, e.Country, e.Action, e.Object, e.Details); err != nil {
		return audit.Event{}, wrap("recording an audit event", err)
	}
	if err := t.storeHashes(ctx, tlog.StoredHashIndex(0, e.Seq), hashes); err != nil {
		return audit.Event{}, err
	}
	t.size++
	t.appended++
	return e, nil
}

// storeHashes stores tree hashes at consecutive indexes from first.
func (t *tx) storeHashes(ctx context.Context, first int64, hashes []tlog.Hash) error {
	idx := make([]int64, len(hashes))
	hs := make([][]byte, len(hashes))
	for i := range hashes {
		idx[i], hs[i] = first+int64(i), hashes[i][:]
	}
	_, err := t.pt.Exec(ctx, `INSERT INTO audit_hashes (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])`, idx, hs)
	return wrap("storing audit hashes", err)
}

// hashReader reads stored tree hashes inside the transaction.
func (t *tx) hashReader(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return readHashes(ctx, t.pt, indexes)
	})
}

// checkpoint signs and stores the tree head after this transaction's events.
func (t *tx) checkpoint(ctx context.Context) error {
	root, err := audit.TreeHash(t.size, t.hashReader(ctx))
	if err != nil {
		return fmt.Errorf("postgres: computing the audit tree head: %w", err)
	}
	cp, err := audit.SignCheckpoint(t.size, root, t.s.signer)
	if err != nil {
		return fmt.Errorf("postgres: signing the audit checkpoint: %w", err)
	}
	_, err = t.pt.Exec(ctx, `INSERT INTO audit_checkpoints (size, root, note) VALUES ($1, $2, $3)`, cp.Size, cp.Root[:], cp.Note)
	return wrap("storing the audit checkpoint", err)
}

// readHashes reads the stored hashes at indexes, in the order asked.
func readHashes(ctx context.Context, q querier, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT idx, hash FROM audit_hashes WHERE idx = ANY($1)`, indexes)
	if err != nil {
		return nil, wrap("reading audit hashes", err)
	}
	defer rows.Close()
	found := make(map[int64]tlog.Hash, len(indexes))
	for rows.Next() {
		var i int64
		var h []byte
		if err := rows.Scan(&i, &h); err != nil {
			return nil, wrap("reading audit hashes", err)
		}
		if len(h) != tlog.HashSize {
			return nil, fmt.Errorf("postgres: audit hash %d has %d bytes, want %d", i, len(h), tlog.HashSize)
		}
		found[i] = tlog.Hash(h)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("reading audit hashes", err)
	}
	out := make([]tlog.Hash, len(indexes))
	for k, i := range indexes {
		h, ok := found[i]
		if !ok {
			return nil, fmt.Errorf("postgres: %w: index %d", audit.ErrHashNotFound, i)
		}
		out[k] = h
	}
	return out, nil
}

// Events implements audit.Source: the log from sequence number from, in order.
func (s *Store) Events(ctx context.Context, from int64) iter.Seq2[audit.Event, error] {
	return s.AuditEvents(ctx, from)
}

// StoredHashes implements audit.Source: the stored tree hashes at indexes, in the order asked.
func (s *Store) StoredHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, s.pool, indexes)
}

// Checkpoints implements audit.Source: the signed checkpoints, oldest first.
func (s *Store) Checkpoints(ctx context.Context) iter.Seq2[audit.Checkpoint, error] {
	return s.reader.checkpoints(ctx)
}

// checkpoints streams the signed checkpoints in size order, a page per query.
func (r reader) checkpoints(ctx context.Context) iter.Seq2[audit.Checkpoint, error] {
	return func(yield func(audit.Checkpoint, error) bool) {
		after := int64(0)
		for {
			rows, err := r.q.Query(ctx, `SELECT size, root, note FROM audit_checkpoints WHERE size > $1 ORDER BY size LIMIT $2`, after, feedPage)
			page, err := collect(rows, err, scanCheckpoint)
			if err != nil {
				yield(audit.Checkpoint{}, wrap("reading audit checkpoints", err))
				return
			}
			for _, c := range page {
				if !yield(c, nil) {
					return
				}
				after = c.Size
			}
			if len(page) < feedPage {
				return
			}
		}
	}
}

// AuditSnapshot is the audit log as it stood at one instant: a read-only REPEATABLE READ
// transaction from which audit.Verify reads events, stored hashes and checkpoints that belong
// together, however many writers append meanwhile. (*Store's own audit.Source methods each
// read the latest state, which is consistent only while nobody appends.) Close it when done.
type AuditSnapshot struct {
	pt pgx.Tx
	r  reader
}

var _ audit.Source = (*AuditSnapshot)(nil)

// AuditSnapshot opens a snapshot of the audit log.
func (s *Store) AuditSnapshot(ctx context.Context) (*AuditSnapshot, error) {
	pt, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, wrap("opening an audit snapshot", err)
	}
	return &AuditSnapshot{pt: pt, r: reader{q: pt}}, nil
}

// Events implements audit.Source.
func (a *AuditSnapshot) Events(ctx context.Context, from int64) iter.Seq2[audit.Event, error] {
	return a.r.AuditEvents(ctx, from)
}

// StoredHashes implements audit.Source.
func (a *AuditSnapshot) StoredHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readHashes(ctx, a.pt, indexes)
}

// Checkpoints implements audit.Source.
func (a *AuditSnapshot) Checkpoints(ctx context.Context) iter.Seq2[audit.Checkpoint, error] {
	return a.r.checkpoints(ctx)
}

// Close ends the snapshot.
func (a *AuditSnapshot) Close() error {
	return a.pt.Rollback(context.Background())
}
