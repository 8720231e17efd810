package webui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/auth/session"
	"github.com/vidb-project/vidb/internal/casework"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/obs"
	"github.com/vidb-project/vidb/internal/preview"
)

// Config is the web UI's configuration.
type Config struct {
	// SecureCookies marks the session cookie Secure; set it when serving over TLS.
	SecureCookies bool
	// MaxUpload bounds an image dropped on the search page (nothing is stored); 0 means
	// DefaultMaxUpload. Uploads to the catalog go to the API, which has its own bound.
	MaxUpload int64
}

// DefaultMaxUpload is the largest image the search page accepts when Config.MaxUpload is 0.
const DefaultMaxUpload = 64 << 20

// maxForm bounds the body of a page's form.
const maxForm = 64 << 10

// Deps are the services the UI shows. All are required but Log.
type Deps struct {
	Store   catalog.Store
	Auth    *auth.Service
	Ingest  *ingest.Pipeline
	Work    *casework.Service
	Preview *preview.Service
	Log     *slog.Logger
}

// ErrConfig is returned by New for missing dependencies or invalid settings.
var ErrConfig = errors.New("webui: invalid configuration")

// server is the UI: its dependencies, templates and routes.
type server struct {
	cfg   Config
	d     Deps
	log   *slog.Logger
	pages *pages
	mux   *http.ServeMux
	cop   *http.CrossOriginProtection
}

// New returns the web UI's handler. Mount it at "/" beside the API, which keeps /api/,
// /healthz and /metrics.
func New(cfg Config, d Deps) (http.Handler, error) {
	s, err := newServer(cfg, d)
	if err != nil {
		return nil, err
	}
	return s.outer(s.mux), nil
}

func newServer(cfg Config, d Deps) (*server, error) {
	switch {
	case d.Store == nil, d.Auth == nil, d.Ingest == nil, d.Work == nil, d.Preview == nil:
		return nil, fmt.Errorf("%w: Store, Auth, Ingest, Work and Preview are required", ErrConfig)
	case cfg.MaxUpload < 0:
		return nil, fmt.Errorf("%w: negative MaxUpload", ErrConfig)
	}
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	p, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("%w: templates: %w", ErrConfig, err)
	}
	s := &server{cfg: cfg, d: d, log: d.Log, pages: p, mux: http.NewServeMux(), cop: http.NewCrossOriginProtection()}
	for _, rt := range s.routeTable() {
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	s.mux.Handle("GET /static/", staticHandler())
	s.mux.Handle("/", s.wrap(route{"unmatched", public, func(http.ResponseWriter, *http.Request) error {
		return errNoPage
	}}))
	return s, nil
}

// access says who may open a route.
type access int

const (
	public     access = iota // sign-in, static files
	anySession               // signed in, even with a one-time password still to change
	signedIn                 // signed in with a password that need not change
)

// handler is the shape of every route: it writes a page or returns an error for writeError.
type handler func(w http.ResponseWriter, r *http.Request) error

type route struct {
	pattern string
	access  access
	h       handler
}

// routeTable lists every page and action the UI serves.
func (s *server) routeTable() []route {
	return []route{
		{"GET /signin", public, s.signInPage},
		{"POST /signin", public, s.signIn},
		{"POST /signout", anySession, s.signOut},
		{"GET /password", anySession, s.passwordPage},
		{"POST /password", anySession, s.changePassword},

		{"GET /{$}", signedIn, s.home},
		{"POST /alerts/{id}/read", signedIn, s.markAlertRead},

		{"GET /upload", signedIn, s.uploadPage},
		{"POST /cases", signedIn, s.createCase},

		{"GET /media/{id}", signedIn, s.mediaPage},
		{"GET /media/{id}/preview.png", signedIn, s.previewPNG},
		{"POST /media/{id}/reveal", signedIn, s.reveal},
		{"POST /media/{id}/category", signedIn, s.categorise},
		{"POST /media/{id}/series", signedIn, s.setSeries},
		{"POST /media/{id}/clues", signedIn, s.addMediaClue},

		{"GET /series", signedIn, s.seriesList},
		{"POST /series", signedIn, s.createSeries},
		{"GET /series/{id}", signedIn, s.seriesPage},
		{"POST /series/{id}/join", signedIn, s.joinSeries},
		{"POST /series/{id}/clues", signedIn, s.addSeriesClue},

		{"GET /victims", signedIn, s.persons(catalog.PersonVictim)},
		{"POST /victims", signedIn, s.createPerson(catalog.PersonVictim)},
		{"GET /victims/{id}", signedIn, s.personPage(catalog.PersonVictim)},
		{"POST /victims/{id}/identify", signedIn, s.identify(catalog.PersonVictim)},
		{"POST /victims/{id}/reopen", signedIn, s.reopen(catalog.PersonVictim)},
		{"GET /offenders", signedIn, s.persons(catalog.PersonOffender)},
		{"POST /offenders", signedIn, s.createPerson(catalog.PersonOffender)},
		{"GET /offenders/{id}", signedIn, s.personPage(catalog.PersonOffender)},
		{"POST /offenders/{id}/identify", signedIn, s.identify(catalog.PersonOffender)},
		{"POST /offenders/{id}/reopen", signedIn, s.reopen(catalog.PersonOffender)},

		{"GET /clues", signedIn, s.cluesPage},

		{"GET /search", signedIn, s.searchPage},
		{"POST /search", signedIn, s.searchHash},
		{"POST /search/image", signedIn, s.searchImage},

		{"GET /admin", signedIn, s.adminPage},
		{"POST /admin/users", signedIn, s.createUser},
		{"POST /admin/users/{id}/disable", signedIn, s.setDisabled(true)},
		{"POST /admin/users/{id}/enable", signedIn, s.setDisabled(false)},
		{"POST /admin/users/{id}/reset", signedIn, s.resetPassword},

		{"GET /audit", signedIn, s.auditPage},

		{"GET /settings", signedIn, s.settingsPage},
		{"POST /settings", signedIn, s.saveSettings},
		{"POST /settings/totp", signedIn, s.beginTOTP},
		{"POST /settings/totp/confirm", signedIn, s.confirmTOTP},
	}
}

