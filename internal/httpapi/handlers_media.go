package httpapi

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/ingest"
	"github.com/vidb-project/vidb/internal/preview"
)

// maxField bounds each multipart form field of an upload.
const maxField = 4 << 10

// multipartSlack is what an upload body may hold besides the file: the form fields and the
// multipart framing.
const multipartSlack = 64 << 10

// uploadFields are the fields of an upload, from a multipart form or the query string.
type uploadFields map[string]string

var uploadFieldNames = []string{"case", "exhibit", "path", "created", "modified", "accessed", "visibility", "shared_with"}

func (f uploadFields) set(name, value string) error {
	known := false
	for _, n := range uploadFieldNames {
		known = known || n == name
	}
	if !known {
		return badRequest(fmt.Sprintf("unknown upload field %q", name))
	}
	if _, dup := f[name]; dup {
		return badRequest(fmt.Sprintf("upload field %q given twice", name))
	}
	f[name] = value
	return nil
}

func optTime(f uploadFields, name string) (*time.Time, error) {
	s := f[name]
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, badRequest(name + " must be an RFC 3339 time")
	}
	t = t.UTC()
	return &t, nil
}

// toUpload checks the fields and builds the ingest.Upload for body.
func (f uploadFields) toUpload(u catalog.User, body io.Reader) (ingest.Upload, error) {
	cs, err := strconv.ParseInt(f["case"], 10, 64)
	if err != nil || cs <= 0 {
		return ingest.Upload{}, badRequest("case must be a case ID")
	}
	up := ingest.Upload{Body: body, Case: catalog.CaseID(cs), Exhibit: f["exhibit"], Path: f["path"]}
	if up.Created, err = optTime(f, "created"); err != nil {
		return up, err
	}
	if up.Modified, err = optTime(f, "modified"); err != nil {
		return up, err
	}
	if up.Accessed, err = optTime(f, "accessed"); err != nil {
		return up, err
	}
	if v := f["visibility"]; v != "" {
		var shared []string
		if sw := f["shared_with"]; sw != "" {
			shared = strings.Split(sw, ",")
		}
		a, err := parseAccess(u.Country, v, shared)
		if err != nil {
			return up, err
		}
		up.Access = &a
	} else if f["shared_with"] != "" {
		return up, badRequest("shared_with needs visibility listed")
	}
	return up, nil
}

func fieldsFromQuery(q url.Values) (uploadFields, error) {
	f := uploadFields{}
	for name, vs := range q {
		if len(vs) != 1 {
			return nil, badRequest(fmt.Sprintf("upload field %q given twice", name))
		}
		if err := f.set(name, vs[0]); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// fileBody returns the request's file and the upload fields: the raw body with fields in the
// query, or the "file" part of a multipart form whose fields come before it. Nothing is
// buffered: the file streams from the connection.
func (s *server) fileBody(w http.ResponseWriter, r *http.Request, needFields bool) (io.Reader, uploadFields, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, nil, &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_content_type", Message: "Content-Type must be application/octet-stream or multipart/form-data"}
	}
	switch mt {
	case "application/octet-stream":
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
		f := uploadFields{}
		if needFields {
			if f, err = fieldsFromQuery(r.URL.Query()); err != nil {
				return nil, nil, err
			}
		}
		return r.Body, f, nil
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+multipartSlack)
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, nil, badRequest("malformed multipart body")
		}
		f := uploadFields{}
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, nil, badRequest(`no "file" part`)
			}
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, nil, err
				}
				return nil, nil, badRequest("malformed multipart body")
			}
			name := p.FormName()
			if name == "file" {
				return &filePart{p: p, mr: mr}, f, nil
			}
			if !needFields {
				return nil, nil, badRequest(fmt.Sprintf("unknown field %q: send only the file", name))
			}
			v, err := io.ReadAll(io.LimitReader(p, maxField+1))
			if err != nil {
				return nil, nil, badRequest("malformed multipart body")
			}
			if len(v) > maxField {
				return nil, nil, badRequest(fmt.Sprintf("field %q longer than %d bytes", name, maxField))
			}
			if err := f.set(name, string(v)); err != nil {
				return nil, nil, err
			}
		}
	}
	return nil, nil, &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_content_type", Message: "Content-Type must be application/octet-stream or multipart/form-data"}
}

