package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/auth/session"
	"github.com/vidb-project/vidb/internal/obs"
)

// reqInfo is what the outer middleware learns about a request as it is served, for the log
// line and the metrics; routes fill it in.
type reqInfo struct {
	id     string
	route  string
	user   int64
	code   string // the error code sent, if any
	remote string
	ident  *auth.Identity
}

type infoKey struct{}

func infoOf(r *http.Request) *reqInfo {
	i, _ := r.Context().Value(infoKey{}).(*reqInfo)
	return i
}

func requestID(r *http.Request) string {
	if i := infoOf(r); i != nil {
		return i.id
	}
	return ""
}

func routeOf(r *http.Request) string {
	if i := infoOf(r); i != nil && i.route != "" {
		return i.route
	}
	return "unmatched"
}

// identity returns the signed-in identity of the request; routes that need one are wrapped
// so that it is always there.
func identity(r *http.Request) auth.Identity {
	if i := infoOf(r); i != nil && i.ident != nil {
		return *i.ident
	}
	return auth.Identity{}
}

// outer wraps the whole mux: security headers, request ID, panic recovery, the log line and
// the request metrics.
func (s *server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{id: obs.NewRequestID(), remote: s.clientIP(r)}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		obs.SetSecurityHeaders(w.Header(), "default-src 'none'; frame-ancestors 'none'", info.id)
		rec := &obs.Response{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(r.Context(), "handler panicked", "request_id", info.id, "route", routeOf(r), "panic", fmt.Sprint(p))
				if rec.Status == 0 {
					s.writeError(rec, r, errors.New("panic"))
				}
			}
			status := rec.Code()
			d := time.Since(start)
			route := routeOf(r)
			s.m.requests.Inc(route, r.Method, strconv.Itoa(status))
			s.m.duration.Observe(d.Seconds(), route)
			s.log.InfoContext(r.Context(), "request",
				"method", r.Method, "route", route, "status", status,
				"duration_ms", float64(d.Microseconds())/1000, "bytes", rec.Bytes,
				"request_id", info.id, "user", info.user, "error", info.code)
		}()
		next.ServeHTTP(rec, r)
	})
}

// clientIP is the address of the client: the peer, or, when the peer is a trusted proxy, the
// right-most address in X-Forwarded-For that is not a trusted proxy.
func (s *server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !s.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: trust nothing before it
		}
		a = a.Unmap()
		if !s.trusted(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

func (s *server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// bearerSecret returns the token a request carries: the Authorization bearer token, else the
// session cookie, else "".
func bearerSecret(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	return session.Secret(r)
}

// access says who may call a route.
type access int

const (
	// public routes need no session (sign-in, health, metrics, the API document).
	public access = iota
	// signedIn routes need a session whose password need not change.
	signedIn
	// anySession routes need a session, even one that must change its password first.
	anySession
)

// handler is the shape of every route: it writes a response or returns an error for writeError.
type handler func(w http.ResponseWriter, r *http.Request) error

// wrap turns a route into an http.Handler: cross-origin protection on unsafe methods,
// authentication, the password-change gate, then the handler and the error mapper.
func (s *server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r)
		info.route = rt.pattern
		if err := s.cop.Check(r); err != nil {
			s.writeError(w, r, &apiError{Status: http.StatusForbidden, Code: "cross_origin", Message: "cross-origin request refused", Err: err})
			return
		}
		if rt.access != public {
			secret := bearerSecret(r)
			if secret == "" {
				s.writeError(w, r, auth.ErrUnauthenticated)
				return
			}
			id, err := s.d.Auth.Authenticate(r.Context(), secret)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			info.ident = &id
			info.user = int64(id.User.ID)
			if id.MustChange && rt.access != anySession {
				s.writeError(w, r, auth.ErrMustChangePassword)
				return
			}
		}
		if err := rt.h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// secondsToMidnight is how long until the UTC day after now begins, when daily limits reset.
func secondsToMidnight(now time.Time) int {
	now = now.UTC()
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	return int(next.Sub(now).Seconds()) + 1
}
