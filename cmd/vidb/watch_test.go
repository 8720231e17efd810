package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/datadir"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/watch/watchtest"
)

// watchLead is how many seconds of pattern the test streams show before the held picture.
const watchLead = 20

// watchAlertDelay is the most time allowed from publishing a matching segment to its alert line.
const watchAlertDelay = 5 * time.Second

// watching is `vidb watch` running in the test's process.
type watching struct {
	stdout, stderr *lockedBuffer
	done           chan error
}

func startWatchCmd(t *testing.T, args ...string) *watching {
	t.Helper()
	w := &watching{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	go func() {
		w.done <- runWatch(t.Context(), args, streams{stdin: strings.NewReader(""), stdout: w.stdout, stderr: w.stderr})
	}()
	return w
}

// await polls until cond holds on the watch's output and returns the time it first did.
func (w *watching) await(t *testing.T, what string, limit time.Duration, cond func(stdout, stderr string) bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if cond(w.stdout.String(), w.stderr.String()) {
			return time.Now()
		}
		select {
		case err := <-w.done:
			t.Fatalf("vidb watch ended waiting for %s: %v\nstdout:\n%s\nstderr:\n%s", what, err, w.stdout, w.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %v\nstdout:\n%s\nstderr:\n%s", what, limit, w.stdout, w.stderr)
		}
	}
}

// follow publishes live's lead segments until the watch receives frames, then the rest a
// second apart as a live source does, and ends the playlist once all are out.
func (w *watching) follow(t *testing.T, live *watchtest.Live) {
	t.Helper()
	stop := make(chan struct{})
	live.Publish(1)
	live.Feed(time.Second, live.Len()-watchLead, stop)
	w.await(t, "first frame", 90*time.Second, func(_, stderr string) bool { return strings.Contains(stderr, "receiving frames") })
	close(stop)
	live.Publish(watchLead)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, ok := live.Fetched(watchLead - 1); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ffmpeg did not fetch the lead segments")
		}
	}
	stop = make(chan struct{})
	t.Cleanup(func() { close(stop) })
	live.Feed(time.Second, 0, stop)
}

// matchingStream serves a live stream showing the picture at picturePath in segments watchLead
// and watchLead+1, pattern elsewhere.
func matchingStream(t *testing.T, picturePath string) *watchtest.Live {
	return watchtest.Serve(t, watchtest.Make(t,
		watchtest.Part{Seconds: watchLead},
		watchtest.Part{Image: picturePath, Seconds: 2},
		watchtest.Part{Seconds: 3, Offset: watchLead},
	))
}

// finish ends the playlist once every segment is out and returns the watch's error.
func (w *watching) finish(t *testing.T, live *watchtest.Live) error {
	t.Helper()
	for live.Published() < live.Len() {
		time.Sleep(100 * time.Millisecond)
	}
	live.End()
	select {
	case err := <-w.done:
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("vidb watch did not end after #EXT-X-ENDLIST\nstderr:\n%s", w.stderr)
		return nil
	}
}

// newWatchDeployment makes a data folder with datadir.Init and auth.Bootstrap (country NL, the
// coordinator "coordinator"), a case "NL-1", and holds the picture as an upload through the
// ingest pipeline. It returns the folder, the held record and the case.
func newWatchDeployment(t *testing.T, picture []byte) (string, catalog.MediaID, catalog.Case) {
	t.Helper()
	return newDeploymentHolding(t, "held.png", picture, ingest.Config{})
}

