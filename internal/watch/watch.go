package watch

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/vidb-project/vidb/internal/video"
	"github.com/vidb-project/vidb/pdq"
)

// DefaultRadius is the PDQ distance (inclusive) within which a frame matches held material.
const DefaultRadius = pdq.MatchDistance

// DefaultMaxBatch is the most frames looked up at once.
const DefaultMaxBatch = 1000

// drainTimeout bounds the lookups of the frames still queued when the stream has ended.
const drainTimeout = 30 * time.Second

// Found is one held record matching a frame.
type Found struct {
	// Kind is the kind of match: "near" for a PDQ match (a frame near an image or a video's
	// frame), "exact" when the distance is 0 and the matcher says so.
	Kind string `json:"kind"`
	// Distance is the PDQ distance between the frame and the record's hash.
	Distance int `json:"distance"`
	// Media is the matched record's ID; 0 for a record the watcher may not see (then HitOwner
	// is set).
	Media int64 `json:"media,omitempty"`
	// Series is the name of the matched record's series, when the watcher sees it.
	Series string `json:"series,omitempty"`
	// HitOwner and HitMessage name the owner of a record the watcher may not see: "a record
	// owned by XX matches; contact XX".
	HitOwner   string `json:"hit_owner,omitempty"`
	HitMessage string `json:"hit_message,omitempty"`
}

// key identifies the matched record for de-duplicating alerts: its ID, or its owner when
// hidden (the watcher cannot tell two hidden records of one owner apart).
func (f Found) key() string {
	if f.Media != 0 {
		return fmt.Sprintf("media/%d", f.Media)
	}
	return "hit/" + f.HitOwner
}

// Matcher looks frames up in held material. MatchFrames returns, for each frame in order, the
// records within the matcher's radius of its hash. It is called from one goroutine at a time.
type Matcher interface {
	MatchFrames(ctx context.Context, frames []video.Frame) ([][]Found, error)
}

// Alert is the first frame of a watch that matched a held record.
type Alert struct {
	// StreamTime is the frame's timestamp, counted from the first frame decoded.
	StreamTime time.Duration
	// Frame is the frame's number, counted from the first frame decoded.
	Frame int
	// Found is the matched record.
	Found Found
	// Hashed is when the frame was hashed; Raised when the alert was raised.
	Hashed, Raised time.Time
}

// Options configures Run.
type Options struct {
	// Hasher decodes and hashes the stream (its Config sets the frame rate and limits).
	Hasher *video.Hasher
	// Matcher looks the frames up.
	Matcher Matcher
	// OnAlert is called once per matched record, at once, from Run's lookup goroutine.
	OnAlert func(Alert)
	// OnFrame, when set, is called with every hashed frame, from the hashing goroutine.
	OnFrame func(video.Frame)
	// MinQuality is the least PDQ quality looked up; 0 means pdq.MinQuality.
	MinQuality int
	// MaxBatch is the most frames looked up at once; 0 means DefaultMaxBatch.
	MaxBatch int
	// Log receives the watch's log lines; nil discards them.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Summary is what a watch saw.
type Summary struct {
	Info video.Info
	// Frames are the hashed frames, in order.
	Frames []video.Frame
	// LookedUp counts the frames looked up: quality at least MinQuality, duplicates of an
	// earlier frame's hash left out.
	LookedUp int
	// Matched counts the looked-up frames that matched at least one record.
	Matched int
	// Alerts are the alerts raised, in order.
	Alerts []Alert
	// Interrupted is set when the watch ended because its context ended.
	Interrupted bool
}

// queued is a frame waiting for its lookup.
type queued struct {
	frame  video.Frame
	hashed time.Time
}

// Run watches src until it ends (end of stream, the stall timeout of opts.Hasher, or ctx's end;
// a local file is followed as it grows and ends when it has not grown for the stall timeout),
// looking every usable frame up as it arrives. It returns what was seen even with an error: a
// stream that breaks part of the way keeps the frames hashed so far. The end of ctx is not an
// error: ffmpeg is stopped, the frames still queued are looked up, and Summary.Interrupted is set.
// A failed lookup stops the watch with its error.
func Run(ctx context.Context, src Source, opts Options) (Summary, error) {
	if opts.Hasher == nil || opts.Matcher == nil {
		return Summary{}, fmt.Errorf("%w: Hasher and Matcher are required", ErrBadConfig)
	}
	if opts.MinQuality == 0 {
		opts.MinQuality = pdq.MinQuality
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}

	hashCtx, stopHashing := context.WithCancelCause(ctx)
	defer stopHashing(nil)

	var (
		mu      sync.Mutex
		pending []queued
		closed  bool
	)
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}

	var sum Summary
	lookupDone := make(chan error, 1)
	go func() {
		lookupDone <- lookups(ctx, opts, &sum, func() ([]queued, bool) {
			mu.Lock()
			defer mu.Unlock()
			n := min(len(pending), opts.MaxBatch)
			batch := pending[:n:n]
			pending = pending[n:]
			return batch, closed && len(pending) == 0
		}, wake, func(err error) { stopHashing(err) })
	}()

	seen := map[pdq.Hash]bool{}
	var frames []video.Frame
	hash := opts.Hasher.HashStream
	if src.File {
		hash = opts.Hasher.HashFollow
	}
	info, herr := hash(hashCtx, src.Input, func(f video.Frame) error {
		frames = append(frames, f)
		if opts.OnFrame != nil {
			opts.OnFrame(f)
		}
		if f.Quality < opts.MinQuality || seen[f.Hash] {
			return nil
		}
		seen[f.Hash] = true
		mu.Lock()
		pending = append(pending, queued{frame: f, hashed: opts.Now()})
		mu.Unlock()
		signal()
		return nil
	})
	mu.Lock()
	closed = true
	mu.Unlock()
	signal()
	lerr := <-lookupDone

	sum.Info, sum.Frames = info, frames
	switch {
	case lerr != nil:
		return sum, lerr
	case ctx.Err() != nil && (herr == nil || errors.Is(herr, ctx.Err()) || errors.Is(herr, context.Cause(ctx))):
		sum.Interrupted = true
		return sum, nil
	case herr != nil:
		return sum, herr
	}
	return sum, nil
}

