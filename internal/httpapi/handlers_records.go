package httpapi

import (
	"net/http"
	"strings"

	"github.com/vidb-project/vidb/internal/catalog"
)

// owner is the owner country named in a request, or the asker's own.
func owner(u catalog.User, named string) (catalog.CountryCode, error) {
	if named == "" {
		return u.Country, nil
	}
	return catalog.ParseCountryCode(named)
}

// requestedAccess is the access a create request asks for: the owner it names (the asker's
// country by default), the visibility and the countries shared with.
func requestedAccess(u catalog.User, named, visibility string, shared []string) (catalog.Access, error) {
	o, err := owner(u, named)
	if err != nil {
		return catalog.Access{}, err
	}
	return parseAccess(o, visibility, shared)
}

func (s *server) cases(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	cs, err := s.d.Work.Cases(r.Context(), identity(r).User, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(p, cs, toCase, func(c catalog.Case) int64 { return int64(c.ID) }))
	return nil
}

func (s *server) createCase(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[caseRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	u := identity(r).User
	a, err := requestedAccess(u, req.Owner, req.Visibility, req.SharedWith)
	if err != nil {
		return err
	}
	c, err := s.d.Work.CreateCase(r.Context(), u, catalog.Case{Number: req.Number, Title: req.Title, Access: a})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toCase(c))
	return nil
}

func (s *server) getCase(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := s.d.Work.Case(r.Context(), identity(r).User, catalog.CaseID(id))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toCase(c))
	return nil
}

func (s *server) seriesList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	xs, err := s.d.Work.SeriesList(r.Context(), identity(r).User, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(p, xs, toSeries, func(x catalog.Series) int64 { return int64(x.ID) }))
	return nil
}

func (s *server) createSeries(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[seriesRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	u := identity(r).User
	a, err := requestedAccess(u, req.Owner, req.Visibility, req.SharedWith)
	if err != nil {
		return err
	}
	x, err := s.d.Work.CreateSeries(r.Context(), u, catalog.Series{Name: req.Name, Status: catalog.SeriesUnidentified, Access: a})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toSeries(x))
	return nil
}

func (s *server) getSeries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, err := s.d.Work.Series(r.Context(), identity(r).User, catalog.SeriesID(id))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSeries(x))
	return nil
}

func (s *server) updateSeries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	req, err := decodeJSON[seriesPatchRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	u := identity(r).User
	x, err := s.d.Work.Series(r.Context(), u, catalog.SeriesID(id))
	if err != nil {
		return err
	}
	if req.Name != nil {
		x.Name = *req.Name
	}
	if req.Status != nil {
		x.Status = catalog.SeriesStatus(*req.Status)
	}
	if req.Visibility != nil || req.SharedWith != nil {
		vis, shared := string(x.Access.Visibility), codes(x.Access.SharedWith)
		if req.Visibility != nil {
			vis = *req.Visibility
		}
		if req.SharedWith != nil {
			shared = *req.SharedWith
		}
		if x.Access, err = parseAccess(x.Access.Owner, vis, shared); err != nil {
			return err
		}
	}
	x, err = s.d.Work.UpdateSeries(r.Context(), u, x)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSeries(x))
	return nil
}

func (s *server) joinSeries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, err := s.d.Work.JoinSeries(r.Context(), identity(r).User, catalog.SeriesID(id))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSeries(x))
	return nil
}

func (s *server) persons(kind catalog.PersonKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := page(r)
		if err != nil {
			return err
		}
		series, err := queryInt(r, "series", 0, 0, 1<<62)
		if err != nil {
			return err
		}
		ps, err := s.d.Work.Persons(r.Context(), identity(r).User, kind, catalog.SeriesID(series), p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newList(p, ps, toPerson, func(x catalog.Person) int64 { return int64(x.ID) }))
		return nil
	}
}

func seriesIDs(ids []int64) []catalog.SeriesID {
	out := make([]catalog.SeriesID, 0, len(ids))
	for _, id := range ids {
		out = append(out, catalog.SeriesID(id))
	}
	return out
}

func optCountry(s string) (catalog.CountryCode, error) {
	if s == "" {
		return "", nil
	}
	return catalog.ParseCountryCode(s)
}

func (s *server) createPerson(kind catalog.PersonKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := decodeJSON[personRequest](w, r, s.cfg.MaxBody)
		if err != nil {
			return err
		}
		u := identity(r).User
		a, err := requestedAccess(u, req.Owner, req.Visibility, req.SharedWith)
		if err != nil {
			return err
		}
		likely, err := optCountry(req.LikelyLocation)
		if err != nil {
			return err
		}
		p, err := s.d.Work.CreatePerson(r.Context(), u, catalog.Person{
			Kind: kind, Access: a, Code: req.Code, Sex: req.Sex, AgeBand: req.AgeBand,
			Status: catalog.PersonUnidentified, LikelyLocation: likely, Notes: req.Notes, Series: seriesIDs(req.Series),
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, toPerson(p))
		return nil
	}
}

// person fetches the {id} person of the route's kind: a victim's ID under /offenders is not
// found.
func (s *server) person(r *http.Request, kind catalog.PersonKind) (catalog.Person, error) {
	id, err := pathID(r)
	if err != nil {
		return catalog.Person{}, err
	}
	p, err := s.d.Work.Person(r.Context(), identity(r).User, catalog.PersonID(id))
	if err != nil {
		return catalog.Person{}, err
	}
	if p.Kind != kind {
		return catalog.Person{}, catalog.ErrNotFound
	}
	return p, nil
}

