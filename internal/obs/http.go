package obs

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// Response wraps a request's http.ResponseWriter in the outermost middleware of vidb's two
// HTTP front ends (the API and the web UI), to record what the handlers wrote for the log
// line and the metrics.
type Response struct {
	http.ResponseWriter
	// Status is the status written, 0 until the handler writes anything.
	Status int
	// Bytes counts the body bytes written.
	Bytes int64
}

// WriteHeader records the first status written and passes it on.
func (w *Response) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and the bytes written.
func (w *Response) Write(p []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.Bytes += int64(n)
	return n, err
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *Response) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Code returns the status the client received: Status, or 200 when the handler wrote nothing.
func (w *Response) Code() int {
	if w.Status == 0 {
		return http.StatusOK
	}
	return w.Status
}

// NewRequestID returns a random request ID of 16 hex digits, for the X-Request-Id header and
// the log lines of one request.
func NewRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// SetSecurityHeaders sets the headers every vidb response carries: the content security policy
// csp, no MIME sniffing, no referrer, no framing, and the request ID.
func SetSecurityHeaders(h http.Header, csp, requestID string) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Request-Id", requestID)
}
