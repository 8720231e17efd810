package vics

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a small pull tokenizer over a JSON stream. It reads through a fixed buffer, decodes
// strings into a reusable scratch buffer, and never holds more of the input than one token.
//
// Slices it returns (strings, numbers) are valid until its next call.
type scanner struct {
	r    io.Reader
	buf  []byte
	pos  int   // next unread byte in buf
	end  int   // end of valid data in buf
	base int64 // input offset of buf[0]
	rerr error // read error, io.EOF at the end; sticky
	// limit is the input offset past which reading fails with ErrLimit (the end of the current
	// record's budget); math.MaxInt64 when unbounded.
	limit    int64
	overrun  bool
	window   int64 // the size of the limit window, for messages
	inBuf    bool  // the last string returned points into buf
	maxStr   int
	maxDepth int
	raw      []byte // a string's raw bytes when it crosses a buffer boundary or has escapes
	str      []byte // a string's decoded bytes
	num      []byte // a number's bytes when it crosses a buffer boundary
}

const bufSize = 64 << 10

// maxNumber bounds the length of a number literal.
const maxNumber = 256

func newScanner(r io.Reader, maxStr, maxDepth int) *scanner {
	return &scanner{r: r, buf: make([]byte, bufSize), limit: math.MaxInt64, maxStr: maxStr, maxDepth: maxDepth}
}

// offset returns the input offset of the next unread byte.
func (s *scanner) offset() int64 { return s.base + int64(s.pos) }

// fill reads more input into an exhausted buffer. It reports false at the end of input, on a
// read error, or past the limit; s.fail says which.
func (s *scanner) fill() bool {
	if s.pos < s.end {
		return true
	}
	if s.offset() > s.limit {
		s.overrun = true
		return false
	}
	if s.rerr != nil {
		return false
	}
	s.base += int64(s.end)
	s.pos, s.end = 0, 0
	for range 100 {
		n, err := s.r.Read(s.buf)
		if n < 0 || n > len(s.buf) {
			s.rerr = errors.New("vics: reader returned an invalid count")
			return false
		}
		s.end = n
		if err != nil {
			s.rerr = err
		}
		if n > 0 {
			return true
		}
		if err != nil {
			return false
		}
	}
	s.rerr = io.ErrNoProgress
	return false
}

// fail returns the error for a fill that reported false, where more input was expected.
func (s *scanner) fail() error {
	switch {
	case s.overrun:
		return fmt.Errorf("%w: more than %d bytes in one record or case", ErrLimit, s.budget())
	case s.rerr == io.EOF || s.rerr == nil:
		return fmt.Errorf("%w: unexpected end of input at byte %d", ErrSyntax, s.offset())
	default:
		return at(fmt.Sprintf("reading input at byte %d", s.offset()), s.rerr)
	}
}

// budget returns the size of the current limit window, for messages.
func (s *scanner) budget() int64 { return s.window }

// setLimit bounds reading to n more bytes from the current offset; n < 0 removes the bound.
func (s *scanner) setLimit(n int64) {
	s.overrun = false
	if n < 0 {
		s.limit = math.MaxInt64
		s.window = 0
		return
	}
	s.limit = s.offset() + n
	s.window = n
}

// checkLimit reports ErrLimit when the offset is past the limit.
func (s *scanner) checkLimit() error {
	if s.offset() > s.limit {
		s.overrun = true
		return s.fail()
	}
	return nil
}

func (s *scanner) syntax(format string, args ...any) error {
	return fmt.Errorf("%w: at byte %d: %s", ErrSyntax, s.offset(), fmt.Sprintf(format, args...))
}

// peek skips white space and returns the next byte without consuming it.
func (s *scanner) peek() (byte, error) {
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
				return c, nil
			}
			s.pos++
		}
		if !s.fill() {
			return 0, s.fail()
		}
	}
}

