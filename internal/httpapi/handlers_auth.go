package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/auth/session"
	"github.com/vidb-project/vidb/internal/catalog"
)

type loginResponse struct {
	User               userJSON `json:"user"`
	MustChangePassword bool     `json:"must_change_password"`
}

func (s *server) login(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[loginRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	secret, id, err := s.d.Auth.Login(r.Context(), auth.Attempt{Login: req.Login, Password: req.Password, TOTP: req.TOTP, Remote: infoOf(r).remote})
	if err != nil {
		if errors.Is(err, auth.ErrBadCredentials) || errors.Is(err, auth.ErrLocked) || errors.Is(err, auth.ErrTOTPRequired) || errors.Is(err, auth.ErrRateLimited) {
			s.m.loginFailures.Inc()
		}
		return err
	}
	infoOf(r).user = int64(id.User.ID)
	session.Set(w, secret, id.Token.Expires, s.cfg.SecureCookies)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, loginResponse{User: toUser(id.User), MustChangePassword: id.MustChange})
	return nil
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.d.Auth.Logout(r.Context(), identity(r)); err != nil {
		return err
	}
	session.Set(w, "", time.Time{}, s.cfg.SecureCookies)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) changePassword(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[passwordRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	if err := s.d.Auth.ChangePassword(r.Context(), identity(r), req.Old, req.New); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type meResponse struct {
	User               userJSON `json:"user"`
	MustChangePassword bool     `json:"must_change_password"`
	RevealsToday       int      `json:"reveals_today"`
	RevealLimit        int      `json:"reveal_limit"`
}

func (s *server) me(w http.ResponseWriter, r *http.Request) error {
	id := identity(r)
	count, limit, err := s.d.Preview.RevealsToday(r.Context(), id.User)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, meResponse{User: toUser(id.User), MustChangePassword: id.MustChange, RevealsToday: count, RevealLimit: limit})
	return nil
}

func (s *server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.d.Auth.APITokens(r.Context(), identity(r))
	if err != nil {
		return err
	}
	out := listOf[tokenJSON]{Items: make([]tokenJSON, 0, len(ts))}
	for _, t := range ts {
		out.Items = append(out.Items, toToken(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type tokenCreated struct {
	Token tokenJSON `json:"token"`
	// Secret is shown once: vidb keeps only its hash.
	Secret string `json:"secret"`
}

func (s *server) createToken(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[tokenRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	if req.TTLDays < 0 || req.TTLDays > 3660 {
		return badRequest("ttl_days must be from 0 (the default) to 3660")
	}
	secret, t, err := s.d.Auth.CreateAPIToken(r.Context(), identity(r), req.Name, time.Duration(req.TTLDays)*24*time.Hour)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, tokenCreated{Token: toToken(t), Secret: secret})
	return nil
}

func (s *server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.d.Auth.RevokeAPIToken(r.Context(), identity(r), catalog.TokenID(id)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type totpBegun struct {
	URI    string `json:"uri"`
	Secret string `json:"secret"`
}

func (s *server) beginTOTP(w http.ResponseWriter, r *http.Request) error {
	uri, secret, err := s.d.Auth.BeginTOTP(r.Context(), identity(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, totpBegun{URI: uri, Secret: secret})
	return nil
}

func (s *server) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[totpConfirmRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	if err := s.d.Auth.ConfirmTOTP(r.Context(), identity(r), req.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) disableTOTP(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[totpDisableRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	if err := s.d.Auth.DisableTOTP(r.Context(), identity(r), req.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) countries(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.d.Work.Countries(r.Context())
	if err != nil {
		return err
	}
	out := listOf[countryJSON]{Items: make([]countryJSON, 0, len(cs))}
	for _, c := range cs {
		out.Items = append(out.Items, toCountry(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *server) addCountry(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[countryRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	code, err := catalog.ParseCountryCode(req.Code)
	if err != nil {
		return err
	}
	c, err := s.d.Work.AddCountry(r.Context(), identity(r).User, catalog.Country{Code: code, Name: req.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toCountry(c))
	return nil
}

func (s *server) users(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	var country catalog.CountryCode
	if c := r.URL.Query().Get("country"); c != "" {
		if country, err = catalog.ParseCountryCode(c); err != nil {
			return err
		}
	}
	us, err := s.d.Work.Users(r.Context(), identity(r).User, country, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(p, us, toUser, func(u catalog.User) int64 { return int64(u.ID) }))
	return nil
}

type userCreated struct {
	User userJSON `json:"user"`
	// Password is the one-time password, shown once.
	Password string `json:"password"`
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[userRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	country, err := catalog.ParseCountryCode(req.Country)
	if err != nil {
		return err
	}
	role, err := catalog.ParseRole(req.Role)
	if err != nil {
		return err
	}
	u, pw, err := s.d.Auth.CreateUser(r.Context(), identity(r).User, catalog.User{Login: req.Login, Name: req.Name, Country: country, Role: role})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, userCreated{User: toUser(u), Password: pw})
	return nil
}

func (s *server) setDisabled(disabled bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := s.d.Auth.SetDisabled(r.Context(), identity(r).User, catalog.UserID(id), disabled); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

type passwordReset struct {
	Password string `json:"password"`
}

func (s *server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pw, err := s.d.Auth.ResetPassword(r.Context(), identity(r).User, catalog.UserID(id))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, passwordReset{Password: pw})
	return nil
}

// settingsJSON is a user's exposure settings: preview blur strength, colour or greyscale
// previews, and the user's own daily reveal limit (0: only the deployment's).
type settingsJSON struct {
	Blur             float64 `json:"blur"`
	Colour           bool    `json:"colour"`
	DailyRevealLimit int     `json:"daily_reveal_limit"`
}

func toSettings(st catalog.Settings) settingsJSON {
	return settingsJSON{Blur: st.Blur, Colour: st.Colour, DailyRevealLimit: st.DailyRevealLimit}
}

func (s *server) settings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.d.Work.Settings(r.Context(), identity(r).User)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSettings(st))
	return nil
}

func (s *server) saveSettings(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[settingsJSON](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	st, err := s.d.Work.SaveSettings(r.Context(), identity(r).User,
		catalog.Settings{Blur: req.Blur, Colour: req.Colour, DailyRevealLimit: req.DailyRevealLimit})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSettings(st))
	return nil
}
