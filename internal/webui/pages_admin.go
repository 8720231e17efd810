package webui

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/pdq"
)

type searchData struct {
	Query    string
	Searched bool
	Found    []ingest.Found
	Error    string
}

func (s *server) searchPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "search", searchData{})
	return nil
}

// parseQuery reads a hash typed by the user: 32 hex digits are an MD5, 40 a SHA-1, 64 either
// a SHA-256 or a PDQ hash (both are searched).
func parseQuery(s string) (ingest.Query, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	b, err := hex.DecodeString(s)
	if err != nil {
		return ingest.Query{}, badRequest("a hash is hexadecimal: 32 digits (MD5), 40 (SHA-1) or 64 (SHA-256 or PDQ)")
	}
	var q ingest.Query
	switch len(b) {
	case 16:
		copy(q.Digests.MD5[:], b)
	case 20:
		copy(q.Digests.SHA1[:], b)
	case 32:
		copy(q.Digests.SHA256[:], b)
		h, err := pdq.ParseHash(s)
		if err != nil {
			return q, badRequest("malformed hash")
		}
		q.PDQ = &h
	default:
		return q, badRequest("a hash is hexadecimal: 32 digits (MD5), 40 (SHA-1) or 64 (SHA-256 or PDQ)")
	}
	return q, nil
}

func (s *server) searchHash(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	d := searchData{Query: strings.TrimSpace(r.PostForm.Get("hash")), Searched: true}
	q, err := parseQuery(d.Query)
	if err != nil {
		return err
	}
	if d.Found, err = s.d.Ingest.Search(r.Context(), user(r), q); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "search", d)
	return nil
}

// searchImage searches with an image sent as the "file" part of a multipart form, streamed to
// ingest; nothing is stored.
func (s *server) searchImage(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+maxForm)
	mr, err := r.MultipartReader()
	if err != nil {
		return badRequest("send the image as a multipart form")
	}
	for {
		p, err := mr.NextPart()
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return err
			}
			return badRequest(`the form has no "file"`)
		}
		if p.FormName() != "file" {
			continue
		}
		d := searchData{Query: "an image", Searched: true}
		if d.Found, err = s.d.Ingest.SearchImage(r.Context(), user(r), p); err != nil {
			return err
		}
		s.render(w, r, http.StatusOK, "search", d)
		return nil
	}
}

type adminData struct {
	Users   []catalog.User
	Roles   []catalog.Role
	Country catalog.CountryCode
	// Created is set after an account was made or reset: its login and one-time password,
	// shown once.
	Created *createdUser
}

type createdUser struct {
	Login, Password string
}

func (s *server) adminPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAdmin(w, r, nil)
}

func (s *server) renderAdmin(w http.ResponseWriter, r *http.Request, created *createdUser) error {
	u := user(r)
	us, err := s.d.Work.Users(r.Context(), u, "", catalog.Page{Limit: catalog.MaxPageSize})
	if err != nil {
		return err
	}
	var roles []catalog.Role
	for _, role := range catalog.Roles() {
		if catalog.CanManageUser(u, catalog.User{Country: u.Country, Role: role}) {
			roles = append(roles, role)
		}
	}
	s.render(w, r, http.StatusOK, "admin", adminData{Users: us, Roles: roles, Country: u.Country, Created: created})
	return nil
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	admin := user(r)
	f := r.PostForm
	role, err := catalog.ParseRole(f.Get("role"))
	if err != nil {
		return err
	}
	country := admin.Country
	if c := strings.TrimSpace(f.Get("country")); c != "" {
		if country, err = catalog.ParseCountryCode(c); err != nil {
			return err
		}
	}
	nu, pw, err := s.d.Auth.CreateUser(r.Context(), admin, catalog.User{Login: strings.TrimSpace(f.Get("login")), Name: strings.TrimSpace(f.Get("name")), Country: country, Role: role})
	if err != nil {
		return err
	}
	return s.renderAdmin(w, r, &createdUser{Login: nu.Login, Password: pw})
}

// managedUser finds a user the admin lists (and so may manage), or ErrNotFound.
func (s *server) managedUser(r *http.Request) (catalog.User, error) {
	id, err := pathID(r)
	if err != nil {
		return catalog.User{}, err
	}
	admin := user(r)
	p := catalog.Page{Limit: catalog.MaxPageSize}
	for {
		us, err := s.d.Work.Users(r.Context(), admin, "", p)
		if err != nil {
			return catalog.User{}, err
		}
		for _, u := range us {
			if int64(u.ID) == id {
				return u, nil
			}
		}
		if len(us) < p.Size() {
			return catalog.User{}, catalog.ErrNotFound
		}
		p.After = int64(us[len(us)-1].ID)
	}
}

