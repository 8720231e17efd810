package httpapi

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/preview"
	"github.com/vidb-project/vidb/internal/testpic"
	"github.com/vidb-project/vidb/internal/video"
)

// TestRecordRoutes walks the record routes through their happy paths as the roles that may
// use them: countries, users, cases, series, victims and offenders, clues, access, alerts,
// stats.
func TestRecordRoutes(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{})
	e.addUser("coord.nl", "FR", catalog.RoleCoordinator)
	e.addUser("rev.fr", "FR", catalog.RoleReviewer)
	e.addUser("admin.fr", "FR", catalog.RoleCountryAdmin)
	e.addUser("ana.de", "DE", catalog.RoleAnalyst)
	coord, rev, admin, ana, de := e.login("coord.nl"), e.login("rev.fr"), e.login("admin.fr"), e.login("ana.fr"), e.login("ana.de")

	// Countries: coordinators add, everyone lists; a duplicate is a conflict.
	var ctry countryJSON
	coord.must(201, "POST", "/api/v1/countries", map[string]string{"code": "nl", "name": "Netherlands"}, &ctry)
	if ctry.Code != "NL" {
		t.Errorf("country %+v", ctry)
	}
	if resp, body := coord.do("POST", "/api/v1/countries", map[string]string{"code": "NL", "name": "again"}); resp.StatusCode != 409 {
		t.Errorf("duplicate country = %d %s", resp.StatusCode, body)
	}
	if resp, _ := ana.do("POST", "/api/v1/countries", map[string]string{"code": "BE", "name": "Belgium"}); resp.StatusCode != 403 {
		t.Errorf("analyst adding a country = %d, want 403", resp.StatusCode)
	}
	var cs listOf[countryJSON]
	ana.must(200, "GET", "/api/v1/countries", nil, &cs)
	if len(cs.Items) != 3 {
		t.Errorf("countries = %+v", cs)
	}

	// Users: the FR admin lists FR's users, disables and enables one.
	var us listOf[userJSON]
	admin.must(200, "GET", "/api/v1/users?country=FR&limit=2", nil, &us)
	if len(us.Items) != 2 || us.Next == nil {
		t.Errorf("first page of FR users: %+v", us)
	}
	anaID := mustUser(t, e, "ana.fr").ID
	admin.must(204, "POST", fmt.Sprintf("/api/v1/users/%d/disable", anaID), nil, nil)
	if resp, _ := ana.do("GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Errorf("disabled user's session = %d, want 401", resp.StatusCode)
	}
	admin.must(204, "POST", fmt.Sprintf("/api/v1/users/%d/enable", anaID), nil, nil)
	ana = e.login("ana.fr")
	if resp, _ := ana.do("GET", "/api/v1/users", nil); resp.StatusCode != 403 {
		t.Errorf("analyst listing users = %d, want 403", resp.StatusCode)
	}

	// A case, media in it, a series, a victim, an offender and a clue, all FR's.
	var c caseJSON
	rev.must(201, "POST", "/api/v1/cases", map[string]any{"number": "FR-1", "title": "first", "visibility": "listed", "shared_with": []string{"de", "FR"}}, &c)
	if c.Owner != "FR" || c.Visibility != "listed" || strings.Join(c.SharedWith, ",") != "DE" {
		t.Errorf("case %+v", c)
	}
	if resp, _ := rev.do("POST", "/api/v1/cases", map[string]any{"number": "FR-1", "visibility": "owner"}); resp.StatusCode != 409 {
		t.Errorf("duplicate case number = %d, want 409", resp.StatusCode)
	}
	var got caseJSON
	de.must(200, "GET", fmt.Sprintf("/api/v1/cases/%d", c.ID), nil, &got)
	var res resultJSON
	resp, body := rev.upload(testpic.JPEG(t, testpic.Scene(320, 240, 41), 90), fmt.Sprintf("case=%d&visibility=owner", c.ID))
	mustJSON(t, body, &res)
	if resp.StatusCode != 201 {
		t.Fatalf("upload %d %s", resp.StatusCode, body)
	}
	mid := res.Media.ID
	if resp, _ := de.do("GET", fmt.Sprintf("/api/v1/media/%d", mid), nil); resp.StatusCode != 404 {
		t.Errorf("DE sees an owner-only media: %d", resp.StatusCode)
	}
	var m mediaJSON
	rev.must(200, "PUT", fmt.Sprintf("/api/v1/media/%d/access", mid), map[string]any{"visibility": "listed", "shared_with": []string{"DE"}}, &m)
	if m.Visibility != "listed" {
		t.Errorf("access change: %+v", m)
	}
	de.must(200, "GET", fmt.Sprintf("/api/v1/media/%d", mid), nil, &m)
	rev.must(200, "PUT", fmt.Sprintf("/api/v1/media/%d/category", mid), map[string]string{"scheme": "vics-us", "code": "2"}, &m)
	if m.Category == nil || m.Category.Code != "2" {
		t.Errorf("category: %+v", m.Category)
	}
	if resp, body := rev.do("PUT", fmt.Sprintf("/api/v1/media/%d/category", mid), map[string]string{"scheme": "vics-us", "code": "9"}); resp.StatusCode != 400 {
		t.Errorf("category 9 = %d %s, want 400", resp.StatusCode, body)
	}
	var list listOf[mediaJSON]
	rev.must(200, "GET", "/api/v1/media?category=vics-us:2&kind=image&uploader=me", nil, &list)
	if len(list.Items) != 1 || list.Next != nil {
		t.Errorf("filtered media list: %+v", list)
	}
	rev.must(200, "GET", "/api/v1/media?uncategorised=1", nil, &list)
	if len(list.Items) != 0 {
		t.Errorf("uncategorised list holds a categorised record")
	}
	for _, bad := range []string{"kind=audio", "uploader=5", "owner=France", "limit=5000", "after=-1", "case=x"} {
		if resp, _ := rev.do("GET", "/api/v1/media?"+bad, nil); resp.StatusCode != 400 {
			t.Errorf("GET /media?%s = %d, want 400", bad, resp.StatusCode)
		}
	}

	var s seriesJSON
	rev.must(201, "POST", "/api/v1/series", map[string]any{"name": "BLUE-LAKE", "visibility": "network"}, &s)
	rev.must(200, "PUT", fmt.Sprintf("/api/v1/media/%d/series", mid), map[string]int64{"series": s.ID}, &m)
	if m.Series == nil || *m.Series != s.ID {
		t.Errorf("media series: %+v", m.Series)
	}
	rev.must(200, "PATCH", fmt.Sprintf("/api/v1/series/%d", s.ID), map[string]any{"name": "BLUE-LAKE-2"}, &s)
	if s.Name != "BLUE-LAKE-2" {
		t.Errorf("renamed series: %+v", s)
	}
	de.must(200, "POST", fmt.Sprintf("/api/v1/series/%d/join", s.ID), nil, &s)
	if !strings.Contains(strings.Join(s.Countries, ","), "DE") {
		t.Errorf("DE joined but countries = %v", s.Countries)
	}
	var ss listOf[seriesJSON]
	de.must(200, "GET", "/api/v1/series", nil, &ss)
	if len(ss.Items) != 1 {
		t.Errorf("DE series list: %+v", ss)
	}

	var v personJSON
	rev.must(201, "POST", "/api/v1/victims", map[string]any{"code": "V-1", "sex": "female", "age_band": "6-9", "series": []int64{s.ID}, "visibility": "owner"}, &v)
	if v.Kind != "victim" || v.Status != "unidentified" || len(v.Series) != 1 {
		t.Errorf("victim %+v", v)
	}
	if resp, _ := rev.do("GET", fmt.Sprintf("/api/v1/offenders/%d", v.ID), nil); resp.StatusCode != 404 {
		t.Errorf("a victim under /offenders = %d, want 404", resp.StatusCode)
	}
	rev.must(200, "PATCH", fmt.Sprintf("/api/v1/victims/%d", v.ID), map[string]any{"notes": "school uniform", "likely_location": "fr"}, &v)
	if v.Notes != "school uniform" || v.LikelyLocation != "FR" {
		t.Errorf("patched victim %+v", v)
	}
	if resp, _ := ana.do("POST", fmt.Sprintf("/api/v1/victims/%d/identify", v.ID), map[string]string{}); resp.StatusCode != 403 {
		t.Errorf("analyst identifying = %d, want 403", resp.StatusCode)
	}
	rev.must(200, "POST", fmt.Sprintf("/api/v1/victims/%d/identify", v.ID), map[string]string{"likely_location": "FR"}, &v)
	if v.Status != "identified" || v.IdentifiedBy != "FR" || v.IdentifiedAt == nil {
		t.Errorf("identified victim %+v", v)
	}
	rev.must(200, "GET", fmt.Sprintf("/api/v1/series/%d", s.ID), nil, &s)
	if s.Status != "identified" {
		t.Errorf("series of the only, identified victim: %s", s.Status)
	}
	rev.must(200, "POST", fmt.Sprintf("/api/v1/victims/%d/reopen", v.ID), nil, &v)
	if v.Status != "unidentified" {
		t.Errorf("reopened victim %+v", v)
	}
	var o personJSON
	rev.must(201, "POST", "/api/v1/offenders", map[string]any{"code": "O-1", "visibility": "network"}, &o)
	var ps listOf[personJSON]
	de.must(200, "GET", "/api/v1/offenders", nil, &ps)
	if len(ps.Items) != 1 || ps.Items[0].Kind != "offender" {
		t.Errorf("DE offenders: %+v", ps)
	}
	de.must(200, "GET", "/api/v1/victims", nil, &ps)
	if len(ps.Items) != 0 {
		t.Errorf("DE sees an owner-only victim: %+v", ps)
	}

	var cl clueJSON
	de.must(201, "POST", "/api/v1/clues", map[string]any{"media": mid, "kind": "text", "text": "Bakery sign", "tags": []string{"shop"},
		"region": map[string]int{"x": 10, "y": 10, "w": 50, "h": 20}, "visibility": "network"}, &cl)
	if cl.Owner != "DE" || cl.Region == nil || cl.Author != int64(mustUser(t, e, "ana.de").ID) {
		t.Errorf("clue %+v", cl)
	}
	if resp, body := de.do("POST", "/api/v1/clues", map[string]any{"media": mid, "kind": "text", "text": "x",
		"region": map[string]int{"x": 300, "y": 200, "w": 50, "h": 50}, "visibility": "network"}); resp.StatusCode != 400 {
		t.Errorf("region outside the image = %d %s, want 400", resp.StatusCode, body)
	}
	var cls listOf[clueJSON]
	rev.must(200, "GET", fmt.Sprintf("/api/v1/clues?media=%d&tag=shop&q=bakery", mid), nil, &cls)
	if len(cls.Items) != 1 {
		t.Errorf("clue search: %+v", cls)
	}
	if resp, _ := rev.do("DELETE", fmt.Sprintf("/api/v1/clues/%d", cl.ID), nil); resp.StatusCode != 403 {
		t.Errorf("FR deleting DE's clue = %d, want 403", resp.StatusCode)
	}
	de.must(204, "DELETE", fmt.Sprintf("/api/v1/clues/%d", cl.ID), nil, nil)

	// A DE upload of FR's file: the alerts reach FR, who marks one read.
	var dc caseJSON
	de.must(201, "POST", "/api/v1/cases", map[string]any{"number": "DE-1", "visibility": "owner"}, &dc)
	resp, body = de.upload(testpic.JPEG(t, testpic.Scene(320, 240, 41), 90), fmt.Sprintf("case=%d", dc.ID))
	if resp.StatusCode != 200 {
		t.Fatalf("DE upload of a held file = %d %s", resp.StatusCode, body)
	}
	var al listOf[alertJSON]
	rev.must(200, "GET", "/api/v1/alerts?unread=1", nil, &al)
	if len(al.Items) == 0 {
		t.Fatalf("FR has no alert after DE uploaded its file")
	}
	rev.must(204, "POST", fmt.Sprintf("/api/v1/alerts/%d/read", al.Items[0].ID), nil, nil)
	var al2 listOf[alertJSON]
	rev.must(200, "GET", "/api/v1/alerts?unread=1", nil, &al2)
	if len(al2.Items) != len(al.Items)-1 {
		t.Errorf("unread alerts %d -> %d", len(al.Items), len(al2.Items))
	}
	if resp, _ := de.do("POST", fmt.Sprintf("/api/v1/alerts/%d/read", al.Items[0].ID), nil); resp.StatusCode != 404 {
		t.Errorf("DE marking FR's alert = %d, want 404", resp.StatusCode)
	}

	var st statsJSON
	ana.must(200, "GET", "/api/v1/stats", nil, &st)
	if st.Media != 1 || st.Series != 1 || st.Countries != 3 {
		t.Errorf("stats %+v", st)
	}
	var fr listOf[frameJSON]
	rev.must(200, "GET", fmt.Sprintf("/api/v1/media/%d/frames", mid), nil, &fr)
	if len(fr.Items) != 0 {
		t.Errorf("an image has frames: %+v", fr)
	}
	for _, p := range []string{"/api/v1/media/abc", "/api/v1/media/0", "/api/v1/media/-4"} {
		if resp, _ := rev.do("GET", p, nil); resp.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", p, resp.StatusCode)
		}
	}
}

