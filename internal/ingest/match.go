package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/video"
	"github.com/vidb-project/vidb/pdq"
)

// Found is one record matching an upload or a query, presented under the catalog's rules.
type Found struct {
	Kind     catalog.MatchKind // exact, near, video
	Distance int               // PDQ distance (near; for image-video the frame's)
	Media    *catalog.Media    // nil when the asker may not see it
	// Series is the matched record's series when both are visible to the asker (its Status says
	// if the victim is identified).
	Series *catalog.Series
	// Hit is set instead of everything else for records the asker may not see.
	Hit *catalog.Hit
	// Frame is the matched video frame (image-to-video: the stored video's frame; video-to-image:
	// the query video's frame), nil otherwise.
	Frame *FrameRef
	// Video is set for video-to-video matches.
	Video *VideoMatch
}

// FrameRef names a video frame.
type FrameRef struct {
	Number    int
	Timestamp time.Duration
}

// VideoMatch is how two videos match: the share of each side's usable frames found in the other,
// and the stretches of each that matched.
type VideoMatch struct {
	QueryPct, TargetPct       float64
	QueryRanges, TargetRanges []TimeRange
}

// TimeRange is a stretch of a video.
type TimeRange struct{ From, To time.Duration }

// candidate is a matched record before the catalog's rules are applied.
type candidate struct {
	media    catalog.Media
	kind     catalog.MatchKind
	distance int
	frame    *FrameRef
	video    *VideoMatch
}

// probe is what a record or a query is matched by.
type probe struct {
	digests catalog.Digests // the zero Digests match nothing
	// hashes are the image hashes searched in the index (of matchable quality).
	hashes []pdq.Hash
	// frames are a query video's frames.
	frames []video.Frame
	// self, when set, is the SHA-256 of the record being matched: that record is not a match.
	self *[32]byte
}

func (pr probe) isSelf(m catalog.Media) bool {
	return pr.self != nil && m.Digests.HasSHA256() && m.Digests.SHA256 == *pr.self
}

// nearHit is the best index hit on one record.
type nearHit struct {
	distance    int
	storedFrame int          // the stored video's frame, -1 for an image
	queryFrame  *video.Frame // the query video's frame, nil for an image query
}

// matcher returns the video matcher of the pipeline's configuration.
func (p *Pipeline) matcher() video.Matcher {
	m := video.DefaultMatcher()
	m.Distance = p.cfg.Radius
	m.MinQuality = p.cfg.MinQuality
	m.QueryPct = p.cfg.VideoPct
	return m
}

// find returns every record matching pr: exact by digests, near by the index, video by frames.
func (p *Pipeline) find(ctx context.Context, r catalog.Reader, pr probe) ([]candidate, error) {
	var exact []catalog.Media
	if !pr.digests.Empty() {
		res, err := r.LookupDigests(ctx, []catalog.Digests{pr.digests})
		if err != nil {
			return nil, fmt.Errorf("ingest: exact lookup: %w", err)
		}
		exact = res[0]
	}
	near := p.searchIndex(pr)
	videos := map[catalog.MediaID]int{}
	if len(pr.frames) > 0 {
		for _, f := range video.FilterQuality(video.Dedup(pr.frames), p.cfg.MinQuality) {
			for _, h := range p.index.Search(f.Hash, p.cfg.Radius) {
				if h.Frame >= 0 {
					if d, ok := videos[h.Media]; !ok || h.Distance < d {
						videos[h.Media] = h.Distance
					}
					continue
				}
				if n, ok := near[h.Media]; !ok || h.Distance < n.distance {
					f := f
					near[h.Media] = nearHit{distance: h.Distance, storedFrame: -1, queryFrame: &f}
				}
			}
		}
	}
	return p.resolve(ctx, r, pr, exact, near, videos)
}

// searchIndex searches the index for each of pr's image hashes, keeping the least distance per
// record.
func (p *Pipeline) searchIndex(pr probe) map[catalog.MediaID]nearHit {
	near := map[catalog.MediaID]nearHit{}
	for _, q := range pr.hashes {
		for _, h := range p.index.Search(q, p.cfg.Radius) {
			if n, ok := near[h.Media]; !ok || h.Distance < n.distance {
				near[h.Media] = nearHit{distance: h.Distance, storedFrame: h.Frame}
			}
		}
	}
	return near
}

