package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/triage/remote"
	"github.com/vidb-project/vidb/internal/video"
	"github.com/vidb-project/vidb/internal/watch"
)

const watchUsage = `usage: vidb watch [flags] SOURCE

Follows a live video stream, hashes its frames as they arrive (one a second by default,
--every-frame for all) and looks every usable frame up in held material, raising an alert as
soon as one matches. SOURCE is a local file or an http, https, rtmp, rtmps, rtsp or
hls+http(s) URL (an HLS playlist is read over http or https); ffmpeg may open nothing else.
A local file is followed while it is being written (MPEG-TS, Matroska, FLV), until it has not
grown for --stall; a stream ends at its end or when no frame came for --stall.

Against a local deployment (--data, --db, --blobs): the watch runs as the user --as (an
analyst, reviewer or coordinator), alerts are stored for that user's country and for the
owners of matched records, and when the stream ends (or on Ctrl-C) its frame hashes are
recorded as a new hash-only video record, sighted in --case. Against a server (--server, with
an API token in --token or VIDB_TOKEN): frames are looked up with POST /api/v1/lookup and the
server records the alerts; nothing is recorded at the end.

Output: one line per alert on stdout as it is raised (stream time, frame, the matched record
or the owner of a record you may not see, distance), or with --json one JSON object per alert
({"type":"alert",...}) and a final {"type":"summary",...}; the summary goes to stderr in text.

flags:
`

// watchPollIndex is how often a local watch brings its index up to date with records added
// while it runs.
const watchPollIndex = 5 * time.Second

func runWatch(ctx context.Context, args []string, s streams) error {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	fs.Usage = func() { fmt.Fprint(s.stderr, watchUsage); fs.PrintDefaults() }
	var dep deployFlags
	dep.register(fs)
	as := fs.String("as", "", "local mode: the `login` of the user the watch runs as (required)")
	caseRef := fs.String("case", "", "local mode: the `case` (number in the user's country, or ID) the recorded stream is sighted in (required)")
	visibility := fs.String("visibility", string(catalog.VisibilityOwner), "local mode: the recorded stream's `visibility`: owner, network or listed")
	server := fs.String("server", "", "look frames up on the vidb server at this `URL` instead of a local deployment")
	token := fs.String("token", "", "the server's API `token` (default: $VIDB_TOKEN)")
	everyFrame := fs.Bool("every-frame", false, "hash every frame instead of one a second")
	radius := fs.Int("radius", watch.DefaultRadius, "local mode: the PDQ `distance` within which a frame matches")
	stall := fs.Duration("stall", video.DefaultStallTimeout, "end the watch when no frame arrived for this `long`")
	asJSON := fs.Bool("json", false, "write one JSON object per alert, then a summary")
	if err := parseFlagsEnv(fs, args, s.getenv); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"give one SOURCE"}
	}
	src, err := watch.ParseSource(fs.Arg(0))
	if err != nil {
		return usageError{err.Error()}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	vis, err := catalog.ParseVisibility(*visibility)
	switch {
	case err != nil:
		return usageError{"--visibility: " + err.Error()}
	case *radius < 0 || *radius > 256:
		return usageError{fmt.Sprintf("--radius %d: want 0 to 256", *radius)}
	case *stall <= 0:
		return usageError{"--stall must be positive"}
	case *server != "" && (given["data"] || given["db"] || given["blobs"]):
		return usageError{"give --server or a local deployment (--data, --db, --blobs), not both"}
	case *server != "" && (*as != "" || *caseRef != ""):
		return usageError{"--as and --case are for a local deployment; a server knows you by your token"}
	case *server != "" && *token == "":
		return usageError{"--server needs an API token: --token or VIDB_TOKEN"}
	case *server == "" && (*as == "" || *caseRef == ""):
		return usageError{"a local watch needs --as LOGIN and --case CASE"}
	}
	cfg := video.Config{StallTimeout: *stall}
	if *everyFrame {
		cfg.SecondsPerHash = video.EveryFrame
	}
	hasher, err := video.New(cfg)
	if err != nil {
		return err
	}
	log := slog.New(slog.DiscardHandler)
	out := &watchPrinter{w: s.stdout, json: *asJSON}
	opts := watch.Options{Hasher: hasher, Log: log, OnAlert: out.alert}
	var once sync.Once
	opts.OnFrame = func(video.Frame) {
		once.Do(func() { fmt.Fprintf(s.stderr, "vidb watch: receiving frames from %s\n", src.Redacted) })
	}

	if *server != "" {
		opts.Matcher = watch.Remote{M: &remote.Server{URL: *server, Token: *token, Client: &http.Client{Timeout: 30 * time.Second}}}
		fmt.Fprintf(s.stderr, "vidb watch: watching %s against %s\n", src.Redacted, *server)
		sum, err := watch.Run(ctx, src, opts)
		out.summary(s.stderr, sum, nil, src.Redacted)
		return err
	}

	d, err := dep.open(ctx, log)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := d.Store.UserByLogin(ctx, *as)
	if err != nil {
		return fmt.Errorf("--as %s: %w", *as, err)
	}
	cs, err := findCase(ctx, d.Store, u, *caseRef)
	if err != nil {
		return err
	}
	idx := ingest.NewIndex(d.Store, catalog.MatchableQuality, log)
	defer idx.Close()
	if err := idx.Sync(ctx); err != nil {
		return err
	}
	l, err := watch.NewLocal(ctx, d.Store, idx, u, src, watch.LocalOptions{Radius: *radius, Case: cs.ID, Visibility: vis, Log: log})
	if err != nil {
		return err
	}
	followCtx, stopFollow := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		_ = idx.Follow(followCtx, watchPollIndex)
	}()
	opts.Matcher = l
	fmt.Fprintf(s.stderr, "vidb watch: watching %s as %s (%s), %d records' hashes held\n", src.Redacted, u.Login, u.Country, idx.Len())
	sum, runErr := watch.Run(ctx, src, opts)
	stopFollow()
	<-followed
	var rec *watch.Recorded
	if len(sum.Frames) > 0 {
		r, err := l.Record(context.WithoutCancel(ctx), sum.Info, sum.Frames)
		if err != nil {
			return errors.Join(runErr, fmt.Errorf("recording the stream: %w", err))
		}
		rec = &r
	}
	out.summary(s.stderr, sum, rec, src.Redacted)
	return runErr
}

