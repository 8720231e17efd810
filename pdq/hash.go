package pdq

import (
	"encoding/binary"
	"math/bits"
)

// MatchDistance is Meta's recommended match threshold: two hashes are a match when their
// [Distance] is at most this value (about 12 % of the bits).
const MatchDistance = 31

// MinQuality is the lowest quality worth matching on; HMA and python-threatexchange discard
// hashes with a lower quality because they come from featureless images.
const MinQuality = 50

// Hash is a 256-bit PDQ hash read as one big-endian integer N: Hash[0] is the most significant
// byte (the first two hex digits). Bit k of N (k = 0 is the least significant) is set when DCT
// coefficient (k/16, k%16) is above the median, so N's 16-bit word u holds DCT row u.
type Hash [32]byte

// Distance returns the Hamming distance between a and b: the number of differing bits, 0 to 256.
func Distance(a, b Hash) int {
	d := 0
	for i := 0; i < len(a); i += 8 {
		d += bits.OnesCount64(binary.BigEndian.Uint64(a[i:]) ^ binary.BigEndian.Uint64(b[i:]))
	}
	return d
}

// IsZero reports whether every bit of h is clear, which is what images smaller than 5 pixels on a
// side (and all-black images) hash to.
func (h Hash) IsZero() bool { return h == Hash{} }

// setBit sets bit k of N.
func (h *Hash) setBit(k int) { h[31-k/8] |= 1 << (k % 8) }
