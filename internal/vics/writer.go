package vics

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriterOptions configure a [Writer].
type WriterOptions struct {
	// Version is the data model version to write: "2.0" (the default), or "1.1", "1.2", "1.3".
	Version string
	// Shape is HashSet (the default) or Cases.
	Shape Shape
	// Variant is the national variant. A 2.0 file states it in its root URI ("US" by default)
	// and every category written must be of that variant. A 1.x file cannot state it: leave it
	// empty to write categories that a reader attributes by code (see [Category]), or name the
	// variant that readers of the file will be told, and every category must be of it.
	Variant string
	// Case holds the case-level members written before the Media array of a Cases file.
	Case Case
}

// Writer writes a VICS file one Media record at a time. It is not safe for concurrent use.
//
// The output is UTF-8 JSON without a byte-order mark: the root member and "value" each on a
// line, and one record per line, compact. Records are written with their known members in a
// fixed order, then their extra members in order. Digests are upper-case hex, as Project VIC
// distributes them; flags are the strings "true" and "false", as Project VIC tools write them;
// MediaSize is a number in 2.0 and a string in 1.x, as 1.x files carry it; absent members
// (empty strings, unset flags, zero MediaSize, the zero Category) are left out. OData
// annotations are not written.
type Writer struct {
	w      *bufio.Writer
	v1     bool
	shape  Shape
	fixed  string // the variant every category must have, or "" to attribute by code
	indent string // before each record
	n      int64
	buf    []byte
	err    error
	closed bool
}

// NewWriter checks the options and writes the start of the document: the root URI and, for a
// Cases file, the case's members.
func NewWriter(w io.Writer, opts WriterOptions) (*Writer, error) {
	if opts.Version == "" {
		opts.Version = "2.0"
	}
	if opts.Shape == 0 {
		opts.Shape = HashSet
	}
	wr := &Writer{w: bufio.NewWriterSize(w, 64<<10), shape: opts.Shape}
	var key, uri string
	variant := canonVariant(opts.Variant)
	if variant != "" && !validVariant(variant) {
		return nil, fmt.Errorf("%w: variant %q", ErrInvalid, opts.Variant)
	}
	if opts.Shape != HashSet && opts.Shape != Cases {
		return nil, fmt.Errorf("%w: shape %d", ErrInvalid, opts.Shape)
	}
	switch opts.Version {
	case "1.1", "1.2", "1.3":
		wr.v1 = true
		wr.fixed = variant
		key = "odata.metadata"
		uri = "http://github.com/ICMEC/ProjectVic/DataModels/" + opts.Version + ".xml#" + opts.Shape.String()
	case "2.0":
		if variant == "" {
			variant = VariantUS
		}
		wr.fixed = variant
		key = "@odata.context"
		uri = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/" + variant + "/$metadata#" + opts.Shape.String()
	default:
		return nil, fmt.Errorf("%w: version %q (want 1.1, 1.2, 1.3 or 2.0)", ErrInvalid, opts.Version)
	}
	b := append(wr.buf[:0], "{\n  "...)
	b = appendString(b, key)
	b = append(b, ": "...)
	b = appendString(b, uri)
	b = append(b, ",\n  \"value\": ["...)
	wr.indent = "\n    "
	if opts.Shape == Cases {
		var err error
		if b, err = wr.appendCase(b, opts.Case); err != nil {
			return nil, err
		}
		wr.indent = "\n        "
	}
	wr.buf = b
	if _, err := wr.w.Write(b); err != nil {
		return nil, err
	}
	return wr, nil
}

// appendCase appends the case object's opening and members, up to the opening of Media.
func (w *Writer) appendCase(b []byte, c Case) ([]byte, error) {
	b = append(b, "\n    {"...)
	member := func(name string) {
		b = append(b, "\n      "...)
		b = appendString(b, name)
		b = append(b, ": "...)
	}
	for _, f := range [...]struct{ name, v string }{
		{"CaseID", c.CaseID},
		{"CaseNumber", c.CaseNumber},
		{"ContactOrganization", c.ContactOrganization},
		{"ContactName", c.ContactName},
		{"ContactEmail", c.ContactEmail},
		{"ContactPhone", c.ContactPhone},
		{"ContactTitle", c.ContactTitle},
		{"SeizureDate", c.SeizureDate},
		{"SourceApplicationName", c.SourceApplicationName},
		{"SourceApplicationVersion", c.SourceApplicationVersion},
	} {
		if f.v != "" {
			member(f.name)
			b = appendString(b, f.v)
			b = append(b, ',')
		}
	}
	if c.TotalMediaFiles < 0 {
		return nil, fmt.Errorf("%w: case TotalMediaFiles %d", ErrInvalid, c.TotalMediaFiles)
	}
	if c.TotalMediaFiles > 0 {
		member("TotalMediaFiles")
		b = strconv.AppendInt(b, c.TotalMediaFiles, 10)
		b = append(b, ',')
	}
	for _, f := range c.Extra {
		if known(entCase, f.Name) {
			return nil, fmt.Errorf("%w: case extra member %q repeats a known member", ErrInvalid, f.Name)
		}
		member(f.Name)
		var err error
		if b, err = appendRaw(b, f.Value, depthCase+1); err != nil {
			return nil, at(fmt.Sprintf("case extra member %q", f.Name), err)
		}
		b = append(b, ',')
	}
	member("Media")
	b = append(b, '[')
	return b, nil
}