// resolve loads the records of index hits and builds the candidates, one per record: an exact
// match wins over a near or video one.
func (p *Pipeline) resolve(ctx context.Context, r catalog.Reader, pr probe, exact []catalog.Media,
	near map[catalog.MediaID]nearHit, videos map[catalog.MediaID]int) ([]candidate, error) {
	var out []candidate
	seen := map[catalog.MediaID]bool{}
	for _, m := range exact {
		if pr.isSelf(m) || seen[m.ID] {
			continue
		}
		seen[m.ID] = true
		out = append(out, candidate{media: m, kind: catalog.MatchExact})
	}
	var ids []catalog.MediaID
	for id := range maps.Keys(near) {
		ids = append(ids, id)
	}
	for id := range maps.Keys(videos) {
		if _, ok := near[id]; !ok {
			ids = append(ids, id)
		}
	}
	ids = slices.DeleteFunc(ids, func(id catalog.MediaID) bool { return seen[id] })
	slices.Sort(ids)
	if len(ids) == 0 {
		sortCandidates(out)
		return out, nil
	}
	ms, err := r.MediaByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("ingest: loading matches: %w", err)
	}
	for _, m := range ms {
		if pr.isSelf(m) {
			continue
		}
		if n, ok := near[m.ID]; ok {
			c := candidate{media: m, kind: catalog.MatchNear, distance: n.distance}
			switch {
			case n.queryFrame != nil:
				c.frame = &FrameRef{Number: n.queryFrame.Number, Timestamp: n.queryFrame.Timestamp}
			case n.storedFrame >= 0:
				fs, err := r.Frames(ctx, m.ID)
				if err != nil {
					return nil, fmt.Errorf("ingest: loading frames: %w", err)
				}
				c.frame = &FrameRef{Number: n.storedFrame}
				for _, f := range fs {
					if f.Number == n.storedFrame {
						c.frame.Timestamp = f.Timestamp
						break
					}
				}
			}
			out = append(out, c)
			continue
		}
		d := videos[m.ID]
		fs, err := r.Frames(ctx, m.ID)
		if err != nil {
			return nil, fmt.Errorf("ingest: loading frames: %w", err)
		}
		if vm, ok := p.compareVideos(pr.frames, videoFrames(fs)); ok {
			out = append(out, candidate{media: m, kind: catalog.MatchVideo, distance: d, video: vm})
		}
	}
	sortCandidates(out)
	return out, nil
}

// compareVideos compares a query video with a stored one, and says whether they match.
func (p *Pipeline) compareVideos(query, target []video.Frame) (*VideoMatch, bool) {
	c := p.matcher().Compare(query, target)
	vm := &VideoMatch{QueryPct: c.QueryPct, TargetPct: c.TargetPct,
		QueryRanges: timeRanges(c.QueryRanges), TargetRanges: timeRanges(c.TargetRanges)}
	return vm, c.Match
}

func timeRanges(rs []video.Range) []TimeRange {
	if len(rs) == 0 {
		return nil
	}
	out := make([]TimeRange, len(rs))
	for i, r := range rs {
		out[i] = TimeRange{From: r.Start, To: r.End}
	}
	return out
}

func kindRank(k catalog.MatchKind) int {
	switch k {
	case catalog.MatchExact:
		return 0
	case catalog.MatchNear:
		return 1
	}
	return 2
}

// sortCandidates orders candidates exact first, then by distance, then by record.
func sortCandidates(cs []candidate) {
	slices.SortFunc(cs, func(a, b candidate) int {
		ea, eb := a.kind == catalog.MatchExact, b.kind == catalog.MatchExact
		if ea != eb {
			if ea {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.distance, b.distance), cmp.Compare(kindRank(a.kind), kindRank(b.kind)), cmp.Compare(a.media.ID, b.media.ID))
	})
}

// recorded returns the matches recorded for self, with frames and video shares recomputed from
// the stored hashes.
func (p *Pipeline) recorded(ctx context.Context, r catalog.Reader, self catalog.Media) ([]candidate, error) {
	ms, err := r.Matches(ctx, self.ID)
	if err != nil {
		return nil, fmt.Errorf("ingest: loading matches: %w", err)
	}
	best := map[catalog.MediaID]catalog.Match{}
	for _, m := range ms {
		other := m.B
		if m.B == self.ID {
			other = m.A
		}
		if other == self.ID {
			continue
		}
		if b, ok := best[other]; !ok || kindRank(m.Kind) < kindRank(b.Kind) ||
			(m.Kind == b.Kind && m.Distance < b.Distance) {
			m.A, m.B = self.ID, other
			best[other] = m
		}
	}
	ids := slices.Sorted(maps.Keys(best))
	if len(ids) == 0 {
		return nil, nil
	}
	others, err := r.MediaByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("ingest: loading matches: %w", err)
	}
	var selfFrames []catalog.Frame
	if self.Kind == catalog.KindVideo {
		if selfFrames, err = r.Frames(ctx, self.ID); err != nil {
			return nil, fmt.Errorf("ingest: loading frames: %w", err)
		}
	}
	out := make([]candidate, 0, len(others))
	for _, o := range others {
		m := best[o.ID]
		c := candidate{media: o, kind: m.Kind, distance: m.Distance}
		var otherFrames []catalog.Frame
		if o.Kind == catalog.KindVideo && m.Kind != catalog.MatchExact {
			if otherFrames, err = r.Frames(ctx, o.ID); err != nil {
				return nil, fmt.Errorf("ingest: loading frames: %w", err)
			}
		}
		switch {
		case m.Kind == catalog.MatchVideo:
			c.video, _ = p.compareVideos(videoFrames(selfFrames), videoFrames(otherFrames))
		case m.Kind == catalog.MatchNear && self.PDQ != nil && len(otherFrames) > 0:
			c.frame = nearestFrame(self.PDQ.Hash, otherFrames)
		case m.Kind == catalog.MatchNear && o.PDQ != nil && len(selfFrames) > 0:
			c.frame = nearestFrame(o.PDQ.Hash, selfFrames)
		}
		out = append(out, c)
	}
	sortCandidates(out)
	return out, nil
}

