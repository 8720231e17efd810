package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/testpic"
)

// record is one country-A record set at one visibility, with the strings that must not reach
// anyone not entitled to see it.
type record struct {
	vis                                          string
	media, cs, series, victim, clue              int64
	sha256, md5, sha1, pdq                       string
	seriesName, caseNumber, clueText, victimCode string
}

func (r record) secrets() []string {
	out := []string{r.seriesName, r.caseNumber, r.clueText, r.victimCode, r.sha256, r.md5, r.sha1}
	if r.pdq != "" {
		out = append(out, r.pdq)
	}
	return out
}

// seedRecords makes, as a reviewer of FR, a case, a media item, a series, a victim and a clue
// at each visibility (network, listed with NL only, owner).
func seedRecords(t *testing.T, e *env, fr *client) []record {
	t.Helper()
	var out []record
	for i, vis := range []string{"network", "listed", "owner"} {
		r := record{vis: vis, seriesName: "SERIES-SECRET-" + vis, caseNumber: "CASE-SECRET-" + vis,
			clueText: "clue secret text " + vis, victimCode: "VICTIM-SECRET-" + vis}
		access := map[string]any{"visibility": vis}
		if vis == "listed" {
			access["shared_with"] = []string{"NL"}
		}
		with := func(m map[string]any) map[string]any {
			for k, v := range access {
				m[k] = v
			}
			return m
		}
		var c caseJSON
		fr.must(201, "POST", "/api/v1/cases", with(map[string]any{"number": r.caseNumber, "title": "t"}), &c)
		r.cs = c.ID
		q := fmt.Sprintf("case=%d&exhibit=laptop&path=/home/x/%d.jpg&visibility=%s", c.ID, i, vis)
		if vis == "listed" {
			q += "&shared_with=NL"
		}
		resp, body := fr.upload(testpic.JPEG(t, testpic.Scene(320, 240, 100+i), 90), q)
		if resp.StatusCode != 201 {
			t.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
		var res resultJSON
		mustJSON(t, body, &res)
		m := res.Media
		r.media, r.sha256, r.md5, r.sha1, r.pdq = m.ID, m.SHA256, m.MD5, m.SHA1, m.PDQ
		var s seriesJSON
		fr.must(201, "POST", "/api/v1/series", with(map[string]any{"name": r.seriesName}), &s)
		r.series = s.ID
		fr.must(200, "PUT", fmt.Sprintf("/api/v1/media/%d/series", r.media), map[string]any{"series": s.ID}, nil)
		var p personJSON
		fr.must(201, "POST", "/api/v1/victims", with(map[string]any{"code": r.victimCode, "series": []int64{s.ID}}), &p)
		r.victim = p.ID
		var cl clueJSON
		fr.must(201, "POST", "/api/v1/clues", with(map[string]any{"media": r.media, "kind": "text", "text": r.clueText}), &cl)
		r.clue = cl.ID
		out = append(out, r)
	}
	return out
}

// TestLeaks checks, for every route that touches a record and every kind of user of another
// country, the status and that the body carries none of the record's secrets unless the user
// is entitled to see the record.
func TestLeaks(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, c := range []catalog.CountryCode{"FR", "DE", "NL"} {
		e.addCountry(c)
	}
	e.addUser("rev.fr", "FR", catalog.RoleReviewer)
	fr := e.login("rev.fr")
	recs := seedRecords(t, e, fr)

	type asker struct {
		name string
		c    *client
		// sees reports whether the asker is entitled to a record of that visibility.
		sees func(vis string) bool
		// scoped: the role has a scope (may search); others are refused searches.
		scoped bool
	}
	none := func(string) bool { return false }
	network := func(vis string) bool { return vis == "network" }
	all := func(string) bool { return true }
	mk := func(login string, role catalog.Role) *client {
		e.addUser(login, "DE", role)
		return e.login(login)
	}
	disabled := mk("disabled.de", catalog.RoleAnalyst)
	dis, err := e.store.UserByLogin(context.Background(), "disabled.de")
	if err != nil {
		t.Fatal(err)
	}
	e.addUser("admin.nl", "NL", catalog.RoleCoordinator)
	if err := e.auth.SetDisabled(context.Background(), mustUser(t, e, "admin.nl"), dis.ID, true); err != nil {
		t.Fatal(err)
	}
	askers := []asker{
		{"DE analyst", mk("ana.de", catalog.RoleAnalyst), network, true},
		{"DE reviewer", mk("rev.de", catalog.RoleReviewer), network, true},
		{"DE country admin", mk("adm.de", catalog.RoleCountryAdmin), none, false},
		{"DE coordinator", mk("coord.de", catalog.RoleCoordinator), all, true},
		{"DE auditor", mk("aud.de", catalog.RoleAuditor), none, false},
		{"DE partner", mk("partner.de", catalog.RolePartner), none, false},
		{"disabled DE analyst", disabled, none, false},
		{"no session", e.anon(), none, false},
	}

	type probe struct {
		method, path string
		body         any
		// record reports whether the route is about this one record (404 when not entitled)
		// rather than a listing or search.
		record bool
		// mutates: only sent by askers not entitled, and must change nothing.
		mutates bool
	}
	probes := func(r record) []probe {
		m, id := fmt.Sprintf("/api/v1/media/%d", r.media), func(kind string, id int64) string { return fmt.Sprintf("/api/v1/%s/%d", kind, id) }
		return []probe{
			{"GET", "/api/v1/media", nil, false, false},
			{"GET", "/api/v1/media?uncategorised=1&kind=image", nil, false, false},
			{"GET", m, nil, true, false},
			{"GET", m + "/sightings", nil, true, false},
			{"GET", m + "/matches", nil, true, false},
			{"GET", m + "/frames", nil, true, false},
			{"GET", m + "/preview", nil, true, false},
			{"GET", "/api/v1/cases", nil, false, false},
			{"GET", id("cases", r.cs), nil, true, false},
			{"GET", "/api/v1/series", nil, false, false},
			{"GET", id("series", r.series), nil, true, false},
			{"GET", "/api/v1/victims", nil, false, false},
			{"GET", id("victims", r.victim), nil, true, false},
			{"GET", "/api/v1/clues", nil, false, false},
			{"GET", "/api/v1/clues?q=secret", nil, false, false},
			{"GET", id("clues", r.clue), nil, true, false},
			{"GET", "/api/v1/alerts", nil, false, false},
			{"GET", "/api/v1/audit", nil, false, false},
			{"POST", "/api/v1/search", map[string]string{"sha256": r.sha256}, false, false},
			{"POST", "/api/v1/search", map[string]string{"md5": r.md5}, false, false},
			{"POST", "/api/v1/search", map[string]string{"pdq": r.pdq}, false, false},
			{"POST", "/api/v1/lookup", map[string]any{"queries": []map[string]string{{"sha1": r.sha1}, {"pdq": r.pdq}}}, false, false},
			{"POST", m + "/reveal", nil, true, true},
			{"PUT", m + "/category", map[string]string{"scheme": "vics-us", "code": "1"}, true, true},
			{"PUT", m + "/series", map[string]int64{"series": 0}, true, true},
			{"PUT", m + "/access", map[string]string{"visibility": "network"}, true, true},
			{"PATCH", id("series", r.series), map[string]string{"name": "RENAMED"}, true, true},
			{"POST", id("series", r.series) + "/join", nil, true, true},
			{"PATCH", id("victims", r.victim), map[string]string{"notes": "changed"}, true, true},
			{"POST", id("victims", r.victim) + "/identify", map[string]string{}, true, true},
			{"DELETE", id("clues", r.clue), nil, true, true},
		}
	}
	checked := 0
	for _, a := range askers {
		for _, r := range recs {
			entitled := a.sees(r.vis)
			for _, p := range probes(r) {
				if p.mutates && entitled {
					continue
				}
				resp, body := a.c.do(p.method, p.path, p.body)
				what := fmt.Sprintf("%s: %s %s (%s record)", a.name, p.method, p.path, r.vis)
				checked++
				switch {
				case a.name == "no session" || a.name == "disabled DE analyst":
					if resp.StatusCode != http.StatusUnauthorized {
						t.Errorf("%s = %d, want 401", what, resp.StatusCode)
					}
				case p.record && !entitled:
					// Roles without a scope are refused every record alike (403), which tells
					// nothing about this one; the others must not tell it from an absent one.
					if resp.StatusCode != http.StatusNotFound && !(resp.StatusCode == http.StatusForbidden && !a.scoped) {
						t.Errorf("%s = %d %s, want 404", what, resp.StatusCode, body)
					}
				case p.record && entitled && p.method == "GET" && !strings.Contains(p.path, "preview"):
					if resp.StatusCode != http.StatusOK {
						t.Errorf("%s = %d %s, want 200", what, resp.StatusCode, body)
					}
				case !p.record && strings.HasPrefix(p.path, "/api/v1/search") || strings.HasPrefix(p.path, "/api/v1/lookup"):
					if want := map[bool]int{true: 200, false: 403}[a.scoped]; resp.StatusCode != want {
						t.Errorf("%s = %d %s, want %d", what, resp.StatusCode, body, want)
					}
				}
				if entitled || (a.name == "DE auditor" && strings.HasPrefix(p.path, "/api/v1/audit")) {
					continue // auditors read the whole audit log by role
				}
				for _, s := range r.secrets() {
					if s != "" && strings.Contains(strings.ToLower(string(body)), strings.ToLower(s)) {
						t.Errorf("%s: body leaks %q: %s", what, s, body)
					}
				}
			}
		}
	}
	// No count leaks either: a listing holds exactly the records the asker is entitled to.
	for _, a := range askers {
		want := 0
		for _, r := range recs {
			if a.sees(r.vis) {
				want++
			}
		}
		for _, path := range []string{"/api/v1/media", "/api/v1/cases", "/api/v1/series", "/api/v1/victims", "/api/v1/clues"} {
			resp, body := a.c.do("GET", path, nil)
			if resp.StatusCode != http.StatusOK {
				if want > 0 || resp.StatusCode < 400 {
					t.Errorf("%s: GET %s = %d %s", a.name, path, resp.StatusCode, body)
				}
				continue
			}
			var l listOf[map[string]any]
			mustJSON(t, body, &l)
			if len(l.Items) != want {
				t.Errorf("%s: GET %s lists %d records, want %d", a.name, path, len(l.Items), want)
			}
		}
	}
	// Uploading another country's hidden file: a hit naming the owner, nothing else.
	de := askers[0].c
	var dc caseJSON
	de.must(201, "POST", "/api/v1/cases", map[string]any{"number": "DE-CASE", "visibility": "owner"}, &dc)
	for i, r := range recs {
		resp, body := de.upload(testpic.JPEG(t, testpic.Scene(320, 240, 100+i), 90), fmt.Sprintf("case=%d", dc.ID))
		var res resultJSON
		mustJSON(t, body, &res)
		if r.vis == "network" {
			if resp.StatusCode != 200 || res.Status != "held" {
				t.Errorf("DE upload of FR's network file = %d %s", resp.StatusCode, body)
			}
			continue
		}
		if resp.StatusCode != 200 || res.Status != "hit" || res.Hit == nil || res.Hit.Owner != "FR" || res.Media != nil {
			t.Errorf("DE upload of FR's %s file = %d %s, want a hit", r.vis, resp.StatusCode, body)
		}
		for _, sec := range r.secrets() {
			if strings.Contains(strings.ToLower(string(body)), strings.ToLower(sec)) {
				t.Errorf("DE upload of FR's %s file leaks %q: %s", r.vis, sec, body)
			}
		}
		if strings.Contains(string(body), fmt.Sprintf(`"media":%d`, r.media)) {
			t.Errorf("DE upload of FR's %s file names its media ID: %s", r.vis, body)
		}
	}
	// Positive control: entitled askers do see the secrets, so the checks above can fail.
	for _, r := range recs {
		var got mediaJSON
		coord := askers[3].c
		coord.must(200, "GET", fmt.Sprintf("/api/v1/media/%d", r.media), nil, &got)
		if got.SHA256 != r.sha256 {
			t.Errorf("coordinator sees media sha256 %q, want %q", got.SHA256, r.sha256)
		}
		_, body := askers[0].c.do("POST", "/api/v1/search", map[string]string{"sha256": r.sha256})
		if hit := strings.Contains(string(body), `"hit":{"owner":"FR"`); hit == (r.vis == "network") {
			t.Errorf("DE analyst search of a %s record: %s", r.vis, body)
		}
	}
	// The refused changes changed nothing: every record is as FR left it.
	for _, r := range recs {
		var m mediaJSON
		fr.must(200, "GET", fmt.Sprintf("/api/v1/media/%d", r.media), nil, &m)
		if m.Category != nil || m.Series == nil || *m.Series != r.series || m.Visibility != r.vis {
			t.Errorf("%s media changed by a refused request: %+v", r.vis, m)
		}
		var s seriesJSON
		fr.must(200, "GET", fmt.Sprintf("/api/v1/series/%d", r.series), nil, &s)
		if s.Name != r.seriesName || (r.vis != "network" && slices.Contains(s.Countries, "DE")) {
			t.Errorf("%s series changed by a refused request: %+v", r.vis, s)
		}
		var p personJSON
		fr.must(200, "GET", fmt.Sprintf("/api/v1/victims/%d", r.victim), nil, &p)
		if p.Notes != "" || p.Status != "unidentified" {
			t.Errorf("%s victim changed by a refused request: %+v", r.vis, p)
		}
		fr.must(200, "GET", fmt.Sprintf("/api/v1/clues/%d", r.clue), nil, nil)
	}
	if checked < 500 {
		t.Errorf("only %d probes ran", checked)
	}
}

func mustUser(t *testing.T, e *env, login string) catalog.User {
	t.Helper()
	u, err := e.store.UserByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
