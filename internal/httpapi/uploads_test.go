package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/auth/session"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/preview"
	"github.com/vidb-project/vidb/internal/testpic"
)

// uploadFixture is a fixture with an FR case; it returns the analyst and the case ID.
func uploadFixture(t testing.TB, o envOptions) (*env, *client, int64) {
	e := fixture(t, o)
	cl := e.login("ana.fr")
	var c caseJSON
	cl.must(201, "POST", "/api/v1/cases", map[string]any{"number": "2026/7", "visibility": "owner"}, &c)
	return e, cl, c.ID
}

func TestUploadNewHeldNear(t *testing.T) {
	t.Parallel()
	e, cl, cs := uploadFixture(t, envOptions{})
	img := testpic.Scene(640, 480, 1)
	orig := testpic.JPEG(t, img, 92)
	q := fmt.Sprintf("case=%d&exhibit=phone-1&path=%s&created=2025-01-02T03:04:05Z", cs, url.QueryEscape("/DCIM/IMG 1.jpg"))

	resp, body := cl.upload(orig, q)
	var r1 resultJSON
	mustJSON(t, body, &r1)
	if resp.StatusCode != 201 || r1.Status != "new" || r1.Media == nil {
		t.Fatalf("first upload = %d %s", resp.StatusCode, body)
	}
	if r1.Media.SHA256 == "" || len(r1.Media.PDQ) != 64 || r1.Media.Width != 640 || r1.Sighting.Path != "/DCIM/IMG 1.jpg" || r1.Sighting.Created == nil {
		t.Errorf("first upload result %+v", r1)
	}
	// The same file again, through multipart this time: held, one media, two sightings.
	resp, body = cl.multipart(map[string]string{"case": fmt.Sprint(cs), "exhibit": "phone-2", "path": "copy.jpg"}, orig)
	var r2 resultJSON
	mustJSON(t, body, &r2)
	if resp.StatusCode != 200 || r2.Status != "held" || r2.Media == nil || r2.Media.ID != r1.Media.ID {
		t.Fatalf("second upload = %d %s", resp.StatusCode, body)
	}
	var sightings listOf[sightingJSON]
	cl.must(200, "GET", fmt.Sprintf("/api/v1/media/%d/sightings", r1.Media.ID), nil, &sightings)
	if len(sightings.Items) != 2 {
		t.Errorf("sightings = %d, want 2", len(sightings.Items))
	}
	if m, _, _ := e.counts(); m != 1 {
		t.Errorf("media records = %d, want 1", m)
	}
	// A re-encoded copy: a new record with a near match and its distance.
	resp, body = cl.upload(testpic.JPEG(t, img, 40), fmt.Sprintf("case=%d", cs))
	var r3 resultJSON
	mustJSON(t, body, &r3)
	if resp.StatusCode != 201 || r3.Status != "new" {
		t.Fatalf("re-encoded upload = %d %s", resp.StatusCode, body)
	}
	found := false
	for _, m := range r3.Matches {
		if m.Kind == "near" && m.Media != nil && m.Media.ID == r1.Media.ID && m.Distance != nil && *m.Distance > 0 && *m.Distance <= 31 {
			found = true
		}
	}
	if !found {
		t.Errorf("re-encoded copy: no near match with a distance: %s", body)
	}
	var ms matchesResponse
	cl.must(200, "GET", fmt.Sprintf("/api/v1/media/%d/matches", r1.Media.ID), nil, &ms)
	if len(ms.Matches) == 0 {
		t.Errorf("recorded matches of the original: none")
	}
	// Search by hash and by image; nothing is stored by either.
	var sr matchesResponse
	cl.must(200, "POST", "/api/v1/search", map[string]string{"sha256": strings.ToUpper(r1.Media.SHA256)}, &sr)
	if len(sr.Matches) != 1 || sr.Matches[0].Media == nil || sr.Matches[0].Media.ID != r1.Media.ID {
		t.Errorf("search by sha256: %+v", sr)
	}
	resp, body = cl.request("POST", "/api/v1/search/image", testpic.JPEG(t, img, 70), "application/octet-stream", nil)
	mustJSON(t, body, &sr)
	if resp.StatusCode != 200 || len(sr.Matches) < 2 {
		t.Errorf("search by image = %d %s", resp.StatusCode, body)
	}
	if m, _, spool := e.counts(); m != 2 || spool != 0 {
		t.Errorf("after searches: %d media, %d spool files; want 2, 0", m, spool)
	}
	if got := metricValue(t, e, "vidb_ingest_total", map[string]string{"status": "held"}); got != 1 {
		t.Errorf("vidb_ingest_total{status=held} = %v", got)
	}
	if got := metricValue(t, e, "vidb_ingest_bytes_total", nil); got < float64(2*len(orig)) {
		t.Errorf("vidb_ingest_bytes_total = %v", got)
	}
	// Categorise needs a reviewer; the analyst is refused and nothing changes.
	resp, _ = cl.do("PUT", fmt.Sprintf("/api/v1/media/%d/category", r1.Media.ID), map[string]string{"scheme": "vics-us", "code": "1"})
	if resp.StatusCode != 403 {
		t.Errorf("analyst categorising = %d, want 403", resp.StatusCode)
	}
}