func (s *server) getPerson(kind catalog.PersonKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.person(r, kind)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toPerson(p))
		return nil
	}
}

func (s *server) updatePerson(kind catalog.PersonKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := decodeJSON[personPatchRequest](w, r, s.cfg.MaxBody)
		if err != nil {
			return err
		}
		p, err := s.person(r, kind)
		if err != nil {
			return err
		}
		if req.Sex != nil {
			p.Sex = *req.Sex
		}
		if req.AgeBand != nil {
			p.AgeBand = *req.AgeBand
		}
		if req.Notes != nil {
			p.Notes = *req.Notes
		}
		if req.LikelyLocation != nil {
			if p.LikelyLocation, err = optCountry(*req.LikelyLocation); err != nil {
				return err
			}
		}
		if req.Series != nil {
			p.Series = seriesIDs(*req.Series)
		}
		if req.Visibility != nil || req.SharedWith != nil {
			vis, shared := string(p.Access.Visibility), codes(p.Access.SharedWith)
			if req.Visibility != nil {
				vis = *req.Visibility
			}
			if req.SharedWith != nil {
				shared = *req.SharedWith
			}
			if p.Access, err = parseAccess(p.Access.Owner, vis, shared); err != nil {
				return err
			}
		}
		p, err = s.d.Work.UpdatePerson(r.Context(), identity(r).User, p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toPerson(p))
		return nil
	}
}

func (s *server) identify(kind catalog.PersonKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := decodeJSON[identifyRequest](w, r, s.cfg.MaxBody)
		if err != nil {
			return err
		}
		likely, err := optCountry(req.LikelyLocation)
		if err != nil {
			return err
		}
		p, err := s.person(r, kind)
		if err != nil {
			return err
		}
		p, err = s.d.Work.Identify(r.Context(), identity(r).User, p.ID, likely)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toPerson(p))
		return nil
	}
}

func (s *server) reopen(kind catalog.PersonKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.person(r, kind)
		if err != nil {
			return err
		}
		p, err = s.d.Work.Reopen(r.Context(), identity(r).User, p.ID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, toPerson(p))
		return nil
	}
}

func (s *server) clues(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	media, err := queryInt(r, "media", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	series, err := queryInt(r, "series", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := catalog.ClueFilter{Media: catalog.MediaID(media), Series: catalog.SeriesID(series), Kind: catalog.ClueKind(q.Get("kind")), Tag: q.Get("tag"), Text: q.Get("q")}
	cs, err := s.d.Work.Clues(r.Context(), identity(r).User, f, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(p, cs, toClue, func(c catalog.Clue) int64 { return int64(c.ID) }))
	return nil
}

func (s *server) addClue(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[clueRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	u := identity(r).User
	a, err := parseAccess(u.Country, req.Visibility, req.SharedWith)
	if err != nil {
		return err
	}
	c := catalog.Clue{Access: a, Media: catalog.MediaID(req.Media), Series: catalog.SeriesID(req.Series), Kind: catalog.ClueKind(req.Kind),
		Text: req.Text, Tags: req.Tags, Author: u.ID}
	for _, t := range c.Tags {
		if t == "" || len(t) > 64 || strings.ContainsAny(t, "\x00\n") {
			return badRequest("tags must be 1 to 64 characters on one line")
		}
	}
	if req.Region != nil {
		c.Region = &catalog.Region{X: req.Region.X, Y: req.Region.Y, W: req.Region.W, H: req.Region.H}
	}
	c, err = s.d.Work.AddClue(r.Context(), u, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toClue(c))
	return nil
}

func (s *server) getClue(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := s.d.Work.Clue(r.Context(), identity(r).User, catalog.ClueID(id))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toClue(c))
	return nil
}

func (s *server) deleteClue(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.d.Work.DeleteClue(r.Context(), identity(r).User, catalog.ClueID(id)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) alerts(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	unread := false
	switch r.URL.Query().Get("unread") {
	case "", "0", "false":
	case "1", "true":
		unread = true
	default:
		return badRequest("unread must be 1 or 0")
	}
	as, err := s.d.Work.Alerts(r.Context(), identity(r).User, unread, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(p, as, toAlert, func(a catalog.Alert) int64 { return int64(a.ID) }))
	return nil
}

func (s *server) markAlertRead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.d.Work.MarkAlertRead(r.Context(), identity(r).User, catalog.AlertID(id)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) stats(w http.ResponseWriter, r *http.Request) error {
	st, err := s.d.Work.Stats(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, statsJSON{Media: st.Media, Series: st.Series, VictimsIdentified: st.VictimsIdentified,
		OffendersIdentified: st.OffendersIdentified, Countries: st.Countries})
	return nil
}

func (s *server) auditLog(w http.ResponseWriter, r *http.Request) error {
	from, err := queryInt(r, "from", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	evs, err := s.d.Work.AuditEvents(r.Context(), identity(r).User, from, int(limit))
	if err != nil {
		return err
	}
	out := listOf[eventJSON]{Items: make([]eventJSON, 0, len(evs))}
	for _, e := range evs {
		out.Items = append(out.Items, toEvent(e))
	}
	if len(evs) == int(limit) {
		n := evs[len(evs)-1].Seq + 1
		out.Next = &n
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
