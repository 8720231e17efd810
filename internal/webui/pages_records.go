package webui

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vidb-project/vidb/internal/casework"
	"github.com/vidb-project/vidb/internal/catalog"
)

// timelineScan bounds how many audit events a series timeline reads (in chunks of
// casework.MaxAuditEvents).
const timelineScan = 50 * casework.MaxAuditEvents

// seriesMediaClues bounds how many of a series' media the series page reads clues of.
const seriesMediaClues = 50

type seriesListData struct {
	Series []catalog.Series
}

func (s *server) seriesList(w http.ResponseWriter, r *http.Request) error {
	xs, err := s.d.Work.SeriesList(r.Context(), user(r), catalog.Page{Limit: catalog.MaxPageSize})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "series-list", seriesListData{Series: xs})
	return nil
}

func (s *server) createSeries(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	u := user(r)
	a, err := accessFrom(r.PostForm, u.Country, catalog.VisibilityOwner)
	if err != nil {
		return err
	}
	x, err := s.d.Work.CreateSeries(r.Context(), u, catalog.Series{Name: strings.TrimSpace(r.PostForm.Get("name")), Access: a})
	if err != nil {
		return err
	}
	return seeOther(w, r, "/series/"+strconv.FormatInt(int64(x.ID), 10))
}

// event is one line of a series timeline.
type event struct {
	At           time.Time
	Country      string
	What, Object string
}

type seriesData struct {
	X         catalog.Series
	Media     []catalog.Media
	Victims   []catalog.Person
	Offenders []catalog.Person
	Clues     []catalog.Clue
	ClueKinds []catalog.ClueKind
	Timeline  []event
	// FromAudit says the timeline comes from the audit log (the user reads it); otherwise it
	// is built from the records the user sees.
	FromAudit   bool
	CanAnnotate bool
	CanJoin     bool
}

func (s *server) seriesPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	u := user(r)
	x, err := s.d.Work.Series(ctx, u, catalog.SeriesID(id))
	if err != nil {
		return err
	}
	d := seriesData{X: x, ClueKinds: clueKinds, CanAnnotate: catalog.Can(u, catalog.ActAnnotate, x.Access)}
	d.CanJoin = d.CanAnnotate && !slices.Contains(x.Countries, u.Country)
	if d.Media, err = s.d.Work.MediaList(ctx, u, catalog.MediaFilter{Series: x.ID}, catalog.Page{Limit: pageRows}); err != nil {
		return err
	}
	if d.Victims, err = s.d.Work.Persons(ctx, u, catalog.PersonVictim, x.ID, catalog.Page{Limit: pageRows}); err != nil {
		return err
	}
	if d.Offenders, err = s.d.Work.Persons(ctx, u, catalog.PersonOffender, x.ID, catalog.Page{Limit: pageRows}); err != nil {
		return err
	}
	if d.Clues, err = s.d.Work.Clues(ctx, u, catalog.ClueFilter{Series: x.ID}, catalog.Page{Limit: pageRows}); err != nil {
		return err
	}
	// The clues on the series' media too, for the first seriesMediaClues media.
	for i, m := range d.Media {
		if i == seriesMediaClues {
			break
		}
		cs, err := s.d.Work.Clues(ctx, u, catalog.ClueFilter{Media: m.ID}, catalog.Page{Limit: pageRows})
		if err != nil {
			return err
		}
		d.Clues = append(d.Clues, cs...)
	}
	if u.Role == catalog.RoleAuditor || u.Role == catalog.RoleCoordinator {
		d.FromAudit = true
		if d.Timeline, err = s.auditTimeline(r, u, d); err != nil {
			return err
		}
	} else {
		d.Timeline = recordTimeline(d)
	}
	s.render(w, r, http.StatusOK, "series", d)
	return nil
}

