package triage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/vidb-project/vidb/pdq"
)

// Frame is one hashed frame of a video, as a VideoHasher returns it.
type Frame struct {
	// Seconds is the frame's time from the start of the video.
	Seconds float64
	Hash    pdq.Hash
	// Quality is the PDQ quality, 0 to 100; frames below Options.MinQuality are not matched.
	Quality int
}

// VideoHasher hashes the frames of the local video file at path (vPDQ: a frame a second by
// default). This package starts no process: the CLI adapts internal/video's Hasher, which runs
// ffmpeg under its limits. An error concerns the file, which is then classified by its digest
// alone and reported failed unless a matcher holds that digest.
type VideoHasher interface {
	HashVideo(ctx context.Context, path string) ([]Frame, error)
}

// videoFrames are a video's distinct matchable frame hashes, each with the first and last
// time it shows.
type videoFrames struct {
	hashes   []pdq.Hash
	from, to []float64
}

// distinctFrames drops exact duplicate hashes (keeping every time a hash shows, so that the
// matching stretch covers them) and frames below minQuality, as vPDQ matching does.
func distinctFrames(frames []Frame, minQuality int) videoFrames {
	var v videoFrames
	at := map[pdq.Hash]int{}
	for _, f := range frames {
		if f.Quality < minQuality {
			continue
		}
		i, ok := at[f.Hash]
		if !ok {
			at[f.Hash] = len(v.hashes)
			v.hashes = append(v.hashes, f.Hash)
			v.from = append(v.from, f.Seconds)
			v.to = append(v.to, f.Seconds)
			continue
		}
		v.from[i] = min(v.from[i], f.Seconds)
		v.to[i] = max(v.to[i], f.Seconds)
	}
	return v
}

// hashVideo hashes the video of an item: the file on disk, or an archive entry held in
// memory, written to a 0600 file in spoolDir that is removed as soon as it is hashed. An
// entry too large to be held in memory (it.fp) is not hashed: ok is false.
func hashVideo(ctx context.Context, vh VideoHasher, it item, spoolDir string) (frames []Frame, ok bool, err error) {
	switch {
	case it.file != "":
		p, err := filepath.Abs(it.file)
		if err != nil {
			return nil, true, err
		}
		frames, err = vh.HashVideo(ctx, p)
		return frames, true, err
	case it.data == nil:
		return nil, false, nil
	}
	f, err := os.CreateTemp(spoolDir, "vidb-triage-*")
	if err != nil {
		return nil, true, fmt.Errorf("spooling the video: %w", err)
	}
	path := f.Name()
	defer os.Remove(path)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, true, fmt.Errorf("spooling the video: %w", err)
	}
	_, err = f.Write(it.data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, true, fmt.Errorf("spooling the video: %w", err)
	}
	if path, err = filepath.Abs(path); err != nil {
		return nil, true, err
	}
	frames, err = vh.HashVideo(ctx, path)
	return frames, true, err
}

// mergeFrameMatches folds the matches of a video's frame queries (found[i] for frame i of
// v) into one match per record: the smallest distance, and the stretch of the video from the
// first to the last of its frames that matched the record.
func mergeFrameMatches(v videoFrames, found [][]Match) []Match {
	type key struct {
		source, owner, series, pdq string
		media                      int64
		cat                        Category
	}
	at := map[key]int{}
	var out []Match
	for i, ms := range found {
		for _, m := range ms {
			k := key{source: m.Source, owner: m.HitOwner, series: m.Series, media: m.Media, pdq: m.PDQ}
			if m.Media != 0 || m.HitOwner != "" {
				k.series, k.pdq = "", "" // one record: one match, however many of its hashes matched
			}
			if m.Category != nil {
				k.cat = *m.Category
			}
			j, ok := at[k]
			if !ok {
				m.Seconds = &Span{From: v.from[i], To: v.to[i]}
				at[k] = len(out)
				out = append(out, m)
				continue
			}
			o := &out[j]
			o.Seconds.From = min(o.Seconds.From, v.from[i])
			o.Seconds.To = max(o.Seconds.To, v.to[i])
			if m.Distance < o.Distance {
				o.Distance, o.PDQ, o.Kind = m.Distance, m.PDQ, m.Kind
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Match) int {
		if less(a, b) {
			return -1
		}
		if less(b, a) {
			return 1
		}
		return 0
	})
	return out
}
