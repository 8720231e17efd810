package video

import (
	"encoding/binary"
	"math/bits"
	"time"

	"github.com/vidb-project/vidb/pdq"
)

// DefaultQueryPct is python-threatexchange's threshold on the query share: a video matches when
// at least this percentage of its usable frames are found in the other video.
const DefaultQueryPct = 80.0

// Dedup returns frames without exact duplicate hashes, keeping the first frame of each hash, in
// the given order, as python-threatexchange's dedupe does. It does not modify frames.
func Dedup(frames []Frame) []Frame {
	seen := make(map[pdq.Hash]struct{}, len(frames))
	out := make([]Frame, 0, len(frames))
	for _, f := range frames {
		if _, dup := seen[f.Hash]; dup {
			continue
		}
		seen[f.Hash] = struct{}{}
		out = append(out, f)
	}
	return out
}

// FilterQuality returns the frames of quality minQuality or more, in the given order.
func FilterQuality(frames []Frame, minQuality int) []Frame {
	out := make([]Frame, 0, len(frames))
	for _, f := range frames {
		if f.Quality >= minQuality {
			out = append(out, f)
		}
	}
	return out
}

// Compare compares two videos' frame hashes as python-threatexchange's match_VPDQ_hash_brute
// does: both sides are de-duplicated (Dedup), then filtered to quality pdq.MinQuality or more;
// queryPct is the percentage of the remaining query frames that have a remaining target frame
// within distance (inclusive), and targetPct the same the other way round. Order and time are
// ignored. When either side has no usable frame, both are 0 (python-threatexchange would divide
// by zero). See Matcher for thresholds, time ranges and the C++ semantics.
func Compare(query, target []Frame, distance int) (queryPct, targetPct float64) {
	m := DefaultMatcher()
	m.Distance = distance
	c := m.Compare(query, target)
	return c.QueryPct, c.TargetPct
}

// Matcher compares videos by their frame hashes. Start from DefaultMatcher: the zero Matcher
// counts only identical hashes and calls everything with a usable frame a match.
//
// Which side is which: the query is the video being looked up; the target is the one it is
// compared with (python-threatexchange's "compared" or index side; the C++ tools' "target").
type Matcher struct {
	// Distance is the largest Hamming distance at which two frames match: inclusive (<=),
	// or exclusive (<) when Strict.
	Distance int
	// MinQuality is the lowest quality of a frame taking part; lower frames are ignored.
	MinQuality int
	// QueryPct and TargetPct are the thresholds of the decision: a match when the query share
	// is at least QueryPct and the target share at least TargetPct.
	QueryPct, TargetPct float64
	// Strict selects the C++ reference's match-hashes-brute semantics instead of
	// python-threatexchange's: no de-duplication, and frames match when their distance is
	// strictly less than Distance.
	Strict bool
}

// DefaultMatcher returns python-threatexchange's parameters: distance pdq.MatchDistance (31)
// inclusive after de-duplication, quality pdq.MinQuality (50), a match when at least
// DefaultQueryPct (80 %) of the query's frames are found, with no condition on the target share.
func DefaultMatcher() Matcher {
	return Matcher{Distance: pdq.MatchDistance, MinQuality: pdq.MinQuality, QueryPct: DefaultQueryPct}
}

// Comparison is the result of Matcher.Compare.
type Comparison struct {
	// QueryPct and TargetPct are the percentages (0 to 100) of each side's usable frames that
	// have a usable frame of the other side within the distance.
	QueryPct, TargetPct float64
	// QueryFrames and TargetFrames count each side's usable frames (after de-duplication, unless
	// Strict, and the quality filter); QueryMatched and TargetMatched how many of them matched.
	QueryFrames, TargetFrames   int
	QueryMatched, TargetMatched int
	// Match is the decision: both sides have usable frames and both shares reach the Matcher's
	// thresholds.
	Match bool
	// QueryRanges and TargetRanges are the stretches of each video whose frames matched (see
	// Range), in the order of the frames given.
	QueryRanges, TargetRanges []Range
}

