package hammingbench

import (
	"math/rand/v2"

	"github.com/vidb-project/vidb/internal/hamming"
)

// Generate returns n codes laid out like the spec's benchmark data (section 2): uniform random
// originals, 5% of which get 1 to 20 near-duplicate variants that each flip 2 to 40 random
// bits (so about 34% of rows are variants), all rows shuffled. The same seed gives the same
// codes.
func Generate(n int, seed uint64) []hamming.Code {
	rng := rand.New(rand.NewPCG(seed, 0x5eed_c0de))
	codes := make([]hamming.Code, 0, n)
	for len(codes) < n {
		c := randomCode(rng)
		codes = append(codes, c)
		if rng.IntN(20) != 0 {
			continue
		}
		for range 1 + rng.IntN(20) {
			if len(codes) == n {
				break
			}
			codes = append(codes, flipBits(rng, c, 2+rng.IntN(39)))
		}
	}
	rng.Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })
	return codes
}

// GenerateQueries returns nq queries for db as the spec makes them: even-numbered ones are a
// random stored row with 0 to 31 random bits flipped, odd-numbered ones fresh random codes
// (which have no match within 70 bits in practice).
func GenerateQueries(db []hamming.Code, nq int, seed uint64) []hamming.Code {
	rng := rand.New(rand.NewPCG(seed, 0x9e37_79b9))
	qs := make([]hamming.Code, nq)
	for i := range qs {
		if i%2 == 0 && len(db) > 0 {
			qs[i] = flipBits(rng, db[rng.IntN(len(db))], rng.IntN(32))
		} else {
			qs[i] = randomCode(rng)
		}
	}
	return qs
}

func randomCode(rng *rand.Rand) hamming.Code {
	return hamming.Code{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()}
}

// flipBits returns c with k distinct random bits flipped.
func flipBits(rng *rand.Rand, c hamming.Code, k int) hamming.Code {
	var flipped hamming.Code
	for done := 0; done < k; {
		b := rng.IntN(hamming.Bits)
		w, bit := b/64, uint64(1)<<(b%64)
		if flipped[w]&bit != 0 {
			continue
		}
		flipped[w] |= bit
		c[w] ^= bit
		done++
	}
	return c
}