// expect consumes the next non-space byte, which must be c.
func (s *scanner) expect(c byte) error {
	got, err := s.peek()
	if err != nil {
		return err
	}
	if got != c {
		return s.syntax("expected %q, found %s", c, quoteByte(got))
	}
	s.pos++
	return nil
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// more advances within an object (close '}') or an array (close ']'): it reports whether another
// member or element follows, consuming the separating comma; it consumes the closing bracket
// when not. first says whether this is the first call for the container.
func (s *scanner) more(close byte, first bool) (bool, error) {
	c, err := s.peek()
	if err != nil {
		return false, err
	}
	if c == close {
		s.pos++
		return false, nil
	}
	if !first {
		if c != ',' {
			return false, s.syntax("expected ',' or %q, found %s", close, quoteByte(c))
		}
		s.pos++
		if c, err = s.peek(); err != nil {
			return false, err
		}
		if c == close {
			return false, s.syntax("trailing comma")
		}
	}
	if close == '}' && c != '"' {
		return false, s.syntax("expected a member name, found %s", quoteByte(c))
	}
	return true, nil
}

// key reads a member name and the colon after it. The name is valid until the next call.
func (s *scanner) key() ([]byte, error) {
	k, err := s.readString()
	if err != nil {
		return nil, err
	}
	// The colon is usually the next byte: check it here so that the name, which may point
	// into the buffer, survives. Otherwise copy the name before reading on.
	if s.pos < s.end && s.buf[s.pos] == ':' {
		s.pos++
		return k, nil
	}
	if s.inBuf {
		s.str = append(s.str[:0], k...)
		k = s.str
	}
	if err := s.expect(':'); err != nil {
		return nil, err
	}
	return k, nil
}

// readString reads a string token (the next non-space byte must be '"') and returns its decoded
// bytes, valid UTF-8 (invalid sequences become U+FFFD, as encoding/json does).
func (s *scanner) readString() ([]byte, error) {
	if err := s.expect('"'); err != nil {
		return nil, err
	}
	// Fast path: the whole string is in the buffer, without escapes.
	if q := bytes.IndexByte(s.buf[s.pos:s.end], '"'); q >= 0 {
		b := s.buf[s.pos : s.pos+q]
		plain, high := true, false
		i := 0
		for ; i+8 <= len(b); i += 8 {
			if special(binary.LittleEndian.Uint64(b[i:])) {
				break
			}
		}
		for _, c := range b[i:] {
			if slowByte(c) {
				if c < utf8.RuneSelf {
					plain = false
					break
				}
				high = true
			}
		}
		if plain {
			if len(b) > s.maxStr {
				return nil, fmt.Errorf("%w: string of %d bytes at byte %d (limit %d)", ErrLimit, len(b), s.offset(), s.maxStr)
			}
			s.pos += q + 1
			if high && !utf8.Valid(b) {
				s.inBuf = false
				return s.decode(b)
			}
			s.inBuf = true
			return b, nil
		}
	}
	// Slow path: gather the raw bytes up to the closing quote, then decode.
	s.inBuf = false
	s.raw = s.raw[:0]
	esc := false
	for {
		if s.pos >= s.end && !s.fill() {
			return nil, s.fail()
		}
		start := s.pos
		for s.pos < s.end {
			c := s.buf[s.pos]
			if esc {
				esc = false
			} else if c == '\\' {
				esc = true
			} else if c == '"' {
				s.raw = append(s.raw, s.buf[start:s.pos]...)
				s.pos++
				if len(s.raw) > s.maxStr {
					return nil, fmt.Errorf("%w: string of %d bytes at byte %d (limit %d)", ErrLimit, len(s.raw), s.offset(), s.maxStr)
				}
				return s.decode(s.raw)
			} else if c < 0x20 {
				return nil, s.syntax("control character 0x%02x in string", c)
			}
			s.pos++
		}
		s.raw = append(s.raw, s.buf[start:s.pos]...)
		if len(s.raw) > s.maxStr {
			return nil, fmt.Errorf("%w: string over %d bytes at byte %d", ErrLimit, s.maxStr, s.offset())
		}
	}
}

// decode unescapes a string's raw bytes into s.str, replacing invalid UTF-8 with U+FFFD.
func (s *scanner) decode(raw []byte) ([]byte, error) {
	out := s.str[:0]
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c < 0x20:
			return nil, s.syntax("control character 0x%02x in string", c)
		case c == '\\':
			if i+1 >= len(raw) {
				return nil, s.syntax("bad escape in string")
			}
			switch raw[i+1] {
			case '"', '\\', '/':
				out = append(out, raw[i+1])
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := hex4(raw[i+2:])
				if !ok {
					return nil, s.syntax("bad \\u escape in string")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2, ok := rune(-1), false
					if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						r2, ok = hex4(raw[i+2:])
					}
					if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
				continue
			default:
				return nil, s.syntax("bad escape \\%c in string", raw[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, raw[i:i+n]...)
			}
			i += n
		}
	}
	s.str = out
	return out, nil
}

// hex4 decodes four hex digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// number reads a number token and returns its bytes, checked against JSON's grammar.
func (s *scanner) number() ([]byte, error) {
	if _, err := s.peek(); err != nil {
		return nil, err
	}
	// Fast path: the literal ends inside the buffer.
	i := s.pos
	for i < s.end && isNumByte(s.buf[i]) {
		i++
	}
	var b []byte
	if i < s.end {
		b = s.buf[s.pos:i]
		s.pos = i
	} else {
		s.num = s.num[:0]
		for {
			start := s.pos
			for s.pos < s.end && isNumByte(s.buf[s.pos]) {
				s.pos++
			}
			s.num = append(s.num, s.buf[start:s.pos]...)
			if len(s.num) > maxNumber {
				return nil, fmt.Errorf("%w: number literal over %d bytes at byte %d", ErrLimit, maxNumber, s.offset())
			}
			if s.pos < s.end || !s.fill() {
				break
			}
		}
		b = s.num
	}
	if len(b) > maxNumber {
		return nil, fmt.Errorf("%w: number literal over %d bytes at byte %d", ErrLimit, maxNumber, s.offset())
	}
	if !validNumber(b) {
		return nil, s.syntax("bad number %q", b)
	}
	return b, nil
}

func isNumByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// validNumber checks JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(b)
}

// literal consumes the literal true, false or null, which must be next.
func (s *scanner) literal(lit string) error {
	if _, err := s.peek(); err != nil {
		return err
	}
	for i := 0; i < len(lit); i++ {
		if s.pos >= s.end && !s.fill() {
			return s.fail()
		}
		if s.buf[s.pos] != lit[i] {
			return s.syntax("bad literal, expected %s", lit)
		}
		s.pos++
	}
	// A literal must not run on into letters or digits ("nullx", "true1").
	if s.pos < s.end || s.fill() {
		if c := s.buf[s.pos]; (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			return s.syntax("bad literal, expected %s", lit)
		}
	}
	return nil
}

// skip reads and discards one value of any type; depth is the nesting depth of the value.
func (s *scanner) skip(depth int) error {
	_, err := s.capture(nil, depth, false)
	return err
}

// capture reads one value and, when keep is set, appends it to dst as compact JSON with strings
// re-encoded; depth is the nesting depth of the value. dst grows only with the input consumed,
// which the caller bounds with setLimit.
func (s *scanner) capture(dst []byte, depth int, keep bool) ([]byte, error) {
	if depth > s.maxDepth {
		return dst, fmt.Errorf("%w: nesting deeper than %d at byte %d", ErrLimit, s.maxDepth, s.offset())
	}
	c, err := s.peek()
	if err != nil {
		return dst, err
	}
	switch {
	case c == '{':
		s.pos++
		if keep {
			dst = append(dst, '{')
		}
		for first := true; ; first = false {
			more, err := s.more('}', first)
			if err != nil {
				return dst, err
			}
			if !more {
				break
			}
			if keep && !first {
				dst = append(dst, ',')
			}
			k, err := s.key()
			if err != nil {
				return dst, err
			}
			if keep {
				dst = appendString(dst, k)
				dst = append(dst, ':')
			}
			if dst, err = s.capture(dst, depth+1, keep); err != nil {
				return dst, err
			}
		}
		if keep {
			dst = append(dst, '}')
		}
	case c == '[':
		s.pos++
		if keep {
			dst = append(dst, '[')
		}
		for first := true; ; first = false {
			more, err := s.more(']', first)
			if err != nil {
				return dst, err
			}
			if !more {
				break
			}
			if keep && !first {
				dst = append(dst, ',')
			}
			if dst, err = s.capture(dst, depth+1, keep); err != nil {
				return dst, err
			}
		}
		if keep {
			dst = append(dst, ']')
		}
	case c == '"':
		b, err := s.readString()
		if err != nil {
			return dst, err
		}
		if keep {
			dst = appendString(dst, b)
		}
	case c == '-' || (c >= '0' && c <= '9'):
		b, err := s.number()
		if err != nil {
			return dst, err
		}
		if keep {
			dst = append(dst, b...)
		}
	case c == 't':
		if err := s.literal("true"); err != nil {
			return dst, err
		}
		if keep {
			dst = append(dst, "true"...)
		}
	case c == 'f':
		if err := s.literal("false"); err != nil {
			return dst, err
		}
		if keep {
			dst = append(dst, "false"...)
		}
	case c == 'n':
		if err := s.literal("null"); err != nil {
			return dst, err
		}
		if keep {
			dst = append(dst, "null"...)
		}
	default:
		return dst, s.syntax("expected a value, found %s", quoteByte(c))
	}
	if keep {
		if err := s.checkLimit(); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// appendString appends s as a JSON string: UTF-8 kept as is, invalid bytes as U+FFFD, control
// characters, '"' and '\\' escaped.
func appendString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		var r rune
		var n int
		switch v := any(s).(type) {
		case string:
			r, n = utf8.DecodeRuneInString(v[i:])
		case []byte:
			r, n = utf8.DecodeRune(v[i:])
		}
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += n
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hexDigits = "0123456789ABCDEF"

// special reports whether any of the 8 bytes in w is a control character, '\\' or has its high
// bit set (a byte of a multi-byte UTF-8 sequence). Borrows between bytes can make it report true
// for a word without such a byte, never false for a word with one.
func special(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	lt20 := (w - 0x20*ones) &^ w
	bs := w ^ ('\\' * ones)
	bs = (bs - ones) &^ bs
	return (lt20|bs|w)&highs != 0
}

// slowByte reports whether a string byte keeps the string off the fast path: a control
// character, '\\', or a byte of a multi-byte UTF-8 sequence.
func slowByte(c byte) bool { return c < 0x20 || c == '\\' || c >= utf8.RuneSelf }
