package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/digest"
	"github.com/vidb-project/vidb/internal/testpic"
	"github.com/vidb-project/vidb/pdq"
)

func acc(owner catalog.CountryCode, v catalog.Visibility, shared ...catalog.CountryCode) *catalog.Access {
	return &catalog.Access{Owner: owner, Visibility: v, SharedWith: shared}
}

func digestsOf(data []byte) catalog.Digests {
	s := digest.Bytes(data)
	return catalog.Digests{MD5: s.MD5, SHA1: s.SHA1, SHA256: s.SHA256}
}

// onlyHit checks that a Found for a hidden record carries the owner and nothing else.
func onlyHit(t *testing.T, what string, f Found, owner catalog.CountryCode) {
	t.Helper()
	if diff := cmp.Diff(Found{Hit: &catalog.Hit{Owner: owner}}, f); diff != "" {
		t.Errorf("%s: hidden record presented with more than its owner (-want +got):\n%s", what, diff)
	}
}

func TestStatuses(t *testing.T) {
	t.Parallel()
	testStatuses(t, newEnv(t, Config{}))
}

func testStatuses(t *testing.T, e *env) {
	ctx := context.Background()
	owner := testpic.PNG(t, scene(96, 96, 11))
	network := testpic.PNG(t, scene(96, 96, 12))
	listed := testpic.PNG(t, scene(96, 96, 13))

	cases := []struct {
		name   string
		login  string
		cs     catalog.CountryCode
		data   []byte
		access *catalog.Access
		want   Status
	}{
		{"new, owner only", "FR", fr, owner, nil, StatusNew},
		{"same file, same country", "FR", fr, owner, nil, StatusHeld},
		{"owner-only record of FR, seen by DE", "DE", de, owner, nil, StatusHit},
		{"owner-only record of FR, seen by the coordinator", "coordinator", nl, owner, nil, StatusHeld},
		{"new, network", "FR", fr, network, acc(fr, catalog.VisibilityNetwork), StatusNew},
		{"network record of FR, seen by DE", "DE", de, network, nil, StatusHeld},
		{"new, listed for NL", "FR", fr, listed, acc(fr, catalog.VisibilityListed, nl), StatusNew},
		{"listed record, seen by NL", "NL", nl, listed, nil, StatusHeld},
		{"listed record, not shared with DE", "DE", de, listed, nil, StatusHit},
	}
	for _, c := range cases {
		r := e.mustUpload(t, c.login, c.cs, c.data, c.access)
		if r.Status != c.want {
			t.Fatalf("%s: status %s, want %s", c.name, r.Status, c.want)
		}
		switch c.want {
		case StatusHit:
			if r.Media != nil || r.Hit == nil || r.Hit.Owner != fr {
				t.Errorf("%s: hit result %+v, %+v", c.name, r.Media, r.Hit)
			}
		default:
			if r.Media == nil || r.Hit != nil || r.Media.Digests != digestsOf(c.data) || r.Media.HashOnly() {
				t.Errorf("%s: result media %+v, hit %+v", c.name, r.Media, r.Hit)
			}
		}
		if r.Sighting.ID == 0 || r.Sighting.Uploader != e.users[c.login].ID || r.Sighting.Case != e.cases[c.cs].ID ||
			r.Sighting.Country != e.users[c.login].Country || r.Sighting.Path != "/home/x/pic" {
			t.Errorf("%s: sighting %+v", c.name, r.Sighting)
		}
	}
	media, blobs, spool := e.counts(t)
	if media != 3 || blobs != 3 || spool != 0 {
		t.Errorf("media, blobs, spool files = %d, %d, %d; want 3, 3, 0", media, blobs, spool)
	}
	// One record, four sightings of the owner-only file.
	m := e.mustUpload(t, "FR", fr, owner, nil).Media
	ss, err := e.catalog.Sightings(ctx, catalog.SystemScope(), m.ID, catalog.Page{})
	if err != nil || len(ss) != 5 {
		t.Errorf("sightings of the owner-only file: %d, %v; want 5", len(ss), err)
	}
	if m.Access.Owner != fr || m.Access.Visibility != catalog.VisibilityOwner {
		t.Errorf("access changed by later uploads: %+v", m.Access)
	}

	// The hit alerted both sides, without naming the hidden record to DE.
	for _, a := range e.alerts(t, de) {
		if a.Kind != catalog.AlertHitOnOthersRecord || a.From != fr || a.Media != 0 ||
			a.Message != (catalog.Hit{Owner: fr}).Message() {
			t.Errorf("DE alert %+v", a)
		}
	}
	if n := len(e.alerts(t, de)); n != 2 {
		t.Errorf("DE has %d alerts, want 2 (one per hidden record)", n)
	}
	var toFR int
	for _, a := range e.alerts(t, fr) {
		if a.Kind == catalog.AlertMatchOnYourRecord {
			toFR++
		}
	}
	// Uploads by others of FR's records: DE's hit, the coordinator's, DE's of the network file,
	// NL's and DE's of the listed file.
	if toFR != 5 {
		t.Errorf("FR has %d match-on-your-record alerts, want 5: %+v", toFR, e.alerts(t, fr))
	}

	// Roles that see no media may not upload; a case the user does not see is not found.
	if _, err := e.upload(t, "auditor", nl, owner, nil); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("auditor upload: %v, want ErrForbidden", err)
	}
	if _, err := e.upload(t, "DE", fr, owner, nil); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("upload into another country's hidden case: %v, want ErrNotFound", err)
	}
	if _, err := e.upload(t, "DE", de, owner, acc(fr, catalog.VisibilityNetwork)); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("upload owned by a third country: %v, want ErrForbidden", err)
	}
}

