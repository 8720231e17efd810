package watch

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/blob/local"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/store/sqlite"
	"github.com/vidb-project/vidb/internal/store/storetest"
	"github.com/vidb-project/vidb/internal/video"
	"github.com/vidb-project/vidb/internal/watch/watchtest"
)

// alertDelay is the most time allowed from publishing a matching segment to its alert.
const alertDelay = 5 * time.Second

// deployment is a real SQLite catalog and encrypted vault with two countries, an analyst and a
// case each, and an ingest pipeline to store the held pictures.
type deployment struct {
	store *sqlite.Store
	index *ingest.Index
	pipe  *ingest.Pipeline
	users map[catalog.CountryCode]catalog.User
	cases map[catalog.CountryCode]catalog.Case
}

func newDeployment(t *testing.T) *deployment {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "vidb.db"), sqlite.Options{AuditSigner: storetest.Signer()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := &deployment{store: st, users: map[catalog.CountryCode]catalog.User{}, cases: map[catalog.CountryCode]catalog.Case{}}
	err = st.Update(ctx, func(tx catalog.Tx) error {
		for _, c := range []catalog.CountryCode{"FR", "DE"} {
			if err := tx.AddCountry(ctx, catalog.Country{Code: c, Name: string(c)}); err != nil {
				return err
			}
			u, err := tx.AddUser(ctx, catalog.User{Login: "analyst-" + strings.ToLower(string(c)), Country: c, Role: catalog.RoleAnalyst})
			if err != nil {
				return err
			}
			d.users[c] = u
			cs, err := tx.CreateCase(ctx, catalog.Case{Number: "C-" + string(c), Title: "case", Access: catalog.Access{Owner: c, Visibility: catalog.VisibilityOwner}})
			if err != nil {
				return err
			}
			d.cases[c] = cs
		}
		au, err := tx.AddUser(ctx, catalog.User{Login: "auditor", Country: "FR", Role: catalog.RoleAuditor})
		d.users["auditor"] = au
		if err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Event{Actor: "system", Action: "test.setup"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := local.New(filepath.Join(dir, "blobs"), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := blob.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	d.index = ingest.NewIndex(st, catalog.MatchableQuality, nil)
	t.Cleanup(d.index.Close)
	if err := d.index.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if d.pipe, err = ingest.New(st, blob.NewVault(b, keys, ""), d.index, ingest.Config{SpoolDir: t.TempDir()}, nil); err != nil {
		t.Fatal(err)
	}
	return d
}

// hold uploads data as country c's analyst into c's case, visible to c only.
func (d *deployment) hold(t *testing.T, c catalog.CountryCode, data []byte) catalog.MediaID {
	t.Helper()
	r, err := d.pipe.Ingest(context.Background(), d.users[c], ingest.Upload{Body: bytes.NewReader(data), Case: d.cases[c].ID,
		Path: "held.png", Access: &catalog.Access{Owner: c, Visibility: catalog.VisibilityOwner}})
	if err != nil {
		t.Fatal(err)
	}
	return r.Media.ID
}

// alerts returns the alerts stored for country c.
func (d *deployment) alerts(t *testing.T, c catalog.CountryCode) []catalog.Alert {
	t.Helper()
	as, err := d.store.Alerts(context.Background(), c, false, catalog.Page{Limit: catalog.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// auditActions returns the actions of the audit log, in order.
func (d *deployment) auditEvents(t *testing.T) []audit.Event {
	t.Helper()
	var out []audit.Event
	for e, err := range d.store.AuditEvents(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// startWatch runs a watch of live in a goroutine; frames receives nothing but is closed at the
// first hashed frame; the result arrives on done.
type watchRun struct {
	first  chan struct{}
	alerts chan Alert
	done   chan watchResult
}

type watchResult struct {
	sum Summary
	err error
}

func startWatch(ctx context.Context, t *testing.T, src Source, m Matcher) *watchRun {
	t.Helper()
	h, err := video.New(video.Config{StallTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w := &watchRun{first: make(chan struct{}), alerts: make(chan Alert, 16), done: make(chan watchResult, 1)}
	firstSeen := false
	go func() {
		sum, err := Run(ctx, src, Options{Hasher: h, Matcher: m,
			OnFrame: func(video.Frame) {
				if !firstSeen {
					firstSeen = true
					close(w.first)
				}
			},
			OnAlert: func(a Alert) { w.alerts <- a },
		})
		w.done <- watchResult{sum, err}
	}()
	return w
}

// lead is how many seconds of pattern come before the held pictures in the streams.
const lead = 20

// catchUp publishes the stream's segments one per second until the watch hashes its first
// frame, then every lead segment at once, and waits until ffmpeg has fetched them: from then on
// the watch follows the live edge.
func catchUp(t *testing.T, live *watchtest.Live, w *watchRun) {
	t.Helper()
	stop := make(chan struct{})
	live.Publish(1)
	live.Feed(time.Second, live.Len()-lead, stop)
	select {
	case <-w.first:
	case r := <-w.done:
		t.Fatalf("the watch ended before any frame: %v", r.err)
	case <-time.After(90 * time.Second):
		t.Fatal("no frame hashed after 90 s")
	}
	close(stop)
	live.Publish(lead)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, ok := live.Fetched(lead - 1); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ffmpeg did not fetch the lead segments")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// awaitAlert waits for the next alert and checks that it came within alertDelay of the
// publication of segment seg.
func awaitAlert(t *testing.T, live *watchtest.Live, w *watchRun, seg int) Alert {
	t.Helper()
	select {
	case a := <-w.alerts:
		at, ok := live.PublishedAt(seg)
		if !ok {
			t.Fatalf("alert %+v before segment %d was published", a, seg)
		}
		if delay := a.Raised.Sub(at); delay > alertDelay {
			t.Errorf("alert %v after segment %d was published, want within %v", delay, seg, alertDelay)
		} else {
			t.Logf("alert %v after segment %d was published", delay, seg)
		}
		return a
	case r := <-w.done:
		t.Fatalf("the watch ended without an alert: %v", r.err)
	case <-time.After(60 * time.Second):
		t.Fatalf("no alert 60 s after segment %d", seg)
	}
	return Alert{}
}

// TestWatchLocal follows a live HLS stream served on loopback that shows, after 20 seconds of
// pattern, a picture held by the watcher's country and then one held (hidden) by another: each
// raises an alert within 5 seconds of its segment's publication; the alerts are stored for the
// watcher and the other owner with a "stream.match" audit event; at the end the stream is
// recorded as a hash-only video with its frames, a sighting and its matches.
func TestWatchLocal(t *testing.T) {
	d := newDeployment(t)
	dir := t.TempDir()
	frPath, frData := watchtest.WritePNG(t, dir, 3)
	dePath, deData := watchtest.WritePNG(t, dir, 8)
	frMedia := d.hold(t, "FR", frData)
	deMedia := d.hold(t, "DE", deData)
	segs := watchtest.Make(t,
		watchtest.Part{Seconds: lead},
		watchtest.Part{Image: frPath, Seconds: 2},
		watchtest.Part{Seconds: 2, Offset: lead},
		watchtest.Part{Image: dePath, Seconds: 2},
		watchtest.Part{Seconds: 2, Offset: lead + 2},
	)
	live := watchtest.Serve(t, segs)
	src, err := ParseSource("hls+" + strings.Replace(live.URL, "//", "//user:secret@", 1) + "?token=abc")
	if err != nil {
		t.Fatal(err)
	}
	fr := d.users["FR"]
	l, err := NewLocal(t.Context(), d.store, d.index, fr, src, LocalOptions{Case: d.cases["FR"].ID})
	if err != nil {
		t.Fatal(err)
	}
	w := startWatch(t.Context(), t, src, l)
	catchUp(t, live, w)
	// From here the stream goes on live, a segment a second: FR's picture is in segments lead
	// and lead+1, DE's in lead+4 and lead+5.
	stop := make(chan struct{})
	defer close(stop)
	live.Feed(time.Second, 0, stop)
	got := []Alert{awaitAlert(t, live, w, lead), awaitAlert(t, live, w, lead+4)}
	for live.Published() < live.Len() {
		time.Sleep(100 * time.Millisecond)
	}
	live.End()
	var res watchResult
	select {
	case res = <-w.done:
	case <-time.After(60 * time.Second):
		t.Fatal("the watch did not end after #EXT-X-ENDLIST")
	}
	if res.err != nil {
		t.Fatalf("Run: %v", res.err)
	}
	sum := res.sum
	if len(sum.Alerts) != 2 {
		t.Fatalf("%d alerts, want 2: %+v", len(sum.Alerts), sum.Alerts)
	}
	if f := got[0].Found; f.Media != int64(frMedia) || f.HitOwner != "" || f.Distance > DefaultRadius {
		t.Errorf("first alert %+v, want media %d", f, frMedia)
	}
	if f := got[1].Found; f.Media != 0 || f.HitOwner != "DE" || !strings.Contains(f.HitMessage, "DE") {
		t.Errorf("second alert %+v, want a hit owned by DE and no media ID", f)
	}
	for i, want := range []time.Duration{lead * time.Second, (lead + 4) * time.Second} {
		if at := got[i].StreamTime; at < want-time.Second || at > want+2*time.Second {
			t.Errorf("alert %d at stream time %v, want about %v", i, at, want)
		}
	}
	if len(sum.Frames) < 6 || sum.Matched < 2 || sum.Interrupted {
		t.Errorf("summary: %d frames, %d matched, interrupted %v", len(sum.Frames), sum.Matched, sum.Interrupted)
	}

	// Stored alerts: FR hears of both matches, DE of the match on its record.
	frAlerts, deAlerts := d.alerts(t, "FR"), d.alerts(t, "DE")
	kinds := func(as []catalog.Alert) []string {
		var out []string
		for _, a := range as {
			out = append(out, string(a.Kind))
			if strings.Contains(a.Message, "secret") || strings.Contains(a.Message, "token") {
				t.Errorf("alert message carries the source's credentials: %q", a.Message)
			}
		}
		slices.Sort(out)
		return out
	}
	if diff := cmp.Diff([]string{"hit-on-others-record", "match-on-your-record"}, kinds(frAlerts)); diff != "" {
		t.Errorf("FR's alerts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"match-on-your-record"}, kinds(deAlerts)); diff != "" {
		t.Errorf("DE's alerts (-want +got):\n%s", diff)
	}
	for _, a := range frAlerts {
		if a.Kind == catalog.AlertHitOnOthersRecord && (a.Media != 0 || strings.Contains(a.Message, "media/")) {
			t.Errorf("FR's hit alert names DE's record: %+v", a)
		}
	}
	if deAlerts[0].Media != deMedia || deAlerts[0].From != "FR" {
		t.Errorf("DE's alert %+v, want about media %d from FR", deAlerts[0], deMedia)
	}

	// The record of the stream.
	rec, err := l.Record(t.Context(), sum.Info, sum.Frames)
	if err != nil {
		t.Fatal(err)
	}
	m, err := d.store.Media(t.Context(), catalog.ScopeOf(fr), rec.Media.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantSource := "watch:hls+" + live.URL
	if m.Kind != catalog.KindVideo || !m.HashOnly() || m.Digests.SHA256 != Digest(sum.Frames) || m.Source != wantSource ||
		m.Access.Owner != "FR" || m.Access.Visibility != catalog.VisibilityOwner || m.Width != watchtest.Width || !rec.Created {
		t.Errorf("recorded media %+v (created %v), want a hash-only FR video from %s", m, rec.Created, wantSource)
	}
	stored, err := d.store.Frames(t.Context(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(sum.Frames) || stored[0].PDQ.Hash != sum.Frames[0].Hash {
		t.Errorf("%d frames stored, want %d", len(stored), len(sum.Frames))
	}
	sights, err := d.store.Sightings(t.Context(), catalog.ScopeOf(fr), m.ID, catalog.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sights) != 1 || sights[0].Case != d.cases["FR"].ID || sights[0].Uploader != fr.ID || strings.Contains(sights[0].Path, "secret") {
		t.Errorf("sightings %+v, want one in FR's case", sights)
	}
	matches, err := d.store.Matches(t.Context(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) != 2 || rec.Matches != 2 {
		t.Errorf("matches %+v, want the 2 held pictures", matches)
	}
	// The index picks the recorded frames up: FR's picture now also finds the stream.
	if err := d.index.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range sum.Frames {
		if f.Number != got[0].Frame {
			continue
		}
		for _, h := range d.index.Search(f.Hash, 0) {
			found = found || h.Media == m.ID
		}
	}
	if !found {
		t.Error("the index does not hold the recorded stream's frames after Sync")
	}
	var actions []string
	for _, e := range d.auditEvents(t) {
		if strings.HasPrefix(e.Action, "stream.") {
			actions = append(actions, e.Action)
			for k, v := range e.Details {
				if strings.Contains(v, "secret") || strings.Contains(v, "token") {
					t.Errorf("audit detail %s=%q carries the source's credentials", k, v)
				}
			}
		}
	}
	if len(actions) < 3 || actions[len(actions)-1] != "stream.record" || actions[0] != "stream.match" {
		t.Errorf("stream audit events %v, want stream.match (one per batch with matches) then stream.record", actions)
	}
	// Recording the same capture again adds a sighting only.
	again, err := l.Record(t.Context(), sum.Info, sum.Frames)
	if err != nil || again.Created || again.Media.ID != m.ID {
		t.Errorf("recording again: %+v, %v; want the same record, not created", again, err)
	}
}

// TestWatchNoMatch follows a stream of pattern only: frames are hashed, nothing is raised or
// stored but the record at the end.
func TestWatchNoMatch(t *testing.T) {
	d := newDeployment(t)
	_, data := watchtest.WritePNG(t, t.TempDir(), 3)
	d.hold(t, "FR", data)
	live := watchtest.Serve(t, watchtest.Make(t, watchtest.Part{Seconds: lead + 4}))
	src, err := ParseSource(live.URL)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLocal(t.Context(), d.store, d.index, d.users["FR"], src, LocalOptions{Case: d.cases["FR"].ID})
	if err != nil {
		t.Fatal(err)
	}
	w := startWatch(t.Context(), t, src, l)
	catchUp(t, live, w)
	live.End()
	res := <-w.done
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.sum.Alerts) != 0 || res.sum.Matched != 0 || res.sum.LookedUp == 0 {
		t.Errorf("pattern-only stream: %d alerts, %d matched of %d looked up", len(res.sum.Alerts), res.sum.Matched, res.sum.LookedUp)
	}
	if as := d.alerts(t, "FR"); len(as) != 0 {
		t.Errorf("alerts stored for a stream that matched nothing: %+v", as)
	}
	for _, e := range d.auditEvents(t) {
		if e.Action == "stream.match" {
			t.Errorf("audit event %s for a stream that matched nothing", e.Action)
		}
	}
}

// TestWatchInterrupted cancels a watch of a stream that never ends: Run stops ffmpeg and
// returns the frames hashed so far, with no error.
func TestWatchInterrupted(t *testing.T) {
	d := newDeployment(t)
	live := watchtest.Serve(t, watchtest.Make(t, watchtest.Part{Seconds: lead + 2}))
	src, err := ParseSource(live.URL)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLocal(t.Context(), d.store, d.index, d.users["DE"], src, LocalOptions{Case: d.cases["DE"].ID})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	w := startWatch(ctx, t, src, l)
	catchUp(t, live, w)
	cancel()
	var res watchResult
	select {
	case res = <-w.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the watch did not stop 30 s after its context was cancelled")
	}
	if res.err != nil || !res.sum.Interrupted || len(res.sum.Frames) == 0 {
		t.Errorf("cancelled watch: %v, interrupted %v, %d frames", res.err, res.sum.Interrupted, len(res.sum.Frames))
	}
}

// TestNewLocalRefuses checks the checks made before a watch starts: nothing is stored.
func TestNewLocalRefuses(t *testing.T) {
	d := newDeployment(t)
	src, _ := ParseSource("http://127.0.0.1:1/live.m3u8")
	before := len(d.auditEvents(t))
	for _, tc := range []struct {
		name string
		user catalog.User
		opts LocalOptions
		want error
	}{
		{"auditor", d.users["auditor"], LocalOptions{Case: d.cases["FR"].ID}, catalog.ErrForbidden},
		{"other country's case", d.users["FR"], LocalOptions{Case: d.cases["DE"].ID}, catalog.ErrNotFound},
		{"no case", d.users["FR"], LocalOptions{}, catalog.ErrNotFound},
		{"bad visibility", d.users["FR"], LocalOptions{Case: d.cases["FR"].ID, Visibility: "public"}, ErrBadConfig},
		{"bad radius", d.users["FR"], LocalOptions{Case: d.cases["FR"].ID, Radius: 300}, ErrBadConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewLocal(t.Context(), d.store, d.index, tc.user, src, tc.opts); !errors.Is(err, tc.want) {
				t.Errorf("NewLocal: %v, want %v", err, tc.want)
			}
		})
	}
	l, err := NewLocal(t.Context(), d.store, d.index, d.users["FR"], src, LocalOptions{Case: d.cases["FR"].ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Record(t.Context(), video.Info{}, nil); !errors.Is(err, catalog.ErrInvalid) {
		t.Errorf("Record with no frames: %v, want ErrInvalid", err)
	}
	if after := len(d.auditEvents(t)); after != before {
		t.Errorf("%d audit events after refused calls, want %d", after, before)
	}
}

// TestWatchFile follows a local MPEG-TS file while it is being written: the held picture in it
// raises an alert, and the watch ends, without error, once the file stops growing.
func TestWatchFile(t *testing.T) {
	d := newDeployment(t)
	picPath, pic := watchtest.WritePNG(t, t.TempDir(), 5)
	held := d.hold(t, "FR", pic)
	segs := watchtest.Make(t, watchtest.Part{Seconds: 3}, watchtest.Part{Image: picPath, Seconds: 2}, watchtest.Part{Seconds: 2, Offset: 3})
	path := filepath.Join(t.TempDir(), "capture.ts")
	if err := os.WriteFile(path, segs[0].Data, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return
		}
		defer f.Close()
		for _, s := range segs[1:] {
			time.Sleep(300 * time.Millisecond)
			f.Write(s.Data)
		}
	}()
	src, err := ParseSource(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLocal(t.Context(), d.store, d.index, d.users["FR"], src, LocalOptions{Case: d.cases["FR"].ID})
	if err != nil {
		t.Fatal(err)
	}
	h, err := video.New(video.Config{StallTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(t.Context(), src, Options{Hasher: h, Matcher: l})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(sum.Frames) != len(segs) || len(sum.Alerts) != 1 || sum.Alerts[0].Found.Media != int64(held) {
		t.Errorf("%d frames (want %d), alerts %+v (want one for media %d)", len(sum.Frames), len(segs), sum.Alerts, held)
	}
}

// TestWatchLongSegments follows a stream cut in 6-second segments, as HLS servers cut them by
// default, published one every 6 seconds, where a held picture shows only in the last sampled
// second of a segment: its alert comes within 5 seconds of the segment's publication. ffmpeg
// keeps back the last frame its select filter passes until more input arrives, which used to
// delay such an alert until the next segment was out.
func TestWatchLongSegments(t *testing.T) {
	d := newDeployment(t)
	dir := t.TempDir()
	picPath, picData := watchtest.WritePNG(t, dir, 5)
	held := d.hold(t, "FR", picData)
	const seconds = 6
	segs := watchtest.MakeSegments(t, seconds,
		watchtest.Part{Seconds: seconds + seconds - 1},
		watchtest.Part{Image: picPath, Seconds: 1},
		watchtest.Part{Seconds: seconds, Offset: 2 * seconds},
	)
	if len(segs) != 3 {
		t.Fatalf("ffmpeg cut %d segments, want 3", len(segs))
	}
	live := watchtest.Serve(t, segs)
	src, err := ParseSource("hls+" + live.URL)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLocal(t.Context(), d.store, d.index, d.users["FR"], src, LocalOptions{Case: d.cases["FR"].ID})
	if err != nil {
		t.Fatal(err)
	}
	live.Publish(1)
	w := startWatch(t.Context(), t, src, l)
	stop := make(chan struct{})
	defer close(stop)
	live.Feed(seconds*time.Second, 0, stop)
	a := awaitAlert(t, live, w, 1)
	if a.Found.Media != int64(held) {
		t.Errorf("alert %+v, want media %d", a.Found, held)
	}
	if want := (2*seconds - 1) * time.Second; a.StreamTime != want {
		t.Errorf("alert at stream time %v, want %v", a.StreamTime, want)
	}
	live.End()
	select {
	case r := <-w.done:
		if r.err != nil {
			t.Fatalf("Run: %v", r.err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the watch did not end after #EXT-X-ENDLIST")
	}
}