// Write writes one record. A record that cannot be written (a bad digest, a category of another
// variant, an extra member that is not JSON...) is refused with a [*RecordError] and nothing of
// it is written; the writer stays usable.
func (w *Writer) Write(m Media) error {
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	depth := depthSetRecord
	if w.shape == Cases {
		depth = depthCaseRecord
	}
	b := w.buf[:0]
	if w.n > 0 {
		b = append(b, ',')
	}
	b = append(b, w.indent...)
	b, err := w.appendMedia(b, &m, depth)
	if err != nil {
		re := &RecordError{Index: w.n, Offset: -1, Err: err}
		var fe *fieldError
		if errors.As(err, &fe) {
			re.Field, re.Err = fe.field, fe.err
		}
		return re
	}
	w.buf = b
	if _, err := w.w.Write(b); err != nil {
		w.err = err
		return err
	}
	w.n++
	return nil
}

// Count returns the number of records written.
func (w *Writer) Count() int64 { return w.n }

// Close ends the document and flushes it. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	var tail string
	switch {
	case w.shape == Cases && w.n > 0:
		tail = "\n      ]\n    }\n  ]\n}\n"
	case w.shape == Cases:
		tail = "]\n    }\n  ]\n}\n"
	case w.n > 0:
		tail = "\n  ]\n}\n"
	default:
		tail = "]\n}\n"
	}
	if _, err := w.w.WriteString(tail); err != nil {
		w.err = err
		return err
	}
	if err := w.w.Flush(); err != nil {
		w.err = err
	}
	return w.err
}

// recordWriter appends one JSON object's members.
type recordWriter struct {
	b     []byte
	first bool
}

func (o *recordWriter) name(n string) {
	if o.first {
		o.first = false
	} else {
		o.b = append(o.b, ',')
	}
	o.b = appendString(o.b, n)
	o.b = append(o.b, ':')
}

func (o *recordWriter) str(n, v string) {
	if v != "" {
		o.name(n)
		o.b = appendString(o.b, v)
	}
}

func (o *recordWriter) flag(n string, v Bool) error {
	switch v {
	case Unset:
	case True, False:
		o.name(n)
		o.b = append(o.b, '"')
		o.b = append(o.b, v.String()...)
		o.b = append(o.b, '"')
	default:
		return inField(n, fmt.Errorf("%w: flag value %d", ErrInvalid, v))
	}
	return nil
}

func (o *recordWriter) digest(n, v string, digits int) error {
	if v == "" {
		return nil
	}
	h, err := upperHex([]byte(v), digits)
	if err != nil {
		return inField(n, err)
	}
	o.name(n)
	o.b = appendString(o.b, h)
	return nil
}

func (o *recordWriter) extra(e entity, fields []Field, depth int) error {
	for _, f := range fields {
		if known(e, f.Name) {
			return inField(f.Name, fmt.Errorf("%w: extra member repeats a known member", ErrInvalid))
		}
		o.name(f.Name)
		var err error
		if o.b, err = appendRaw(o.b, f.Value, depth); err != nil {
			return inField(f.Name, err)
		}
	}
	return nil
}