func TestAudit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	data := testpic.PNG(t, scene(96, 96, 21))
	r := e.mustUpload(t, "FR", fr, data, nil)
	evs := e.events(t)
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1: %+v", len(evs), evs)
	}
	ev := evs[0]
	sum := digest.Bytes(data)
	want := map[string]string{"status": "new", "sha256": sum.SHA256Hex(), "exact": "0", "near": "0", "video": "0",
		"kind": "image", "case": fmt.Sprint(e.cases[fr].ID), "alerts": "0"}
	if ev.Action != "media.upload" || ev.Object != fmt.Sprintf("media/%d", r.Media.ID) || ev.Actor != "analyst-fr" || ev.Country != "FR" {
		t.Errorf("event %+v", ev)
	}
	if diff := cmp.Diff(want, ev.Details); diff != "" {
		t.Errorf("details (-want +got):\n%s", diff)
	}
}

func TestNearAndDihedral(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	pic := scene(512, 384, 31)
	orig := e.mustUpload(t, "FR", fr, testpic.JPEG(t, pic, 92), acc(fr, catalog.VisibilityNetwork))
	other := e.mustUpload(t, "FR", fr, testpic.JPEG(t, scene(512, 384, 32), 92), acc(fr, catalog.VisibilityNetwork))

	// A re-encoded copy at another quality is near, with its distance.
	re := e.mustUpload(t, "DE", de, testpic.JPEG(t, pic, 35), nil)
	if re.Status != StatusNew || len(re.Matches) != 1 {
		t.Fatalf("re-encoded copy: %s with %d matches, want new with 1: %+v", re.Status, len(re.Matches), re.Matches)
	}
	f := re.Matches[0]
	want := pdq.Distance(orig.Media.PDQ.Hash, re.Media.PDQ.Hash)
	if f.Kind != catalog.MatchNear || f.Media == nil || f.Media.ID != orig.Media.ID || f.Distance != want || want == 0 {
		t.Errorf("re-encoded copy matched %+v, want near %d at distance %d", f, orig.Media.ID, want)
	}
	// A mirrored copy is found through the dihedral hashes.
	fl := e.mustUpload(t, "DE", de, testpic.PNG(t, mirror(pic)), nil)
	var ids []catalog.MediaID
	for _, m := range fl.Matches {
		ids = append(ids, m.Media.ID)
		if m.Kind != catalog.MatchNear || m.Distance > pdq.MatchDistance {
			t.Errorf("mirror match %+v", m)
		}
	}
	if !slices.Contains(ids, orig.Media.ID) || slices.Contains(ids, other.Media.ID) {
		t.Errorf("mirrored copy matched %v, want %d (and not %d)", ids, orig.Media.ID, other.Media.ID)
	}
	// Near matches are recorded, and Matches presents them again from the record's side: to the
	// coordinator in full, to FR as hits only (DE's records are owner-only).
	got, err := e.p.Matches(context.Background(), e.users["coordinator"], orig.Media.ID)
	if err != nil {
		t.Fatal(err)
	}
	var seen []catalog.MediaID
	for _, f := range got {
		seen = append(seen, f.Media.ID)
		if f.Kind != catalog.MatchNear || f.Distance == 0 {
			t.Errorf("recorded match %+v", f)
		}
	}
	slices.Sort(seen)
	if !cmp.Equal(seen, []catalog.MediaID{re.Media.ID, fl.Media.ID}) {
		t.Errorf("Matches(orig) = %v, want %v", seen, []catalog.MediaID{re.Media.ID, fl.Media.ID})
	}
	got, err = e.p.Matches(context.Background(), e.users["FR"], orig.Media.ID)
	if err != nil || len(got) != 2 {
		t.Fatalf("FR's Matches(orig) = %+v, %v", got, err)
	}
	for _, f := range got {
		onlyHit(t, "DE's record to FR", f, de)
	}
	if _, err := e.p.Matches(context.Background(), e.users["NL"], re.Media.ID); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Matches of a record NL does not see: %v, want ErrNotFound", err)
	}
}