// reqInfo is what the middleware learns about a request as it is served.
type reqInfo struct {
	id    string
	route string
	ident *auth.Identity
	err   error
}

type infoKey struct{}

func infoOf(r *http.Request) *reqInfo {
	i, _ := r.Context().Value(infoKey{}).(*reqInfo)
	if i == nil {
		return &reqInfo{}
	}
	return i
}

// identity returns the signed-in identity of a request on a route that needs one.
func identity(r *http.Request) auth.Identity {
	if i := infoOf(r); i.ident != nil {
		return *i.ident
	}
	return auth.Identity{}
}

// user returns the signed-in user of a request.
func user(r *http.Request) catalog.User { return identity(r).User }

// contentSecurityPolicy allows only this origin's scripts and styles; previews come from this
// origin, contact-sheet stills as data: URIs and revealed content as blob: URLs.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
	"script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// outer wraps the whole mux: security headers, request ID, panic recovery and the log line.
func (s *server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{id: obs.NewRequestID()}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, info))
		obs.SetSecurityHeaders(w.Header(), contentSecurityPolicy, info.id)
		rec := &obs.Response{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(r.Context(), "page handler panicked", "request_id", info.id, "route", info.route, "panic", fmt.Sprint(p))
				if rec.Status == 0 {
					s.writeError(rec, r, errors.New("panic"))
				}
			}
			var uid int64
			if info.ident != nil {
				uid = int64(info.ident.User.ID)
			}
			s.log.InfoContext(r.Context(), "page",
				"method", r.Method, "route", info.route, "status", rec.Code(),
				"duration_ms", float64(time.Since(start).Microseconds())/1000,
				"request_id", info.id, "user", uid)
		}()
		next.ServeHTTP(rec, r)
	})
}

// wrap turns a route into an http.Handler: cross-origin protection on unsafe methods, the
// session, the password-change gate, then the handler and the error page.
func (s *server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r)
		info.route = rt.pattern
		if err := s.cop.Check(r); err != nil {
			s.writeError(w, r, &pageError{Status: http.StatusForbidden, Message: "cross-origin request refused", Err: err})
			return
		}
		if rt.access != public {
			id, err := s.authenticate(r)
			if err != nil {
				if r.Method == http.MethodGet && errors.Is(err, auth.ErrUnauthenticated) {
					http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				s.writeError(w, r, err)
				return
			}
			info.ident = &id
			if id.MustChange && rt.access != anySession {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/password", http.StatusSeeOther)
					return
				}
				s.writeError(w, r, auth.ErrMustChangePassword)
				return
			}
		}
		if r.Method != http.MethodGet {
			w.Header().Set("Cache-Control", "no-store")
		}
		if err := rt.h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// authenticate resolves the session cookie to an identity.
func (s *server) authenticate(r *http.Request) (auth.Identity, error) {
	secret := session.Secret(r)
	if secret == "" {
		return auth.Identity{}, auth.ErrUnauthenticated
	}
	return s.d.Auth.Authenticate(r.Context(), secret)
}

// pathID reads the {id} path value as a positive integer.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNoPage
	}
	return id, nil
}

// parseForm reads a urlencoded form of at most maxForm bytes.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("malformed form")
	}
	return nil
}

// seeOther redirects after a successful form post.
func seeOther(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// isHTMX reports whether htmx sent the request (and wants a fragment back).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }
