package webui

import (
	"net/http"

	"github.com/vidb-project/vidb/internal/catalog"
)

// Home page bounds.
const (
	homeAlerts  = 50
	homeUploads = 12
	// homeUploadPages bounds how many pages of the user's uploads the home page reads to find
	// the newest (listings are in ID order, oldest first).
	homeUploadPages = 10
)

type homeData struct {
	Stats   catalog.Stats
	Records bool
	Alerts  []catalog.Alert
	// MoreAlerts says there are more unread alerts than shown.
	MoreAlerts bool
	Uploads    []catalog.Media
}

func (s *server) home(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := user(r)
	var d homeData
	var err error
	if d.Stats, err = s.d.Work.Stats(ctx); err != nil {
		return err
	}
	if !catalog.ScopeOf(u).None {
		d.Records = true
		if d.Alerts, err = s.d.Work.Alerts(ctx, u, true, catalog.Page{Limit: homeAlerts + 1}); err != nil {
			return err
		}
		if len(d.Alerts) > homeAlerts {
			d.Alerts, d.MoreAlerts = d.Alerts[:homeAlerts], true
		}
		if d.Uploads, err = s.recentUploads(r, u); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "home", d)
	return nil
}

// recentUploads returns the user's newest uploads, newest first.
func (s *server) recentUploads(r *http.Request, u catalog.User) ([]catalog.Media, error) {
	var ring []catalog.Media
	p := catalog.Page{Limit: catalog.MaxPageSize}
	for range homeUploadPages {
		ms, err := s.d.Work.MediaList(r.Context(), u, catalog.MediaFilter{Uploader: u.ID}, p)
		if err != nil {
			return nil, err
		}
		ring = append(ring, ms...)
		if len(ring) > homeUploads {
			ring = append(ring[:0], ring[len(ring)-homeUploads:]...)
		}
		if len(ms) < p.Size() {
			break
		}
		p.After = int64(ms[len(ms)-1].ID)
	}
	out := make([]catalog.Media, len(ring))
	for i, m := range ring {
		out[len(ring)-1-i] = m
	}
	return out, nil
}

func (s *server) markAlertRead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.d.Work.MarkAlertRead(r.Context(), user(r), catalog.AlertID(id)); err != nil {
		return err
	}
	if isHTMX(r) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<span class="muted">read</span>`))
		return nil
	}
	return seeOther(w, r, "/")
}