func TestLowQualityNotMatched(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	a := e.mustUpload(t, "FR", fr, testpic.PNG(t, flat(200, 100)), nil)
	if a.Media.PDQ == nil || a.Media.PDQ.Quality >= pdq.MinQuality {
		t.Fatalf("flat picture PDQ %+v: want a stored hash of low quality", a.Media.PDQ)
	}
	b := e.mustUpload(t, "FR", fr, testpic.JPEG(t, flat(200, 100), 80), nil)
	if b.Status != StatusNew || len(b.Matches) != 0 {
		t.Errorf("second flat picture: %s, matches %+v; want new without matches", b.Status, b.Matches)
	}
	if n := e.index.Len(); n != 0 {
		t.Errorf("index holds %d hashes, want 0 (low quality)", n)
	}
}

func records(rs ...catalog.HashOnlyRecord) iter.Seq2[catalog.HashOnlyRecord, error] {
	return func(yield func(catalog.HashOnlyRecord, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func TestHashOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	ctx := context.Background()
	md5only := testpic.PNG(t, scene(80, 80, 41))
	full := testpic.PNG(t, scene(80, 80, 42))
	_, err := e.catalog.ImportHashOnly(ctx, records(
		catalog.HashOnlyRecord{Digests: catalog.Digests{MD5: digestsOf(md5only).MD5}, Kind: catalog.KindUnknown},
		catalog.HashOnlyRecord{Digests: digestsOf(full), Kind: catalog.KindImage, Category: catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "1"}},
	), catalog.ImportOptions{Access: catalog.Access{Owner: nl, Visibility: catalog.VisibilityNetwork},
		Retention: time.Now().Add(time.Hour), Source: "vics:test.json", Actor: e.users["NL"]})
	if err != nil {
		t.Fatal(err)
	}
	// A file known by its MD5 only: a new record, and an exact match on the hash-only one.
	r := e.mustUpload(t, "FR", fr, md5only, nil)
	if r.Status != StatusNew || len(r.Matches) != 1 || r.Matches[0].Kind != catalog.MatchExact ||
		r.Matches[0].Media == nil || !r.Matches[0].Media.HashOnly() {
		t.Errorf("MD5-only known file: %s, %+v", r.Status, r.Matches)
	}
	// A file held as a hash-only record by its SHA-256: the record gains content; owner,
	// access and category stay.
	r = e.mustUpload(t, "FR", fr, full, nil)
	if r.Status != StatusHeld || r.Media.HashOnly() || r.Media.PDQ == nil || r.Media.Width != 80 ||
		r.Media.Access.Owner != nl || r.Media.Category.Code != "1" || r.Media.MIME != "image/png" {
		t.Errorf("hash-only completed: %s, %+v", r.Status, r.Media)
	}
	m, err := e.catalog.Media(ctx, catalog.SystemScope(), r.Media.ID)
	if err != nil || m.HashOnly() || m.Source != "vics:test.json" {
		t.Errorf("stored %+v, %v", m, err)
	}
	if _, blobs, _ := e.counts(t); blobs != 2 {
		t.Errorf("%d blobs, want 2", blobs)
	}
	// NL hears that its record was matched.
	var kinds []catalog.AlertKind
	for _, a := range e.alerts(t, nl) {
		kinds = append(kinds, a.Kind)
	}
	if !cmp.Equal(kinds, []catalog.AlertKind{catalog.AlertMatchOnYourRecord, catalog.AlertMatchOnYourRecord}) {
		t.Errorf("NL alerts %v", kinds)
	}
}

func TestRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{MaxBytes: 64 << 10})
	good := testpic.JPEG(t, scene(256, 256, 51), 90)
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"undecodable", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 300)...), ErrUndecodable},
		{"truncated", good[:len(good)*2/3], ErrUndecodable},
		{"not media", []byte(strings.Repeat("a text file, not evidence\n", 40)), ErrUnsupported},
		{"oversized", bytes.Repeat([]byte{0xff}, 65<<10), ErrTooLarge},
		{"decompression bomb", pngBomb(t), ErrTooLarge},
	}
	for _, c := range cases {
		if _, err := e.upload(t, "FR", fr, c.data, nil); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	media, blobs, spool := e.counts(t)
	if media != 0 || blobs != 0 || spool != 0 {
		t.Errorf("after rejections: media, blobs, spool = %d, %d, %d; want 0, 0, 0", media, blobs, spool)
	}
	if evs := e.events(t); len(evs) != 0 {
		t.Errorf("rejections recorded %d events: %+v", len(evs), evs)
	}
}

