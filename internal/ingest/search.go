package ingest

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/digest"
	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/internal/imaging"
	"github.com/vidb-project/vidb/pdq"
)

// Query is one search of the catalog.
type Query struct {
	Digests catalog.Digests // any subset; zero digests are unknown
	PDQ     *pdq.Hash
}

// Search finds the records matching q: exact by any of its digests, near by its PDQ hash. Like
// SearchImage and Lookup, it stores nothing but an audit event (and alerts for hits).
func (p *Pipeline) Search(ctx context.Context, u catalog.User, q Query) ([]Found, error) {
	out, err := p.Lookup(ctx, u, []Query{q})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// SearchImage finds the records matching an image: exact by its digests, near by its PDQ hash
// and its dihedral variants (when its quality is at least MinQuality).
func (p *Pipeline) SearchImage(ctx context.Context, u catalog.User, body io.Reader) ([]Found, error) {
	if _, err := allowed(u); err != nil {
		return nil, err
	}
	release, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(body, p.cfg.Limits.MaxBytes+1))
	if err != nil {
		release()
		return nil, fmt.Errorf("ingest: reading image: %w", err)
	}
	if int64(len(data)) > p.cfg.Limits.MaxBytes {
		release()
		return nil, fmt.Errorf("%w: %w: more than %d bytes", ErrTooLarge, imaging.ErrTooLarge, p.cfg.Limits.MaxBytes)
	}
	if kind, _ := fingerprint.Sniff(data[:min(len(data), 512)]); kind != fingerprint.KindImage {
		release()
		return nil, fmt.Errorf("%w: not an image", ErrUnsupported)
	}
	sum := digest.Bytes(data)
	_, _, d, err := p.hashImage(data)
	release()
	if err != nil {
		return nil, err
	}
	pr := probe{digests: catalog.Digests{MD5: sum.MD5, SHA1: sum.SHA1, SHA256: sum.SHA256}}
	if d.Quality >= p.cfg.MinQuality {
		pr.hashes = d.Hashes[:]
	}
	out, err := p.answer(ctx, u, "media.search_image", []probe{pr})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// Lookup runs up to MaxBatch queries (more is ErrTooMany) and returns the matches of each, in
// order, with one audit event for the batch.
func (p *Pipeline) Lookup(ctx context.Context, u catalog.User, qs []Query) ([][]Found, error) {
	if _, err := allowed(u); err != nil {
		return nil, err
	}
	if len(qs) > MaxBatch {
		return nil, fmt.Errorf("%w: %d queries, at most %d", ErrTooMany, len(qs), MaxBatch)
	}
	prs := make([]probe, len(qs))
	for i, q := range qs {
		prs[i].digests = q.Digests
		if q.PDQ != nil {
			prs[i].hashes = []pdq.Hash{*q.PDQ}
		}
	}
	action := "media.lookup"
	if len(qs) == 1 {
		action = "media.search"
	}
	return p.answer(ctx, u, action, prs)
}

// answer finds the matches of each probe, presents them to u, and records the alerts and one
// audit event in a transaction.
func (p *Pipeline) answer(ctx context.Context, u catalog.User, action string, prs []probe) ([][]Found, error) {
	cands, err := p.findBatch(ctx, prs)
	if err != nil {
		return nil, err
	}
	now := p.now()
	var out [][]Found
	err = p.store.Update(ctx, func(tx catalog.Tx) error {
		out = make([][]Found, len(prs))
		seen := map[alertKey]bool{}
		var nAlerts, nFound, nHidden int
		scope := catalog.ScopeOf(u)
		for i, cs := range cands {
			var err error
			if out[i], err = present(ctx, tx, u, cs); err != nil {
				return err
			}
			as, err := alerts(ctx, tx, u, false, 0, cs, seen, now)
			if err != nil {
				return err
			}
			for _, a := range as {
				if _, err := tx.AddAlert(ctx, a); err != nil {
					return fmt.Errorf("ingest: storing alert: %w", err)
				}
			}
			nAlerts += len(as)
			nFound += len(cs)
			for _, c := range cs {
				if !scope.Sees(c.media.Access) {
					nHidden++
				}
			}
		}
		_, err := tx.Audit(ctx, p.event(u, action, "", map[string]string{
			"queries": strconv.Itoa(len(prs)),
			"matches": strconv.Itoa(nFound),
			"hits":    strconv.Itoa(nHidden),
			"alerts":  strconv.Itoa(nAlerts),
		}))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// findBatch finds the candidates of each probe, with one digest lookup for the whole batch.
func (p *Pipeline) findBatch(ctx context.Context, prs []probe) ([][]candidate, error) {
	var ds []catalog.Digests
	var at []int
	for i, pr := range prs {
		if !pr.digests.Empty() {
			ds = append(ds, pr.digests)
			at = append(at, i)
		}
	}
	exact := make([][]catalog.Media, len(prs))
	if len(ds) > 0 {
		res, err := p.store.LookupDigests(ctx, ds)
		if err != nil {
			return nil, fmt.Errorf("ingest: exact lookup: %w", err)
		}
		for k, i := range at {
			exact[i] = res[k]
		}
	}
	out := make([][]candidate, len(prs))
	for i, pr := range prs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if out[i], err = p.resolve(ctx, p.store, pr, exact[i], p.searchIndex(pr), nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Matches returns the recorded matches (Store.Matches) of a record the user sees, presented under
// the same rules as Ingest's (other side visible: Media and Series; hidden: Hit only);
// catalog.ErrNotFound if the user does not see the record. Video-to-video matches recompute the
// shares and ranges from the stored frames.
func (p *Pipeline) Matches(ctx context.Context, u catalog.User, id catalog.MediaID) ([]Found, error) {
	scope, err := allowed(u)
	if err != nil {
		return nil, err
	}
	m, err := p.store.Media(ctx, scope, id)
	if err != nil {
		return nil, fmt.Errorf("ingest: media %d: %w", id, err)
	}
	cs, err := p.recorded(ctx, p.store, m)
	if err != nil {
		return nil, err
	}
	return present(ctx, p.store, u, cs)
}
