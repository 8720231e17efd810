package watch

import (
	"context"
	"fmt"

	"github.com/vidb-project/vidb/internal/triage"
	"github.com/vidb-project/vidb/internal/video"
	"github.com/vidb-project/vidb/pdq"
)

// Remote is the Matcher of a watch against another source through a triage.Matcher, such as
// the vidb-server client of internal/triage/remote (POST /api/v1/lookup): each frame is a
// query by its PDQ hash, the server records the audit event and the alerts of its owners.
type Remote struct {
	M triage.Matcher
}

// MatchFrames implements Matcher.
func (r Remote) MatchFrames(ctx context.Context, frames []video.Frame) ([][]Found, error) {
	qs := make([]triage.Query, len(frames))
	for i, f := range frames {
		qs[i] = triage.Query{PDQ: []pdq.Hash{f.Hash}, Quality: f.Quality}
	}
	res, err := r.M.Match(ctx, qs)
	if err != nil {
		return nil, fmt.Errorf("watch: lookup: %w", err)
	}
	if len(res) != len(frames) {
		return nil, fmt.Errorf("watch: lookup: %d results for %d frames", len(res), len(frames))
	}
	out := make([][]Found, len(res))
	for i, ms := range res {
		for _, m := range ms {
			out[i] = append(out[i], Found{Kind: m.Kind, Distance: m.Distance, Media: m.Media, Series: m.Series,
				HitOwner: m.HitOwner, HitMessage: m.HitMessage})
		}
	}
	return out, nil
}

var _ Matcher = Remote{}