// cancelling is a body that cancels its request after some bytes, as a client hanging up.
type cancelling struct {
	r      *bytes.Reader
	after  int
	cancel context.CancelFunc
	read   int
}

func (c *cancelling) Read(p []byte) (int, error) {
	if c.read >= c.after {
		c.cancel()
		return 0, errors.New("client went away")
	}
	n, err := c.r.Read(p[:min(len(p), 1000)])
	c.read += n
	return n, err
}

func TestCancelledUpload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	data := testpic.JPEG(t, scene(800, 800, 61), 95)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := e.p.Ingest(ctx, e.users["FR"], Upload{Body: &cancelling{r: bytes.NewReader(data), after: 3000, cancel: cancel}, Case: e.cases[fr].ID})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	media, blobs, spool := e.counts(t)
	if media != 0 || blobs != 0 || spool != 0 {
		t.Errorf("media, blobs, spool = %d, %d, %d; want 0, 0, 0", media, blobs, spool)
	}
	evs := e.events(t)
	if len(evs) != 1 || evs[0].Action != "media.upload_failed" || evs[0].Details["reason"] != "cancelled" ||
		evs[0].Details["bytes"] != "3000" || evs[0].Actor != "analyst-fr" {
		t.Errorf("events %+v, want one upload_failed after 3000 bytes", evs)
	}
}

