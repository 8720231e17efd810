package webui

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/catalog"
)

func TestRegionFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		form    url.Values
		want    *catalog.Region
		wantErr bool
	}{
		{url.Values{}, nil, false},
		{url.Values{"x": {"1"}, "y": {"2"}, "w": {"3"}, "h": {"4"}}, &catalog.Region{X: 1, Y: 2, W: 3, H: 4}, false},
		{url.Values{"x": {" 0 "}, "y": {"0"}, "w": {"1"}, "h": {"1"}}, &catalog.Region{W: 1, H: 1}, false},
		{url.Values{"x": {"1"}}, nil, true},
		{url.Values{"x": {"1"}, "y": {"2"}, "w": {"0"}, "h": {"4"}}, nil, true},
		{url.Values{"x": {"-1"}, "y": {"2"}, "w": {"3"}, "h": {"4"}}, nil, true},
		{url.Values{"x": {"1e3"}, "y": {"2"}, "w": {"3"}, "h": {"4"}}, nil, true},
		{url.Values{"x": {"99999999999"}, "y": {"2"}, "w": {"3"}, "h": {"4"}}, nil, true},
	}
	for _, tc := range tests {
		got, err := regionFrom(tc.form)
		if (err != nil) != tc.wantErr {
			t.Errorf("regionFrom(%v) error %v, want error %v", tc.form, err, tc.wantErr)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("regionFrom(%v) (-want +got):\n%s", tc.form, diff)
		}
	}
}

func TestAccessFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		form    url.Values
		want    catalog.Access
		wantErr bool
	}{
		{url.Values{}, catalog.Access{Owner: "FR", Visibility: catalog.VisibilityOwner}, false},
		{url.Values{"visibility": {"network"}}, catalog.Access{Owner: "FR", Visibility: catalog.VisibilityNetwork}, false},
		{url.Values{"visibility": {"listed"}, "shared_with": {"nl, de,NL FR"}}, catalog.Access{Owner: "FR", Visibility: catalog.VisibilityListed, SharedWith: []catalog.CountryCode{"DE", "NL"}}, false},
		{url.Values{"visibility": {"owner"}, "shared_with": {"NL"}}, catalog.Access{}, true},
		{url.Values{"visibility": {"listed"}, "shared_with": {"Netherlands"}}, catalog.Access{}, true},
		{url.Values{"visibility": {"public"}}, catalog.Access{}, true},
	}
	for _, tc := range tests {
		got, err := accessFrom(tc.form, "FR", catalog.VisibilityOwner)
		if (err != nil) != tc.wantErr {
			t.Errorf("accessFrom(%v) error %v, want error %v", tc.form, err, tc.wantErr)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("accessFrom(%v) (-want +got):\n%s", tc.form, diff)
		}
	}
}

func TestTagsFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{"", nil, false},
		{"a, b ,,c", []string{"a", "b", "c"}, false},
		{strings.Repeat("x", 64), []string{strings.Repeat("x", 64)}, false},
		{strings.Repeat("x", 65), nil, true},
		{"a\nb", nil, true},
	}
	for _, tc := range tests {
		got, err := tagsFrom(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("tagsFrom(%q) error %v, want error %v", tc.in, err, tc.wantErr)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("tagsFrom(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	md5 := strings.Repeat("ab", 16)
	sha1 := strings.Repeat("cd", 20)
	sha := strings.Repeat("EF", 32)
	for _, tc := range []struct {
		in                      string
		md5, sha1, sha256, pdqs bool
		wantErr                 bool
	}{
		{in: md5, md5: true},
		{in: " " + sha1 + " ", sha1: true},
		{in: sha, sha256: true, pdqs: true},
		{in: "", wantErr: true},
		{in: "abc", wantErr: true},
		{in: strings.Repeat("zz", 16), wantErr: true},
		{in: strings.Repeat("ab", 17), wantErr: true},
	} {
		q, err := parseQuery(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("parseQuery(%q) error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		got := []bool{q.Digests.HasMD5(), q.Digests.HasSHA1(), q.Digests.HasSHA256(), q.PDQ != nil}
		if diff := cmp.Diff([]bool{tc.md5, tc.sha1, tc.sha256, tc.pdqs}, got); diff != "" {
			t.Errorf("parseQuery(%q) md5, sha1, sha256, pdq (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestLocalPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                   "/",
		"/":                  "/",
		"/media/3?x=1#c":     "/media/3?x=1#c",
		"//evil.example":     "/",
		"/\\evil.example":    "/",
		"https://evil":       "/",
		"javascript:alert()": "/",
		"/a\r\nSet-Cookie:":  "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseQuery: whatever a user types as a hash is refused or becomes a query of exactly
// one kind of digest (a 64-digit one also as a PDQ hash); it never panics.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "00", strings.Repeat("a", 32), strings.Repeat("b", 40), strings.Repeat("c", 64), strings.Repeat("ZZ", 32), " \t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseQuery(s)
		if err != nil {
			return
		}
		n := 0
		for _, b := range []bool{q.Digests.HasMD5(), q.Digests.HasSHA1(), q.Digests.HasSHA256()} {
			if b {
				n++
			}
		}
		if n > 1 || (q.PDQ != nil) != (len(strings.TrimSpace(s)) == 64) {
			t.Errorf("parseQuery(%q) = %+v", s, q)
		}
	})
}

// FuzzForms: the form readers refuse or return values within their bounds; they never panic.
func FuzzForms(f *testing.F) {
	f.Add("1", "2", "3", "4", "listed", "NL,DE", "a, b")
	f.Add("", "", "", "", "", "", "")
	f.Add("-1", "x", "0", "9999999999999", "owner", "nl", strings.Repeat("t", 70))
	f.Fuzz(func(t *testing.T, x, y, w, h, vis, shared, tags string) {
		form := url.Values{"x": {x}, "y": {y}, "w": {w}, "h": {h}, "visibility": {vis}, "shared_with": {shared}}
		if r, err := regionFrom(form); err == nil && r != nil && (r.X < 0 || r.Y < 0 || r.W < 1 || r.H < 1) {
			t.Errorf("regionFrom(%v) = %+v", form, *r)
		}
		if a, err := accessFrom(form, "FR", catalog.VisibilityOwner); err == nil {
			if err := a.Validate(); err != nil {
				t.Errorf("accessFrom(%v) = %+v, which does not validate: %v", form, a, err)
			}
		}
		if ts, err := tagsFrom(tags); err == nil {
			for _, tag := range ts {
				if tag == "" || len(tag) > 64 || strings.ContainsAny(tag, "\r\n\x00") {
					t.Errorf("tagsFrom(%q) gave %q", tags, tag)
				}
			}
		}
		if p := localPath(x); !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
			t.Errorf("localPath(%q) = %q", x, p)
		}
	})
}
