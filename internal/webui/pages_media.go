package webui

import (
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/preview"
)

// pageRows bounds the rows a listing section of a page shows.
const pageRows = 200

type uploadData struct {
	Cases []catalog.Case
}

func (s *server) uploadPage(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.d.Work.Cases(r.Context(), user(r), catalog.Page{Limit: catalog.MaxPageSize})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "upload", uploadData{Cases: cs})
	return nil
}

func (s *server) createCase(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	u := user(r)
	a, err := accessFrom(r.PostForm, u.Country, catalog.VisibilityOwner)
	if err != nil {
		return err
	}
	c, err := s.d.Work.CreateCase(r.Context(), u, catalog.Case{Access: a, Number: strings.TrimSpace(r.PostForm.Get("number")), Title: strings.TrimSpace(r.PostForm.Get("title"))})
	if err != nil {
		return err
	}
	return seeOther(w, r, "/upload?case="+strconv.FormatInt(int64(c.ID), 10))
}

// sightingRow is a sighting with the number of its case.
type sightingRow struct {
	catalog.Sighting
	CaseNumber string
}

// still is one frame of a contact sheet, ready for an img element.
type still struct {
	Src  template.URL
	Time string
}

type mediaData struct {
	M              catalog.Media
	Settings       Settings
	CanCategorise  bool
	CanAnnotate    bool
	CanReveal      bool
	RevealsToday   int
	RevealLimit    int
	Sightings      []sightingRow
	Matches        []ingest.Found
	Series         *catalog.Series
	SeriesChoices  []catalog.Series
	Clues          []catalog.Clue
	ClueKinds      []catalog.ClueKind
	Stills         []still
	StillsError    string
	Categories     []string
	PreviewMissing string
	// Message is the category part's note after a change; empty on the page.
	Message string
}

func (s *server) mediaPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	u := user(r)
	m, err := s.d.Work.Media(ctx, u, catalog.MediaID(id))
	if err != nil {
		return err
	}
	d := mediaData{
		M: m, ClueKinds: clueKinds, Categories: []string{"0", "1", "2", "3", "4"},
		CanCategorise: catalog.Can(u, catalog.ActCategorise, m.Access),
		CanAnnotate:   catalog.Can(u, catalog.ActAnnotate, m.Access),
		CanReveal:     catalog.Can(u, catalog.ActReveal, m.Access) && !m.HashOnly(),
	}
	if d.Settings, err = s.settingsOf(ctx, u); err != nil {
		return err
	}
	// The limit preview reports is the lower of the deployment's and the user's own.
	if d.RevealsToday, d.RevealLimit, err = s.d.Preview.RevealsToday(ctx, u); err != nil {
		return err
	}
	sights, err := s.d.Work.Sightings(ctx, u, m.ID, catalog.Page{Limit: pageRows})
	if err != nil {
		return err
	}
	numbers := map[catalog.CaseID]string{}
	for _, x := range sights {
		n, ok := numbers[x.Case]
		if !ok {
			c, err := s.d.Work.Case(ctx, u, x.Case)
			if err != nil && !errors.Is(err, catalog.ErrNotFound) {
				return err
			}
			n = c.Number
			numbers[x.Case] = n
		}
		d.Sightings = append(d.Sightings, sightingRow{Sighting: x, CaseNumber: n})
	}
	if d.Matches, err = s.d.Ingest.Matches(ctx, u, m.ID); err != nil {
		return err
	}
	if m.Series != 0 {
		x, err := s.d.Work.Series(ctx, u, m.Series)
		switch {
		case err == nil:
			d.Series = &x
		case !errors.Is(err, catalog.ErrNotFound):
			return err
		}
	}
	if d.CanAnnotate {
		if d.SeriesChoices, err = s.d.Work.SeriesList(ctx, u, catalog.Page{Limit: catalog.MaxPageSize}); err != nil {
			return err
		}
	}
	if d.Clues, err = s.d.Work.Clues(ctx, u, catalog.ClueFilter{Media: m.ID}, catalog.Page{Limit: pageRows}); err != nil {
		return err
	}
	switch {
	case m.HashOnly():
		d.PreviewMissing = "vidb holds only the hashes of this record, not its content."
	case m.Kind == catalog.KindVideo:
		stills, err := s.d.Preview.ContactSheet(ctx, u, m.ID, 0, d.Settings.options())
		switch {
		case err == nil:
			for _, st := range stills {
				d.Stills = append(d.Stills, still{
					Src:  template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(st.PNG)),
					Time: fmtDur(st.Timestamp),
				})
			}
		case errors.Is(err, preview.ErrNoPreview):
			d.StillsError = "no contact sheet can be made of this video on this server."
		default:
			return err
		}
	}
	s.render(w, r, http.StatusOK, "media", d)
	return nil
}