// newDeploymentHolding is newWatchDeployment for any file, uploaded as path with the ingest
// configuration cfg (its spool folder set here).
func newDeploymentHolding(t *testing.T, path string, content []byte, cfg ingest.Config) (string, catalog.MediaID, catalog.Case) {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	if err := datadir.Init(ctx, dir, datadir.Options{}); err != nil {
		t.Fatal(err)
	}
	d, err := datadir.Open(ctx, dir, datadir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	u, _, err := auth.Bootstrap(ctx, d.Store, catalog.Country{Code: "NL", Name: "Netherlands"}, "coordinator", auth.Config{SealKey: d.SealKey})
	if err != nil {
		t.Fatal(err)
	}
	var cs catalog.Case
	err = d.Store.Update(ctx, func(tx catalog.Tx) error {
		var err error
		if cs, err = tx.CreateCase(ctx, catalog.Case{Number: "NL-1", Title: "live", Access: catalog.Access{Owner: "NL", Visibility: catalog.VisibilityOwner}}); err != nil {
			return err
		}
		_, err = tx.Audit(ctx, audit.Event{Time: time.Now().UTC(), Actor: u.Login, Action: "case.create", Object: fmt.Sprintf("case/%d", cs.ID)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	idx := ingest.NewIndex(d.Store, catalog.MatchableQuality, nil)
	defer idx.Close()
	if err := idx.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	cfg.SpoolDir = t.TempDir()
	p, err := ingest.New(d.Store, d.Vault, idx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Ingest(ctx, u, ingest.Upload{Body: bytes.NewReader(content), Case: cs.ID, Path: path})
	if err != nil {
		t.Fatal(err)
	}
	return dir, r.Media.ID, cs
}

// TestWatchLocal watches a live HLS stream served on loopback against a local deployment that
// holds one picture: the alert line comes within 5 s of the matching segment's publication, the
// stream is recorded with its frames and a sighting in the case, and the audit log has both
// stream events.
func TestWatchLocal(t *testing.T) {
	t.Parallel()
	picPath, pic := watchtest.WritePNG(t, t.TempDir(), 4)
	dir, held, cs := newWatchDeployment(t, pic)
	live := matchingStream(t, picPath)

	w := startWatchCmd(t, "--data", dir, "--as", "coordinator", "--case", "NL-1", "--json", live.URL)
	w.follow(t, live)
	seen := w.await(t, "alert", 60*time.Second, func(stdout, _ string) bool { return strings.Contains(stdout, `"type":"alert"`) })
	published, _ := live.PublishedAt(watchLead)
	if delay := seen.Sub(published); delay > watchAlertDelay {
		t.Errorf("alert line %v after the matching segment was published, want within %v", delay, watchAlertDelay)
	} else {
		t.Logf("alert line %v after the matching segment was published", delay)
	}
	if err := w.finish(t, live); err != nil {
		t.Fatalf("vidb watch: %v\n%s", err, w.stderr)
	}

	var alerts []map[string]any
	var summary map[string]any
	for line := range strings.Lines(w.stdout.String()) {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		switch v["type"] {
		case "alert":
			alerts = append(alerts, v)
		case "summary":
			summary = v
		}
	}
	if len(alerts) != 1 || alerts[0]["media"] != float64(held) || alerts[0]["stream_time"].(float64) < watchLead-1 {
		t.Errorf("alerts %v, want one for media %d at about %d s", alerts, held, watchLead)
	}
	if summary == nil || summary["media"] == nil || summary["created"] != true || summary["frames"].(float64) < watchLead {
		t.Fatalf("summary %v, want the recorded stream", summary)
	}

	d, err := datadir.Open(t.Context(), dir, datadir.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	u, err := d.Store.UserByLogin(t.Context(), "coordinator")
	if err != nil {
		t.Fatal(err)
	}
	id := catalog.MediaID(summary["media"].(float64))
	m, err := d.Store.Media(t.Context(), catalog.ScopeOf(u), id)
	if err != nil {
		t.Fatal(err)
	}
	frames, err := d.Store.Frames(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != catalog.KindVideo || !m.HashOnly() || m.Source != "watch:"+live.URL || len(frames) != int(summary["frames"].(float64)) {
		t.Errorf("recorded %+v with %d frames, want a hash-only video from the stream with %v frames", m, len(frames), summary["frames"])
	}
	sights, err := d.Store.Sightings(t.Context(), catalog.ScopeOf(u), id, catalog.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sights) != 1 || sights[0].Case != cs.ID {
		t.Errorf("sightings %+v, want one in case %d", sights, cs.ID)
	}
	alertsStored, err := d.Store.Alerts(t.Context(), "NL", false, catalog.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(alertsStored) != 1 || alertsStored[0].Media != held {
		t.Errorf("stored alerts %+v, want one about media %d", alertsStored, held)
	}
	actions := map[string]int{}
	for e, err := range d.Store.AuditEvents(t.Context(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		actions[e.Action]++
	}
	if actions["stream.match"] < 1 || actions["stream.record"] != 1 {
		t.Errorf("audit actions %v, want stream.match and one stream.record", actions)
	}
}

// TestWatchServer watches the same kind of stream against a running `vidb serve` (the JSON API
// over SQLite and the local vault) with an API token: the alert comes from POST /api/v1/lookup.
func TestWatchServer(t *testing.T) {
	t.Parallel()
	sv := startServe(t, "--country", "NL")
	defer sv.stop()
	a := newAPIClient(t, sv.base)
	a.signIn(sv.password)
	cs := a.json("POST", "/api/v1/cases", map[string]any{"number": "NL-1", "visibility": "owner"}, http.StatusCreated)
	picPath, pic := watchtest.WritePNG(t, t.TempDir(), 6)
	up := a.call("POST", fmt.Sprintf("/api/v1/media?case=%v&path=held.png", cs["id"]), "application/octet-stream", pic, http.StatusCreated)
	media, _ := up["media"].(map[string]any)
	tok := a.json("POST", "/api/v1/me/tokens", map[string]any{"name": "watch"}, http.StatusCreated)
	token, _ := tok["secret"].(string)
	if token == "" || media == nil {
		t.Fatalf("token %v, upload %v", tok, up)
	}
	live := matchingStream(t, picPath)

	w := startWatchCmd(t, "--server", sv.base, "--token", token, live.URL)
	w.follow(t, live)
	seen := w.await(t, "alert", 60*time.Second, func(stdout, _ string) bool { return strings.Contains(stdout, "ALERT") })
	published, _ := live.PublishedAt(watchLead)
	if delay := seen.Sub(published); delay > watchAlertDelay {
		t.Errorf("alert line %v after the matching segment was published, want within %v", delay, watchAlertDelay)
	}
	if err := w.finish(t, live); err != nil {
		t.Fatalf("vidb watch: %v\n%s", err, w.stderr)
	}
	want := fmt.Sprintf("media/%v, ", media["id"])
	if out := w.stdout.String(); strings.Count(out, "ALERT") != 1 || !strings.Contains(out, want) {
		t.Errorf("stdout %q, want one alert naming %s", out, want)
	}
	if !strings.Contains(w.stderr.String(), "the stream ended") || strings.Contains(w.stderr.String(), "recorded as") {
		t.Errorf("stderr %q: want a summary and no record in server mode", w.stderr)
	}
}

// TestWatchUsage checks the command line: mistakes are usage errors and nothing runs.
func TestWatchUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no source", []string{"--server", "http://x", "--token", "t"}},
		{"two sources", []string{"--server", "http://x", "--token", "t", "a.ts", "b.ts"}},
		{"udp source", []string{"--server", "http://x", "--token", "t", "udp://0.0.0.0:1"}},
		{"concat", []string{"--server", "http://x", "--token", "t", "concat://a|b"}},
		{"server without token", []string{"--server", "http://x", "a.ts"}},
		{"server and data", []string{"--server", "http://x", "--token", "t", "--data", "d", "a.ts"}},
		{"server and as", []string{"--server", "http://x", "--token", "t", "--as", "bob", "a.ts"}},
		{"local without as", []string{"--data", "d", "--case", "1", "a.ts"}},
		{"local without case", []string{"--data", "d", "--as", "bob", "a.ts"}},
		{"bad visibility", []string{"--data", "d", "--as", "bob", "--case", "1", "--visibility", "all", "a.ts"}},
		{"bad radius", []string{"--data", "d", "--as", "bob", "--case", "1", "--radius", "-1", "a.ts"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(t, runWatch, tc.args...)
			var ue usageError
			if !errors.As(err, &ue) {
				t.Errorf("runWatch(%q): %v, want a usage error", tc.args, err)
			}
		})
	}
	// A user who may not watch: the error names the rule, and the deployment is unchanged.
	_, pic := watchtest.WritePNG(t, t.TempDir(), 9)
	dir, _, _ := newWatchDeployment(t, pic)
	_, _, err := runCmd(t, runWatch, "--data", dir, "--as", "nobody", "--case", "NL-1", "http://127.0.0.1:1/live.m3u8")
	if !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("unknown --as: %v, want ErrNotFound", err)
	}
	_, _, err = runCmd(t, runWatch, "--data", dir, "--as", "coordinator", "--case", "NL-404", "http://127.0.0.1:1/live.m3u8")
	if !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("unknown --case: %v, want ErrNotFound", err)
	}
}