// multipart sends an upload as multipart/form-data with the fields before the file.
func (c *client) multipart(fields map[string]string, data []byte) (*http.Response, []byte) {
	c.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			c.e.t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", "upload.bin")
	if err != nil {
		c.e.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return c.request("POST", "/api/v1/media", buf.Bytes(), mw.FormDataContentType(), nil)
}

// pngBomb is a valid PNG header declaring width x height pixels, with a tiny IDAT.
func pngBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	e, cl, cs := uploadFixture(t, envOptions{ingest: ingest.Config{MaxBytes: 1 << 20}})
	q := fmt.Sprintf("case=%d", cs)
	good := testpic.JPEG(t, testpic.Scene(200, 150, 3), 90)
	big := make([]byte, 2<<20)
	copy(big, good)
	rand.Read(big[len(good):])
	cases := []struct {
		name   string
		send   func() (*http.Response, []byte)
		status int
		code   string
	}{
		{"oversized", func() (*http.Response, []byte) { return cl.upload(big, q) }, 413, "too_large"},
		{"non-media", func() (*http.Response, []byte) { return cl.upload([]byte(strings.Repeat("just some text\n", 100)), q) }, 415, "unsupported_media"},
		{"corrupt", func() (*http.Response, []byte) { return cl.upload(good[:len(good)/2], q) }, 422, "undecodable"},
		{"decompression bomb", func() (*http.Response, []byte) { return cl.upload(pngBomb(100000, 100000), q) }, 413, "too_large"},
		{"wrong content type", func() (*http.Response, []byte) {
			return cl.request("POST", "/api/v1/media?"+q, good, "image/jpeg", nil)
		}, 415, "unsupported_content_type"},
		{"no case", func() (*http.Response, []byte) { return cl.upload(good, "exhibit=x") }, 400, "bad_request"},
		{"unknown field", func() (*http.Response, []byte) { return cl.upload(good, q+"&owner=DE") }, 400, "bad_request"},
		{"bad time", func() (*http.Response, []byte) { return cl.upload(good, q+"&created=yesterday") }, 400, "bad_request"},
		{"bad visibility", func() (*http.Response, []byte) { return cl.upload(good, q+"&visibility=everyone") }, 400, "invalid"},
		{"another country's case", func() (*http.Response, []byte) { return cl.upload(good, "case=999") }, 404, "not_found"},
		{"two files", func() (*http.Response, []byte) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("case", fmt.Sprint(cs))
			fw, _ := mw.CreateFormFile("file", "a")
			fw.Write(good)
			fw, _ = mw.CreateFormFile("file", "b")
			fw.Write(good)
			mw.Close()
			return cl.request("POST", "/api/v1/media", buf.Bytes(), mw.FormDataContentType(), nil)
		}, 400, "bad_request"},
		{"malformed JSON", func() (*http.Response, []byte) {
			return cl.request("POST", "/api/v1/cases", []byte(`{"number":`), "application/json", nil)
		}, 400, "bad_request"},
		{"unknown JSON field", func() (*http.Response, []byte) {
			return cl.request("POST", "/api/v1/cases", []byte(`{"number":"1","visibility":"owner","owner_secret":1}`), "application/json", nil)
		}, 400, "bad_json"},
		{"JSON as text/plain", func() (*http.Response, []byte) {
			return cl.request("POST", "/api/v1/cases", []byte(`{"number":"1","visibility":"owner"}`), "text/plain", nil)
		}, 415, "unsupported_content_type"},
	}
	for _, c := range cases {
		resp, body := c.send()
		if resp.StatusCode != c.status || errorCode(t, body) != c.code {
			t.Errorf("%s = %d %s, want %d %s", c.name, resp.StatusCode, body, c.status, c.code)
		}
	}
	if m, b, s := e.counts(); m != 0 || b != 0 || s != 0 {
		t.Errorf("after refused uploads: %d media, %d blobs, %d spool files; want none", m, b, s)
	}
}

