package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
)

// The audit log in SQL: audit_events holds the events, audit_hashes the Merkle tree's stored
// hashes (tlog's numbering), audit_checkpoints the signed tree heads. The store computes
// nothing itself: internal/audit says which hashes to store and signs the heads.

const eventCols = "seq, time, actor, actor_id, country, action, object, details"

func scanEvent(r scanner) (audit.Event, error) {
	var e audit.Event
	var t int64
	var details sql.NullString
	if err := r.Scan(&e.Seq, &t, &e.Actor, &e.ActorID, &e.Country, &e.Action, &e.Object, &details); err != nil {
		return e, err
	}
	e.Time = fromMicros(sql.NullInt64{Int64: t, Valid: true})
	if details.Valid {
		if err := json.Unmarshal([]byte(details.String), &e.Details); err != nil {
			return e, fmt.Errorf("event %d: details: %w", e.Seq, err)
		}
	}
	return e, nil
}

// AuditEvents streams the audit log from sequence number from, in order.
func (r reader) AuditEvents(ctx context.Context, from int64) iter.Seq2[audit.Event, error] {
	return func(yield func(audit.Event, error) bool) {
		for {
			batch, err := list(ctx, r.q, scanEvent,
				"SELECT "+eventCols+" FROM audit_events WHERE seq >= ? ORDER BY seq LIMIT ?", from, r.pageSize())
			if err != nil {
				yield(audit.Event{}, err)
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
			from = batch[len(batch)-1].Seq + 1
		}
	}
}

func scanCheckpoint(r scanner) (audit.Checkpoint, error) {
	var c audit.Checkpoint
	var root []byte
	if err := r.Scan(&c.Size, &root, &c.Note); err != nil {
		return c, err
	}
	if len(root) != len(c.Root) {
		return c, fmt.Errorf("checkpoint %d: root of %d bytes", c.Size, len(root))
	}
	copy(c.Root[:], root)
	return c, nil
}

// AuditCheckpoints returns the signed checkpoints, oldest (smallest) first.
func (r reader) AuditCheckpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	return list(ctx, r.q, scanCheckpoint, "SELECT size, root, note FROM audit_checkpoints ORDER BY size")
}

// storedHashes reads the stored hashes at indexes, in that order; a missing one is an error
// wrapping audit.ErrHashNotFound.
func (r reader) storedHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	found := make(map[int64]tlog.Hash, len(indexes))
	const chunk = 500
	for lo := 0; lo < len(indexes); lo += chunk {
		part := indexes[lo:min(lo+chunk, len(indexes))]
		args := make([]any, len(part))
		for i, x := range part {
			args[i] = x
		}
		rows, err := r.q.QueryContext(ctx, "SELECT idx, hash FROM audit_hashes WHERE idx IN ("+placeholders(len(part))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: reading audit hashes: %w", err)
		}
		for rows.Next() {
			var idx int64
			var h []byte
			if err := rows.Scan(&idx, &h); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: reading audit hashes: %w", err)
			}
			var th tlog.Hash
			if len(h) != len(th) {
				rows.Close()
				return nil, fmt.Errorf("sqlite: audit hash %d has %d bytes", idx, len(h))
			}
			copy(th[:], h)
			found[idx] = th
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sqlite: reading audit hashes: %w", err)
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := found[x]
		if !ok {
			return nil, fmt.Errorf("sqlite: stored hash %d: %w", x, audit.ErrHashNotFound)
		}
		out[i] = h
	}
	return out, nil
}

// hashReader is the tlog.HashReader of r, bound to ctx.
func (r reader) hashReader(ctx context.Context) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return r.storedHashes(ctx, indexes)
	})
}

// checkpoints streams the signed checkpoints in increasing size, a page at a time.
func (r reader) checkpoints(ctx context.Context) iter.Seq2[audit.Checkpoint, error] {
	return func(yield func(audit.Checkpoint, error) bool) {
		after := int64(0)
		for {
			batch, err := list(ctx, r.q, scanCheckpoint,
				"SELECT size, root, note FROM audit_checkpoints WHERE size > ? ORDER BY size LIMIT ?", after, r.pageSize())
			if err != nil {
				yield(audit.Checkpoint{}, err)
				return
			}
			for _, c := range batch {
				if !yield(c, nil) {
					return
				}
			}
			if len(batch) < r.pageSize() {
				return
			}
			after = batch[len(batch)-1].Size
		}
	}
}

// Events implements audit.Source: the events from sequence number from, in order.
//
// Each of the three audit.Source methods of *Store reads its own snapshot, which is what
// audit.Verify needs only while nothing is appended; to verify a live store, read from
// AuditSnapshot instead.
func (s *Store) Events(ctx context.Context, from int64) iter.Seq2[audit.Event, error] {
	return s.AuditEvents(ctx, from)
}

// StoredHashes implements audit.Source: the Merkle tree's stored hashes at indexes.
func (s *Store) StoredHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return s.storedHashes(ctx, indexes)
}

