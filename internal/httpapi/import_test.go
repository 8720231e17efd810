package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/vics"
)

// sharedVICS reads a sample from ../shared/spec/vics.
func sharedVICS(t *testing.T, rel string) []byte {
	t.Helper()
	return readFile(t, filepath.Join("..", "..", "..", "shared", "spec", "vics", rel))
}

// importEvents counts the media.import audit events.
func importEvents(t *testing.T, e *env) int {
	t.Helper()
	n := 0
	for ev, err := range e.store.AuditEvents(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.Action == "media.import" {
			n++
		}
	}
	return n
}

func (c *client) importVICS(query string, body []byte) (*http.Response, []byte) {
	c.e.t.Helper()
	return c.request("POST", "/api/v1/import/vics?"+query, body, "application/json", nil)
}

func TestImportVICS(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{})
	e.addUser("rev.fr", "FR", catalog.RoleReviewer)
	e.addUser("coord", "FR", catalog.RoleCoordinator)
	rev := e.login("rev.fr")
	set := sharedVICS(t, "synthetic/vics-2.0-hashset-synthetic.json")

	var rep importReportJSON
	resp, body := rev.importVICS("visibility=network&source=synthetic", set)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("import = %d %s", resp.StatusCode, body)
	}
	mustJSON(t, body, &rep)
	if rep.Read != 4 || rep.New != 4 || rep.Known != 0 || rep.RefusedCount != 0 || len(rep.Conflicts) != 0 {
		t.Errorf("first import: %+v, want 4 read, 4 new", rep)
	}
	if media, blobs, _ := e.counts(); media != 4 || blobs != 0 {
		t.Errorf("after the import: %d media, %d blobs; want 4 hash-only records", media, blobs)
	}
	if n := importEvents(t, e); n != 1 {
		t.Errorf("%d media.import audit events, want 1 (one batch)", n)
	}
	// The records are the reviewer's country's, visible over the API with the file's category.
	var list struct {
		Items []struct {
			Owner    string        `json:"owner"`
			MD5      string        `json:"md5"`
			Category *categoryJSON `json:"category"`
		} `json:"items"`
	}
	rev.must(200, "GET", "/api/v1/media?limit=100", nil, &list)
	cats := map[string]string{}
	for _, m := range list.Items {
		if m.Owner != "FR" {
			t.Errorf("record %s owned by %q, want FR", m.MD5, m.Owner)
		}
		if m.Category != nil {
			cats[strings.ToUpper(m.MD5)] = m.Category.Scheme + ":" + m.Category.Code
		}
	}
	if got := cats["4F9259F379584775586D8D4E16CB15C4"]; got != "vics-us:1" {
		t.Errorf("record 2's category = %q, want vics-us:1 (listing %+v)", got, list.Items)
	}

	// Again: all known. Then one record recategorised: a conflict, both kept.
	resp, body = rev.importVICS("visibility=network", set)
	mustJSON(t, body, &rep)
	if resp.StatusCode != 200 || rep.Known != 4 || rep.New != 0 {
		t.Errorf("second import: %d %+v, want 4 known", resp.StatusCode, rep)
	}
	var buf bytes.Buffer
	vw, err := vics.NewWriter(&buf, vics.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vw.Write(vics.Media{MD5: "4F9259F379584775586D8D4E16CB15C4", Category: vics.Category{Variant: "US", Code: 2}})
	vw.Write(vics.Media{MimeType: "image/jpeg"}) // no digest: refused
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	resp, body = rev.importVICS("visibility=network", buf.Bytes())
	if resp.StatusCode != 200 {
		t.Fatalf("conflicting import = %d %s", resp.StatusCode, body)
	}
	rep = importReportJSON{}
	mustJSON(t, body, &rep)
	if rep.Read != 1 || rep.RefusedCount != 1 || len(rep.Refused) != 1 || rep.Refused[0].Record != 1 {
		t.Errorf("conflicting import: %+v, want 1 read and record 1 refused", rep)
	}
	if len(rep.Conflicts) != 1 {
		t.Fatalf("conflicts = %+v, want 1", rep.Conflicts)
	}
	c := rep.Conflicts[0]
	if c.Existing == nil || c.Hit != nil || c.MD5 != "4f9259f379584775586d8d4e16cb15c4" ||
		!cmp.Equal(c.Held, &categoryJSON{"vics-us", "1"}) || c.Incoming != (categoryJSON{"vics-us", "2"}) {
		t.Errorf("conflict = %s", body)
	}

	// A coordinator imports for another country; a FR reviewer then conflicts with a record
	// it may not see: a hit naming the owner, nothing else.
	coord := e.login("coord")
	var hidden bytes.Buffer
	vw, _ = vics.NewWriter(&hidden, vics.WriterOptions{})
	vw.Write(vics.Media{MD5: "00112233445566778899AABBCCDDEEFF", Category: vics.Category{Variant: "US", Code: 1}})
	vw.Close()
	resp, body = coord.importVICS("owner=DE&visibility=owner", hidden.Bytes())
	if resp.StatusCode != 200 {
		t.Fatalf("coordinator import for DE = %d %s", resp.StatusCode, body)
	}
	var other bytes.Buffer
	vw, _ = vics.NewWriter(&other, vics.WriterOptions{})
	vw.Write(vics.Media{MD5: "00112233445566778899AABBCCDDEEFF", Category: vics.Category{Variant: "US", Code: 2}})
	vw.Close()
	resp, body = rev.importVICS("visibility=owner", other.Bytes())
	rep = importReportJSON{}
	mustJSON(t, body, &rep)
	if resp.StatusCode != 200 || len(rep.Conflicts) != 1 {
		t.Fatalf("import over a hidden record = %d %s", resp.StatusCode, body)
	}
	if c := rep.Conflicts[0]; c.Hit == nil || c.Hit.Owner != "DE" || c.Existing != nil || c.Held != nil {
		t.Errorf("conflict with a hidden record tells too much or too little: %s", body)
	}
}