// nearestFrame returns the frame of fs nearest to h.
func nearestFrame(h pdq.Hash, fs []catalog.Frame) *FrameRef {
	var best *FrameRef
	bestD := -1
	for _, f := range fs {
		if d := pdq.Distance(h, f.PDQ.Hash); bestD < 0 || d < bestD {
			bestD, best = d, &FrameRef{Number: f.Number, Timestamp: f.Timestamp}
		}
	}
	return best
}

// present applies the catalog's rules to candidates for user u: records u sees come with their
// content and, when u sees it too, their series; the others become Hits naming only their
// owner, after the visible ones.
func present(ctx context.Context, r catalog.Reader, u catalog.User, cs []candidate) ([]Found, error) {
	scope := catalog.ScopeOf(u)
	out := make([]Found, 0, len(cs))
	var hidden []Found
	for _, c := range cs {
		if !scope.Sees(c.media.Access) {
			hidden = append(hidden, Found{Hit: &catalog.Hit{Owner: c.media.Access.Owner}})
			continue
		}
		m := c.media
		f := Found{Kind: c.kind, Distance: c.distance, Media: &m, Frame: c.frame, Video: c.video}
		if m.Series != 0 {
			s, err := r.Series(ctx, scope, m.Series)
			switch {
			case err == nil:
				f.Series = &s
			case !errors.Is(err, catalog.ErrNotFound):
				return nil, fmt.Errorf("ingest: loading series: %w", err)
			}
		}
		out = append(out, f)
	}
	slices.SortStableFunc(hidden, func(a, b Found) int { return cmp.Compare(a.Hit.Owner, b.Hit.Owner) })
	return append(out, hidden...), nil
}

// alertKey deduplicates alerts: one per recipient and matched record within one upload or search.
type alertKey struct {
	country catalog.CountryCode
	media   catalog.MediaID
}

// alerts returns the alerts the candidates raise for an upload or search by u; own is the
// uploaded record when the uploader sees it (0 otherwise). Alerts already in seen are left out, and the new ones are
// added to it.
func alerts(ctx context.Context, r catalog.Reader, u catalog.User, upload bool, own catalog.MediaID, cs []candidate,
	seen map[alertKey]bool, now time.Time) ([]catalog.Alert, error) {
	scope := catalog.ScopeOf(u)
	var out []catalog.Alert
	add := func(a catalog.Alert, about catalog.MediaID) {
		k := alertKey{a.Country, about}
		if seen[k] {
			return
		}
		seen[k] = true
		a.From, a.Created = u.Country, now
		out = append(out, a)
	}
	action := "a search"
	if upload {
		action = "an upload"
	}
	for _, c := range cs {
		m := c.media
		owner := m.Access.Owner
		if owner != u.Country {
			add(catalog.Alert{Country: owner, Kind: catalog.AlertMatchOnYourRecord, Media: m.ID,
				Message: fmt.Sprintf("%s by %s matches your record media/%d (%s match)", action, u.Country, m.ID, c.kind)}, m.ID)
		}
		if !scope.Sees(m.Access) {
			hit := catalog.Hit{Owner: owner}
			a := catalog.Alert{Country: u.Country, Kind: catalog.AlertHitOnOthersRecord, Media: own, Message: hit.Message()}
			k := alertKey{u.Country, m.ID}
			if !seen[k] {
				seen[k] = true
				a.From, a.Created = owner, now
				out = append(out, a)
			}
		}
		if m.Series == 0 {
			continue
		}
		s, err := r.Series(ctx, catalog.SystemScope(), m.Series)
		if errors.Is(err, catalog.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("ingest: loading series: %w", err)
		}
		so := s.Access.Owner
		if so == u.Country {
			continue
		}
		msg := fmt.Sprintf("%s by %s matches media of your series %s", action, u.Country, s.Name)
		var about catalog.MediaID
		if (catalog.Scope{Country: so}).Sees(m.Access) {
			msg = fmt.Sprintf("%s by %s matches media/%d of your series %s", action, u.Country, m.ID, s.Name)
			if m.Access.Owner == so {
				about = m.ID
			}
		}
		a := catalog.Alert{Country: so, Kind: catalog.AlertSeriesActivity, Media: about, Message: msg}
		add(a, m.ID)
	}
	return out, nil
}
