package remote

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/triage"
	"github.com/vidb-project/vidb/pdq"
)

// lookupServer implements just the lookup contract: exact matches by SHA-256, a hit on MD5
// 0x22..., and nothing else.
func lookupServer(t *testing.T, requests *atomic.Int32, maxBatch int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/lookup" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer secret" {
			http.Error(w, "unauthenticated", http.StatusUnauthorized)
			return
		}
		var req struct {
			Queries []query `json:"queries"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Queries) > maxBatch {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		res := make([][]map[string]any, len(req.Queries))
		for i, q := range req.Queries {
			res[i] = []map[string]any{}
			switch {
			case q.SHA256 == hex32(0x11):
				res[i] = append(res[i], map[string]any{"kind": "exact", "distance": 0,
					"media":  map[string]any{"id": 7, "category": map[string]any{"scheme": "vics-us", "code": "1"}, "series": 3},
					"series": map[string]any{"name": "Garden", "status": "unidentified"}})
			case q.MD5 == hex16(0x22):
				res[i] = append(res[i], map[string]any{"hit": map[string]any{"owner": "DE", "message": "a record owned by DE matches; contact DE"}})
			case q.PDQ != "":
				res[i] = append(res[i], map[string]any{"kind": "near", "distance": 12, "media": map[string]any{"id": 9}})
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"results": res})
	}))
}

func hex16(b byte) string { return hexRepeat(b, 16) }
func hex32(b byte) string { return hexRepeat(b, 32) }
func hexRepeat(b byte, n int) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*n)
	for range n {
		out = append(out, digits[b>>4], digits[b&15])
	}
	return string(out)
}

func TestServerMatch(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	ts := lookupServer(t, &requests, 2)
	defer ts.Close()
	var d1, d2, d3 catalog.Digests
	for i := range d1.SHA256 {
		d1.SHA256[i] = 0x11
	}
	for i := range d2.MD5 {
		d2.MD5[i] = 0x22
	}
	d3.MD5[0] = 1
	qs := []triage.Query{{Digests: d1}, {Digests: d2}, {Digests: d3, PDQ: []pdq.Hash{{1}}, Quality: 90}, {Digests: d3}}
	s := &Server{URL: ts.URL + "/", Token: "secret", Batch: 2}
	got, err := s.Match(context.Background(), qs)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]triage.Match{
		{{Source: "server", Kind: "exact", Media: 7, Category: &triage.Category{Scheme: "vics-us", Code: "1"}, Series: "Garden", SeriesStatus: "unidentified"}},
		{{Source: "server", Kind: "exact", HitOwner: "DE", HitMessage: "a record owned by DE matches; contact DE"}},
		{{Source: "server", Kind: "near", Distance: 12, Media: 9}},
		nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("matches (-want +got):\n%s", diff)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("%d requests for 4 queries in batches of 2, want 2", n)
	}

	bad := &Server{URL: ts.URL, Token: "wrong"}
	if _, err := bad.Match(context.Background(), qs); !errors.Is(err, ErrStatus) {
		t.Errorf("wrong token: err = %v, want %v", err, ErrStatus)
	}
}

func TestServerMalformed(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"not json":      "<html>",
		"short":         `{"results":[]}`,
		"unknown kind":  `{"results":[[{"kind":"maybe"}]]}`,
		"hit, no owner": `{"results":[[{"hit":{}}]]}`,
	} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
		_, err := (&Server{URL: ts.URL, Token: "t"}).Match(context.Background(), []triage.Query{{}})
		if !errors.Is(err, ErrResponse) {
			t.Errorf("%s: err = %v, want %v", name, err, ErrResponse)
		}
		ts.Close()
	}
}
