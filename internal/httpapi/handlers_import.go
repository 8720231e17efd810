package httpapi

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/triage"
	"github.com/vidb-project/vidb/internal/vics"
)

// MaxImportBody bounds the body of POST /api/v1/import/vics. The body is streamed through
// the VICS reader into the store's bulk import, never held whole, so the bound is on time and
// disk, not memory.
const MaxImportBody = 4 << 30

// maxRefusedListed bounds the refused records listed in an import's response; the count
// is always complete.
const maxRefusedListed = 1000

// importQueryNames are the query parameters POST /api/v1/import/vics accepts.
var importQueryNames = []string{"owner", "visibility", "shared_with", "variant", "source", "retention_years"}

type importConflictJSON struct {
	// Existing is the held record's ID; absent, with Hit set, for a record the asker may not
	// see (only its owner country is named).
	Existing *int64        `json:"existing,omitempty"`
	MD5      string        `json:"md5,omitempty"`
	SHA1     string        `json:"sha1,omitempty"`
	SHA256   string        `json:"sha256,omitempty"`
	Held     *categoryJSON `json:"held,omitempty"`
	Incoming categoryJSON  `json:"incoming"`
	Hit      *hitJSON      `json:"hit,omitempty"`
}

type importRefusedJSON struct {
	Record int64  `json:"record"` // 0-based index of the record in the file
	Error  string `json:"error"`
}

// importReportJSON is the response of POST /api/v1/import/vics: catalog.ImportReport and the
// records refused.
type importReportJSON struct {
	Read      int64                `json:"read"`
	New       int64                `json:"new"`
	Known     int64                `json:"known"`
	Updated   int64                `json:"updated"`
	Conflicts []importConflictJSON `json:"conflicts"`
	// RefusedCount counts every record refused; Refused lists the first of them.
	RefusedCount int64               `json:"refused_count"`
	Refused      []importRefusedJSON `json:"refused"`
}

// importVICS streams a VICS file from the body into the store as hash-only known records.
// Reviewers and coordinators only; the owner is the user's country unless a coordinator
// names another. A malformed file is a 400: the batch being imported when the error was read
// is rolled back (with the default batch size, a file under 50,000 records stores nothing).
func (s *server) importVICS(w http.ResponseWriter, r *http.Request) error {
	u := identity(r).User
	if u.Role != catalog.RoleReviewer && u.Role != catalog.RoleCoordinator {
		return &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "only reviewers and coordinators import hash sets"}
	}
	q := r.URL.Query()
	for name, vs := range q {
		if !slices.Contains(importQueryNames, name) {
			return badRequest(fmt.Sprintf("unknown query parameter %q", name))
		}
		if len(vs) != 1 {
			return badRequest(fmt.Sprintf("query parameter %q given twice", name))
		}
	}
	o, err := owner(u, q.Get("owner"))
	if err != nil {
		return err
	}
	if o != u.Country && u.Role != catalog.RoleCoordinator {
		return &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "you may import records owned by your own country only"}
	}
	if q.Get("visibility") == "" {
		return badRequest("visibility is required: network, listed or owner")
	}
	var shared []string
	if sw := q.Get("shared_with"); sw != "" {
		shared = strings.Split(sw, ",")
	}
	access, err := parseAccess(o, q.Get("visibility"), shared)
	if err != nil {
		return err
	}
	if err := access.Validate(); err != nil {
		return err
	}
	years, err := queryInt(r, "retention_years", 10, 1, 100)
	if err != nil {
		return err
	}
	source := q.Get("source")
	if len(source) > 200 {
		return badRequest("source longer than 200 bytes")
	}
	if err := requireType(r, "application/json"); err != nil {
		return err
	}
	body := http.MaxBytesReader(w, r.Body, MaxImportBody)
	vr, err := vics.NewReaderOptions(body, vics.ReaderOptions{Variant: q.Get("variant")})
	if err != nil {
		return vicsError(err)
	}

	out := importReportJSON{Conflicts: []importConflictJSON{}, Refused: []importRefusedJSON{}}
	refuse := func(i int64, err error) {
		out.RefusedCount++
		if len(out.Refused) < maxRefusedListed {
			out.Refused = append(out.Refused, importRefusedJSON{Record: i, Error: err.Error()})
		}
	}
	var readErr error
	records := func(yield func(catalog.HashOnlyRecord, error) bool) {
		for rec, err := range triage.KnownRecords(vr, refuse) {
			if err != nil {
				readErr = err
			}
			if !yield(rec, err) {
				return
			}
		}
	}
	if source == "" {
		source = "upload"
	}
	rep, err := s.d.Store.ImportHashOnly(r.Context(), records, catalog.ImportOptions{
		Access: access, Retention: s.now().UTC().AddDate(int(years), 0, 0), Source: "vics:" + source, Actor: u,
	})
	if err != nil {
		if readErr != nil {
			e := vicsError(readErr)
			var ae *apiError
			if errors.As(e, &ae) && rep.Read > 0 {
				ae.Message += fmt.Sprintf("; the %d records of the batches committed before it were imported", rep.Read)
			}
			return e
		}
		return err
	}
	out.Read, out.New, out.Known, out.Updated = rep.Read, rep.New, rep.Known, rep.Updated
	for _, c := range rep.Conflicts {
		cj, err := s.conflictJSON(r.Context(), u, c)
		if err != nil {
			return err
		}
		out.Conflicts = append(out.Conflicts, cj)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// conflictJSON describes a conflict to u: in full when u may see the held record, else as a
// hit naming only its owner country (the digests are the client's own).
func (s *server) conflictJSON(ctx context.Context, u catalog.User, c catalog.ImportConflict) (importConflictJSON, error) {
	cj := importConflictJSON{Incoming: categoryJSON{Scheme: c.Incoming.Scheme, Code: c.Incoming.Code}}
	if c.Digests.HasMD5() {
		cj.MD5 = hex.EncodeToString(c.Digests.MD5[:])
	}
	if c.Digests.HasSHA1() {
		cj.SHA1 = hex.EncodeToString(c.Digests.SHA1[:])
	}
	if c.Digests.HasSHA256() {
		cj.SHA256 = hex.EncodeToString(c.Digests.SHA256[:])
	}
	_, err := s.d.Store.Media(ctx, catalog.ScopeOf(u), c.Existing)
	switch {
	case err == nil:
		id := int64(c.Existing)
		cj.Existing, cj.Held = &id, &categoryJSON{Scheme: c.Held.Scheme, Code: c.Held.Code}
		return cj, nil
	case !errors.Is(err, catalog.ErrNotFound):
		return cj, err
	}
	m, err := s.d.Store.Media(ctx, catalog.SystemScope(), c.Existing)
	if err != nil {
		return cj, err
	}
	cj.Hit = toHit(catalog.Hit{Owner: m.Access.Owner})
	return cj, nil
}

// vicsError turns an error reading a VICS file into what the client is told: the file is the
// client's own, so the reader's message (record index, byte offset, what is wrong) is safe.
func vicsError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return &apiError{Status: http.StatusBadRequest, Code: "bad_vics", Message: "malformed VICS file: " + err.Error(), Err: err}
}