func (s *server) setDisabled(disabled bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		target, err := s.managedUser(r)
		if err != nil {
			return err
		}
		if err := s.d.Auth.SetDisabled(r.Context(), user(r), target.ID, disabled); err != nil {
			return err
		}
		return seeOther(w, r, "/admin")
	}
}

func (s *server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	target, err := s.managedUser(r)
	if err != nil {
		return err
	}
	pw, err := s.d.Auth.ResetPassword(r.Context(), user(r), target.ID)
	if err != nil {
		return err
	}
	return s.renderAdmin(w, r, &createdUser{Login: target.Login, Password: pw})
}

type auditData struct {
	Events []audit.Event
	From   int64
	Next   int64
	Action string
}

// auditPerPage is the page size of the audit view.
const auditPerPage = 100

func (s *server) auditPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := user(r)
	q := r.URL.Query()
	d := auditData{Action: strings.TrimSpace(q.Get("action"))}
	if f := q.Get("from"); f != "" {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 0 {
			return badRequest("from must be a sequence number")
		}
		d.From = n
	}
	// Read a page; with an action filter, read on until a page of matches or the end.
	next := d.From
	for range 20 {
		es, err := s.d.Work.AuditEvents(ctx, u, next, auditPerPage*5)
		if err != nil {
			return err
		}
		for _, e := range es {
			next = e.Seq + 1
			if d.Action == "" || strings.HasPrefix(e.Action, d.Action) {
				d.Events = append(d.Events, e)
				if len(d.Events) == auditPerPage {
					break
				}
			}
		}
		if len(d.Events) == auditPerPage || len(es) < auditPerPage*5 {
			break
		}
	}
	if len(d.Events) == auditPerPage {
		d.Next = next
	}
	s.render(w, r, http.StatusOK, "audit", d)
	return nil
}

type settingsData struct {
	S            Settings
	Saved        bool
	Error        string
	TOTPURI      string
	TOTPSecret   string
	TOTPMessage  string
	RevealsToday int
	RevealLimit  int
	MinBlur      float64
	MaxBlur      float64
}

func (s *server) settingsData(r *http.Request) (settingsData, error) {
	u := user(r)
	st, err := s.settingsOf(r.Context(), u)
	if err != nil {
		return settingsData{}, err
	}
	d := settingsData{S: st, MinBlur: MinBlur, MaxBlur: MaxBlur}
	if !catalog.ScopeOf(u).None {
		if d.RevealsToday, d.RevealLimit, err = s.d.Preview.RevealsToday(r.Context(), u); err != nil {
			return d, err
		}
	}
	return d, nil
}

func (s *server) settingsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := s.settingsData(r)
	if err != nil {
		return err
	}
	d.Saved = r.URL.Query().Has("saved")
	s.render(w, r, http.StatusOK, "settings", d)
	return nil
}

func (s *server) saveSettings(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostForm
	var st Settings
	var err error
	if st.Blur, err = strconv.ParseFloat(strings.TrimSpace(f.Get("blur")), 64); err != nil {
		return badRequest("blur must be a number")
	}
	st.Grey = f.Get("grey") == "on"
	if l := strings.TrimSpace(f.Get("limit")); l != "" {
		if st.DailyRevealLimit, err = strconv.Atoi(l); err != nil {
			return badRequest("the daily reveal limit must be a whole number")
		}
	}
	if err := st.Validate(); err != nil {
		return err
	}
	if err := s.putSettings(r.Context(), user(r), st); err != nil {
		return err
	}
	return seeOther(w, r, "/settings?saved")
}

func (s *server) beginTOTP(w http.ResponseWriter, r *http.Request) error {
	d, err := s.settingsData(r)
	if err != nil {
		return err
	}
	if d.TOTPURI, d.TOTPSecret, err = s.d.Auth.BeginTOTP(r.Context(), identity(r)); err != nil {
		if !errors.Is(err, catalog.ErrConflict) {
			return err
		}
		d.TOTPMessage = "two-factor sign-in is already on for your account"
	}
	s.render(w, r, http.StatusOK, "settings", d)
	return nil
}

func (s *server) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	d, err := s.settingsData(r)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if err := s.d.Auth.ConfirmTOTP(r.Context(), identity(r), strings.TrimSpace(r.PostForm.Get("code"))); err != nil {
		pe := classify(err)
		if pe.Status >= 500 {
			return err
		}
		status, d.TOTPMessage = pe.Status, pe.Message
	} else {
		d.TOTPMessage = "two-factor sign-in is on: from now on, sign in with a code from your authenticator app"
	}
	s.render(w, r, status, "settings", d)
	return nil
}
