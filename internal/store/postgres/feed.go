package postgres

import (
	"context"

	"github.com/vidb-project/vidb/internal/catalog"
)

// The PDQ change feed. Every write to pdq_feed draws its sequence numbers from pdq_feed_seq
// while holding the store's write lock (lockLog), the same lock audit appends take, and holds
// it to commit. PostgreSQL makes a commit visible before it releases the transaction's locks,
// so the next holder draws larger numbers only after every smaller number is committed (or
// rolled back, leaving a gap that nobody will fill). A reader's snapshot therefore always
// holds a prefix of the sequence, and a replica that asks for "after N" never misses an entry
// numbered below N that was still in flight when it last asked. TestFeedOrderUnderConcurrency
// checks this with concurrent writers and a reader polling all along.

// feedPut records that media m's hash for frame (-1: the image's own) is now p. A different
// live hash for the same frame is removed first; the same one is left as it is.
func (t *tx) feedPut(ctx context.Context, m catalog.MediaID, frame int, p catalog.PDQ) error {
	h := p.Hash
	return t.feedFrames(ctx, m, []int32{int32(frame)}, [][]byte{h[:]}, []int32{int32(p.Quality)}, []string{string(p.Flavour)}, frame < 0)
}

// feedFrames makes the live hashes of media m equal to the ones given, for the image hash
// (image true: frame -1) or for the video frames (frame >= 0): live rows that differ or are
// no longer given become removals; new or changed hashes are appended.
func (t *tx) feedFrames(ctx context.Context, m catalog.MediaID, frames []int32, hashes [][]byte, qualities []int32, flavours []string, image bool) error {
	if err := t.lockLog(ctx); err != nil {
		return err
	}
	frameCond := `frame >= 0`
	if image {
		frameCond = `frame = -1`
	}
	// First the live rows that are not wanted as they are become removals; then the wanted
	// hashes that are not live (any more) are appended.
	if _, err := t.exec(ctx, "updating the PDQ feed", `WITH gone AS (
			DELETE FROM pdq_feed f WHERE f.media_id = $1 AND NOT f.deleted AND f.`+frameCond+`
				AND NOT EXISTS (
					SELECT 1 FROM unnest($2::integer[], $3::bytea[], $4::integer[], $5::text[]) AS w(frame, pdq_hash, pdq_quality, pdq_flavour)
					WHERE w.frame = f.frame AND w.pdq_hash = f.pdq_hash AND w.pdq_quality = f.pdq_quality AND w.pdq_flavour = f.pdq_flavour)
			RETURNING f.media_id, f.frame, f.pdq_hash, f.pdq_quality, f.pdq_flavour)
		INSERT INTO pdq_feed (seq, media_id, frame, pdq_hash, pdq_quality, pdq_flavour, deleted)
		SELECT nextval('pdq_feed_seq'), g.media_id, g.frame, g.pdq_hash, g.pdq_quality, g.pdq_flavour, TRUE
		FROM (SELECT * FROM gone ORDER BY frame) g`,
		int64(m), frames, hashes, qualities, flavours); err != nil {
		return err
	}
	_, err := t.exec(ctx, "updating the PDQ feed", `INSERT INTO pdq_feed (seq, media_id, frame, pdq_hash, pdq_quality, pdq_flavour, deleted)
		SELECT nextval('pdq_feed_seq'), $1, w.frame, w.pdq_hash, w.pdq_quality, w.pdq_flavour, FALSE
		FROM (SELECT * FROM unnest($2::integer[], $3::bytea[], $4::integer[], $5::text[]) AS w(frame, pdq_hash, pdq_quality, pdq_flavour)
			WHERE NOT EXISTS (SELECT 1 FROM pdq_feed f WHERE f.media_id = $1 AND f.frame = w.frame AND NOT f.deleted)
			ORDER BY w.frame) w`,
		int64(m), frames, hashes, qualities, flavours)
	return err
}

// feedDelete removes media m's live hashes from the feed: its image hash, its frames, or both.
func (t *tx) feedDelete(ctx context.Context, m catalog.MediaID, image, frames bool) error {
	if err := t.lockLog(ctx); err != nil {
		return err
	}
	cond := `TRUE`
	switch {
	case image && !frames:
		cond = `frame = -1`
	case frames && !image:
		cond = `frame >= 0`
	}
	_, err := t.exec(ctx, "updating the PDQ feed", `WITH gone AS (
			DELETE FROM pdq_feed WHERE media_id = $1 AND NOT deleted AND `+cond+`
			RETURNING media_id, frame, pdq_hash, pdq_quality, pdq_flavour)
		INSERT INTO pdq_feed (seq, media_id, frame, pdq_hash, pdq_quality, pdq_flavour, deleted)
		SELECT nextval('pdq_feed_seq'), g.media_id, g.frame, g.pdq_hash, g.pdq_quality, g.pdq_flavour, TRUE
		FROM (SELECT * FROM gone ORDER BY frame) g`, int64(m))
	return err
}

// lockLog takes the store's write lock, the transaction-scoped advisory lock that serialises
// audit appends and feed writes, if this transaction does not hold it yet.
func (t *tx) lockLog(ctx context.Context) error {
	if t.locked {
		return nil
	}
	if _, err := t.pt.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, t.s.lockKey); err != nil {
		return wrap("taking the write lock", err)
	}
	t.locked = true
	return nil
}
