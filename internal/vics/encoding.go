package vics

import (
	"bytes"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeBOM returns a reader of the UTF-8 text of r: a UTF-8 byte-order mark is dropped, and
// UTF-16 (with a byte-order mark, or recognised by a NUL in one of its first two bytes, since
// a JSON text starts with an ASCII character) is transcoded.
func decodeBOM(r io.Reader) (io.Reader, error) {
	var head [4]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	h := head[:n]
	rest := func(skip int) io.Reader {
		if n == len(head) {
			return io.MultiReader(bytes.NewReader(h[skip:]), r)
		}
		return bytes.NewReader(h[skip:])
	}
	switch {
	case bytes.HasPrefix(h, []byte{0xEF, 0xBB, 0xBF}):
		return rest(3), nil
	case bytes.HasPrefix(h, []byte{0xFF, 0xFE}):
		return newUTF16Reader(rest(2), false), nil
	case bytes.HasPrefix(h, []byte{0xFE, 0xFF}):
		return newUTF16Reader(rest(2), true), nil
	case n >= 2 && h[0] == 0 && h[1] != 0:
		return newUTF16Reader(rest(0), true), nil
	case n >= 2 && h[0] != 0 && h[1] == 0:
		return newUTF16Reader(rest(0), false), nil
	}
	return rest(0), nil
}

// utf16Reader transcodes UTF-16 to UTF-8 as it reads; unpaired surrogates and a trailing odd
// byte become U+FFFD.
type utf16Reader struct {
	r         io.Reader
	bigEndian bool
	in        []byte
	carry     int // bytes of an incomplete code unit at the start of in
	out       []byte
	off       int  // next unread byte of out
	high      rune // a pending high surrogate, or 0
	err       error
}

func newUTF16Reader(r io.Reader, bigEndian bool) *utf16Reader {
	return &utf16Reader{r: r, bigEndian: bigEndian, in: make([]byte, 16<<10), out: make([]byte, 0, 3*8<<10+8)}
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for u.off >= len(u.out) {
		if u.err != nil {
			return 0, u.err
		}
		u.out, u.off = u.out[:0], 0
		n, err := u.r.Read(u.in[u.carry:])
		n += u.carry
		units := n / 2
		for i := range units {
			var c rune
			if u.bigEndian {
				c = rune(u.in[2*i])<<8 | rune(u.in[2*i+1])
			} else {
				c = rune(u.in[2*i+1])<<8 | rune(u.in[2*i])
			}
			u.unit(c)
		}
		u.carry = n - 2*units
		if u.carry > 0 {
			u.in[0] = u.in[n-1]
		}
		if err != nil {
			if u.high != 0 {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				u.high = 0
			}
			if u.carry > 0 {
				u.out = utf8.AppendRune(u.out, utf8.RuneError)
				u.carry = 0
			}
			u.err = err
		}
	}
	n := copy(p, u.out[u.off:])
	u.off += n
	return n, nil
}

// unit decodes one UTF-16 code unit.
func (u *utf16Reader) unit(c rune) {
	if u.high != 0 {
		if c >= 0xDC00 && c <= 0xDFFF {
			u.out = utf8.AppendRune(u.out, utf16.DecodeRune(u.high, c))
			u.high = 0
			return
		}
		u.out = utf8.AppendRune(u.out, utf8.RuneError)
		u.high = 0
	}
	switch {
	case c >= 0xD800 && c <= 0xDBFF:
		u.high = c
	case c >= 0xDC00 && c <= 0xDFFF:
		u.out = utf8.AppendRune(u.out, utf8.RuneError)
	default:
		u.out = utf8.AppendRune(u.out, c)
	}
}