// totpCode computes an RFC 6238 code (SHA-1, 6 digits, 30 s) for the test's authenticator.
func totpCode(secret string, at time.Time) string {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		panic(err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0xf
	v := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1000000)
}

func TestTOTPFlow(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{})
	cl := e.login("ana.fr")
	var tb totpBegun
	cl.must(200, "POST", "/api/v1/me/totp", nil, &tb)
	if !strings.HasPrefix(tb.URI, "otpauth://totp/") || tb.Secret == "" {
		t.Fatalf("totp begin %+v", tb)
	}
	if resp, _ := cl.do("POST", "/api/v1/me/totp/confirm", map[string]string{"code": "000000"}); resp.StatusCode != 401 {
		t.Errorf("wrong confirmation code = %d, want 401", resp.StatusCode)
	}
	now := time.Now()
	cl.must(204, "POST", "/api/v1/me/totp/confirm", map[string]string{"code": totpCode(tb.Secret, now)}, nil)
	resp, body := e.anon().do("POST", "/api/v1/auth/login", map[string]string{"login": "ana.fr", "password": testPassword})
	if resp.StatusCode != 401 || errorCode(t, body) != "totp_required" {
		t.Errorf("login without a code = %d %s", resp.StatusCode, body)
	}
	resp, body = e.anon().do("POST", "/api/v1/auth/login", map[string]string{"login": "ana.fr", "password": testPassword, "totp": totpCode(tb.Secret, now.Add(30*time.Second))})
	if resp.StatusCode != 200 {
		t.Errorf("login with a code = %d %s", resp.StatusCode, body)
	}
	if resp, _ := cl.do("DELETE", "/api/v1/me/totp", map[string]string{"password": "not it at all"}); resp.StatusCode != 401 {
		t.Errorf("disabling TOTP with a wrong password = %d, want 401", resp.StatusCode)
	}
	cl.must(204, "DELETE", "/api/v1/me/totp", map[string]string{"password": testPassword}, nil)
	e.login("ana.fr")
}

