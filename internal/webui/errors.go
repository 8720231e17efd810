package webui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/preview"
)

// pageError is an error with what the user may be told: a status and a safe message. Err, when
// set, is the cause, for the log only.
type pageError struct {
	Status  int
	Message string
	Err     error
}

func (e *pageError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *pageError) Unwrap() error { return e.Err }

// errNoPage is the answer for a path that names no page, or a record the user may not see.
var errNoPage = &pageError{Status: http.StatusNotFound, Message: "no such page, or nothing you may see here"}

// badRequest is a 400 whose message is safe to show.
func badRequest(msg string) error {
	return &pageError{Status: http.StatusBadRequest, Message: msg}
}

// classify maps an error to what the user is told. Anything it does not know is a 500 whose
// detail only the log sees.
func classify(err error) *pageError {
	var pe *pageError
	if errors.As(err, &pe) {
		return pe
	}
	var mbe *http.MaxBytesError
	e := func(status int, msg string) *pageError { return &pageError{Status: status, Message: msg, Err: err} }
	switch {
	case errors.As(err, &mbe):
		return e(http.StatusRequestEntityTooLarge, "the request is larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes")

	case errors.Is(err, auth.ErrMustChangePassword):
		return e(http.StatusForbidden, "change your one-time password first")
	case errors.Is(err, auth.ErrUnauthenticated):
		return e(http.StatusUnauthorized, "sign in first")
	case errors.Is(err, auth.ErrBadCredentials):
		return e(http.StatusUnauthorized, "wrong login, password or code")
	case errors.Is(err, auth.ErrTOTPRequired):
		return e(http.StatusUnauthorized, "enter the code from your authenticator app")
	case errors.Is(err, auth.ErrLocked):
		return e(http.StatusForbidden, "the account is locked after too many failed sign-ins; try again later")
	case errors.Is(err, auth.ErrRateLimited):
		return e(http.StatusTooManyRequests, "too many attempts; slow down")
	case errors.Is(err, auth.ErrWeakPassword):
		return e(http.StatusBadRequest, "the new password is too weak: at least 12 characters, not the login, not the old password, not one repeated character")

	case errors.Is(err, ingest.ErrTooLarge):
		return e(http.StatusRequestEntityTooLarge, "the file is larger than this deployment accepts, or declares more pixels than it decodes")
	case errors.Is(err, ingest.ErrUnsupported):
		return e(http.StatusUnsupportedMediaType, "not an image or video vidb can read")
	case errors.Is(err, ingest.ErrUndecodable):
		return e(http.StatusUnprocessableEntity, "the file is corrupt or truncated and does not decode")

	case errors.Is(err, preview.ErrRevealLimit):
		return e(http.StatusTooManyRequests, "you reached today's reveal limit (the deployment's, or the one you set yourself in Settings)")
	case errors.Is(err, preview.ErrNoContent):
		return e(http.StatusNotFound, "vidb holds only the hashes of this record, not its content")
	case errors.Is(err, preview.ErrNoPreview):
		return e(http.StatusNotFound, "no preview can be made of this record")

	case errors.Is(err, catalog.ErrNotFound):
		return e(http.StatusNotFound, "no such page, or nothing you may see here")
	case errors.Is(err, catalog.ErrForbidden):
		return e(http.StatusForbidden, "your role may not do this")
	case errors.Is(err, catalog.ErrConflict):
		return e(http.StatusConflict, "the change conflicts with an existing record")
	case errors.Is(err, catalog.ErrInvalid):
		// The core promises safe messages for ErrInvalid: they name the rule broken, never
		// another country's record.
		return e(http.StatusBadRequest, err.Error())
	}
	return e(http.StatusInternalServerError, "internal error; quote the request ID to the operators")
}

// writeError answers with an error page, or, for htmx and script requests, the message as
// text; it logs server errors with their detail and client errors at debug level.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	pe := classify(err)
	info := infoOf(r)
	info.err = err
	if pe.Status >= 500 {
		s.log.ErrorContext(r.Context(), "page failed", "request_id", info.id, "route", info.route, "err", err)
	} else {
		s.log.DebugContext(r.Context(), "page refused", "request_id", info.id, "route", info.route, "status", pe.Status, "err", err)
	}
	if errors.Is(err, auth.ErrRateLimited) {
		w.Header().Set("Retry-After", "60")
	}
	w.Header().Del("Content-Disposition")
	w.Header().Set("Cache-Control", "no-store")
	msg := pe.Message
	if pe.Status >= 500 {
		msg += " (request " + info.id + ")"
	}
	if isHTMX(r) || !strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(pe.Status)
		_, _ = w.Write([]byte(msg))
		return
	}
	s.render(w, r, pe.Status, "error", errorData{Status: pe.Status, Title: http.StatusText(pe.Status), Message: msg})
}

type errorData struct {
	Status         int
	Title, Message string
}
