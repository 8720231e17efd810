package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/preview"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("case 7: %w", catalog.ErrNotFound), 404, "not_found"},
		{catalog.ErrForbidden, 403, "forbidden"},
		{fmt.Errorf("%w: visibility", catalog.ErrInvalid), 400, "invalid"},
		{catalog.ErrConflict, 409, "conflict"},
		{auth.ErrUnauthenticated, 401, "unauthenticated"},
		{auth.ErrBadCredentials, 401, "bad_credentials"},
		{auth.ErrLocked, 403, "locked"},
		{auth.ErrRateLimited, 429, "rate_limited"},
		{auth.ErrMustChangePassword, 403, "password_change_required"},
		{auth.ErrWeakPassword, 400, "weak_password"},
		{auth.ErrTOTPRequired, 401, "totp_required"},
		{fmt.Errorf("upload: %w", ingest.ErrTooLarge), 413, "too_large"},
		{ingest.ErrUnsupported, 415, "unsupported_media"},
		{ingest.ErrUndecodable, 422, "undecodable"},
		{ingest.ErrTooMany, 413, "too_many"},
		{preview.ErrRevealLimit, 429, "reveal_limit"},
		{preview.ErrNoContent, 404, "no_content"},
		{&http.MaxBytesError{Limit: 10}, 413, "too_large"},
		{&json.SyntaxError{Offset: 3}, 400, "bad_json"},
		{errors.New("disk on fire at /var/secret"), 500, "internal"},
	}
	for _, c := range cases {
		got := classify(c.err)
		if got.Status != c.status || got.Code != c.code {
			t.Errorf("classify(%v) = %d %s, want %d %s", c.err, got.Status, got.Code, c.status, c.code)
		}
		if c.status == 500 && strings.Contains(got.Message, "secret") {
			t.Errorf("a 500 message carries the detail: %q", got.Message)
		}
	}
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	s := &server{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	cases := []struct {
		remote, xff, want string
	}{
		{"192.0.2.1:5000", "", "192.0.2.1"},
		{"192.0.2.1:5000", "198.51.100.7", "192.0.2.1"},                          // untrusted peer: header ignored
		{"10.0.0.2:5000", "198.51.100.7", "198.51.100.7"},                        // trusted proxy
		{"10.0.0.2:5000", "203.0.113.9, 198.51.100.7, 10.0.0.3", "198.51.100.7"}, // right-most untrusted
		{"10.0.0.2:5000", "garbage", "10.0.0.2"},
		{"[::ffff:192.0.2.1]:80", "", "192.0.2.1"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := s.clientIP(r); got != c.want {
			t.Errorf("clientIP(%s, XFF %q) = %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
}

// TestOpenAPICoverage walks the route table and the OpenAPI document: every route served is
// documented, every documented operation is served, and every reference resolves.
func TestOpenAPICoverage(t *testing.T) {
	t.Parallel()
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components map[string]map[string]json.RawMessage `json:"components"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	var served []string
	for _, rt := range (&server{}).routeTable() {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			t.Errorf("route %q has no method", rt.pattern)
			continue
		}
		served = append(served, rt.pattern)
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("route %s is not documented in openapi.json", rt.pattern)
			continue
		}
		var o struct {
			Parameters []struct{ Name, In string } `json:"parameters"`
			Responses  map[string]json.RawMessage  `json:"responses"`
		}
		if err := json.Unmarshal(op, &o); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(path, "{id}") && !slices.ContainsFunc(o.Parameters, func(p struct{ Name, In string }) bool { return p.Name == "id" && p.In == "path" }) {
			t.Errorf("%s: path parameter id not documented", rt.pattern)
		}
		if _, ok := o.Responses["500"]; !ok {
			t.Errorf("%s: error responses not documented", rt.pattern)
		}
		if rt.access != public {
			if _, ok := o.Responses["401"]; !ok {
				t.Errorf("%s: signed-in route does not document 401", rt.pattern)
			}
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			p := strings.ToUpper(method) + " " + path
			if !slices.Contains(served, p) {
				t.Errorf("openapi.json documents %s, which is not served", p)
			}
		}
	}
	// Every $ref points at a component that exists.
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
				if len(parts) != 2 || doc.Components[parts[0]][parts[1]] == nil {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	var all any
	if err := json.Unmarshal(openAPIDocument, &all); err != nil {
		t.Fatal(err)
	}
	walk(all)
}

// TestFoundHitCarriesNothingElse: a match on a record the asker may not see is {"hit":...}
// and nothing else.
func TestFoundHitCarriesNothingElse(t *testing.T) {
	t.Parallel()
	m := catalog.Media{ID: 9, Digests: catalog.Digests{SHA256: [32]byte{0xab}}}
	j, err := json.Marshal(toFound(ingest.Found{Kind: catalog.MatchNear, Distance: 7, Hit: &catalog.Hit{Owner: "DE"}, Media: &m}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"hit":{"owner":"DE","message":"a record owned by DE matches; contact DE"}}`
	if diff := cmp.Diff(want, string(j)); diff != "" {
		t.Errorf("hit JSON (-want +got):\n%s", diff)
	}
	res, err := json.Marshal(toResult(ingest.Result{Status: "hit", Hit: &catalog.Hit{Owner: "DE"}, Media: &m, Sighting: catalog.Sighting{ID: 3, Media: 9, Case: 2}}))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(res, []byte("abab")) || bytes.Contains(res, []byte(`"media":9`)) || bytes.Contains(res, []byte(`"id":9`)) {
		t.Errorf("a hit upload result names the hidden record: %s", res)
	}
}

func TestDecodeRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, ct, body string
		status         int
	}{
		{"ok", "application/json", `{"login":"a","password":"b"}`, 0},
		{"charset ok", "application/json; charset=utf-8", `{"login":"a","password":"b"}`, 0},
		{"wrong type", "text/plain", `{"login":"a"}`, 415},
		{"no type", "", `{"login":"a"}`, 415},
		{"malformed", "application/json", `{"login":`, 400},
		{"syntax", "application/json", `{"login" "a"}`, 400},
		{"unknown field", "application/json", `{"login":"a","admin":true}`, 400},
		{"two values", "application/json", `{"login":"a"}{"login":"b"}`, 400},
		{"trailing garbage", "application/json", `{"login":"a"} x`, 400},
		{"wrong type of field", "application/json", `{"login":5}`, 400},
		{"empty", "application/json", ``, 400},
		{"too large", "application/json", `{"login":"` + strings.Repeat("a", 200) + `"}`, 413},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		if c.ct != "" {
			r.Header.Set("Content-Type", c.ct)
		}
		w := httptest.NewRecorder()
		_, err := decodeJSON[loginRequest](w, r, 100)
		status := 0
		if err != nil {
			status = classify(err).Status
		}
		if status != c.status {
			t.Errorf("%s: status %d (%v), want %d", c.name, status, err, c.status)
		}
	}
}

// fuzzDecode feeds arbitrary bytes to the decoder of T: it must not panic, and must either
// refuse with a 4xx or return a value that encodes again.
func fuzzDecode[T any](f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"x":1}`))
	f.Add([]byte(`[]`))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(in))
		r.Header.Set("Content-Type", "application/json")
		v, err := decodeJSON[T](httptest.NewRecorder(), r, 1<<16)
		if err != nil {
			if st := classify(err).Status; st < 400 || st > 499 {
				t.Fatalf("decode error %v maps to %d, want a 4xx", err, st)
			}
			return
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
	})
}

func FuzzDecodeLogin(f *testing.F) {
	fuzzDecode[loginRequest](f, `{"login":"ana","password":"pw","totp":"123456"}`)
}
func FuzzDecodePassword(f *testing.F) { fuzzDecode[passwordRequest](f, `{"old":"a","new":"b"}`) }
func FuzzDecodeToken(f *testing.F)    { fuzzDecode[tokenRequest](f, `{"name":"laptop","ttl_days":30}`) }
func FuzzDecodeSettings(f *testing.F) {
	fuzzDecode[settingsJSON](f, `{"blur":0.04,"colour":false,"daily_reveal_limit":20}`)
}
func FuzzDecodeTOTPConfirm(f *testing.F) {
	fuzzDecode[totpConfirmRequest](f, `{"code":"123456"}`)
}
func FuzzDecodeTOTPDisable(f *testing.F) {
	fuzzDecode[totpDisableRequest](f, `{"password":"x"}`)
}
func FuzzDecodeCountry(f *testing.F) { fuzzDecode[countryRequest](f, `{"code":"FR","name":"France"}`) }
func FuzzDecodeUser(f *testing.F) {
	fuzzDecode[userRequest](f, `{"login":"ana","country":"FR","role":"analyst"}`)
}
func FuzzDecodeCase(f *testing.F) {
	fuzzDecode[caseRequest](f, `{"number":"2026/1","visibility":"listed","shared_with":["DE"]}`)
}
func FuzzDecodeCategory(f *testing.F) {
	fuzzDecode[categoryRequest](f, `{"scheme":"vics-us","code":"1"}`)
}
func FuzzDecodeSeriesRef(f *testing.F) { fuzzDecode[seriesRefRequest](f, `{"series":3}`) }
func FuzzDecodeAccess(f *testing.F) {
	fuzzDecode[accessRequest](f, `{"visibility":"owner"}`)
}
func FuzzDecodeHashQuery(f *testing.F) {
	fuzzDecode[hashQuery](f, `{"md5":"d41d8cd98f00b204e9800998ecf8427e"}`)
}
func FuzzDecodeLookup(f *testing.F) {
	fuzzDecode[lookupRequest](f, `{"queries":[{"sha1":"da39a3ee5e6b4b0d3255bfef95601890afd80709"},{"pdq":"`+strings.Repeat("0f", 32)+`"}]}`)
}
func FuzzDecodeSeries(f *testing.F) {
	fuzzDecode[seriesRequest](f, `{"name":"BLUE-LAKE","visibility":"network"}`)
}
func FuzzDecodeSeriesPatch(f *testing.F) {
	fuzzDecode[seriesPatchRequest](f, `{"status":"identified","shared_with":["DE"]}`)
}
func FuzzDecodePerson(f *testing.F) {
	fuzzDecode[personRequest](f, `{"code":"V-1","sex":"female","series":[1,2],"visibility":"owner"}`)
}
func FuzzDecodePersonPatch(f *testing.F) {
	fuzzDecode[personPatchRequest](f, `{"notes":"n","series":[]}`)
}
func FuzzDecodeIdentify(f *testing.F) { fuzzDecode[identifyRequest](f, `{"likely_location":"FR"}`) }
func FuzzDecodeClue(f *testing.F) {
	fuzzDecode[clueRequest](f, `{"media":1,"kind":"text","text":"sign","region":{"x":1,"y":2,"w":3,"h":4},"visibility":"owner"}`)
}

// FuzzHashQuery checks the hex parsing of queries: no panic, and either a 400 or a query that
// has at least one known digest or a PDQ hash.
func FuzzHashQuery(f *testing.F) {
	f.Add("d41d8cd98f00b204e9800998ecf8427e", "", "", "")
	f.Add("", "", "", strings.Repeat("a", 64))
	f.Add("zz", "x", "", "")
	f.Fuzz(func(t *testing.T, md5, sha1, sha256, p string) {
		q, err := toQuery(hashQuery{MD5: md5, SHA1: sha1, SHA256: sha256, PDQ: p})
		if err != nil {
			if classify(err).Status != 400 {
				t.Fatalf("toQuery error %v is not a 400", err)
			}
			return
		}
		if q.Digests.Empty() && q.PDQ == nil {
			t.Fatalf("empty query accepted")
		}
	})
}
