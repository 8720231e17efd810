package pdq

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestQuotientExact checks quotient against float32 division for every significand of a
// binade (so for every normal float32 up to the power-of-two scaling, which changes neither
// side's rounding), both signs, for window sizes from the smallest to far beyond any image's,
// and at random across all exponents.
func TestQuotientExact(t *testing.T) {
	sizes := []int{1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 15, 17, 23, 31, 33, 63, 100, 127, 1000, 8191}
	for _, n := range sizes {
		inv, c := reciprocal(n), float32(n)
		bad := 0
		for m := range uint32(1 << 23) {
			s := math.Float32frombits(0x3f800000 | m) // 1 <= s < 2
			for _, s := range [2]float32{s, -s} {
				if got, want := quotient(s, inv), s/c; math.Float32bits(got) != math.Float32bits(want) {
					if bad++; bad <= 3 {
						t.Errorf("quotient(%g, 1/%d) = %g, want %g", s, n, got, want)
					}
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 1 << 20 {
		n := 1 + r.IntN(1<<16)
		s := math.Float32frombits(r.Uint32()&^(0xff<<23) | uint32(1+r.IntN(253))<<23) // normal
		if got, want := quotient(s, reciprocal(n)), s/float32(n); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("quotient(%g, 1/%d) = %g, want %g", s, n, got, want)
		}
	}
	for _, s := range []float32{0, float32(math.Copysign(0, -1))} {
		if got, want := quotient(s, reciprocal(6)), s/6; math.Float32bits(got) != math.Float32bits(want) {
			t.Errorf("quotient(%g, 1/6) = %g, want %g", s, got, want)
		}
	}
}
