package pdq

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkCore64 is the 64x64-to-hash core: quality, DCT, median and bits.
func BenchmarkCore64(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	h := NewHasher(FullRes)
	for i := range h.m {
		for j := range h.m[i] {
			h.m[i][j] = float32(r.IntN(256))
		}
	}
	var sink Hash
	for b.Loop() {
		_ = quality(&h.m)
		dct16(&h.m, &h.t, &h.c)
		sink = hashFromDCT(&h.c)
	}
	_ = sink
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/hash")
}

// BenchmarkCore64Dihedral is the core with all 8 dihedral hashes.
func BenchmarkCore64Dihedral(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	h := NewHasher(FullRes)
	for i := range h.m {
		for j := range h.m[i] {
			h.m[i][j] = float32(r.IntN(256))
		}
	}
	for b.Loop() {
		_ = quality(&h.m)
		dct16(&h.m, &h.t, &h.c)
		_ = dihedralHashes(&h.c)
	}
}