// Checkpoints implements audit.Source: the signed checkpoints, in increasing size.
func (s *Store) Checkpoints(ctx context.Context) iter.Seq2[audit.Checkpoint, error] {
	return s.checkpoints(ctx)
}

// AuditSnapshot is the audit log as it was at one moment: an audit.Source whose three methods
// read one read transaction, so that audit.Verify can check a store that keeps appending.
// Close it when done; while it is open, SQLite cannot checkpoint the WAL past it.
type AuditSnapshot struct {
	r  reader
	tx *sql.Tx
}

var _ audit.Source = (*AuditSnapshot)(nil)

// AuditSnapshot opens a read transaction on the audit log.
func (s *Store) AuditSnapshot(ctx context.Context) (*AuditSnapshot, error) {
	t, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit snapshot: %w", err)
	}
	// A deferred transaction takes its snapshot at its first read: take it now.
	var n int64
	if err := t.QueryRowContext(ctx, "SELECT count(*) FROM audit_checkpoints").Scan(&n); err != nil {
		_ = t.Rollback()
		return nil, fmt.Errorf("sqlite: audit snapshot: %w", err)
	}
	return &AuditSnapshot{r: reader{q: newTxQuerier(t), page: s.page}, tx: t}, nil
}

// Events implements audit.Source.
func (a *AuditSnapshot) Events(ctx context.Context, from int64) iter.Seq2[audit.Event, error] {
	return a.r.AuditEvents(ctx, from)
}

// StoredHashes implements audit.Source.
func (a *AuditSnapshot) StoredHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return a.r.storedHashes(ctx, indexes)
}

// Checkpoints implements audit.Source.
func (a *AuditSnapshot) Checkpoints(ctx context.Context) iter.Seq2[audit.Checkpoint, error] {
	return a.r.checkpoints(ctx)
}

// Close ends the snapshot's read transaction.
func (a *AuditSnapshot) Close() error {
	if err := a.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("sqlite: audit snapshot: %w", err)
	}
	return nil
}

// appendEvent stores e (already numbered and normalised) with the tree hashes it adds.
func (t *tx) appendEvent(ctx context.Context, e audit.Event) error {
	hashes, err := audit.NewHashes(e, t.hashReader(ctx))
	if err != nil {
		return fmt.Errorf("sqlite: audit: %w", err)
	}
	var details any
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return fmt.Errorf("sqlite: audit: %w", err)
		}
		details = string(b)
	}
	if _, err := t.q.ExecContext(ctx, "INSERT INTO audit_events ("+eventCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		e.Seq, e.Time.UnixMicro(), e.Actor, e.ActorID, e.Country, e.Action, e.Object, details); err != nil {
		return fmt.Errorf("sqlite: audit: %w", err)
	}
	idx := audit.HashIndex(e.Seq)
	for i, h := range hashes {
		if _, err := t.q.ExecContext(ctx, "INSERT INTO audit_hashes (idx, hash) VALUES (?, ?)", idx+int64(i), h[:]); err != nil {
			return fmt.Errorf("sqlite: audit: %w", err)
		}
	}
	return nil
}

// auditSize returns the number of events in the log, as this transaction sees it.
func (t *tx) auditSize(ctx context.Context) (int64, error) {
	var n int64
	if err := t.q.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq) + 1, 0) FROM audit_events").Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: audit: %w", err)
	}
	return n, nil
}

// Audit appends e to the audit log in this transaction and returns it numbered. A zero Time is
// the store's clock; any other is kept, in UTC, to the microsecond.
func (t *tx) Audit(ctx context.Context, e audit.Event) (audit.Event, error) {
	// The audit record must not be dropped because a client went away; the transaction it
	// belongs to still commits or rolls back as a whole.
	ctx = context.WithoutCancel(ctx)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.size < 0 {
		n, err := t.auditSize(ctx)
		if err != nil {
			return audit.Event{}, err
		}
		t.size = n
	}
	e.Seq = t.size
	e.Time = stamp(e.Time, t.s.now())
	if len(e.Details) == 0 {
		e.Details = nil
	}
	if err := e.Validate(); err != nil {
		return audit.Event{}, fmt.Errorf("%w: %w", catalog.ErrInvalid, err)
	}
	if err := t.appendEvent(ctx, e); err != nil {
		return audit.Event{}, err
	}
	t.size++
	t.events++
	return e, nil
}

// checkpoint signs the tree head after this transaction's events and stores it.
func (t *tx) checkpoint(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	root, err := audit.TreeHash(t.size, t.hashReader(ctx))
	if err != nil {
		return fmt.Errorf("sqlite: audit checkpoint: %w", err)
	}
	cp, err := audit.SignCheckpoint(t.size, root, t.s.signer)
	if err != nil {
		return fmt.Errorf("sqlite: audit checkpoint: %w", err)
	}
	if _, err := t.q.ExecContext(ctx, "INSERT INTO audit_checkpoints (size, root, note, created) VALUES (?, ?, ?, ?)",
		cp.Size, cp.Root[:], cp.Note, t.s.now().UnixMicro()); err != nil {
		return fmt.Errorf("sqlite: audit checkpoint: %w", err)
	}
	return nil
}