// findCase returns the case named by ref: a case number of the user's country, or a case ID.
func findCase(ctx context.Context, store catalog.Reader, u catalog.User, ref string) (catalog.Case, error) {
	c, err := store.CaseByNumber(ctx, catalog.ScopeOf(u), u.Country, ref)
	if errors.Is(err, catalog.ErrNotFound) {
		if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil && id > 0 {
			c, err = store.Case(ctx, catalog.ScopeOf(u), catalog.CaseID(id))
		}
	}
	if err != nil {
		return c, fmt.Errorf("--case %s: %w", ref, err)
	}
	return c, nil
}

// watchPrinter renders alerts and the summary, from any goroutine.
type watchPrinter struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
}

// watchAlertJSON is the --json form of an alert.
type watchAlertJSON struct {
	Type       string  `json:"type"` // "alert"
	StreamTime float64 `json:"stream_time"`
	Frame      int     `json:"frame"`
	watch.Found
	Raised time.Time `json:"raised"`
}

// watchSummaryJSON is the --json form of the summary.
type watchSummaryJSON struct {
	Type        string  `json:"type"` // "summary"
	Source      string  `json:"source"`
	Frames      int     `json:"frames"`
	LookedUp    int     `json:"looked_up"`
	Matched     int     `json:"matched"`
	Alerts      int     `json:"alerts"`
	Seconds     float64 `json:"seconds"`
	Interrupted bool    `json:"interrupted"`
	Media       int64   `json:"media,omitempty"`    // the recorded stream
	Sighting    int64   `json:"sighting,omitempty"` // its sighting
	Created     bool    `json:"created,omitempty"`
}

func (p *watchPrinter) alert(a watch.Alert) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		b, _ := json.Marshal(watchAlertJSON{Type: "alert", StreamTime: a.StreamTime.Seconds(), Frame: a.Frame, Found: a.Found, Raised: a.Raised.UTC()})
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	what := fmt.Sprintf("media/%d, %s match at distance %d", a.Found.Media, a.Found.Kind, a.Found.Distance)
	if a.Found.HitOwner != "" {
		what = fmt.Sprintf("%s (distance %d)", a.Found.HitMessage, a.Found.Distance)
	} else if a.Found.Series != "" {
		what += ", series " + a.Found.Series
	}
	fmt.Fprintf(p.w, "ALERT %s frame %d: %s\n", streamTime(a.StreamTime), a.Frame, what)
}

func (p *watchPrinter) summary(stderr io.Writer, sum watch.Summary, rec *watch.Recorded, source string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var seconds float64
	if n := len(sum.Frames); n > 0 {
		seconds = sum.Frames[n-1].Timestamp.Seconds()
	}
	if p.json {
		js := watchSummaryJSON{Type: "summary", Source: source, Frames: len(sum.Frames), LookedUp: sum.LookedUp, Matched: sum.Matched,
			Alerts: len(sum.Alerts), Seconds: seconds, Interrupted: sum.Interrupted}
		if rec != nil {
			js.Media, js.Sighting, js.Created = int64(rec.Media.ID), int64(rec.Sighting.ID), rec.Created
		}
		b, _ := json.Marshal(js)
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	end := "the stream ended"
	if sum.Interrupted {
		end = "interrupted"
	}
	fmt.Fprintf(stderr, "vidb watch: %s after %s: %d frames hashed, %d looked up, %d matched, %d alerts\n",
		end, streamTime(time.Duration(seconds*float64(time.Second))), len(sum.Frames), sum.LookedUp, sum.Matched, len(sum.Alerts))
	if rec != nil {
		verb := "recorded as"
		if !rec.Created {
			verb = "already held as"
		}
		fmt.Fprintf(stderr, "vidb watch: the stream's frame hashes %s media/%d (sighting %d)\n", verb, rec.Media.ID, rec.Sighting.ID)
	}
}

// streamTime formats a stream time as H:MM:SS.mmm.
func streamTime(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}
