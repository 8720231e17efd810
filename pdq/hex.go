package pdq

import (
	"encoding/hex"
	"errors"
	"fmt"
)

// ErrBadHash reports text that is not a PDQ hash: anything but exactly 64 hex digits.
var ErrBadHash = errors.New("pdq: bad hash")

// hexLen is the length of a hash in hex: 4 bits per digit.
const hexLen = 2 * len(Hash{})

// String returns the hash as 64 lowercase hex digits, most significant first: the format of the
// reference tools, ThreatExchange and HMA.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ParseHash parses 64 hex digits in either case. Errors wrap [ErrBadHash].
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != hexLen {
		return Hash{}, fmt.Errorf("%w: got %d characters, want %d hex digits", ErrBadHash, len(s), hexLen)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return Hash{}, fmt.Errorf("%w: %v", ErrBadHash, err)
	}
	return h, nil
}

// MarshalText returns the hex form of the hash, so that encoding/json and friends show it as a
// string.
func (h Hash) MarshalText() ([]byte, error) {
	b := make([]byte, hexLen)
	hex.Encode(b, h[:])
	return b, nil
}

// UnmarshalText parses the hex form written by [Hash.MarshalText]; see [ParseHash].
func (h *Hash) UnmarshalText(text []byte) error {
	v, err := ParseHash(string(text))
	if err != nil {
		return err
	}
	*h = v
	return nil
}