// TestContactSheet uploads an ffmpeg-made test pattern video and asks for its stills.
func TestContactSheet(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatalf("ffmpeg is required: %v", err)
	}
	path := filepath.Join(t.TempDir(), "testsrc.mp4")
	cmd := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=4:size=320x240:rate=10", "-pix_fmt", "yuv420p", path)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	vc := &video.Config{}
	_, cl, cs := uploadFixture(t, envOptions{ingest: ingest.Config{Video: vc}, preview: preview.Config{Video: vc}})
	data := readFile(t, path)
	var res resultJSON
	resp, body := cl.upload(data, fmt.Sprintf("case=%d&path=clip.mp4", cs))
	mustJSON(t, body, &res)
	if resp.StatusCode != 201 || res.Media.Kind != "video" || res.Frames == 0 {
		t.Fatalf("video upload = %d %s", resp.StatusCode, body)
	}
	var sheet contactSheetJSON
	cl.must(200, "GET", fmt.Sprintf("/api/v1/media/%d/contact-sheet?n=4", res.Media.ID), nil, &sheet)
	if len(sheet.Stills) != 4 {
		t.Fatalf("%d stills, want 4", len(sheet.Stills))
	}
	for i, s := range sheet.Stills {
		if i > 0 && s.TimestampSeconds <= sheet.Stills[i-1].TimestampSeconds {
			t.Errorf("still %d at %vs, not after %vs", i, s.TimestampSeconds, sheet.Stills[i-1].TimestampSeconds)
		}
		b64, ok := strings.CutPrefix(s.Data, "data:image/png;base64,")
		png, err := base64.StdEncoding.DecodeString(b64)
		if !ok || err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Errorf("still %d is not a PNG data URI", i)
		}
	}
	var fr listOf[frameJSON]
	cl.must(200, "GET", fmt.Sprintf("/api/v1/media/%d/frames", res.Media.ID), nil, &fr)
	if len(fr.Items) != res.Frames || len(fr.Items[0].PDQ) != 64 {
		t.Errorf("frames: %d listed, %d hashed", len(fr.Items), res.Frames)
	}
	if resp, _ := cl.do("GET", fmt.Sprintf("/api/v1/media/%d/contact-sheet?n=49", res.Media.ID), nil); resp.StatusCode != 400 {
		t.Errorf("n=49 = %d, want 400", resp.StatusCode)
	}
}