func TestUploadLimitHTTP(t *testing.T) {
	t.Parallel()
	e, cl, cs := uploadFixture(t, envOptions{cfg: Config{MaxUpload: 64 << 10}})
	data := testpic.JPEG(t, testpic.Scene(800, 600, 9), 100)
	if len(data) <= 64<<10 {
		t.Fatalf("test image only %d bytes", len(data))
	}
	resp, body := cl.upload(data, fmt.Sprintf("case=%d", cs))
	if resp.StatusCode != 413 {
		t.Errorf("upload over MaxUpload = %d %s, want 413", resp.StatusCode, body)
	}
	if m, b, s := e.counts(); m != 0 || b != 0 || s != 0 {
		t.Errorf("after an oversized upload: %d media, %d blobs, %d spool files", m, b, s)
	}
}

// TestTruncatedUpload: a client that hangs up mid-upload leaves no media row, blob or spool
// file.
func TestTruncatedUpload(t *testing.T) {
	t.Parallel()
	e, cl, cs := uploadFixture(t, envOptions{})
	data := testpic.JPEG(t, testpic.Scene(1200, 900, 5), 95)
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/media?case=%d HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\nCookie: %s=%s\r\n\r\n", cs, len(data), session.CookieName, cl.cookie)
	conn.Write(data[:len(data)/3])
	time.Sleep(100 * time.Millisecond)
	conn.Close()
	deadline := time.Now().Add(10 * time.Second)
	for metricValue(t, e, "vidb_ingest_total", map[string]string{"status": "error"}) < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the server never finished the truncated upload")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m, b, s := e.counts(); m != 0 || b != 0 || s != 0 {
		t.Errorf("after a truncated upload: %d media, %d blobs, %d spool files; want none", m, b, s)
	}
}

func TestLookupBatch(t *testing.T) {
	t.Parallel()
	_, cl, cs := uploadFixture(t, envOptions{})
	data := testpic.JPEG(t, testpic.Scene(300, 200, 11), 90)
	var r resultJSON
	resp, body := cl.upload(data, fmt.Sprintf("case=%d", cs))
	mustJSON(t, body, &r)
	if resp.StatusCode != 201 {
		t.Fatalf("upload %d %s", resp.StatusCode, body)
	}
	qs := make([]hashQuery, ingest.MaxBatch)
	for i := range qs {
		var h [32]byte
		rand.Read(h[:])
		qs[i] = hashQuery{SHA256: hex.EncodeToString(h[:])}
	}
	qs[4321] = hashQuery{MD5: r.Media.MD5}
	var lr lookupResponse
	cl.must(200, "POST", "/api/v1/lookup", lookupRequest{Queries: qs}, &lr)
	if len(lr.Results) != ingest.MaxBatch {
		t.Fatalf("%d results, want %d", len(lr.Results), ingest.MaxBatch)
	}
	for i, res := range lr.Results {
		if want := map[bool]int{true: 1, false: 0}[i == 4321]; len(res) != want {
			t.Errorf("query %d: %d results, want %d", i, len(res), want)
		}
	}
	resp, body = cl.do("POST", "/api/v1/lookup", lookupRequest{Queries: append(qs, hashQuery{MD5: r.Media.MD5})})
	if resp.StatusCode != 413 || errorCode(t, body) != "too_many" {
		t.Errorf("10,001 queries = %d %s, want 413 too_many", resp.StatusCode, body)
	}
	resp, body = cl.do("POST", "/api/v1/lookup", lookupRequest{Queries: []hashQuery{{MD5: "xyz"}}})
	if resp.StatusCode != 400 {
		t.Errorf("a malformed query = %d %s, want 400", resp.StatusCode, body)
	}
}