func TestImportVICSRefusals(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{})
	e.addUser("rev.fr", "FR", catalog.RoleReviewer)
	rev := e.login("rev.fr")
	ana := e.login("ana.fr")
	set := sharedVICS(t, "nsrl-caid-1.2/NSRL-CAID-MPG.json")
	// Malformed at the root, in the middle of a record, and cut short: nothing is stored.
	whole := string(sharedVICS(t, "synthetic/vics-2.0-hashset-synthetic.json"))
	cases := []struct {
		name   string
		c      *client
		query  string
		ct     string
		body   string
		status int
		code   string
	}{
		{"analyst", ana, "visibility=network", "application/json", string(set), 403, "forbidden"},
		{"another country", rev, "owner=DE&visibility=network", "application/json", string(set), 403, "forbidden"},
		{"no visibility", rev, "", "application/json", string(set), 400, "bad_request"},
		{"bad visibility", rev, "visibility=everyone", "application/json", string(set), 400, "invalid"},
		{"unknown parameter", rev, "visibility=network&colour=red", "application/json", string(set), 400, "bad_request"},
		{"not json", rev, "visibility=network", "text/plain", string(set), 415, "unsupported_content_type"},
		{"not vics", rev, "visibility=network", "application/json", `{"hello": "world"}`, 400, "bad_vics"},
		{"garbage", rev, "visibility=network", "application/json", `not json at all`, 400, "bad_vics"},
		{"broken record", rev, "visibility=network", "application/json", strings.Replace(whole, `"MediaSize": 15,`, `"MediaSize": [15,`, 3), 400, "bad_vics"},
		{"truncated", rev, "visibility=network", "application/json", whole[:len(whole)/2], 400, "bad_vics"},
	}
	for _, tc := range cases {
		resp, body := tc.c.request("POST", "/api/v1/import/vics?"+tc.query, []byte(tc.body), tc.ct, nil)
		if resp.StatusCode != tc.status || errorCode(t, body) != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, resp.StatusCode, body, tc.status, tc.code)
		}
	}
	if media, _, _ := e.counts(); media != 0 {
		t.Errorf("refused imports stored %d records", media)
	}
	if n := importEvents(t, e); n != 0 {
		t.Errorf("refused imports left %d audit events", n)
	}
	// Unauthenticated: 401.
	if resp, _ := e.anon().request("POST", "/api/v1/import/vics?visibility=network", set, "application/json", nil); resp.StatusCode != 401 {
		t.Errorf("anonymous import = %d, want 401", resp.StatusCode)
	}
}

// TestImportReportJSONShape pins the field names the CLI reads.
func TestImportReportJSONShape(t *testing.T) {
	t.Parallel()
	id := int64(7)
	b, err := json.Marshal(importReportJSON{Read: 1, Conflicts: []importConflictJSON{{Existing: &id, MD5: "ab", Incoming: categoryJSON{"vics-us", "2"}}}, Refused: []importRefusedJSON{{Record: 3, Error: "x"}}, RefusedCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"read":1,"new":0,"known":0,"updated":0,"conflicts":[{"existing":7,"md5":"ab","incoming":{"scheme":"vics-us","code":"2"}}],"refused_count":1,"refused":[{"record":3,"error":"x"}]}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("report JSON (-want +got):\n%s", diff)
	}
}
