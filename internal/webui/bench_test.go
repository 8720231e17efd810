package webui

import (
	"context"
	"encoding/binary"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/auth/session"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/testpic"
	"github.com/vidb-project/vidb/pdq"
)

// benchMedia is how many hash-only records the page benchmarks hold: VIDB_BENCH_MEDIA, or 1e4.
func benchMedia(b *testing.B) int {
	b.Helper()
	n := 10000
	if s := os.Getenv("VIDB_BENCH_MEDIA"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 {
			b.Fatalf("VIDB_BENCH_MEDIA=%q is not a count", s)
		}
		n = int(v)
	}
	return n
}

// benchEnv is an env holding n hash-only records (network-visible, owned by FR), one
// uploaded picture with its near copy, and a signed-in FR reviewer's session.
func benchEnv(b *testing.B) (e *env, cookie *http.Cookie, media catalog.MediaID) {
	b.Helper()
	e = newEnv(b, envOptions{})
	us := e.standardUsers()
	ctx := context.Background()
	n := benchMedia(b)
	records := func(yield func(catalog.HashOnlyRecord, error) bool) {
		for i := range n {
			var r catalog.HashOnlyRecord
			binary.BigEndian.PutUint64(r.Digests.SHA256[:], uint64(i)+1)
			binary.BigEndian.PutUint64(r.Digests.MD5[:], uint64(i)+1)
			var h pdq.Hash
			binary.BigEndian.PutUint64(h[:], uint64(i)*0x9e3779b97f4a7c15)
			binary.BigEndian.PutUint64(h[8:], uint64(i)*0xbf58476d1ce4e5b9)
			r.PDQ = &catalog.PDQ{Hash: h, Quality: 100}
			r.Kind, r.Size = catalog.KindImage, 1000
			if i%3 == 0 {
				r.Category = catalog.Category{Scheme: catalog.SchemeVICSUS, Code: "1"}
			}
			if !yield(r, nil) {
				return
			}
		}
	}
	start := time.Now()
	rep, err := e.store.ImportHashOnly(ctx, iter.Seq2[catalog.HashOnlyRecord, error](records), catalog.ImportOptions{
		Access: catalog.Access{Owner: "FR", Visibility: catalog.VisibilityNetwork}, Retention: time.Now().AddDate(10, 0, 0),
		Source: "bench", Actor: auth.System(),
	})
	if err != nil || rep.New != int64(n) {
		b.Fatalf("import: %+v, %v", rep, err)
	}
	b.Logf("imported %d hash-only records in %v", n, time.Since(start).Round(time.Millisecond))
	c, err := e.work.CreateCase(ctx, us.frRev, catalog.Case{Access: catalog.Access{Owner: "FR", Visibility: catalog.VisibilityNetwork}, Number: "B-1"})
	if err != nil {
		b.Fatal(err)
	}
	img := testpic.JPEG(b, testpic.Scene(320, 240, 3), 90)
	res := e.upload(us.frRev, c.ID, img, "/b/a.jpg", nil)
	e.upload(us.frRev, c.ID, reencode(b, img, 60), "/b/a-copy.jpg", nil)
	secret, _, err := e.auth.Login(ctx, auth.Attempt{Login: "fr-reviewer", Password: testPassword, Remote: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	return e, &http.Cookie{Name: session.CookieName, Value: secret}, res.Media.ID
}

// benchPage serves path from the UI handler in process (no network: server time only).
func benchPage(b *testing.B, e *env, cookie *http.Cookie, path string) {
	b.Helper()
	serve := func() {
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(cookie)
		req.Header.Set("Accept", "text/html")
		w := httptest.NewRecorder()
		e.ui.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("GET %s = %d %s", path, w.Code, w.Body)
		}
	}
	serve() // warm the caches a user's first visit would fill
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		serve()
	}
	ms := float64(time.Since(start).Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(ms, "ms/page")
	if ms > 100 {
		b.Errorf("GET %s takes %.1f ms of server time, over the 100 ms budget", path, ms)
	}
}

// BenchmarkHomePage measures the home page (figures, alerts, recent uploads).
func BenchmarkHomePage(b *testing.B) {
	e, cookie, _ := benchEnv(b)
	benchPage(b, e, cookie, "/")
}

// BenchmarkMediaPage measures a media page (record, sightings, matches, series, clues).
func BenchmarkMediaPage(b *testing.B) {
	e, cookie, id := benchEnv(b)
	benchPage(b, e, cookie, fmt.Sprint("/media/", id))
}
