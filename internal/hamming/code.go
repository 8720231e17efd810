package hamming

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
)

// Bits is the length of a code in bits.
const Bits = 256

// Code is a 256-bit code, such as a PDQ hash, as four 64-bit words. Word 0 holds bytes 0 to 7
// of the hash in big-endian order, so bit 0 of the code is the most significant bit of byte 0,
// and the lexicographic order of codes is the order of their hex strings.
type Code [4]uint64

// ErrHex reports a string that is not 64 hexadecimal digits.
var ErrHex = errors.New("hamming: code is not 64 hex digits")

// CodeFromBytes converts a 32-byte hash (big-endian, as PDQ hashes are printed) to a Code.
func CodeFromBytes(b [32]byte) Code {
	return Code{
		binary.BigEndian.Uint64(b[0:8]),
		binary.BigEndian.Uint64(b[8:16]),
		binary.BigEndian.Uint64(b[16:24]),
		binary.BigEndian.Uint64(b[24:32]),
	}
}

// Bytes returns the code as a 32-byte big-endian hash; it is the inverse of CodeFromBytes.
func (c Code) Bytes() [32]byte {
	var b [32]byte
	binary.BigEndian.PutUint64(b[0:8], c[0])
	binary.BigEndian.PutUint64(b[8:16], c[1])
	binary.BigEndian.PutUint64(b[16:24], c[2])
	binary.BigEndian.PutUint64(b[24:32], c[3])
	return b
}

// String returns the code as 64 lowercase hex digits.
func (c Code) String() string {
	b := c.Bytes()
	return hex.EncodeToString(b[:])
}

// ParseCode parses 64 hex digits (either case) into a Code.
func ParseCode(s string) (Code, error) {
	var b [32]byte
	if len(s) != 64 {
		return Code{}, fmt.Errorf("%w: length %d", ErrHex, len(s))
	}
	if _, err := hex.Decode(b[:], []byte(s)); err != nil {
		return Code{}, fmt.Errorf("%w: %v", ErrHex, err)
	}
	return CodeFromBytes(b), nil
}

// Distance returns the Hamming distance between a and b: the number of bits in which they
// differ, from 0 to 256.
func Distance(a, b Code) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

// Match is one stored code found by a search: its id and its distance from the query.
type Match struct {
	// ID is the id the code was stored with.
	ID uint32
	// Distance is the Hamming distance from the query, 0 to 256.
	Distance uint16
}

// compareMatches orders matches by id, then by distance.
func compareMatches(a, b Match) int {
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	case a.Distance < b.Distance:
		return -1
	case a.Distance > b.Distance:
		return 1
	}
	return 0
}