// lookups takes batches of queued frames with next until it reports the queue closed and
// empty, looks them up and raises the alerts. After ctx ends it keeps going under a time
// limit, so that the frames hashed before the end are still looked up. A failed lookup calls
// stop and returns the error.
func lookups(ctx context.Context, opts Options, sum *Summary, next func() ([]queued, bool), wake <-chan struct{}, stop func(error)) error {
	alerted := map[string]bool{}
	lctx := context.WithoutCancel(ctx) // a lookup under way finishes when ctx ends
	var drain context.Context          // set when ctx has ended: the deadline of the last lookups
	for {
		batch, done := next()
		if len(batch) == 0 {
			if done {
				return nil
			}
			if drain == nil {
				select {
				case <-wake:
				case <-ctx.Done():
					var cancel context.CancelFunc
					drain, cancel = context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
					defer cancel()
					lctx = drain
				}
				continue
			}
			select {
			case <-wake:
			case <-drain.Done():
				err := fmt.Errorf("watch: looking up the last frames: %w", drain.Err())
				stop(err)
				return err
			}
			continue
		}
		frames := make([]video.Frame, len(batch))
		for i, q := range batch {
			frames[i] = q.frame
		}
		res, err := opts.Matcher.MatchFrames(lctx, frames)
		if err == nil && len(res) != len(frames) {
			err = fmt.Errorf("watch: matcher returned %d results for %d frames", len(res), len(frames))
		}
		if err != nil {
			stop(err)
			return err
		}
		sum.LookedUp += len(frames)
		for i, fs := range res {
			if len(fs) > 0 {
				sum.Matched++
			}
			for _, f := range fs {
				k := f.key()
				if alerted[k] {
					continue
				}
				alerted[k] = true
				a := Alert{StreamTime: batch[i].frame.Timestamp, Frame: batch[i].frame.Number, Found: f,
					Hashed: batch[i].hashed, Raised: opts.Now()}
				sum.Alerts = append(sum.Alerts, a)
				opts.Log.Info("stream match", "frame", a.Frame, "stream_time", a.StreamTime, "media", f.Media,
					"hit_owner", f.HitOwner, "distance", f.Distance, "delay", a.Raised.Sub(a.Hashed))
				if opts.OnAlert != nil {
					opts.OnAlert(a)
				}
			}
		}
	}
}

// Digest returns the identifier of a live capture: the SHA-256 of the canonical text of its
// frame hashes, video.WriteFrames' output (one "frame,quality,pdq_hex,seconds" line per frame,
// each ending in "\n"). Anyone holding the same frame hashes computes the same digest.
func Digest(frames []video.Frame) [32]byte {
	h := sha256.New()
	_ = video.WriteFrames(h, frames) // a hash.Hash never fails to write
	var d [32]byte
	h.Sum(d[:0])
	return d
}