func (s *server) previewPNG(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u := user(r)
	set, err := s.settingsOf(r.Context(), u)
	if err != nil {
		return err
	}
	o := set.options()
	if sz := r.URL.Query().Get("size"); sz != "" {
		n, err := strconv.Atoi(sz)
		if err != nil || n < 32 || n > preview.MaxSide {
			return badRequest("size must be from 32 to " + strconv.Itoa(preview.MaxSide))
		}
		o.MaxSide = n
	}
	png, err := s.d.Preview.Preview(r.Context(), u, catalog.MediaID(id), o)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(png)))
	_, _ = w.Write(png)
	return nil
}

// reveal returns the full content of a media item, after the user's own limit and the
// deployment's (preview.Service counts and audits the reveal).
func (s *server) reveal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	u := user(r)
	// preview refuses beyond the lower of the deployment's limit and the user's own.
	rv, err := s.d.Preview.Reveal(ctx, u, catalog.MediaID(id))
	if err != nil {
		return err
	}
	defer rv.Body.Close()
	limit := rv.Limit
	h := w.Header()
	h.Set("Content-Type", rv.MIME)
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Disposition", "inline")
	h.Set("X-Reveals-Today", strconv.Itoa(rv.Count))
	h.Set("X-Reveal-Limit", strconv.Itoa(limit))
	if rv.Size > 0 {
		h.Set("Content-Length", strconv.FormatInt(rv.Size, 10))
	}
	if _, err := io.Copy(w, rv.Body); err != nil {
		// The reveal is recorded; the content failed verification or the client went away.
		s.log.WarnContext(ctx, "reveal interrupted", "request_id", infoOf(r).id, "media", id, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

type categoryData struct {
	M       catalog.Media
	Message string
}

func (s *server) categorise(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	var c catalog.Category
	switch code := strings.TrimSpace(r.PostForm.Get("code")); code {
	case "":
	default:
		c = catalog.Category{Scheme: catalog.SchemeVICSUS, Code: code}
	}
	m, err := s.d.Work.Categorise(r.Context(), user(r), catalog.MediaID(id), c)
	if err != nil {
		return err
	}
	if isHTMX(r) {
		s.renderPart(w, r, "media", "category", categoryData{M: m, Message: "saved"})
		return nil
	}
	return seeOther(w, r, "/media/"+strconv.FormatInt(id, 10))
}

func (s *server) setSeries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	u := user(r)
	sid, err := formID(r.PostForm, "series")
	if err != nil {
		return err
	}
	if name := strings.TrimSpace(r.PostForm.Get("name")); name != "" {
		a, err := accessFrom(r.PostForm, u.Country, catalog.VisibilityOwner)
		if err != nil {
			return err
		}
		x, err := s.d.Work.CreateSeries(ctx, u, catalog.Series{Name: name, Access: a})
		if err != nil {
			return err
		}
		sid = int64(x.ID)
	}
	if _, err := s.d.Work.SetSeries(ctx, u, catalog.MediaID(id), catalog.SeriesID(sid)); err != nil {
		return err
	}
	return seeOther(w, r, "/media/"+strconv.FormatInt(id, 10))
}

func (s *server) addMediaClue(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	u := user(r)
	c, err := clueFrom(r.PostForm, u)
	if err != nil {
		return err
	}
	if c.Region, err = regionFrom(r.PostForm); err != nil {
		return err
	}
	c.Media = catalog.MediaID(id)
	if _, err := s.d.Work.AddClue(r.Context(), u, c); err != nil {
		return err
	}
	return seeOther(w, r, "/media/"+strconv.FormatInt(id, 10)+"#clues")
}

// renderPart writes one named template of a page's set as an HTML fragment.
func (s *server) renderPart(w http.ResponseWriter, r *http.Request, page, part string, data any) {
	var b strings.Builder
	if err := s.pages.set[page].ExecuteTemplate(&b, part, data); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = io.WriteString(w, b.String())
}
