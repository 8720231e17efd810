package httpapi

import (
	_ "embed"
	"net/http"

	"github.com/vidb-project/vidb/internal/obs"
)

//go:embed openapi.json
var openAPIDocument []byte

type health struct {
	Status string `json:"status"`
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	if err := s.d.Ready(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "request_id", requestID(r), "err", err)
		writeJSON(w, http.StatusServiceUnavailable, health{Status: "unavailable"})
		return nil
	}
	writeJSON(w, http.StatusOK, health{Status: "ok"})
	return nil
}

func (s *server) metricsText(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", obs.ContentType)
	w.Header().Set("Cache-Control", "no-store")
	_, err := s.d.Metrics.WriteTo(w)
	if err != nil {
		s.log.WarnContext(r.Context(), "writing metrics", "request_id", requestID(r), "err", err)
	}
	return nil
}

func (s *server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDocument)
	return nil
}
