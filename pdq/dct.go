package pdq

import "math"

// dctMatrix is D, the 16x64 DCT-II basis PDQ uses: row u holds frequency u+1, so the DC term is
// skipped and the 16 lowest AC frequencies are kept. dctMatrixT is its transpose. Both are
// computed once and only read afterwards.
var dctMatrix, dctMatrixT = newDCTMatrix()

// newDCTMatrix computes D[u][k] = float32(scale * cos(pi/2/64 * (u+1) * (2k+1))).
// Exactness: the scale sqrt(2/64) is rounded to float32 first, as the reference stores it in a
// float; the product and the cosine argument are float64, evaluated left to right.
func newDCTMatrix() (d [16][64]float32, dt [64][16]float32) {
	scale := float64(float32(math.Sqrt(2.0 / 64.0)))
	for u := range 16 {
		for k := range 64 {
			v := float32(scale * math.Cos(math.Pi/2/64*float64(u+1)*float64(2*k+1)))
			d[u][k] = v
			dt[k][u] = v
		}
	}
	return d, dt
}

// dct16 computes the 16x16 corner of the 2-D DCT of m: c = D . m . D^T, using t (16x64) as
// scratch. Exactness: every sum starts at 0 and adds one float32-rounded product at a time in
// increasing k, as the reference's triple loops do; the explicit float32() conversions forbid the
// compiler from fusing multiply and add (Go may fuse otherwise, and arm64 and GOAMD64=v3 do).
// The loops are ordered so that independent sums advance together, which changes no result.
func dct16(m *[64][64]float32, t *[16][64]float32, c *[16][16]float32) {
	for u := range 16 {
		var acc [64]float32
		for k := range 64 {
			d := dctMatrix[u][k]
			mk := &m[k]
			for j := range acc {
				acc[j] += float32(d * mk[j])
			}
		}
		t[u] = acc
	}
	for u := range 16 {
		var acc [16]float32
		tu := &t[u]
		for k := range 64 {
			x := tu[k]
			dk := &dctMatrixT[k]
			for v := range acc {
				acc[v] += float32(x * dk[v])
			}
		}
		c[u] = acc
	}
}

// quality is the reference's image-domain quality metric over the 64x64 buffer: the sum of
// |trunc((u-v)*100/255)| over all vertically and horizontally adjacent pairs, divided by 90 and
// capped at 100. Exactness: the arithmetic is float32 and the conversion to int truncates toward
// zero, so small gradients count as 0, as in C++.
func quality(m *[64][64]float32) int {
	sum := 0
	for i := range 63 {
		a, b := &m[i], &m[i+1]
		for j := range 64 {
			sum += absInt(gradient(a[j], b[j]))
		}
	}
	for i := range 64 {
		a := &m[i]
		for j := range 63 {
			sum += absInt(gradient(a[j], a[j+1]))
		}
	}
	return min(sum/90, 100)
}

// gradient is int((u - v) * 100 / 255) with each step rounded to float32.
func gradient(u, v float32) int {
	return int(float32(float32(u-v)*100) / 255)
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// median returns the lower median of the 256 values: the 128th smallest, index 127 after an
// ascending sort, which is what the reference's Torben selection returns. It selects on a copy.
func median(c *[16][16]float32) float32 {
	var a [256]float32
	for u := range c {
		copy(a[16*u:], c[u][:])
	}
	return selectKth(a[:], 127)
}

// selectKth returns the k-th smallest element of a (0-based), reordering a. It is a quickselect
// with a median-of-three pivot and Hoare partitioning, which stays fast when many values are
// equal (constant images give many ties).
func selectKth(a []float32, k int) float32 {
	lo, hi := 0, len(a)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		p := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < p {
				i++
			}
			for a[j] > p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		// Now a[lo..j] <= p, a[i..hi] >= p, and everything strictly between equals p.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}

// hashFromDCT sets bit 16u+v when c[u][v] is strictly greater than the lower median; without
// ties exactly 128 bits are set.
func hashFromDCT(c *[16][16]float32) Hash {
	m := median(c)
	var h Hash
	for u := range c {
		for v, x := range c[u] {
			if x > m {
				h.setBit(16*u + v)
			}
		}
	}
	return h
}
