// Package session is how a browser session travels over HTTP: the one cookie that both the JSON
// API (internal/httpapi) and the web UI (internal/webui) set and read, so that a user signed in
// on one is signed in on the other. The secret itself is made and checked by internal/auth,
// which stays free of net/http; this package holds only the cookie's name and attributes.
package session

import (
	"net/http"
	"time"
)

// CookieName is the cookie that carries a session secret.
const CookieName = "vidb_session"

// Set sets the session cookie to secret until expires, or clears it when secret is empty. The
// cookie is HttpOnly and SameSite=Strict always, and Secure when secure is set (under TLS).
func Set(w http.ResponseWriter, secret string, expires time.Time, secure bool) {
	c := &http.Cookie{
		Name: CookieName, Value: secret, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteStrictMode,
	}
	if secret == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires.UTC()
	}
	http.SetCookie(w, c)
}

// Secret returns the session secret a request's cookie carries, or "".
func Secret(r *http.Request) string {
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value
	}
	return ""
}