func (w *Writer) appendMedia(b []byte, m *Media, depth int) ([]byte, error) {
	o := recordWriter{b: append(b, '{'), first: true}
	o.name("MediaID")
	o.b = strconv.AppendInt(o.b, m.MediaID, 10)
	if !m.Category.IsZero() {
		c := m.Category
		if c.Code < 0 || c.Code > maxCategory {
			return nil, inField("Category", fmt.Errorf("%w: code %d is outside 0..%d", ErrRange, c.Code, maxCategory))
		}
		if want := attribute(w.fixed, c.Code); !strings.EqualFold(c.Variant, want) {
			return nil, inField("Category", fmt.Errorf("%w: %s in a file whose readers will take code %d as %s", ErrVariant, c, c.Code, want))
		}
		o.name("Category")
		o.b = strconv.AppendInt(o.b, int64(c.Code), 10)
	}
	if err := o.digest("MD5", m.MD5, 32); err != nil {
		return nil, err
	}
	if err := o.digest("SHA1", m.SHA1, 40); err != nil {
		return nil, err
	}
	if err := o.digest("SHA256", m.SHA256, 64); err != nil {
		return nil, err
	}
	if m.MediaSize < 0 {
		return nil, inField("MediaSize", fmt.Errorf("%w: %d", ErrRange, m.MediaSize))
	}
	if m.MediaSize > 0 {
		o.name("MediaSize")
		if w.v1 {
			o.b = append(o.b, '"')
			o.b = strconv.AppendInt(o.b, m.MediaSize, 10)
			o.b = append(o.b, '"')
		} else {
			o.b = strconv.AppendInt(o.b, m.MediaSize, 10)
		}
	}
	o.str("MimeType", m.MimeType)
	o.str("RelativeFilePath", m.RelativeFilePath)
	o.str("DateUpdated", m.DateUpdated)
	o.str("Series", m.Series)
	for _, f := range [...]struct {
		n string
		v Bool
	}{
		{"VictimIdentified", m.VictimIdentified},
		{"OffenderIdentified", m.OffenderIdentified},
		{"IsDistributed", m.IsDistributed},
		{"IsSuspected", m.IsSuspected},
		{"IsPrecategorized", m.IsPrecategorized},
	} {
		if err := o.flag(f.n, f.v); err != nil {
			return nil, err
		}
	}
	o.str("PrecategorizationSource", m.PrecategorizationSource)
	o.str("Comments", m.Comments)
	o.str("Tags", m.Tags)
	o.str("PhotoDNA", m.PhotoDNA)
	if len(m.AlternativeHashes) > 0 {
		o.name("AlternativeHashes")
		o.b = append(o.b, '[')
		for i, h := range m.AlternativeHashes {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			var err error
			if o.b, err = appendAltHash(o.b, &h, depth+2); err != nil {
				return nil, inField("AlternativeHashes", inField(fmt.Sprintf("[%d]", i), err))
			}
		}
		o.b = append(o.b, ']')
	}
	if len(m.Exifs) > 0 {
		o.name("Exifs")
		o.b = append(o.b, '[')
		for i, e := range m.Exifs {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			var err error
			if o.b, err = appendExif(o.b, &e, depth+2); err != nil {
				return nil, inField("Exifs", inField(fmt.Sprintf("[%d]", i), err))
			}
		}
		o.b = append(o.b, ']')
	}
	if len(m.Segments) > 0 && string(m.Segments) != "null" {
		o.name("Segments")
		var err error
		if o.b, err = appendRaw(o.b, m.Segments, depth+1); err != nil {
			return nil, inField("Segments", err)
		}
	}
	if len(m.MediaFiles) > 0 {
		o.name("MediaFiles")
		o.b = append(o.b, '[')
		for i, f := range m.MediaFiles {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			var err error
			if o.b, err = appendMediaFile(o.b, &f, depth+2); err != nil {
				return nil, inField("MediaFiles", inField(fmt.Sprintf("[%d]", i), err))
			}
		}
		o.b = append(o.b, ']')
	}
	if err := o.extra(entMedia, m.Extra, depth+1); err != nil {
		return nil, err
	}
	return append(o.b, '}'), nil
}

func appendMediaFile(b []byte, f *MediaFile, depth int) ([]byte, error) {
	o := recordWriter{b: append(b, '{'), first: true}
	if err := o.digest("MD5", f.MD5, 32); err != nil {
		return nil, err
	}
	o.str("FileName", f.FileName)
	o.str("FilePath", f.FilePath)
	o.str("Created", f.Created)
	o.str("Written", f.Written)
	o.str("Modified", f.Modified)
	o.str("Accessed", f.Accessed)
	if err := o.flag("Unallocated", f.Unallocated); err != nil {
		return nil, err
	}
	if err := o.flag("Deleted", f.Deleted); err != nil {
		return nil, err
	}
	o.str("SourceID", f.SourceID)
	if err := o.extra(entMediaFile, f.Extra, depth+1); err != nil {
		return nil, err
	}
	return append(o.b, '}'), nil
}

func appendExif(b []byte, e *Exif, depth int) ([]byte, error) {
	o := recordWriter{b: append(b, '{'), first: true}
	if err := o.digest("MD5", e.MD5, 32); err != nil {
		return nil, err
	}
	o.str("PropertyName", e.PropertyName)
	o.str("PropertyValue", e.PropertyValue)
	if err := o.extra(entExif, e.Extra, depth+1); err != nil {
		return nil, err
	}
	return append(o.b, '}'), nil
}

func appendAltHash(b []byte, h *AltHash, depth int) ([]byte, error) {
	o := recordWriter{b: append(b, '{'), first: true}
	if err := o.digest("MD5", h.MD5, 32); err != nil {
		return nil, err
	}
	o.str("HashName", h.HashName)
	o.str("HashValue", h.HashValue)
	if err := o.extra(entAltHash, h.Extra, depth+1); err != nil {
		return nil, err
	}
	return append(o.b, '}'), nil
}

// appendRaw appends a raw JSON value in the compact form the reader produces, checking that it
// is one well-formed value no deeper than the reader's default limit allows at depth.
func appendRaw(b []byte, raw []byte, depth int) ([]byte, error) {
	s := &scanner{r: eofReader{}, buf: raw, end: len(raw), limit: 1<<63 - 1,
		maxStr: len(raw) + 1, maxDepth: DefaultLimits().MaxDepth}
	out, err := s.capture(b, depth, true)
	if err != nil {
		return nil, fmt.Errorf("%w: not a JSON value: %v", ErrInvalid, trimPrefix(err))
	}
	for ; s.pos < s.end; s.pos++ {
		if c := s.buf[s.pos]; c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			return nil, fmt.Errorf("%w: not a single JSON value", ErrInvalid)
		}
	}
	return out, nil
}

// eofReader is an empty input.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
