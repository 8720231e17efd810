package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/video"
	"github.com/vidb-project/vidb/pdq"
)

// DefaultRetention is the retention period of a recorded stream, as ingest's for uploads.
const DefaultRetention = ingest.DefaultRetention

// LocalOptions configures a Local matcher.
type LocalOptions struct {
	// Radius is the PDQ distance (inclusive) of a match; 0 means DefaultRadius.
	Radius int
	// Case is the case the recorded stream is sighted in: the user must be allowed to annotate
	// it (catalog.ActAnnotate).
	Case catalog.CaseID
	// Visibility of the recorded stream; "" means catalog.VisibilityOwner.
	Visibility catalog.Visibility
	// Retention of the recorded stream; 0 means DefaultRetention.
	Retention time.Duration
	// Log receives log lines; nil discards them.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Local is the Matcher of a watch against a deployment's catalog: it searches an ingest.Index,
// presents matches under the catalog's rules (a record the watcher may not see is a hit naming
// its owner only), and stores the alerts for the watcher's country and the matched records'
// owners with an audit event "stream.match" in one transaction per batch. Record stores the
// stream when it ends.
type Local struct {
	store catalog.Store
	index *ingest.Index
	user  catalog.User
	cs    catalog.Case
	src   Source
	opts  LocalOptions

	mu      sync.Mutex
	alerted map[alertKey]bool           // alerts stored, per recipient and record
	matched map[catalog.MediaID]int     // every record matched, with its least distance
	hidden  map[catalog.MediaID]bool    // those the watcher may not see
	series  map[catalog.SeriesID]string // series names the watcher sees
}

// alertKey identifies a stored alert: its recipient and the record it is about.
type alertKey struct {
	country catalog.CountryCode
	media   catalog.MediaID
}

// NewLocal checks that user may watch (an analyst, reviewer or coordinator, not disabled) and
// annotate opts.Case, and returns a Local matcher for the stream src. index must be loaded
// (Index.Sync). Nothing is stored.
func NewLocal(ctx context.Context, store catalog.Store, index *ingest.Index, user catalog.User, src Source, opts LocalOptions) (*Local, error) {
	switch {
	case store == nil || index == nil:
		return nil, fmt.Errorf("%w: store and index are required", ErrBadConfig)
	case opts.Radius < 0 || opts.Radius > 256:
		return nil, fmt.Errorf("%w: radius %d: want 0 to 256", ErrBadConfig, opts.Radius)
	case opts.Retention < 0:
		return nil, fmt.Errorf("%w: negative retention", ErrBadConfig)
	}
	if opts.Radius == 0 {
		opts.Radius = DefaultRadius
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.Visibility == "" {
		opts.Visibility = catalog.VisibilityOwner
	}
	if _, err := catalog.ParseVisibility(string(opts.Visibility)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch user.Role {
	case catalog.RoleAnalyst, catalog.RoleReviewer, catalog.RoleCoordinator:
	default:
		return nil, fmt.Errorf("%w: role %s may not watch streams", catalog.ErrForbidden, user.Role)
	}
	if user.Disabled {
		return nil, fmt.Errorf("%w: user %s is disabled", catalog.ErrForbidden, user.Login)
	}
	cs, err := store.Case(ctx, catalog.ScopeOf(user), opts.Case)
	if err != nil {
		return nil, fmt.Errorf("watch: case %d: %w", opts.Case, err)
	}
	if !catalog.Can(user, catalog.ActAnnotate, cs.Access) {
		return nil, fmt.Errorf("%w: %s may not add to case %s", catalog.ErrForbidden, user.Login, cs.Number)
	}
	return &Local{store: store, index: index, user: user, cs: cs, src: src, opts: opts,
		alerted: map[alertKey]bool{}, matched: map[catalog.MediaID]int{}, hidden: map[catalog.MediaID]bool{},
		series: map[catalog.SeriesID]string{}}, nil
}

// Case returns the case the stream is recorded in.
func (l *Local) Case() catalog.Case { return l.cs }

// event returns an audit event by the watcher.
func (l *Local) event(action, object string, details map[string]string) audit.Event {
	return audit.Event{Time: l.opts.Now(), Actor: l.user.Login, ActorID: int64(l.user.ID), Country: string(l.user.Country),
		Action: action, Object: object, Details: details}
}

// MatchFrames implements Matcher: it searches the index for each frame, and when any matched,
// stores the new alerts and one audit event "stream.match" in one transaction.
func (l *Local) MatchFrames(ctx context.Context, frames []video.Frame) ([][]Found, error) {
	type hit struct {
		media    catalog.MediaID
		distance int
	}
	perFrame := make([][]hit, len(frames))
	var ids []catalog.MediaID
	want := map[catalog.MediaID]bool{}
	for i, f := range frames {
		best := map[catalog.MediaID]int{}
		var order []catalog.MediaID
		for _, h := range l.index.Search(f.Hash, l.opts.Radius) {
			d, ok := best[h.Media]
			if !ok {
				order = append(order, h.Media)
			}
			if !ok || h.Distance < d {
				best[h.Media] = h.Distance
			}
		}
		for _, id := range order {
			perFrame[i] = append(perFrame[i], hit{id, best[id]})
			if !want[id] {
				want[id] = true
				ids = append(ids, id)
			}
		}
	}
	out := make([][]Found, len(frames))
	if len(ids) == 0 {
		return out, nil
	}
	ms, err := l.store.MediaByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("watch: loading matched media: %w", err)
	}
	media := make(map[catalog.MediaID]catalog.Media, len(ms))
	for _, m := range ms {
		media[m.ID] = m
	}
	scope := catalog.ScopeOf(l.user)
	l.mu.Lock()
	defer l.mu.Unlock()
	var (
		alerts  []catalog.Alert
		keys    []alertKey
		nFound  int
		first   = -1
		planned = map[alertKey]bool{}
	)
	addAlert := func(k alertKey, a catalog.Alert) {
		if l.alerted[k] || planned[k] {
			return
		}
		planned[k] = true
		keys = append(keys, k)
		alerts = append(alerts, a)
	}
	now := l.opts.Now()
	for i, hs := range perFrame {
		f := frames[i]
		for _, h := range hs {
			m, ok := media[h.media]
			if !ok {
				continue // removed since the index saw it
			}
			if first < 0 {
				first = i
			}
			nFound++
			if d, ok := l.matched[m.ID]; !ok || h.distance < d {
				l.matched[m.ID] = h.distance
			}
			at := fmtStreamTime(f.Timestamp)
			owner := m.Access.Owner
			fd := Found{Kind: string(catalog.MatchNear), Distance: h.distance}
			if h.distance == 0 {
				fd.Kind = string(catalog.MatchExact)
			}
			if scope.Sees(m.Access) {
				fd.Media = int64(m.ID)
				if m.Series != 0 {
					fd.Series, err = l.seriesName(ctx, scope, m.Series)
					if err != nil {
						return nil, err
					}
				}
				// The watcher's own record is the alert's Media; another country's record it
				// sees is named in the message (Alert.Media is the recipient's own record).
				kind, about := catalog.AlertMatchOnYourRecord, m.ID
				if owner != l.user.Country {
					kind, about = catalog.AlertHitOnOthersRecord, 0
				}
				addAlert(alertKey{l.user.Country, m.ID}, catalog.Alert{Country: l.user.Country, Kind: kind, Media: about,
					From: owner, Created: now,
					Message: fmt.Sprintf("a stream watched by %s (%s) matches media/%d at %s (distance %d)", l.user.Login, l.src.Redacted, m.ID, at, h.distance)})
			} else {
				l.hidden[m.ID] = true
				hitMsg := catalog.Hit{Owner: owner}.Message()
				fd.HitOwner, fd.HitMessage = string(owner), hitMsg
				addAlert(alertKey{l.user.Country, m.ID}, catalog.Alert{Country: l.user.Country, Kind: catalog.AlertHitOnOthersRecord,
					From: owner, Created: now, Message: fmt.Sprintf("a stream watched by %s matches at %s: %s", l.user.Login, at, hitMsg)})
			}
			if owner != l.user.Country {
				addAlert(alertKey{owner, m.ID}, catalog.Alert{Country: owner, Kind: catalog.AlertMatchOnYourRecord, Media: m.ID,
					From: l.user.Country, Created: now,
					Message: fmt.Sprintf("a live stream watched by %s matches your record media/%d (near match, distance %d)", l.user.Country, m.ID, h.distance)})
			}
			out[i] = append(out[i], fd)
		}
	}
	if nFound == 0 {
		return out, nil
	}
	details := map[string]string{
		"source":      l.src.Redacted,
		"frames":      strconv.Itoa(len(frames)),
		"matches":     strconv.Itoa(nFound),
		"alerts":      strconv.Itoa(len(alerts)),
		"frame":       strconv.Itoa(frames[first].Number),
		"stream_time": fmtStreamTime(frames[first].Timestamp),
	}
	err = l.store.Update(context.WithoutCancel(ctx), func(tx catalog.Tx) error {
		for _, a := range alerts {
			if _, err := tx.AddAlert(ctx, a); err != nil {
				return fmt.Errorf("watch: storing alert: %w", err)
			}
		}
		_, err := tx.Audit(ctx, l.event("stream.match", "case/"+strconv.FormatInt(int64(l.cs.ID), 10), details))
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		l.alerted[k] = true
	}
	return out, nil
}

// seriesName returns the name of a series the watcher sees, "" otherwise. Called with l.mu held.
func (l *Local) seriesName(ctx context.Context, scope catalog.Scope, id catalog.SeriesID) (string, error) {
	if name, ok := l.series[id]; ok {
		return name, nil
	}
	s, err := l.store.Series(ctx, scope, id)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("watch: loading series: %w", err)
	}
	l.series[id] = s.Name
	return s.Name, nil
}

// Recorded is what Record stored.
type Recorded struct {
	Media    catalog.Media
	Sighting catalog.Sighting
	// Created is false when a record with the same frame hashes was held already (the same
	// capture recorded before): then only the sighting was added.
	Created bool
	// Matches counts the records the stream matched, recorded as matches of the new record.
	Matches int
}

// Record stores the frames of the watched stream as a new hash-only video record: digests the
// SHA-256 of their canonical text (Digest), Source "watch:" and the redacted source, owned by
// the watcher's country with LocalOptions.Visibility, the frames, a sighting in the case, the
// matches found during the watch and an audit event "stream.record", in one transaction. The
// index picks the frames up at its next Sync. With no frames nothing is stored and the error
// wraps catalog.ErrInvalid.
func (l *Local) Record(ctx context.Context, info video.Info, frames []video.Frame) (Recorded, error) {
	if len(frames) == 0 {
		return Recorded{}, fmt.Errorf("%w: no frame was hashed; nothing to record", catalog.ErrInvalid)
	}
	sum := Digest(frames)
	cf := make([]catalog.Frame, len(frames))
	for i, f := range frames {
		cf[i] = catalog.Frame{Number: f.Number, Timestamp: f.Timestamp, PDQ: catalog.PDQ{Hash: f.Hash, Quality: f.Quality, Flavour: pdq.FullRes}}
	}
	last := frames[len(frames)-1].Timestamp
	if info.FrameRate > 0 {
		last += time.Duration(float64(time.Second) / info.FrameRate)
	}
	now := l.opts.Now()
	l.mu.Lock()
	matched := make(map[catalog.MediaID]int, len(l.matched))
	for id, d := range l.matched {
		matched[id] = d
	}
	l.mu.Unlock()
	m := catalog.Media{
		Digests: catalog.Digests{SHA256: sum}, Kind: catalog.KindVideo, Width: info.Width, Height: info.Height,
		Duration: last, Access: catalog.Access{Owner: l.user.Country, Visibility: l.opts.Visibility},
		Retention: now.Add(l.opts.Retention), Source: "watch:" + l.src.Redacted,
	}
	if err := m.Validate(); err != nil {
		return Recorded{}, err
	}
	var rec Recorded
	err := l.store.Update(context.WithoutCancel(ctx), func(tx catalog.Tx) error {
		rec = Recorded{}
		got, created, err := tx.PutMedia(ctx, m)
		if err != nil {
			return fmt.Errorf("watch: storing the stream's record: %w", err)
		}
		rec.Media, rec.Created = got, created
		if created {
			if err := tx.PutFrames(ctx, got.ID, cf); err != nil {
				return fmt.Errorf("watch: storing frames: %w", err)
			}
		}
		if rec.Sighting, err = tx.AddSighting(ctx, catalog.Sighting{Media: got.ID, Case: l.cs.ID, Exhibit: "live stream",
			Path: l.src.Redacted, Uploader: l.user.ID, Country: l.user.Country, At: now}); err != nil {
			return fmt.Errorf("watch: storing sighting: %w", err)
		}
		for id, d := range matched {
			if id == got.ID {
				continue
			}
			kind := catalog.MatchNear
			if err := tx.AddMatch(ctx, catalog.Match{A: got.ID, B: id, Kind: kind, Distance: d, Found: now}); err != nil {
				return fmt.Errorf("watch: storing match: %w", err)
			}
			rec.Matches++
		}
		_, err = tx.Audit(ctx, l.event("stream.record", "media/"+strconv.FormatInt(int64(got.ID), 10), map[string]string{
			"source":  l.src.Redacted,
			"frames":  strconv.Itoa(len(frames)),
			"case":    strconv.FormatInt(int64(l.cs.ID), 10),
			"created": strconv.FormatBool(created),
			"matches": strconv.Itoa(rec.Matches),
		}))
		return err
	})
	if err != nil {
		return Recorded{}, err
	}
	return rec, nil
}

// fmtStreamTime formats a stream time as H:MM:SS.mmm.
func fmtStreamTime(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

var _ Matcher = (*Local)(nil)