// auditTimeline reads the audit log (which the user may read) for the events on the series
// and on the records shown with it.
func (s *server) auditTimeline(r *http.Request, u catalog.User, d seriesData) ([]event, error) {
	sid := strconv.FormatInt(int64(d.X.ID), 10)
	objects := map[string]bool{"series/" + sid: true}
	for _, m := range d.Media {
		objects["media/"+strconv.FormatInt(int64(m.ID), 10)] = true
	}
	for _, p := range append(slices.Clone(d.Victims), d.Offenders...) {
		objects["person/"+strconv.FormatInt(int64(p.ID), 10)] = true
	}
	for _, c := range d.Clues {
		objects["clue/"+strconv.FormatInt(int64(c.ID), 10)] = true
	}
	var out []event
	for from := int64(0); from < timelineScan; {
		es, err := s.d.Work.AuditEvents(r.Context(), u, from, casework.MaxAuditEvents)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			if objects[e.Object] || e.Details["series"] == sid {
				out = append(out, event{At: e.Time, Country: e.Country, What: e.Action + " by " + e.Actor, Object: e.Object})
			}
		}
		if len(es) < casework.MaxAuditEvents {
			break
		}
		from = es[len(es)-1].Seq + 1
	}
	slices.Reverse(out)
	return out, nil
}

// recordTimeline builds a series' history from the records the user sees, newest first.
func recordTimeline(d seriesData) []event {
	out := []event{{At: d.X.Created, Country: string(d.X.Access.Owner), What: "series opened", Object: "series/" + strconv.FormatInt(int64(d.X.ID), 10)}}
	for _, m := range d.Media {
		out = append(out, event{At: m.Created, Country: string(m.Access.Owner), What: "media recorded", Object: "media/" + strconv.FormatInt(int64(m.ID), 10)})
	}
	for _, p := range append(slices.Clone(d.Victims), d.Offenders...) {
		obj := string(p.Kind) + " " + p.Code
		out = append(out, event{At: p.Created, Country: string(p.Access.Owner), What: string(p.Kind) + " recorded", Object: obj})
		if p.IdentifiedAt != nil {
			out = append(out, event{At: *p.IdentifiedAt, Country: string(p.IdentifiedBy), What: string(p.Kind) + " identified", Object: obj})
		}
	}
	for _, c := range d.Clues {
		out = append(out, event{At: c.Created, Country: string(c.Access.Owner), What: string(c.Kind) + " clue added", Object: "clue/" + strconv.FormatInt(int64(c.ID), 10)})
	}
	slices.SortStableFunc(out, func(a, b event) int { return cmp.Compare(b.At.UnixNano(), a.At.UnixNano()) })
	return out
}

func (s *server) joinSeries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.d.Work.JoinSeries(r.Context(), user(r), catalog.SeriesID(id)); err != nil {
		return err
	}
	return seeOther(w, r, "/series/"+strconv.FormatInt(id, 10))
}

func (s *server) addSeriesClue(w http.ResponseWriter, r *http.Request) error {
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
	c.Series = catalog.SeriesID(id)
	if _, err := s.d.Work.AddClue(r.Context(), u, c); err != nil {
		return err
	}
	return seeOther(w, r, "/series/"+strconv.FormatInt(id, 10)+"#clues")
}

// personPath is where a kind's pages live.
func personPath(k catalog.PersonKind) string {
	if k == catalog.PersonOffender {
		return "/offenders"
	}
	return "/victims"
}

type personsData struct {
	Kind    catalog.PersonKind
	Path    string
	Persons []catalog.Person
	Series  []catalog.Series
}

func (s *server) persons(kind catalog.PersonKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		u := user(r)
		ps, err := s.d.Work.Persons(ctx, u, kind, 0, catalog.Page{Limit: catalog.MaxPageSize})
		if err != nil {
			return err
		}
		xs, err := s.d.Work.SeriesList(ctx, u, catalog.Page{Limit: catalog.MaxPageSize})
		if err != nil {
			return err
		}
		s.render(w, r, http.StatusOK, "persons", personsData{Kind: kind, Path: personPath(kind), Persons: ps, Series: xs})
		return nil
	}
}