// Range is a stretch of consecutive matched frames of one video. Frames are taken in the order
// given (Hasher.Hash returns them by frame number); a frame that did not match ends a range, a
// frame below the quality threshold neither ends nor extends one (it cannot be judged).
type Range struct {
	// Start and End are the timestamps of the first and the last matched frame.
	Start, End time.Duration
	// First and Last are their frame numbers.
	First, Last int
	// Frames is the number of matched frames in the range.
	Frames int
}

// Compare compares query with target (see Matcher and Comparison). It costs one Hamming
// distance per pair of usable frames at most.
func (m Matcher) Compare(query, target []Frame) Comparison {
	q, t := query, target
	if !m.Strict {
		q, t = Dedup(q), Dedup(t)
	}
	q, t = FilterQuality(q, m.MinQuality), FilterQuality(t, m.MinQuality)
	var c Comparison
	c.QueryFrames, c.TargetFrames = len(q), len(t)
	if len(q) == 0 || len(t) == 0 {
		return c
	}
	qHit := m.matched(q, t)
	tHit := m.matched(t, q)
	c.QueryMatched, c.TargetMatched = countHits(q, qHit), countHits(t, tHit)
	c.QueryPct = float64(c.QueryMatched) * 100 / float64(c.QueryFrames)
	c.TargetPct = float64(c.TargetMatched) * 100 / float64(c.TargetFrames)
	c.Match = c.QueryPct >= m.QueryPct && c.TargetPct >= m.TargetPct
	c.QueryRanges = m.ranges(query, qHit)
	c.TargetRanges = m.ranges(target, tHit)
	return c
}

// matched returns the hashes of the frames of a that have a frame of b within the distance.
func (m Matcher) matched(a, b []Frame) map[pdq.Hash]bool {
	// The inner loop is the cost of brute-force matching: keep it to four XORs and popcounts
	// over a flat slice.
	bw := make([][4]uint64, len(b))
	for i := range b {
		bw[i] = hashWords(&b[i].Hash)
	}
	limit := m.Distance // a pair matches when its distance is below limit
	if !m.Strict {
		limit++
	}
	hit := make(map[pdq.Hash]bool)
	tried := make(map[pdq.Hash]struct{}, len(a))
	for i := range a {
		h := &a[i].Hash
		if _, done := tried[*h]; done {
			continue
		}
		tried[*h] = struct{}{}
		aw := hashWords(h)
		for _, w := range bw {
			d := bits.OnesCount64(aw[0]^w[0]) + bits.OnesCount64(aw[1]^w[1]) +
				bits.OnesCount64(aw[2]^w[2]) + bits.OnesCount64(aw[3]^w[3])
			if d < limit {
				hit[*h] = true
				break
			}
		}
	}
	return hit
}

// hashWords returns h as four 64-bit words; the Hamming distance of two hashes is the sum of
// their words' distances, whatever the byte order.
func hashWords(h *pdq.Hash) [4]uint64 {
	return [4]uint64{
		binary.LittleEndian.Uint64(h[0:]), binary.LittleEndian.Uint64(h[8:]),
		binary.LittleEndian.Uint64(h[16:]), binary.LittleEndian.Uint64(h[24:]),
	}
}

// countHits counts the frames whose hash is in hit.
func countHits(frames []Frame, hit map[pdq.Hash]bool) int {
	n := 0
	for _, f := range frames {
		if hit[f.Hash] {
			n++
		}
	}
	return n
}

// ranges merges the consecutive matched frames of frames into Ranges.
func (m Matcher) ranges(frames []Frame, hit map[pdq.Hash]bool) []Range {
	var out []Range
	open := false
	for _, f := range frames {
		switch {
		case f.Quality < m.MinQuality:
			continue
		case !hit[f.Hash]:
			open = false
		case open:
			r := &out[len(out)-1]
			r.End, r.Last = f.Timestamp, f.Number
			r.Frames++
		default:
			out = append(out, Range{Start: f.Timestamp, End: f.Timestamp, First: f.Number, Last: f.Number, Frames: 1})
			open = true
		}
	}
	return out
}