// TestRequestLog checks the one log line per request: its fields, and that neither bodies,
// query strings nor secrets reach it.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	e := fixture(t, envOptions{})
	cl := e.login("ana.fr")
	cl.must(200, "GET", "/api/v1/cases?limit=7&after=0", nil, nil)
	cl.do("POST", "/api/v1/search", map[string]string{"md5": "d41d8cd98f00b204e9800998ecf8427e"})
	uid := mustUser(t, e, "ana.fr").ID
	sc := bufio.NewScanner(strings.NewReader(e.logs.String()))
	var requests []map[string]any
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if rec["msg"] == "request" {
			requests = append(requests, rec)
		}
	}
	if len(requests) != 3 {
		t.Fatalf("%d request log lines, want 3", len(requests))
	}
	r := requests[1]
	for _, k := range []string{"method", "route", "status", "duration_ms", "bytes", "request_id", "user"} {
		if _, ok := r[k]; !ok {
			t.Errorf("request log line lacks %q: %v", k, r)
		}
	}
	if r["route"] != "GET /api/v1/cases" || r["user"] != float64(uid) || r["status"] != float64(200) {
		t.Errorf("request log line %v", r)
	}
	logs := e.logs.String()
	for _, secret := range []string{testPassword, "limit=7", "d41d8cd98f00b204e9800998ecf8427e", cl.cookie} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}