func (s *server) createPerson(kind catalog.PersonKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r); err != nil {
			return err
		}
		u := user(r)
		a, err := accessFrom(r.PostForm, u.Country, catalog.VisibilityOwner)
		if err != nil {
			return err
		}
		f := r.PostForm
		p := catalog.Person{Kind: kind, Access: a, Code: strings.TrimSpace(f.Get("code")), Sex: f.Get("sex"), AgeBand: f.Get("age_band"), Notes: strings.TrimSpace(f.Get("notes"))}
		sid, err := formID(f, "series")
		if err != nil {
			return err
		}
		if sid != 0 {
			p.Series = []catalog.SeriesID{catalog.SeriesID(sid)}
		}
		if p, err = s.d.Work.CreatePerson(r.Context(), u, p); err != nil {
			return err
		}
		return seeOther(w, r, personPath(kind)+"/"+strconv.FormatInt(int64(p.ID), 10))
	}
}

type personData struct {
	P           catalog.Person
	Path        string
	Series      []catalog.Series
	CanIdentify bool
	Countries   []catalog.Country
}

func (s *server) personPage(kind catalog.PersonKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		ctx := r.Context()
		u := user(r)
		p, err := s.d.Work.Person(ctx, u, catalog.PersonID(id))
		if err != nil {
			return err
		}
		if p.Kind != kind {
			return errNoPage
		}
		d := personData{P: p, Path: personPath(kind), CanIdentify: catalog.Can(u, catalog.ActIdentify, p.Access)}
		for _, sid := range p.Series {
			x, err := s.d.Work.Series(ctx, u, sid)
			if err != nil {
				continue // a linked series the user may not see is not shown
			}
			d.Series = append(d.Series, x)
		}
		if d.CanIdentify {
			if d.Countries, err = s.d.Work.Countries(ctx); err != nil {
				return err
			}
		}
		s.render(w, r, http.StatusOK, "person", d)
		return nil
	}
}

func (s *server) identify(kind catalog.PersonKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := parseForm(w, r); err != nil {
			return err
		}
		var likely catalog.CountryCode
		if l := strings.TrimSpace(r.PostForm.Get("likely")); l != "" {
			if likely, err = catalog.ParseCountryCode(l); err != nil {
				return err
			}
		}
		if err := s.checkKind(r, catalog.PersonID(id), kind); err != nil {
			return err
		}
		if _, err := s.d.Work.Identify(r.Context(), user(r), catalog.PersonID(id), likely); err != nil {
			return err
		}
		return seeOther(w, r, personPath(kind)+"/"+strconv.FormatInt(id, 10))
	}
}

func (s *server) reopen(kind catalog.PersonKind) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := s.checkKind(r, catalog.PersonID(id), kind); err != nil {
			return err
		}
		if _, err := s.d.Work.Reopen(r.Context(), user(r), catalog.PersonID(id)); err != nil {
			return err
		}
		return seeOther(w, r, personPath(kind)+"/"+strconv.FormatInt(id, 10))
	}
}

// checkKind refuses an action on a victim through the offenders' path and the other way round.
func (s *server) checkKind(r *http.Request, id catalog.PersonID, kind catalog.PersonKind) error {
	p, err := s.d.Work.Person(r.Context(), user(r), id)
	if err != nil {
		return err
	}
	if p.Kind != kind {
		return errNoPage
	}
	return nil
}

type cluesData struct {
	Filter    catalog.ClueFilter
	Clues     []catalog.Clue
	ClueKinds []catalog.ClueKind
	Searched  bool
}

func (s *server) cluesPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := catalog.ClueFilter{Text: strings.TrimSpace(q.Get("text")), Tag: strings.TrimSpace(q.Get("tag")), Kind: catalog.ClueKind(q.Get("kind"))}
	if len(f.Text) > 200 || len(f.Tag) > 64 {
		return badRequest("search text up to 200 characters, tags up to 64")
	}
	if f.Kind != "" && !slices.Contains(clueKinds, f.Kind) {
		return badRequest("unknown clue kind")
	}
	cs, err := s.d.Work.Clues(r.Context(), user(r), f, catalog.Page{Limit: pageRows})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "clues", cluesData{Filter: f, Clues: cs, ClueKinds: clueKinds, Searched: len(q) > 0})
	return nil
}
