package obs

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestResponse checks what the recorder records: the first status, an implicit 200, the bytes,
// and that the writer underneath is reachable for http.ResponseController.
func TestResponse(t *testing.T) {
	t.Parallel()
	rw := httptest.NewRecorder()
	w := &Response{ResponseWriter: rw}
	if w.Code() != http.StatusOK {
		t.Errorf("Code before anything is written = %d, want 200", w.Code())
	}
	w.WriteHeader(http.StatusTeapot)
	w.WriteHeader(http.StatusInternalServerError)
	w.Write([]byte("hello"))
	w.Write([]byte(", world"))
	if w.Status != http.StatusTeapot || w.Code() != http.StatusTeapot || w.Bytes != 12 || rw.Body.String() != "hello, world" {
		t.Errorf("recorded status %d, code %d, %d bytes; body %q", w.Status, w.Code(), w.Bytes, rw.Body)
	}
	if w.Unwrap() != rw {
		t.Error("Unwrap does not return the wrapped writer")
	}
	implicit := &Response{ResponseWriter: httptest.NewRecorder()}
	implicit.Write([]byte("x"))
	if implicit.Status != http.StatusOK {
		t.Errorf("status after a bare Write = %d, want 200", implicit.Status)
	}
}

// TestSecurityHeaders checks the headers and that request IDs are 16 hex digits and differ.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	a, b := NewRequestID(), NewRequestID()
	if len(a) != 16 || a == b {
		t.Errorf("request IDs %q and %q", a, b)
	}
	h := http.Header{}
	SetSecurityHeaders(h, "default-src 'none'", a)
	for k, v := range map[string]string{
		"Content-Security-Policy": "default-src 'none'", "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "X-Request-Id": a,
	} {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}