func TestPreviewAndReveal(t *testing.T) {
	t.Parallel()
	e, cl, cs := uploadFixture(t, envOptions{preview: preview.Config{DailyRevealLimit: 2}})
	data := testpic.JPEG(t, testpic.Scene(400, 300, 21), 90)
	var r resultJSON
	resp, body := cl.upload(data, fmt.Sprintf("case=%d", cs))
	mustJSON(t, body, &r)
	if resp.StatusCode != 201 {
		t.Fatalf("upload %d %s", resp.StatusCode, body)
	}
	base := fmt.Sprintf("/api/v1/media/%d", r.Media.ID)
	resp, body = cl.do("GET", base+"/preview?size=64", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Cache-Control") != "private, no-store" || !bytes.HasPrefix(body, []byte("\x89PNG")) {
		t.Errorf("preview = %d %v", resp.StatusCode, resp.Header)
	}
	for _, bad := range []string{"size=100000", "size=-1", "blur=abc", "blur=9", "grey=maybe"} {
		if resp, _ := cl.do("GET", base+"/preview?"+bad, nil); resp.StatusCode != 400 {
			t.Errorf("preview?%s = %d, want 400", bad, resp.StatusCode)
		}
	}
	before := auditCount(t, e, "media.reveal")
	for i := 1; i <= 2; i++ {
		resp, body = cl.do("POST", base+"/reveal", nil)
		if resp.StatusCode != 200 || !bytes.Equal(body, data) {
			t.Fatalf("reveal %d = %d, %d bytes", i, resp.StatusCode, len(body))
		}
		h := resp.Header
		if h.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "no-store" || h.Get("X-Vidb-Reveals-Today") != fmt.Sprint(i) {
			t.Errorf("reveal %d headers: %v", i, h)
		}
	}
	resp, body = cl.do("POST", base+"/reveal", nil)
	if resp.StatusCode != 429 || errorCode(t, body) != "reveal_limit" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third reveal = %d %s, want 429 reveal_limit with Retry-After", resp.StatusCode, body)
	}
	if got := auditCount(t, e, "media.reveal") - before; got != 2 {
		t.Errorf("media.reveal audit events = %d, want 2", got)
	}
	var me meResponse
	cl.must(200, "GET", "/api/v1/me", nil, &me)
	if me.RevealsToday != 2 || me.RevealLimit != 2 {
		t.Errorf("me: reveals %d of %d, want 2 of 2", me.RevealsToday, me.RevealLimit)
	}
	if got := metricValue(t, e, "vidb_reveals_total", nil); got != 2 {
		t.Errorf("vidb_reveals_total = %v", got)
	}
	// A hash-only record has nothing to preview or reveal.
	var sha [32]byte
	rand.Read(sha[:])
	err := e.store.Update(context.Background(), func(tx catalog.Tx) error {
		m, _, err := tx.PutMedia(context.Background(), catalog.Media{Digests: catalog.Digests{SHA256: sha}, Kind: catalog.KindImage,
			Access: catalog.Access{Owner: "FR", Visibility: catalog.VisibilityOwner}, Source: "vics:test.json"})
		if err != nil {
			return err
		}
		_, err = tx.Audit(context.Background(), auditEvent("media.import", fmt.Sprintf("media/%d", m.ID)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var list listOf[mediaJSON]
	cl.must(200, "GET", "/api/v1/media?limit=10", nil, &list)
	var hashOnly int64
	for _, m := range list.Items {
		if m.HashOnly {
			hashOnly = m.ID
		}
	}
	resp, body = cl.do("GET", fmt.Sprintf("/api/v1/media/%d/preview", hashOnly), nil)
	if resp.StatusCode != 404 || errorCode(t, body) != "no_content" {
		t.Errorf("preview of a hash-only record = %d %s", resp.StatusCode, body)
	}
}

func auditCount(t testing.TB, e *env, action string) int {
	t.Helper()
	n := 0
	for ev, err := range e.store.AuditEvents(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Action == action {
			n++
		}
	}
	return n
}