func TestAlerts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	ctx := context.Background()
	pic := scene(300, 300, 71)
	// DE owns a series, hidden from FR, and a record in it that FR may see.
	var series catalog.Series
	err := e.catalog.Update(ctx, func(tx catalog.Tx) error {
		var err error
		series, err = tx.CreateSeries(ctx, catalog.Series{Name: "BLUE-LAKE-07", Status: catalog.SeriesUnidentified,
			Access: catalog.Access{Owner: de, Visibility: catalog.VisibilityOwner}})
		if err != nil {
			return err
		}
		_, err = tx.Audit(ctx, e.p.event(e.users["DE"], "series.create", "", nil))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	inSeries := e.mustUpload(t, "DE", de, testpic.JPEG(t, pic, 90), acc(de, catalog.VisibilityNetwork))
	m := *inSeries.Media
	m.Series = series.ID
	err = e.catalog.Update(ctx, func(tx catalog.Tx) error {
		if err := tx.UpdateMedia(ctx, m); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, e.p.event(e.users["DE"], "media.update", "", nil))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// NL holds a hidden near copy.
	hidden := e.mustUpload(t, "NL", nl, testpic.JPEG(t, pic, 60), nil)

	before := map[catalog.CountryCode]int{de: len(e.alerts(t, de)), nl: len(e.alerts(t, nl)), fr: len(e.alerts(t, fr))}
	r := e.mustUpload(t, "FR", fr, testpic.JPEG(t, pic, 40), nil)
	if len(r.Matches) != 2 {
		t.Fatalf("matches %+v, want DE's visible record and NL's hit", r.Matches)
	}
	vis, hit := r.Matches[0], r.Matches[1]
	if vis.Media == nil || vis.Media.ID != inSeries.Media.ID || vis.Series != nil {
		t.Errorf("visible match %+v: want DE's record without its hidden series", vis)
	}
	onlyHit(t, "NL's owner-only copy", hit, nl)

	newAlerts := func(c catalog.CountryCode) []catalog.Alert { return e.alerts(t, c)[before[c]:] }
	de2 := newAlerts(de)
	// DE owns both the record and its series: one alert (deduplicated per recipient and record).
	if len(de2) != 1 || de2[0].Kind != catalog.AlertMatchOnYourRecord || de2[0].Media != inSeries.Media.ID || de2[0].From != fr {
		t.Errorf("DE alerts %+v", de2)
	}
	nl2 := newAlerts(nl)
	if len(nl2) != 1 || nl2[0].Kind != catalog.AlertMatchOnYourRecord || nl2[0].Media != hidden.Media.ID {
		t.Errorf("NL alerts %+v", nl2)
	}
	fr2 := newAlerts(fr)
	if len(fr2) != 1 || fr2[0].Kind != catalog.AlertHitOnOthersRecord || fr2[0].From != nl || fr2[0].Media != r.Media.ID {
		t.Errorf("FR alerts %+v", fr2)
	}
	// Nothing leaks: FR's alert names no hidden record, no series; NL's none of FR's content.
	for _, a := range fr2 {
		if strings.Contains(a.Message, "BLUE-LAKE") || strings.Contains(a.Message, fmt.Sprint(hidden.Media.ID)) {
			t.Errorf("FR alert leaks: %q", a.Message)
		}
	}
	for _, a := range append(nl2, de2...) {
		if strings.Contains(a.Message, fmt.Sprintf("media/%d", r.Media.ID)) {
			t.Errorf("alert names FR's record: %q", a.Message)
		}
	}
	// A series owned by another country than the record's owner hears of it separately.
	err = e.catalog.Update(ctx, func(tx catalog.Tx) error {
		series.Access.Owner = nl
		if err := tx.UpdateSeries(ctx, series); err != nil {
			return err
		}
		_, err := tx.Audit(ctx, e.p.event(e.users["NL"], "series.update", "", nil))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	before[nl] = len(e.alerts(t, nl))
	if _, err := e.p.Search(ctx, e.users["FR"], Query{PDQ: &inSeries.Media.PDQ.Hash}); err != nil {
		t.Fatal(err)
	}
	var series3 []catalog.Alert
	for _, a := range newAlerts(nl) {
		if a.Kind == catalog.AlertSeriesActivity {
			series3 = append(series3, a)
		}
	}
	if len(series3) != 1 || !strings.Contains(series3[0].Message, "BLUE-LAKE-07") || series3[0].Media != 0 {
		t.Errorf("series alerts to NL %+v", series3)
	}
	// Once the series is shared with everyone, FR sees it, with its identification status.
	change(t, e.catalog, func(ctx context.Context, tx catalog.Tx) error {
		series.Access.Visibility = catalog.VisibilityNetwork
		series.Status = catalog.SeriesIdentified
		return tx.UpdateSeries(ctx, series)
	})
	fs, err := e.p.Search(ctx, e.users["FR"], Query{Digests: inSeries.Media.Digests})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Kind != catalog.MatchExact || fs[0].Series == nil || fs[0].Series.ID != series.ID ||
		fs[0].Series.Status != catalog.SeriesIdentified {
		t.Errorf("search of the series' record: %+v", fs)
	}
}

func TestSearchAndLookup(t *testing.T) {
	t.Parallel()
	testSearchAndLookup(t, newEnv(t, Config{}))
}

func testSearchAndLookup(t *testing.T, e *env) {
	ctx := context.Background()
	var files [][]byte
	var held []Result
	for i := range 5 {
		f := testpic.PNG(t, scene(128, 128, 100+i))
		files = append(files, f)
		v := catalog.VisibilityNetwork
		if i == 4 {
			v = catalog.VisibilityOwner
		}
		held = append(held, e.mustUpload(t, "FR", fr, f, acc(fr, v)))
	}
	if _, err := e.p.Lookup(ctx, e.users["DE"], make([]Query, MaxBatch+1)); !errors.Is(err, ErrTooMany) {
		t.Errorf("Lookup of %d: %v, want ErrTooMany", MaxBatch+1, err)
	}
	if _, err := e.p.Search(ctx, e.users["auditor"], Query{}); !errors.Is(err, catalog.ErrForbidden) {
		t.Errorf("auditor search: %v, want ErrForbidden", err)
	}
	eventsBefore := len(e.events(t))
	qs := make([]Query, 1000)
	type want struct {
		media catalog.MediaID
		kind  catalog.MatchKind
		hit   bool
	}
	wants := make([]*want, len(qs))
	for i := range qs {
		k := i % 5
		d := digestsOf(files[k])
		switch i % 4 {
		case 0: // MD5 only
			qs[i].Digests = catalog.Digests{MD5: d.MD5}
			wants[i] = &want{held[k].Media.ID, catalog.MatchExact, k == 4}
		case 1: // PDQ only
			h := held[k].Media.PDQ.Hash
			qs[i].PDQ = &h
			wants[i] = &want{held[k].Media.ID, catalog.MatchNear, k == 4}
		case 2: // unknown
			qs[i].Digests = catalog.Digests{SHA1: [20]byte{byte(i), byte(i >> 8), 1}}
		case 3: // SHA-256 and PDQ: exact wins
			h := held[k].Media.PDQ.Hash
			qs[i] = Query{Digests: catalog.Digests{SHA256: d.SHA256}, PDQ: &h}
			wants[i] = &want{held[k].Media.ID, catalog.MatchExact, k == 4}
		}
	}
	got, err := e.p.Lookup(ctx, e.users["DE"], qs)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range wants {
		switch {
		case w == nil:
			if len(got[i]) != 0 {
				t.Errorf("query %d: %+v, want nothing", i, got[i])
			}
		case len(got[i]) != 1:
			t.Errorf("query %d: %d results, want 1", i, len(got[i]))
		case w.hit:
			onlyHit(t, fmt.Sprintf("query %d", i), got[i][0], fr)
		case got[i][0].Media == nil || got[i][0].Media.ID != w.media || got[i][0].Kind != w.kind:
			t.Errorf("query %d: %+v, want %+v", i, got[i][0], w)
		}
	}
	evs := e.events(t)[eventsBefore:]
	if len(evs) != 1 || evs[0].Action != "media.lookup" || evs[0].Details["queries"] != "1000" {
		t.Errorf("lookup events %+v", evs)
	}
	// One hit alert to DE for the hidden record, however often it was asked for.
	var hits int
	for _, a := range e.alerts(t, de) {
		if a.Kind == catalog.AlertHitOnOthersRecord {
			hits++
		}
	}
	if hits != 1 {
		t.Errorf("%d hit alerts to DE, want 1", hits)
	}
	media, _, _ := e.counts(t)
	if media != 5 {
		t.Errorf("lookups changed the media count to %d", media)
	}
	// SearchImage: a re-encoded copy.
	fs, err := e.p.SearchImage(ctx, e.users["DE"], bytes.NewReader(testpic.JPEG(t, scene(128, 128, 101), 70)))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Media == nil || fs[0].Media.ID != held[1].Media.ID || fs[0].Kind != catalog.MatchNear {
		t.Errorf("SearchImage = %+v, want a near match on %d", fs, held[1].Media.ID)
	}
	if _, err := e.p.SearchImage(ctx, e.users["DE"], strings.NewReader("not an image")); !errors.Is(err, ErrUnsupported) {
		t.Errorf("SearchImage(text) = %v, want ErrUnsupported", err)
	}
}

func TestConcurrentUploads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Workers: 2})
	same := testpic.JPEG(t, scene(256, 256, 81), 85)
	const n = 8
	var wg sync.WaitGroup
	results := make([]Result, n)
	errs := make([]error, 2*n)
	for i := range n {
		wg.Go(func() { results[i], errs[i] = e.upload(t, "FR", fr, same, nil) })
		wg.Go(func() {
			_, errs[n+i] = e.upload(t, "DE", de, testpic.JPEG(t, scene(200, 200, 200+i), 85), nil)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
	}
	var created int
	for _, r := range results {
		if r.Status == StatusNew {
			created++
		}
		if r.Media.ID != results[0].Media.ID {
			t.Errorf("the same file became records %d and %d", r.Media.ID, results[0].Media.ID)
		}
	}
	if created != 1 {
		t.Errorf("%d uploads created the record, want 1", created)
	}
	ss, err := e.catalog.Sightings(context.Background(), catalog.SystemScope(), results[0].Media.ID, catalog.Page{})
	if err != nil || len(ss) != n {
		t.Errorf("%d sightings, %v; want %d", len(ss), err, n)
	}
	media, blobs, spool := e.counts(t)
	if media != n+1 || blobs != n+1 || spool != 0 {
		t.Errorf("media, blobs, spool = %d, %d, %d; want %d, %d, 0", media, blobs, spool, n+1, n+1)
	}
}

// A transaction that fails after the blob was written leaves neither record nor blob.
func TestRollbackRemovesBlob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	u := e.users["FR"]
	u.Login = "analyst-fr\x00" // the audit log refuses it, so the transaction fails at its end
	data := testpic.PNG(t, scene(64, 64, 91))
	_, err := e.p.Ingest(context.Background(), u, Upload{Body: bytes.NewReader(data), Case: e.cases[fr].ID})
	if err == nil {
		t.Fatal("upload with an unauditable actor succeeded")
	}
	if media, blobs, spool := e.counts(t); media != 0 || blobs != 0 || spool != 0 {
		t.Errorf("after a failed transaction: media, blobs, spool = %d, %d, %d; want 0, 0, 0", media, blobs, spool)
	}
	// The same file then goes in normally, blob and all.
	if r := e.mustUpload(t, "FR", fr, data, nil); r.Status != StatusNew {
		t.Errorf("retry: %s", r.Status)
	}
	if _, blobs, _ := e.counts(t); blobs != 1 {
		t.Errorf("%d blobs after the retry, want 1", blobs)
	}
}
