// Package pdq computes Meta's PDQ perceptual image hash, bit for bit as the reference C++
// implementation in facebook/ThreatExchange does.
//
// A PDQ hash is 256 bits plus a quality score from 0 to 100. Two images match when the Hamming
// distance between their hashes is at most [MatchDistance]; hashes with quality below
// [MinQuality] describe featureless images and should not be matched.
//
// The pixel-to-hash core is deterministic float32 arithmetic and this package reproduces it
// exactly: every product is rounded to float32 before it is added (no fused multiply-add), the
// running sums of the box filter keep the reference's add-then-subtract order, the median is the
// lower one, and indices are computed as the reference computes them. The conformance vectors in
// shared/testdata/pdq are checked on amd64 (including GOAMD64=v3) and arm64.
//
// On amd64 CPUs with AVX2 the luma and the blur run in assembly (simd_amd64.s, chosen at run
// time), which performs per pixel the same float32 operations in the same order as the Go code
// (AVX2 only, never FMA); the tests compare the two bit for bit. Elsewhere, and under the purego
// build tag, the package is pure Go.
//
// Two flavours exist in the wild and differ only before hashing: [FullRes] hashes the pixels as
// they are (HMA, python-threatexchange, the Java tool; the default) and [Squash512] first squashes
// images larger than 512 px to 512x512 by nearest neighbour (the C++ pdq-photo-hasher). Record the
// flavour with every stored hash.
//
// A [Hasher] owns the scratch buffers and performs no allocation per call once warmed; it is not
// safe for concurrent use, so use one per goroutine.
//
// This package imports only the standard library, and must keep doing so: it sits under the
// image decoders and the video pipeline and is easy to audit on its own.
package pdq