// filePart reads the file part and, at its end, checks that it was the last part: one file
// per request. A multipart body that stops before its closing boundary is truncated, and
// reading it fails, so a cut-off upload never looks complete.
type filePart struct {
	p    *multipart.Part
	mr   *multipart.Reader
	done bool
}

func (f *filePart) Read(b []byte) (int, error) {
	if f.done {
		return 0, io.EOF
	}
	n, err := f.p.Read(b)
	if errors.Is(err, io.EOF) {
		f.done = true
		if _, err := f.mr.NextPart(); !errors.Is(err, io.EOF) {
			if err == nil {
				return n, badRequest("one file per request, and the fields before it")
			}
			return n, fmt.Errorf("reading the upload: %w", err)
		}
	}
	return n, err
}

func (s *server) upload(w http.ResponseWriter, r *http.Request) error {
	u := identity(r).User
	body, fields, err := s.fileBody(w, r, true)
	if err != nil {
		return err
	}
	cr := &countingReader{r: body}
	up, err := fields.toUpload(u, cr)
	if err != nil {
		return err
	}
	res, err := s.d.Ingest.Ingest(r.Context(), u, up)
	if err != nil {
		s.m.ingest.Inc("error")
		return err
	}
	s.m.ingest.Inc(string(res.Status))
	s.m.ingestBytes.Add(float64(cr.n))
	status := http.StatusOK
	if res.Status == ingest.StatusNew {
		status = http.StatusCreated
	}
	writeJSON(w, status, toResult(res))
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (s *server) mediaList(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	u := identity(r).User
	q := r.URL.Query()
	var f catalog.MediaFilter
	if o := q.Get("owner"); o != "" {
		if f.Owner, err = catalog.ParseCountryCode(o); err != nil {
			return err
		}
	}
	series, err := queryInt(r, "series", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	cs, err := queryInt(r, "case", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	f.Series, f.Case = catalog.SeriesID(series), catalog.CaseID(cs)
	if c := q.Get("category"); c != "" {
		scheme, code, ok := strings.Cut(c, ":")
		if !ok {
			scheme, code = catalog.SchemeVICSUS, c
		}
		f.Category = &catalog.Category{Scheme: scheme, Code: code}
	}
	switch q.Get("uncategorised") {
	case "", "0", "false":
	case "1", "true":
		f.Uncategorised = true
	default:
		return badRequest("uncategorised must be 1 or 0")
	}
	switch k := q.Get("kind"); k {
	case "":
	case string(catalog.KindImage), string(catalog.KindVideo), string(catalog.KindUnknown):
		f.Kind = catalog.MediaKind(k)
	default:
		return badRequest("kind must be image, video or unknown")
	}
	switch up := q.Get("uploader"); up {
	case "":
	case "me":
		f.Uploader = u.ID
	default:
		return badRequest("uploader must be me")
	}
	ms, err := s.d.Work.MediaList(r.Context(), u, f, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(p, ms, toMedia, func(m catalog.Media) int64 { return int64(m.ID) }))
	return nil
}

func (s *server) getMedia(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	m, err := s.d.Work.Media(r.Context(), identity(r).User, catalog.MediaID(id))
	if err != nil {
		return err
	}
	j := toMedia(m)
	j.EXIF = toEXIF(m.EXIF) // the one place EXIF (and its GPS) is returned: the user sees the record
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (s *server) sightings(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	ss, err := s.d.Work.Sightings(r.Context(), identity(r).User, catalog.MediaID(id), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(p, ss, toSighting, func(x catalog.Sighting) int64 { return int64(x.ID) }))
	return nil
}

type matchesResponse struct {
	Matches []foundJSON `json:"matches"`
}

func (s *server) matches(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fs, err := s.d.Ingest.Matches(r.Context(), identity(r).User, catalog.MediaID(id))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, matchesResponse{Matches: toFounds(fs)})
	return nil
}

func (s *server) frames(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fs, err := s.d.Work.Frames(r.Context(), identity(r).User, catalog.MediaID(id))
	if err != nil {
		return err
	}
	out := listOf[frameJSON]{Items: make([]frameJSON, 0, len(fs))}
	for _, f := range fs {
		out.Items = append(out.Items, toFrame(f))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *server) categorise(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	req, err := decodeJSON[categoryRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	m, err := s.d.Work.Categorise(r.Context(), identity(r).User, catalog.MediaID(id), catalog.Category{Scheme: req.Scheme, Code: req.Code})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toMedia(m))
	return nil
}

func (s *server) setSeries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	req, err := decodeJSON[seriesRefRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	if req.Series < 0 {
		return badRequest("series must be a series ID, or 0 to unlink")
	}
	m, err := s.d.Work.SetSeries(r.Context(), identity(r).User, catalog.MediaID(id), catalog.SeriesID(req.Series))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toMedia(m))
	return nil
}

func (s *server) setAccess(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	req, err := decodeJSON[accessRequest](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	u := identity(r).User
	m, err := s.d.Work.Media(r.Context(), u, catalog.MediaID(id))
	if err != nil {
		return err
	}
	a, err := parseAccess(m.Access.Owner, req.Visibility, req.SharedWith)
	if err != nil {
		return err
	}
	m, err = s.d.Work.SetAccess(r.Context(), u, m.ID, a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toMedia(m))
	return nil
}

// Preview bounds: the largest preview side and blur strength a client may ask for.
const (
	minPreviewSide = 16
	maxPreviewSide = 1024
	maxBlur        = 0.5
)

// previewOptions reads ?size=&blur=&grey= on top of preview.DefaultOptions.
func previewOptions(r *http.Request) (preview.Options, error) {
	o := preview.DefaultOptions()
	q := r.URL.Query()
	if v := q.Get("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < minPreviewSide || n > maxPreviewSide {
			return o, badRequest(fmt.Sprintf("size must be an integer from %d to %d", minPreviewSide, maxPreviewSide))
		}
		o.MaxSide = n
	}
	if v := q.Get("blur"); v != "" {
		b, err := strconv.ParseFloat(v, 64)
		if err != nil || !(b >= 0 && b <= maxBlur) {
			return o, badRequest(fmt.Sprintf("blur must be a number from 0 to %g", maxBlur))
		}
		o.Blur = b
	}
	if v := q.Get("grey"); v != "" {
		g, err := strconv.ParseBool(v)
		if err != nil {
			return o, badRequest("grey must be true or false")
		}
		o.Grey = g
	}
	return o, nil
}

func (s *server) preview(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := previewOptions(r)
	if err != nil {
		return err
	}
	png, err := s.d.Preview.Preview(r.Context(), identity(r).User, catalog.MediaID(id), o)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(png)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(png)
	return nil
}

type stillJSON struct {
	TimestampSeconds float64 `json:"timestamp_seconds"`
	// Data is the blurred frame as a data: URI (image/png, base64).
	Data string `json:"data"`
}

type contactSheetJSON struct {
	Stills []stillJSON `json:"stills"`
}

func (s *server) contactSheet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := previewOptions(r)
	if err != nil {
		return err
	}
	n, err := queryInt(r, "n", 12, 1, 48)
	if err != nil {
		return err
	}
	stills, err := s.d.Preview.ContactSheet(r.Context(), identity(r).User, catalog.MediaID(id), int(n), o)
	if err != nil {
		return err
	}
	out := contactSheetJSON{Stills: make([]stillJSON, 0, len(stills))}
	for _, st := range stills {
		out.Stills = append(out.Stills, stillJSON{TimestampSeconds: st.Timestamp.Seconds(), Data: "data:image/png;base64," + base64.StdEncoding.EncodeToString(st.PNG)})
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *server) reveal(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rv, err := s.d.Preview.Reveal(r.Context(), identity(r).User, catalog.MediaID(id))
	if err != nil {
		return err
	}
	defer rv.Body.Close()
	s.m.reveals.Inc()
	ct := rv.MIME
	if _, _, err := mime.ParseMediaType(ct); err != nil || ct == "" {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "media-" + strconv.FormatInt(id, 10)}))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Vidb-Reveals-Today", strconv.Itoa(rv.Count))
	if rv.Limit > 0 {
		h.Set("X-Vidb-Reveal-Limit", strconv.Itoa(rv.Limit))
	}
	if rv.Size > 0 {
		h.Set("Content-Length", strconv.FormatInt(rv.Size, 10))
	}
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, rv.Body); err != nil {
		// The status is sent: all that is left is to cut the response short and log why (a
		// failed verification of the content, or the client leaving).
		s.log.WarnContext(r.Context(), "reveal cut short", "request_id", requestID(r), "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// toQuery parses one hash query.
func toQuery(q hashQuery) (ingest.Query, error) {
	var out ingest.Query
	if err := hexDigest("md5", q.MD5, out.Digests.MD5[:]); err != nil {
		return out, err
	}
	if err := hexDigest("sha1", q.SHA1, out.Digests.SHA1[:]); err != nil {
		return out, err
	}
	if err := hexDigest("sha256", q.SHA256, out.Digests.SHA256[:]); err != nil {
		return out, err
	}
	h, err := parsePDQ(q.PDQ)
	if err != nil {
		return out, err
	}
	out.PDQ = h
	if out.Digests.Empty() && out.PDQ == nil {
		return out, badRequest("a query needs at least one of md5, sha1, sha256 and pdq")
	}
	return out, nil
}

func (s *server) search(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[hashQuery](w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	q, err := toQuery(req)
	if err != nil {
		return err
	}
	fs, err := s.d.Ingest.Search(r.Context(), identity(r).User, q)
	if err != nil {
		return err
	}
	s.m.lookups.Inc()
	writeJSON(w, http.StatusOK, matchesResponse{Matches: toFounds(fs)})
	return nil
}

func (s *server) searchImage(w http.ResponseWriter, r *http.Request) error {
	body, _, err := s.fileBody(w, r, false)
	if err != nil {
		return err
	}
	fs, err := s.d.Ingest.SearchImage(r.Context(), identity(r).User, body)
	if err != nil {
		return err
	}
	s.m.lookups.Inc()
	writeJSON(w, http.StatusOK, matchesResponse{Matches: toFounds(fs)})
	return nil
}

type lookupResponse struct {
	Results [][]foundJSON `json:"results"`
}

func (s *server) lookup(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeJSON[lookupRequest](w, r, s.cfg.MaxBody*lookupBodyFactor)
	if err != nil {
		return err
	}
	if len(req.Queries) > ingest.MaxBatch {
		return fmt.Errorf("%d queries: %w", len(req.Queries), ingest.ErrTooMany)
	}
	qs := make([]ingest.Query, len(req.Queries))
	for i, hq := range req.Queries {
		if qs[i], err = toQuery(hq); err != nil {
			var ae *apiError
			if errors.As(err, &ae) {
				return badRequest(fmt.Sprintf("query %d: %s", i, ae.Message))
			}
			return err
		}
	}
	res, err := s.d.Ingest.Lookup(r.Context(), identity(r).User, qs)
	if err != nil {
		return err
	}
	s.m.lookups.Add(float64(len(qs)))
	out := lookupResponse{Results: make([][]foundJSON, len(res))}
	for i, fs := range res {
		out.Results[i] = toFounds(fs)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
