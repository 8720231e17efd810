package triage

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/hamming"
)

// Catalog is what CatalogMatcher needs of a catalog.Store: every catalog.Store has it.
type Catalog interface {
	LookupDigests(ctx context.Context, queries []catalog.Digests) ([][]catalog.Media, error)
	MediaByIDs(ctx context.Context, ids []catalog.MediaID) ([]catalog.Media, error)
	PDQEntries(ctx context.Context, after int64) iter.Seq2[catalog.SeqPDQ, error]
	Series(ctx context.Context, s catalog.Scope, id catalog.SeriesID) (catalog.Series, error)
}

// CatalogMatcher is a Matcher over a local catalog (a data folder): digests are looked up in
// the store, PDQ hashes in an in-memory index built once from its PDQEntries (images and video
// frames of quality at least catalog.MatchableQuality).
//
// It reads with the system scope: it is for the operator of the data folder triaging on the
// same machine, who holds the whole catalog anyway. Matches carry the record's ID, category
// and series.
type CatalogMatcher struct {
	c      Catalog
	radius int
	index  *hamming.Index
	rows   []catalog.PDQEntry // index id -> entry
	series map[catalog.SeriesID]catalog.Series
}

// NewCatalogMatcher builds the PDQ index of c; radius 0 means DefaultRadius.
func NewCatalogMatcher(ctx context.Context, c Catalog, radius int) (*CatalogMatcher, error) {
	if radius <= 0 {
		radius = DefaultRadius
	}
	type key struct {
		m catalog.MediaID
		f int
	}
	live := map[key]catalog.PDQEntry{}
	var order []key
	for e, err := range c.PDQEntries(ctx, 0) {
		if err != nil {
			return nil, fmt.Errorf("triage: reading the catalog's PDQ hashes: %w", err)
		}
		k := key{e.Media, e.Frame}
		if e.Deleted || e.Hash.Quality < catalog.MatchableQuality {
			delete(live, k)
			continue
		}
		if _, ok := live[k]; !ok {
			order = append(order, k)
		}
		live[k] = e.PDQEntry
	}
	cm := &CatalogMatcher{c: c, radius: radius, series: map[catalog.SeriesID]catalog.Series{}}
	var codes []hamming.Code
	for _, k := range order {
		e, ok := live[k]
		if !ok {
			continue
		}
		codes = append(codes, hamming.CodeFromBytes(e.Hash.Hash))
		cm.rows = append(cm.rows, e)
	}
	x, err := hamming.Build(codes, nil, hamming.Options{})
	if err != nil {
		return nil, err
	}
	cm.index = x
	return cm, nil
}

// Len returns the number of PDQ hashes indexed.
func (cm *CatalogMatcher) Len() int { return len(cm.rows) }

// Match implements Matcher.
func (cm *CatalogMatcher) Match(ctx context.Context, qs []Query) ([][]Match, error) {
	ds := make([]catalog.Digests, len(qs))
	for i, q := range qs {
		ds[i] = q.Digests
	}
	found, err := cm.c.LookupDigests(ctx, ds)
	if err != nil {
		return nil, err
	}
	if len(found) != len(qs) {
		return nil, fmt.Errorf("catalog answered %d of %d lookups", len(found), len(qs))
	}
	out := make([][]Match, len(qs))
	for i, q := range qs {
		for _, m := range found[i] {
			mt, err := cm.describe(ctx, m, MatchExact, 0)
			if err != nil {
				return nil, err
			}
			out[i] = append(out[i], mt)
		}
		if len(out[i]) > 0 || len(q.PDQ) == 0 {
			continue
		}
		near := nearest(cm.index, q.PDQ, cm.radius, func(row uint32) (uint32, bool) { return row, true },
			func(row uint32, d int) Match {
				kind := MatchNear
				if cm.rows[row].Frame >= 0 {
					kind = MatchVideo
				}
				return Match{Kind: kind, Media: int64(cm.rows[row].Media), Distance: d, PDQ: cm.rows[row].Hash.Hash.String()}
			})
		// One match per media item, at its smallest distance (a video's frames collapse).
		seen := map[int64]bool{}
		for _, n := range near {
			if seen[n.Media] {
				continue
			}
			seen[n.Media] = true
			ms, err := cm.c.MediaByIDs(ctx, []catalog.MediaID{catalog.MediaID(n.Media)})
			if err != nil {
				return nil, err
			}
			if len(ms) == 0 {
				continue // deleted since the index was built
			}
			mt, err := cm.describe(ctx, ms[0], n.Kind, n.Distance)
			if err != nil {
				return nil, err
			}
			mt.PDQ = n.PDQ
			out[i] = append(out[i], mt)
		}
	}
	return out, nil
}

func (cm *CatalogMatcher) describe(ctx context.Context, m catalog.Media, kind string, dist int) (Match, error) {
	mt := Match{Source: "data", Kind: kind, Distance: dist, Media: int64(m.ID), Category: CategoryOf(m.Category)}
	if m.Series != 0 {
		s, ok := cm.series[m.Series]
		if !ok {
			var err error
			s, err = cm.c.Series(ctx, catalog.SystemScope(), m.Series)
			if err != nil && !errors.Is(err, catalog.ErrNotFound) {
				return mt, err
			}
			cm.series[m.Series] = s
		}
		mt.Series, mt.SeriesStatus = s.Name, string(s.Status)
	}
	return mt, nil
}

var _ Matcher = (*CatalogMatcher)(nil)
