package vics

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
)

// Limits bound what a [Reader] accepts, so that a hostile file cannot exhaust memory. Zero
// fields take the defaults of [DefaultLimits].
type Limits struct {
	// MaxString is the longest string, in bytes as written (escapes included).
	MaxString int
	// MaxRecord is the most bytes one Media record may take, its MediaFiles and other nested
	// arrays included; it also bounds a case's members other than Media, together, and the
	// root's members before "value".
	MaxRecord int64
	// MaxDepth is the deepest nesting of arrays and objects, the root object being 1.
	MaxDepth int
	// MaxMediaSize is the largest MediaSize accepted.
	MaxMediaSize int64
}

// DefaultLimits returns the limits used where none are given: strings of 1 MiB, records of
// 16 MiB, nesting 64 deep, and media of 1 PiB.
func DefaultLimits() Limits {
	return Limits{MaxString: 1 << 20, MaxRecord: 16 << 20, MaxDepth: 64, MaxMediaSize: 1 << 50}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxString <= 0 {
		l.MaxString = d.MaxString
	}
	if l.MaxRecord <= 0 {
		l.MaxRecord = d.MaxRecord
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxMediaSize <= 0 {
		l.MaxMediaSize = d.MaxMediaSize
	}
	return l
}

// ReaderOptions configure a [Reader].
type ReaderOptions struct {
	// Variant is the national variant ("US", "UK", ...) of a file whose root does not name one
	// (all 1.x files), when the caller knows it. Empty means: attribute each category code by
	// the rule described at [Category]. A variant the file states always wins.
	Variant string
	// Limits bound the input; zero fields take the defaults.
	Limits Limits
}

// readerState is where a [Reader] is in the document.
type readerState uint8

const (
	stValue readerState = iota // in the root's value array
	stCase                     // in a case object's members
	stMedia                    // in a case's Media array
	stTail                     // after the value array, in the root's remaining members
	stDone                     // past the end of the root
)

// Reader reads a VICS file one Media record at a time. It is not safe for concurrent use.
type Reader struct {
	s     *scanner
	lim   Limits
	hdr   Header
	fixed string // the variant of every category, or "" to attribute by code

	state  readerState
	vfirst bool // the next value element is the first
	cfirst bool // the next case member is the first
	mfirst bool // the next Media element is the first

	cs        Case
	caseIdx   int
	caseBytes int64

	n   int64 // records returned
	err error // sticky: io.EOF or the first error

	// last holds the previous value of members whose values repeat, to share their strings.
	last struct {
		date, series, mime, precatSource, tags                         string
		created, written, modified, accessed, sourceID, fileName, path string
		exifName                                                       string
	}
}

// NewReader reads the root of a VICS document from r, up to its first record, with default
// options. See [NewReaderOptions].
func NewReader(r io.Reader) (*Reader, error) {
	return NewReaderOptions(r, ReaderOptions{})
}

// NewReaderOptions reads the root of a VICS document from r, up to its first record: the
// "odata.metadata" or "@odata.context" member, which must come before "value", gives the
// version, the variant and the shape ([Reader.Header]). Other root members are ignored.
func NewReaderOptions(r io.Reader, opts ReaderOptions) (*Reader, error) {
	lim := opts.Limits.withDefaults()
	src, err := decodeBOM(r)
	if err != nil {
		return nil, at("reading input", err)
	}
	if opts.Variant != "" && !validVariant(strings.TrimSpace(opts.Variant)) {
		return nil, fmt.Errorf("%w: ReaderOptions.Variant %q", ErrInvalid, opts.Variant)
	}
	rd := &Reader{s: newScanner(src, lim.MaxString, lim.MaxDepth), lim: lim, caseIdx: -1}
	if err := rd.root(opts.Variant); err != nil {
		return nil, err
	}
	return rd, nil
}

// root reads the root object's members up to the value array.
func (r *Reader) root(told string) error {
	s := r.s
	c, err := s.peek()
	if err != nil {
		return at("root", err)
	}
	if c != '{' {
		return fmt.Errorf("%w: the root is not a JSON object (starts with %s)", ErrRoot, quoteByte(c))
	}
	s.pos++
	s.setLimit(r.lim.MaxRecord)
	defer s.setLimit(-1)
	found := false
	for first := true; ; first = false {
		more, err := s.more('}', first)
		if err != nil {
			return at("root", err)
		}
		if !more {
			if !found {
				return fmt.Errorf("%w: no \"odata.metadata\" or \"@odata.context\" member", ErrRoot)
			}
			r.state = stDone
			return r.end()
		}
		k, err := s.key()
		if err != nil {
			return at("root", err)
		}
		switch {
		case !found && (strings.EqualFold(string(k), "odata.metadata") || strings.EqualFold(string(k), "@odata.context")):
			key := string(k)
			if c, err := s.peek(); err != nil {
				return at("root", err)
			} else if c != '"' {
				return fmt.Errorf("%w: %s is not a string", ErrRoot, key)
			}
			uri, err := s.readString()
			if err != nil {
				return at("root: "+key, err)
			}
			if r.hdr, err = parseContext(key, string(uri), told); err != nil {
				return err
			}
			if r.hdr.VariantStated {
				r.fixed = r.hdr.Variant
			} else {
				r.fixed = canonVariant(told)
			}
			found = true
		case strings.EqualFold(string(k), "value"):
			if !found {
				return fmt.Errorf("%w: \"value\" comes before \"odata.metadata\" or \"@odata.context\"", ErrRoot)
			}
			c, err := s.peek()
			if err != nil {
				return at("root", err)
			}
			switch c {
			case '[':
				s.pos++
				r.state, r.vfirst = stValue, true
			case 'n':
				if err := s.literal("null"); err != nil {
					return at("root", err)
				}
				r.state = stTail
			default:
				return fmt.Errorf("%w: \"value\" is not an array", ErrRoot)
			}
			return nil
		default:
			if err := s.skip(2); err != nil {
				return at("root", err)
			}
		}
	}
}

// end checks that nothing but white space follows the root object.
func (r *Reader) end() error {
	s := r.s
	for {
		for s.pos < s.end {
			switch s.buf[s.pos] {
			case ' ', '\n', '\r', '\t':
				s.pos++
			default:
				return fmt.Errorf("%w: data after the root object at byte %d", ErrSyntax, s.offset())
			}
		}
		if !s.fill() {
			if s.rerr == io.EOF {
				return nil
			}
			return s.fail()
		}
	}
}

// parseContext reads the version, variant and shape from the root URI, such as
// "http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media" or
// "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases".
func parseContext(key, uri, told string) (Header, error) {
	h := Header{Key: key, URI: uri}
	hash := strings.LastIndexByte(uri, '#')
	if hash < 0 {
		return h, fmt.Errorf("%w: %s %q names no entity set (#Media or #Cases)", ErrRoot, key, uri)
	}
	switch set := uri[hash+1:]; {
	case strings.EqualFold(set, "Media"):
		h.Shape = HashSet
	case strings.EqualFold(set, "Cases"):
		h.Shape = Cases
	default:
		return h, fmt.Errorf("%w: unknown entity set %q (want Media or Cases)", ErrRoot, set)
	}
	path := uri[:hash]
	x := strings.Index(strings.ToLower(path), ".xml")
	if x < 0 {
		return h, fmt.Errorf("%w: %s %q names no data model version", ErrRoot, key, uri)
	}
	h.Version = path[strings.LastIndexByte(path[:x], '/')+1 : x]
	if !validVersion(h.Version) {
		return h, fmt.Errorf("%w: unsupported data model version %q (want 1.x or 2.x)", ErrRoot, h.Version)
	}
	if rest, ok := strings.CutPrefix(path[x+len(".xml"):], "/"); ok {
		seg, _, _ := strings.Cut(rest, "/")
		if seg != "" && seg[0] != '$' {
			if !validVariant(seg) {
				return h, fmt.Errorf("%w: bad variant %q", ErrRoot, seg)
			}
			h.Variant, h.VariantStated = canonVariant(seg), true
		}
	}
	if !h.VariantStated {
		h.Variant = canonVariant(told)
		if h.Variant == "" {
			h.Variant = VariantUS
		}
	}
	return h, nil
}

// validVersion accepts "1.N" and "2.N".
func validVersion(v string) bool {
	major, minor, ok := strings.Cut(v, ".")
	if !ok || (major != "1" && major != "2") || minor == "" || len(minor) > 3 {
		return false
	}
	for _, c := range minor {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validVariant accepts 1 to 32 letters, digits, '-' and '_'.
func validVariant(v string) bool {
	if v == "" || len(v) > 32 {
		return false
	}
	for _, c := range v {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// Header returns what the root says about the file.
func (r *Reader) Header() Header { return r.hdr }

// Case returns the current case of a case export: the case of the last record returned, with
// the members read so far (members that follow the Media array in the file are known once the
// next record, or io.EOF, is returned). It is the zero Case for a hash set.
func (r *Reader) Case() Case { return r.cs }

// CaseIndex returns the 0-based index of the current case in the file, or -1 before the first
// case and for a hash set.
func (r *Reader) CaseIndex() int { return r.caseIdx }

// Count returns the number of records returned so far.
func (r *Reader) Count() int64 { return r.n }

// Next returns the next Media record, or io.EOF after the last one (and after checking that
// the document is complete). After an error other than io.EOF the reader is unusable: Next
// returns that error again.
func (r *Reader) Next() (Media, error) {
	if r.err != nil {
		return Media{}, r.err
	}
	m, err := r.next()
	if err != nil {
		r.err = err
		return Media{}, err
	}
	r.n++
	return m, nil
}

// Media returns an iterator over the remaining records. It stops after the first error, which
// it yields; io.EOF is not yielded.
func (r *Reader) Media() iter.Seq2[Media, error] {
	return func(yield func(Media, error) bool) {
		for {
			m, err := r.Next()
			if err == io.EOF {
				return
			}
			if !yield(m, err) || err != nil {
				return
			}
		}
	}
}

// Depths of the containers, the root object being 1.
const (
	depthSetRecord  = 3 // a hash set's record: root > value > record
	depthCase       = 3 // a case: root > value > case
	depthCaseRecord = 5 // a case's record: root > value > case > Media > record
)

func (r *Reader) next() (Media, error) {
	s := r.s
	for {
		switch r.state {
		case stValue:
			more, err := s.more(']', r.vfirst)
			r.vfirst = false
			if err != nil {
				return Media{}, r.between(err)
			}
			if !more {
				r.state = stTail
				continue
			}
			c, err := s.peek()
			if err != nil {
				return Media{}, r.between(err)
			}
			if c == 'n' { // a null element carries nothing
				if err := s.literal("null"); err != nil {
					return Media{}, r.between(err)
				}
				continue
			}
			if r.hdr.Shape == HashSet {
				return r.record(depthSetRecord)
			}
			if c != '{' {
				return Media{}, fmt.Errorf("%w: case %d (byte %d) is not an object", ErrType, r.caseIdx+1, s.offset())
			}
			s.pos++
			r.cs, r.caseBytes = Case{}, 0
			r.caseIdx++
			r.state, r.cfirst = stCase, true
		case stCase:
			more, err := s.more('}', r.cfirst)
			r.cfirst = false
			if err != nil {
				return Media{}, r.inCase("", err)
			}
			if !more {
				r.state = stValue
				continue
			}
			if err := r.caseMember(); err != nil {
				return Media{}, err
			}
		case stMedia:
			more, err := s.more(']', r.mfirst)
			r.mfirst = false
			if err != nil {
				return Media{}, r.between(err)
			}
			if !more {
				r.state = stCase
				continue
			}
			if c, err := s.peek(); err != nil {
				return Media{}, r.between(err)
			} else if c == 'n' {
				if err := s.literal("null"); err != nil {
					return Media{}, r.between(err)
				}
				continue
			}
			return r.record(depthCaseRecord)
		case stTail:
			more, err := s.more('}', false)
			if err != nil {
				return Media{}, at("root, after value", err)
			}
			if !more {
				r.state = stDone
				if err := r.end(); err != nil {
					return Media{}, err
				}
				return Media{}, io.EOF
			}
			if _, err := s.key(); err != nil {
				return Media{}, at("root, after value", err)
			}
			if err := s.skip(2); err != nil {
				return Media{}, at("root, after value", err)
			}
		default:
			return Media{}, io.EOF
		}
	}
}

// between wraps an error found between records.
func (r *Reader) between(err error) error {
	return &RecordError{Index: r.n, Offset: r.s.offset(), Err: err}
}

// inCase wraps an error in a case's members.
func (r *Reader) inCase(field string, err error) error {
	if err == nil {
		return nil
	}
	where := "case " + strconv.Itoa(r.caseIdx)
	if field != "" {
		where += ": " + field
	}
	return at(where, err)
}

// caseMember reads one member of the current case; at "Media" it enters the Media array.
func (r *Reader) caseMember() error {
	s := r.s
	start := s.offset()
	s.setLimit(r.lim.MaxRecord - r.caseBytes)
	defer func() {
		r.caseBytes += s.offset() - start
		s.setLimit(-1)
	}()
	k, err := s.key()
	if err != nil {
		return r.inCase("", err)
	}
	name := canon(k)
	if name == "" && isAnnotation(k) {
		if err := s.skip(depthCase + 1); err != nil {
			return r.inCase("", err)
		}
		return nil
	}
	c := &r.cs
	switch name {
	case "Media":
		ch, err := s.peek()
		if err != nil {
			return r.inCase("Media", err)
		}
		switch ch {
		case '[':
			s.pos++
			r.state, r.mfirst = stMedia, true
		case 'n':
			err = s.literal("null")
		default:
			err = fmt.Errorf("%w: want an array", ErrType)
		}
		return r.inCase("Media", err)
	case "CaseID":
		c.CaseID, err = r.text()
	case "CaseNumber":
		c.CaseNumber, err = r.text()
	case "ContactOrganization":
		c.ContactOrganization, err = r.text()
	case "ContactName":
		c.ContactName, err = r.text()
	case "ContactEmail":
		c.ContactEmail, err = r.text()
	case "ContactPhone":
		c.ContactPhone, err = r.text()
	case "ContactTitle":
		c.ContactTitle, err = r.text()
	case "SeizureDate":
		c.SeizureDate, err = r.text()
	case "SourceApplicationName":
		c.SourceApplicationName, err = r.text()
	case "SourceApplicationVersion":
		c.SourceApplicationVersion, err = r.text()
	case "TotalMediaFiles":
		c.TotalMediaFiles, _, err = r.integer(0, 1<<62)
	default:
		name = string(k)
		err = r.extra(&c.Extra, k, depthCase+1)
	}
	return r.inCase(name, err)
}

// record reads one Media record at the given depth.
func (r *Reader) record(depth int) (Media, error) {
	s := r.s
	if _, err := s.peek(); err != nil {
		return Media{}, r.between(err)
	}
	start := s.offset()
	s.setLimit(r.lim.MaxRecord)
	m, err := r.media(depth)
	s.setLimit(-1)
	if err != nil {
		re := &RecordError{Index: r.n, Offset: start, Err: err}
		var fe *fieldError
		if errors.As(err, &fe) {
			re.Field, re.Err = fe.field, fe.err
		}
		return Media{}, re
	}
	return m, nil
}

// object reads an object at the given depth, calling member for each member that is not an
// OData annotation with the member's canonical name ("" if unknown) and its name as written
// (valid until the next read).
func (r *Reader) object(depth int, member func(name string, k []byte) error) error {
	s := r.s
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c != '{' {
		return fmt.Errorf("%w: want an object, found %s", ErrType, kind(c))
	}
	s.pos++
	for first := true; ; first = false {
		more, err := s.more('}', first)
		if err != nil || !more {
			return err
		}
		k, err := s.key()
		if err != nil {
			return err
		}
		name := canon(k)
		if name == "" && isAnnotation(k) {
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			continue
		}
		if err := member(name, k); err != nil {
			return err
		}
		if err := s.checkLimit(); err != nil {
			return err
		}
	}
}

// array reads an array at the given depth (or null), calling elem for each element that is not
// null, with its index.
func (r *Reader) array(depth int, elem func(i int) error) error {
	s := r.s
	c, err := s.peek()
	if err != nil {
		return err
	}
	switch c {
	case 'n':
		return s.literal("null")
	case '[':
	default:
		return fmt.Errorf("%w: want an array, found %s", ErrType, kind(c))
	}
	if depth > s.maxDepth {
		return fmt.Errorf("%w: nesting deeper than %d", ErrLimit, s.maxDepth)
	}
	s.pos++
	for i, first := 0, true; ; first = false {
		more, err := s.more(']', first)
		if err != nil || !more {
			return err
		}
		if c, err := s.peek(); err != nil {
			return err
		} else if c == 'n' {
			if err := s.literal("null"); err != nil {
				return err
			}
			continue
		}
		if err := elem(i); err != nil {
			return inField(fmt.Sprintf("[%d]", i), err)
		}
		i++
	}
}

// kind names the JSON type a byte starts.
func kind(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "a number"
	}
	return quoteByte(c)
}

// isAnnotation reports whether a member name is an OData annotation: "odata.id",
// "@odata.context", "MediaFiles@odata.navigationLinkUrl" and the like.
func isAnnotation(k []byte) bool {
	for _, c := range k {
		if c == '@' {
			return true
		}
	}
	return len(k) >= 6 && strings.EqualFold(string(k[:6]), "odata.")
}

// extra captures an unknown member's value into fields.
func (r *Reader) extra(fields *[]Field, k []byte, depth int) error {
	name := string(k)
	v, err := r.s.capture(nil, depth, true)
	if err != nil {
		return err
	}
	*fields = append(*fields, Field{Name: name, Value: v})
	return nil
}

// media reads one Media object.
func (r *Reader) media(depth int) (Media, error) {
	var m Media
	err := r.object(depth, func(name string, k []byte) error {
		var err error
		switch name {
		case "MediaID":
			m.MediaID, _, err = r.integer(-1<<63, 1<<63-1)
		case "MD5":
			m.MD5, err = r.digest(32)
		case "SHA1":
			m.SHA1, err = r.digest(40)
		case "SHA256":
			m.SHA256, err = r.digest(64)
		case "PhotoDNA":
			m.PhotoDNA, err = r.text()
		case "MediaSize":
			m.MediaSize, _, err = r.integer(0, r.lim.MaxMediaSize)
		case "Category":
			var code int64
			var ok bool
			code, ok, err = r.integer(0, maxCategory)
			if ok && err == nil {
				m.Category = Category{Variant: attribute(r.fixed, int(code)), Code: int(code)}
			} else {
				m.Category = Category{}
			}
		case "IsPrecategorized":
			m.IsPrecategorized, err = r.flag()
		case "PrecategorizationSource":
			m.PrecategorizationSource, err = r.cached(&r.last.precatSource)
		case "Series":
			m.Series, err = r.cached(&r.last.series)
		case "VictimIdentified":
			m.VictimIdentified, err = r.flag()
		case "OffenderIdentified":
			m.OffenderIdentified, err = r.flag()
		case "IsDistributed":
			m.IsDistributed, err = r.flag()
		case "IsSuspected":
			m.IsSuspected, err = r.flag()
		case "DateUpdated":
			m.DateUpdated, err = r.cached(&r.last.date)
		case "Comments":
			m.Comments, err = r.text()
		case "Tags":
			m.Tags, err = r.cached(&r.last.tags)
		case "MimeType":
			m.MimeType, err = r.cached(&r.last.mime)
		case "RelativeFilePath":
			m.RelativeFilePath, err = r.text()
		case "AlternativeHashes":
			m.AlternativeHashes = nil
			err = r.array(depth+1, func(int) error {
				h, err := r.altHash(depth + 2)
				m.AlternativeHashes = append(m.AlternativeHashes, h)
				return err
			})
		case "Exifs":
			m.Exifs = nil
			err = r.array(depth+1, func(int) error {
				e, err := r.exif(depth + 2)
				m.Exifs = append(m.Exifs, e)
				return err
			})
		case "Segments":
			m.Segments, err = r.s.capture(nil, depth+1, true)
			if string(m.Segments) == "null" {
				m.Segments = nil
			}
		case "MediaFiles":
			m.MediaFiles = nil
			err = r.array(depth+1, func(int) error {
				f, err := r.mediaFile(depth + 2)
				m.MediaFiles = append(m.MediaFiles, f)
				return err
			})
		default:
			name = string(k)
			err = r.extra(&m.Extra, k, depth+1)
		}
		return inField(name, err)
	})
	return m, err
}

func (r *Reader) mediaFile(depth int) (MediaFile, error) {
	var f MediaFile
	err := r.object(depth, func(name string, k []byte) error {
		var err error
		switch name {
		case "MD5":
			f.MD5, err = r.digest(32)
		case "FileName":
			f.FileName, err = r.cached(&r.last.fileName)
		case "FilePath":
			f.FilePath, err = r.cached(&r.last.path)
		case "Created":
			f.Created, err = r.cached(&r.last.created)
		case "Written":
			f.Written, err = r.cached(&r.last.written)
		case "Modified":
			f.Modified, err = r.cached(&r.last.modified)
		case "Accessed":
			f.Accessed, err = r.cached(&r.last.accessed)
		case "Unallocated":
			f.Unallocated, err = r.flag()
		case "Deleted":
			f.Deleted, err = r.flag()
		case "SourceID":
			f.SourceID, err = r.cached(&r.last.sourceID)
		default:
			name = string(k)
			err = r.extra(&f.Extra, k, depth+1)
		}
		return inField(name, err)
	})
	return f, err
}

func (r *Reader) exif(depth int) (Exif, error) {
	var e Exif
	err := r.object(depth, func(name string, k []byte) error {
		var err error
		switch name {
		case "MD5":
			e.MD5, err = r.digest(32)
		case "PropertyName":
			e.PropertyName, err = r.cached(&r.last.exifName)
		case "PropertyValue":
			e.PropertyValue, err = r.text()
		default:
			name = string(k)
			err = r.extra(&e.Extra, k, depth+1)
		}
		return inField(name, err)
	})
	return e, err
}

func (r *Reader) altHash(depth int) (AltHash, error) {
	var h AltHash
	err := r.object(depth, func(name string, k []byte) error {
		var err error
		switch name {
		case "MD5":
			h.MD5, err = r.digest(32)
		case "HashName":
			h.HashName, err = r.text()
		case "HashValue":
			h.HashValue, err = r.text()
		default:
			name = string(k)
			err = r.extra(&h.Extra, k, depth+1)
		}
		return inField(name, err)
	})
	return h, err
}

// text reads a string member; null is "", and a number or boolean is kept as its text.
func (r *Reader) text() (string, error) {
	b, err := r.textBytes()
	return string(b), err
}

// cached reads a string member like text, but returns the string in *slot, without allocating,
// when the value is the same as last time: dates, series, MIME types and exhibit names repeat
// from record to record.
func (r *Reader) cached(slot *string) (string, error) {
	b, err := r.textBytes()
	if err != nil {
		return "", err
	}
	if string(b) != *slot {
		*slot = string(b)
	}
	return *slot, nil
}

// textBytes reads a string member as bytes, valid until the next read.
func (r *Reader) textBytes() ([]byte, error) {
	s := r.s
	c, err := s.peek()
	if err != nil {
		return nil, err
	}
	switch {
	case c == '"':
		return s.readString()
	case c == 'n':
		return nil, s.literal("null")
	case c == 't':
		return []byte("true"), s.literal("true")
	case c == 'f':
		return []byte("false"), s.literal("false")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return nil, fmt.Errorf("%w: want a string, found %s", ErrType, kind(c))
}

// digest reads a hex digest of n digits: surrounding spaces are dropped, "" and null mean
// absent, and the result is upper case.
func (r *Reader) digest(n int) (string, error) {
	s := r.s
	c, err := s.peek()
	if err != nil {
		return "", err
	}
	var b []byte
	switch c {
	case '"':
		if b, err = s.readString(); err != nil {
			return "", err
		}
	case 'n':
		return "", s.literal("null")
	default:
		return "", fmt.Errorf("%w: want a hex string, found %s", ErrType, kind(c))
	}
	b = trimSpace(b)
	if len(b) == 0 {
		return "", nil
	}
	return upperHex(b, n)
}

// upperHex checks that b is n hex digits and returns them in upper case.
func upperHex(b []byte, n int) (string, error) {
	if len(b) != n {
		return "", fmt.Errorf("%w: length %d, want %d hex digits", ErrDigest, len(b), n)
	}
	var out [64]byte
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F':
		case c >= 'a' && c <= 'f':
			c -= 'a' - 'A'
		default:
			return "", fmt.Errorf("%w: %s is not a hex digit", ErrDigest, quoteByte(c))
		}
		out[i] = c
	}
	return string(out[:n]), nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}

// flag reads a flag: true, false, null, or the strings "true", "false", "1", "0", "" in any
// case and with spaces around, or the numbers 1 and 0.
func (r *Reader) flag() (Bool, error) {
	s := r.s
	c, err := s.peek()
	if err != nil {
		return Unset, err
	}
	var b []byte
	switch {
	case c == 't':
		return True, s.literal("true")
	case c == 'f':
		return False, s.literal("false")
	case c == 'n':
		return Unset, s.literal("null")
	case c == '"':
		if b, err = s.readString(); err != nil {
			return Unset, err
		}
		b = trimSpace(b)
	case c == '-' || (c >= '0' && c <= '9'):
		if b, err = s.number(); err != nil {
			return Unset, err
		}
	default:
		return Unset, fmt.Errorf("%w: want a flag, found %s", ErrType, kind(c))
	}
	switch {
	case len(b) == 0:
		return Unset, nil
	case strings.EqualFold(string(b), "true") || string(b) == "1":
		return True, nil
	case strings.EqualFold(string(b), "false") || string(b) == "0":
		return False, nil
	}
	if len(b) > 16 {
		b = append(b[:16:16], "..."...)
	}
	return Unset, fmt.Errorf("%w: want a flag (\"true\" or \"false\"), found %q", ErrType, b)
}

// integer reads an integer in [lo, hi], written as a number or as a string of digits; "" and
// null are absent (ok false). A number with a fraction of zeros ("15.0") is accepted.
func (r *Reader) integer(lo, hi int64) (v int64, ok bool, err error) {
	s := r.s
	c, err := s.peek()
	if err != nil {
		return 0, false, err
	}
	var b []byte
	switch {
	case c == 'n':
		return 0, false, s.literal("null")
	case c == '"':
		if b, err = s.readString(); err != nil {
			return 0, false, err
		}
		if b = trimSpace(b); len(b) == 0 {
			return 0, false, nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		if b, err = s.number(); err != nil {
			return 0, false, err
		}
	default:
		return 0, false, fmt.Errorf("%w: want an integer, found %s", ErrType, kind(c))
	}
	v, err = parseInt(b)
	if err != nil {
		return 0, false, err
	}
	if v < lo || v > hi {
		return 0, false, fmt.Errorf("%w: %d is outside %d..%d", ErrRange, v, lo, hi)
	}
	return v, true, nil
}

// parseInt parses an optionally negative decimal integer, allowing a fraction of zeros.
func parseInt(b []byte) (int64, error) {
	orig := b
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) == 0 {
		return 0, fmt.Errorf("%w: %q is not an integer", ErrType, clip(orig))
	}
	var u uint64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		if u > (1<<63-d)/10 {
			return 0, fmt.Errorf("%w: %q does not fit in 64 bits", ErrRange, clip(orig))
		}
		u = u*10 + d
	}
	if i == 0 {
		return 0, fmt.Errorf("%w: %q is not an integer", ErrType, clip(orig))
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && b[i] == '0' {
			i++
		}
	}
	if i != len(b) {
		return 0, fmt.Errorf("%w: %q is not an integer", ErrType, clip(orig))
	}
	if neg {
		return -int64(u), nil
	}
	if u > 1<<63-1 {
		return 0, fmt.Errorf("%w: %q does not fit in 64 bits", ErrRange, clip(orig))
	}
	return int64(u), nil
}

// clip shortens a value quoted in an error message.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}
