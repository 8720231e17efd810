package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/casework"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/obs"
	"github.com/vidb-project/vidb/internal/preview"
)

// Config is the HTTP API's configuration.
type Config struct {
	// MaxBody bounds JSON request bodies; default 1 MiB. POST /api/v1/lookup accepts four
	// times as much (10,000 hashes take about 2 MiB).
	MaxBody int64
	// MaxUpload bounds upload bodies; default the ingest default, 4 GiB.
	MaxUpload int64
	// SecureCookies marks the session cookie Secure; set it when serving over TLS.
	SecureCookies bool
	// TrustedProxies are the proxies whose X-Forwarded-For is believed for the client address.
	TrustedProxies []netip.Prefix
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Default limits.
const (
	DefaultMaxBody   = 1 << 20
	DefaultMaxUpload = ingest.DefaultMaxBytes
	// lookupBodyFactor multiplies MaxBody for POST /api/v1/lookup.
	lookupBodyFactor = 4
)

// Deps are the services the API serves. All are required but Ready.
type Deps struct {
	Store   catalog.Store
	Auth    *auth.Service
	Ingest  *ingest.Pipeline
	Index   *ingest.Index
	Work    *casework.Service
	Preview *preview.Service
	Metrics *obs.Registry
	Log     *slog.Logger
	// Ready reports whether the deployment can serve (store reachable and so on), for
	// /healthz; nil means always ready.
	Ready func(ctx context.Context) error
}

// metrics are the API's series in Deps.Metrics.
type metrics struct {
	requests      *obs.CounterVec
	duration      *obs.HistogramVec
	ingest        *obs.CounterVec
	ingestBytes   *obs.CounterVec
	lookups       *obs.CounterVec
	loginFailures *obs.CounterVec
	reveals       *obs.CounterVec
}

type server struct {
	cfg    Config
	d      Deps
	log    *slog.Logger
	mux    *http.ServeMux
	routes []route
	cop    *http.CrossOriginProtection
	m      metrics
}

func (s *server) now() time.Time { return s.cfg.Now() }

// route is one entry of the route table: a ServeMux pattern, who may call it, its handler.
type route struct {
	pattern string
	access  access
	h       handler
}

// ErrConfig is returned by New for missing dependencies or invalid settings.
var ErrConfig = errors.New("httpapi: invalid configuration")

// New returns the API's handler. It registers its metrics in d.Metrics, so call it once per
// registry.
func New(cfg Config, d Deps) (http.Handler, error) {
	s, err := newServer(cfg, d)
	if err != nil {
		return nil, err
	}
	return s.outer(s.mux), nil
}

func newServer(cfg Config, d Deps) (*server, error) {
	switch {
	case d.Store == nil, d.Auth == nil, d.Ingest == nil, d.Index == nil, d.Work == nil, d.Preview == nil, d.Metrics == nil:
		return nil, fmt.Errorf("%w: Store, Auth, Ingest, Index, Work, Preview and Metrics are required", ErrConfig)
	case cfg.MaxBody < 0, cfg.MaxUpload < 0:
		return nil, fmt.Errorf("%w: negative body limit", ErrConfig)
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Ready == nil {
		d.Ready = func(context.Context) error { return nil }
	}
	s := &server{cfg: cfg, d: d, log: d.Log, mux: http.NewServeMux(), cop: http.NewCrossOriginProtection()}
	r := d.Metrics
	s.m = metrics{
		requests:      r.NewCounterVec("http_requests_total", "HTTP requests served, by route pattern, method and status code.", "route", "method", "code"),
		duration:      r.NewHistogramVec("http_request_duration_seconds", "Time to serve an HTTP request, by route pattern.", nil, "route"),
		ingest:        r.NewCounterVec("vidb_ingest_total", "Uploads ingested, by result status (new, held, hit) or error.", "status"),
		ingestBytes:   r.NewCounterVec("vidb_ingest_bytes_total", "Bytes of media ingested."),
		lookups:       r.NewCounterVec("vidb_lookup_queries_total", "Hash queries answered by search and lookup."),
		loginFailures: r.NewCounterVec("vidb_login_failures_total", "Failed sign-ins."),
		reveals:       r.NewCounterVec("vidb_reveals_total", "Media revealed in full."),
	}
	r.NewGaugeFunc("vidb_index_codes", "PDQ codes in the near-duplicate index.", func() float64 { return float64(d.Index.Len()) })
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	s.mux.Handle("/", s.wrap(route{pattern: "unmatched", access: public, h: func(http.ResponseWriter, *http.Request) error {
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no such route"}
	}}))
	return s, nil
}

// routeTable lists every route the API serves; the OpenAPI document describes exactly these.
func (s *server) routeTable() []route {
	return []route{
		{"POST /api/v1/auth/login", public, s.login},
		{"POST /api/v1/auth/logout", anySession, s.logout},
		{"POST /api/v1/auth/password", anySession, s.changePassword},

		{"GET /api/v1/me", anySession, s.me},
		{"GET /api/v1/me/tokens", signedIn, s.listTokens},
		{"POST /api/v1/me/tokens", signedIn, s.createToken},
		{"DELETE /api/v1/me/tokens/{id}", signedIn, s.revokeToken},
		{"POST /api/v1/me/totp", signedIn, s.beginTOTP},
		{"POST /api/v1/me/totp/confirm", signedIn, s.confirmTOTP},
		{"DELETE /api/v1/me/totp", signedIn, s.disableTOTP},
		{"GET /api/v1/me/settings", signedIn, s.settings},
		{"PUT /api/v1/me/settings", signedIn, s.saveSettings},

		{"GET /api/v1/countries", signedIn, s.countries},
		{"POST /api/v1/countries", signedIn, s.addCountry},
		{"GET /api/v1/users", signedIn, s.users},
		{"POST /api/v1/users", signedIn, s.createUser},
		{"POST /api/v1/users/{id}/disable", signedIn, s.setDisabled(true)},
		{"POST /api/v1/users/{id}/enable", signedIn, s.setDisabled(false)},
		{"POST /api/v1/users/{id}/reset-password", signedIn, s.resetPassword},

		{"GET /api/v1/cases", signedIn, s.cases},
		{"POST /api/v1/cases", signedIn, s.createCase},
		{"GET /api/v1/cases/{id}", signedIn, s.getCase},

		{"POST /api/v1/media", signedIn, s.upload},
		{"GET /api/v1/media", signedIn, s.mediaList},
		{"GET /api/v1/media/{id}", signedIn, s.getMedia},
		{"GET /api/v1/media/{id}/sightings", signedIn, s.sightings},
		{"GET /api/v1/media/{id}/matches", signedIn, s.matches},
		{"GET /api/v1/media/{id}/frames", signedIn, s.frames},
		{"PUT /api/v1/media/{id}/category", signedIn, s.categorise},
		{"PUT /api/v1/media/{id}/series", signedIn, s.setSeries},
		{"PUT /api/v1/media/{id}/access", signedIn, s.setAccess},
		{"GET /api/v1/media/{id}/preview", signedIn, s.preview},
		{"GET /api/v1/media/{id}/contact-sheet", signedIn, s.contactSheet},
		{"POST /api/v1/media/{id}/reveal", signedIn, s.reveal},

		{"POST /api/v1/search", signedIn, s.search},
		{"POST /api/v1/search/image", signedIn, s.searchImage},
		{"POST /api/v1/lookup", signedIn, s.lookup},
		{"POST /api/v1/import/vics", signedIn, s.importVICS},

		{"GET /api/v1/series", signedIn, s.seriesList},
		{"POST /api/v1/series", signedIn, s.createSeries},
		{"GET /api/v1/series/{id}", signedIn, s.getSeries},
		{"PATCH /api/v1/series/{id}", signedIn, s.updateSeries},
		{"POST /api/v1/series/{id}/join", signedIn, s.joinSeries},

		{"GET /api/v1/victims", signedIn, s.persons(catalog.PersonVictim)},
		{"POST /api/v1/victims", signedIn, s.createPerson(catalog.PersonVictim)},
		{"GET /api/v1/victims/{id}", signedIn, s.getPerson(catalog.PersonVictim)},
		{"PATCH /api/v1/victims/{id}", signedIn, s.updatePerson(catalog.PersonVictim)},
		{"POST /api/v1/victims/{id}/identify", signedIn, s.identify(catalog.PersonVictim)},
		{"POST /api/v1/victims/{id}/reopen", signedIn, s.reopen(catalog.PersonVictim)},
		{"GET /api/v1/offenders", signedIn, s.persons(catalog.PersonOffender)},
		{"POST /api/v1/offenders", signedIn, s.createPerson(catalog.PersonOffender)},
		{"GET /api/v1/offenders/{id}", signedIn, s.getPerson(catalog.PersonOffender)},
		{"PATCH /api/v1/offenders/{id}", signedIn, s.updatePerson(catalog.PersonOffender)},
		{"POST /api/v1/offenders/{id}/identify", signedIn, s.identify(catalog.PersonOffender)},
		{"POST /api/v1/offenders/{id}/reopen", signedIn, s.reopen(catalog.PersonOffender)},

		{"GET /api/v1/clues", signedIn, s.clues},
		{"POST /api/v1/clues", signedIn, s.addClue},
		{"GET /api/v1/clues/{id}", signedIn, s.getClue},
		{"DELETE /api/v1/clues/{id}", signedIn, s.deleteClue},

		{"GET /api/v1/alerts", signedIn, s.alerts},
		{"POST /api/v1/alerts/{id}/read", signedIn, s.markAlertRead},

		{"GET /api/v1/stats", signedIn, s.stats},
		{"GET /api/v1/audit", signedIn, s.auditLog},

		{"GET /healthz", public, s.healthz},
		{"GET /metrics", public, s.metricsText},
		{"GET /api/openapi.json", public, s.openAPI},
	}
}
