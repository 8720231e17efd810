package session

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSetAndSecret(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	for _, secure := range []bool{false, true} {
		w := httptest.NewRecorder()
		Set(w, "vidbs_abc", exp, secure)
		h := w.Header().Get("Set-Cookie")
		for _, want := range []string{"vidb_session=vidbs_abc", "Path=/", "HttpOnly", "SameSite=Strict", "Expires=Wed, 02 Jan 2030 02:04:05 GMT"} {
			if !strings.Contains(h, want) {
				t.Errorf("secure=%v: Set-Cookie %q lacks %q", secure, h, want)
			}
		}
		if strings.Contains(h, "Secure") != secure {
			t.Errorf("secure=%v: Set-Cookie %q", secure, h)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", strings.Split(h, ";")[0])
		if got := Secret(r); got != "vidbs_abc" {
			t.Errorf("Secret = %q, want vidbs_abc", got)
		}
	}
	w := httptest.NewRecorder()
	Set(w, "", time.Time{}, false)
	if h := w.Header().Get("Set-Cookie"); !strings.Contains(h, "vidb_session=;") || !strings.Contains(h, "Max-Age=0") {
		t.Errorf("clearing: Set-Cookie %q", h)
	}
	if got := Secret(httptest.NewRequest("GET", "/", nil)); got != "" {
		t.Errorf("Secret without a cookie = %q", got)
	}
}
