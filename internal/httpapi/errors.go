package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/vidb-project/vidb/internal/auth"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/preview"
)

// apiError is an error with what the client may be told: a status, a stable code and a safe
// message. Err, when set, is the cause, for the log only.
type apiError struct {
	Status  int
	Code    string
	Message string
	Err     error
}

func (e *apiError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *apiError) Unwrap() error { return e.Err }

// badRequest is a 400 whose message is safe to show.
func badRequest(msg string) error {
	return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Message: msg}
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// classify maps an error to what the client is told. Anything it does not know is a 500
// whose detail only the log sees.
func classify(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var mbe *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	e := func(status int, code, msg string) *apiError {
		return &apiError{Status: status, Code: code, Message: msg, Err: err}
	}
	switch {
	case errors.As(err, &mbe):
		return e(http.StatusRequestEntityTooLarge, "too_large", "request body larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
	case errors.As(err, &syn):
		return e(http.StatusBadRequest, "bad_json", "malformed JSON at byte "+strconv.FormatInt(syn.Offset, 10))
	case errors.As(err, &typ):
		return e(http.StatusBadRequest, "bad_json", "JSON field "+strconv.Quote(typ.Field)+" has the wrong type")

	case errors.Is(err, auth.ErrMustChangePassword):
		return e(http.StatusForbidden, "password_change_required", "change your one-time password first")
	case errors.Is(err, auth.ErrUnauthenticated):
		return e(http.StatusUnauthorized, "unauthenticated", "sign in first")
	case errors.Is(err, auth.ErrBadCredentials):
		return e(http.StatusUnauthorized, "bad_credentials", "wrong login, password or code")
	case errors.Is(err, auth.ErrTOTPRequired):
		return e(http.StatusUnauthorized, "totp_required", "a TOTP code is required")
	case errors.Is(err, auth.ErrLocked):
		return e(http.StatusForbidden, "locked", "the account is locked after too many failed sign-ins; try again later")
	case errors.Is(err, auth.ErrRateLimited):
		return e(http.StatusTooManyRequests, "rate_limited", "too many attempts; slow down")
	case errors.Is(err, auth.ErrWeakPassword):
		return e(http.StatusBadRequest, "weak_password", "the new password is too weak: at least 12 characters, not the login, not the old password, not one repeated character")

	case errors.Is(err, ingest.ErrTooLarge):
		return e(http.StatusRequestEntityTooLarge, "too_large", "the file is larger than this deployment accepts, or declares more pixels than it decodes")
	case errors.Is(err, ingest.ErrTooMany):
		return e(http.StatusRequestEntityTooLarge, "too_many", "too many queries in one batch; the limit is "+strconv.Itoa(ingest.MaxBatch))
	case errors.Is(err, ingest.ErrUnsupported):
		return e(http.StatusUnsupportedMediaType, "unsupported_media", "not an image or video vidb can read")
	case errors.Is(err, ingest.ErrUndecodable):
		return e(http.StatusUnprocessableEntity, "undecodable", "the file is corrupt or truncated and does not decode")

	case errors.Is(err, preview.ErrRevealLimit):
		return e(http.StatusTooManyRequests, "reveal_limit", "you reached today's reveal limit")
	case errors.Is(err, preview.ErrNoContent):
		return e(http.StatusNotFound, "no_content", "vidb holds only the hashes of this record, not its content")
	case errors.Is(err, preview.ErrNoPreview):
		return e(http.StatusNotFound, "no_preview", "no preview can be made of this record")

	case errors.Is(err, catalog.ErrNotFound):
		return e(http.StatusNotFound, "not_found", "not found")
	case errors.Is(err, catalog.ErrForbidden):
		return e(http.StatusForbidden, "forbidden", "you may not do this")
	case errors.Is(err, catalog.ErrConflict):
		return e(http.StatusConflict, "conflict", "the change conflicts with an existing record")
	case errors.Is(err, catalog.ErrInvalid):
		// The core promises safe messages for ErrInvalid: they name the rule broken, never
		// another country's record.
		return e(http.StatusBadRequest, "invalid", err.Error())
	}
	return e(http.StatusInternalServerError, "internal", "internal error; quote the request ID to the operators")
}

// writeError writes err as a JSON error response and logs it: server errors with their
// detail, client errors at debug level.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := classify(err)
	info := infoOf(r)
	if info != nil {
		info.code = ae.Code
	}
	if errors.Is(err, auth.ErrRateLimited) {
		w.Header().Set("Retry-After", "60")
	}
	if ae.Status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", strconv.Itoa(secondsToMidnight(s.now())))
	}
	body := errorBody{Error: errorDetail{Code: ae.Code, Message: ae.Message}}
	if ae.Status >= 500 {
		body.Error.RequestID = requestID(r)
		s.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r), "route", routeOf(r), "err", err)
	} else {
		s.log.DebugContext(r.Context(), "request refused", "request_id", requestID(r), "route", routeOf(r), "code", ae.Code, "err", err)
	}
	writeJSON(w, ae.Status, body)
}

// writeJSON writes v as the JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v) // the client went away: nothing left to tell it
}
