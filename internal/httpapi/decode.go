package httpapi

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/pdq"
)

// decodeJSON reads the request body as exactly one JSON value of type T: Content-Type
// application/json, at most limit bytes, no unknown fields, nothing after the value.
func decodeJSON[T any](w http.ResponseWriter, r *http.Request, limit int64) (T, error) {
	var v T
	if err := requireType(r, "application/json"); err != nil {
		return v, err
	}
	return decodeBody[T](http.MaxBytesReader(w, r.Body, limit))
}

// decodeBody decodes exactly one JSON value of type T from body, refusing unknown fields.
func decodeBody[T any](body io.Reader) (T, error) {
	var v T
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		var zero T
		switch {
		case errors.Is(err, io.EOF):
			return zero, badRequest("empty body: want a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return zero, badRequest("truncated JSON")
		}
		var mbe *http.MaxBytesError
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		if errors.As(err, &mbe) || errors.As(err, &syn) || errors.As(err, &typ) {
			return zero, err
		}
		// What is left is encoding/json's own refusal, such as an unknown field; it has no
		// typed error, and its message names only our field, so it is safe to pass on.
		return zero, &apiError{Status: http.StatusBadRequest, Code: "bad_json", Message: strings.TrimPrefix(err.Error(), "json: "), Err: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return v, err
		}
		var zero T
		return zero, badRequest("the body must hold exactly one JSON value")
	}
	return v, nil
}

// requireType refuses a request whose Content-Type is not want.
func requireType(r *http.Request, want string) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != want {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_content_type", Message: "Content-Type must be " + want}
	}
	return nil
}

// hexDigest parses n bytes of hex digest ("" is unknown: all zeros).
func hexDigest(field, s string, dst []byte) error {
	if s == "" {
		return nil
	}
	if len(s) != 2*len(dst) {
		return badRequest(fmt.Sprintf("%s must be %d hex digits", field, 2*len(dst)))
	}
	if _, err := hex.Decode(dst, []byte(s)); err != nil {
		return badRequest(field + " is not hex")
	}
	return nil
}

// pathID parses the {id} path value.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "not found"}
	}
	return id, nil
}

// queryInt parses an optional integer query parameter within [lo, hi].
func queryInt(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, badRequest(fmt.Sprintf("query parameter %s must be an integer from %d to %d", name, lo, hi))
	}
	return v, nil
}

// page reads ?after= and ?limit=.
func page(r *http.Request) (catalog.Page, error) {
	after, err := queryInt(r, "after", 0, 0, 1<<62)
	if err != nil {
		return catalog.Page{}, err
	}
	limit, err := queryInt(r, "limit", 0, 0, catalog.MaxPageSize)
	if err != nil {
		return catalog.Page{}, err
	}
	return catalog.Page{After: after, Limit: int(limit)}, nil
}

// listOf is the shape of every paginated listing: the items and the cursor of the next page
// (the last item's ID) when the page was full, else null.
type listOf[T any] struct {
	Items []T    `json:"items"`
	Next  *int64 `json:"next"`
}

func newList[S, T any](p catalog.Page, src []S, conv func(S) T, id func(S) int64) listOf[T] {
	l := listOf[T]{Items: make([]T, 0, len(src))}
	for _, x := range src {
		l.Items = append(l.Items, conv(x))
	}
	if len(src) > 0 && len(src) >= p.Size() {
		n := id(src[len(src)-1])
		l.Next = &n
	}
	return l
}

// parseAccess builds an Access from the request's visibility and shared_with for owner.
func parseAccess(owner catalog.CountryCode, visibility string, shared []string) (catalog.Access, error) {
	v, err := catalog.ParseVisibility(visibility)
	if err != nil {
		return catalog.Access{}, err
	}
	a := catalog.Access{Owner: owner, Visibility: v}
	for _, s := range shared {
		c, err := catalog.ParseCountryCode(s)
		if err != nil {
			return catalog.Access{}, err
		}
		a.SharedWith = append(a.SharedWith, c)
	}
	return a.Normalize(), nil
}

// parsePDQ parses 64 hex digits.
func parsePDQ(s string) (*pdq.Hash, error) {
	if s == "" {
		return nil, nil
	}
	h, err := pdq.ParseHash(s)
	if err != nil {
		return nil, badRequest("pdq must be 64 hex digits")
	}
	return &h, nil
}
