package webui

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/auth/session"
)

type signInData struct {
	Login, Next, Error string
}

// localPath returns next when it is a path on this site, "/" otherwise, so that the sign-in
// page cannot be used to send a user elsewhere.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

func (s *server) signInPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.authenticate(r); err == nil {
		return seeOther(w, r, localPath(r.URL.Query().Get("next")))
	}
	s.render(w, r, http.StatusOK, "signin", signInData{Next: localPath(r.URL.Query().Get("next"))})
	return nil
}

func (s *server) signIn(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	login := strings.TrimSpace(r.PostForm.Get("login"))
	next := localPath(r.PostForm.Get("next"))
	remote, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		remote = r.RemoteAddr
	}
	secret, id, err := s.d.Auth.Login(r.Context(), auth.Attempt{
		Login: login, Password: r.PostForm.Get("password"), TOTP: strings.TrimSpace(r.PostForm.Get("totp")), Remote: remote,
	})
	if err != nil {
		pe := classify(err)
		if pe.Status >= 500 {
			return err
		}
		s.render(w, r, pe.Status, "signin", signInData{Login: login, Next: next, Error: pe.Message})
		return nil
	}
	session.Set(w, secret, id.Token.Expires, s.cfg.SecureCookies)
	if id.MustChange {
		return seeOther(w, r, "/password")
	}
	return seeOther(w, r, next)
}

func (s *server) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.d.Auth.Logout(r.Context(), identity(r)); err != nil {
		return err
	}
	session.Set(w, "", time.Time{}, s.cfg.SecureCookies)
	return seeOther(w, r, "/signin")
}

type passwordData struct {
	MustChange bool
	Error      string
	Done       bool
}

func (s *server) passwordPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "password", passwordData{MustChange: identity(r).MustChange, Done: r.URL.Query().Has("done")})
	return nil
}

func (s *server) changePassword(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id := identity(r)
	old, nw := r.PostForm.Get("old"), r.PostForm.Get("new")
	if nw != r.PostForm.Get("confirm") {
		s.render(w, r, http.StatusBadRequest, "password", passwordData{MustChange: id.MustChange, Error: "the two new passwords differ"})
		return nil
	}
	if err := s.d.Auth.ChangePassword(r.Context(), id, old, nw); err != nil {
		pe := classify(err)
		if pe.Status >= 500 || errors.Is(err, auth.ErrUnauthenticated) {
			return err
		}
		s.render(w, r, pe.Status, "password", passwordData{MustChange: id.MustChange, Error: pe.Message})
		return nil
	}
	if id.MustChange {
		return seeOther(w, r, "/")
	}
	return seeOther(w, r, "/password?done")
}
