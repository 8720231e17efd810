package pdq

// The blur is the reference's "Jarosz" tent filter: a box filter along every row (A->B), then
// along every column (B->A), then both again, after which A is sampled at 64x64 points. The
// reference runs the four passes over two full-size float buffers, one column at a time for the
// vertical passes. This file computes exactly the same numbers with a row-streaming pipeline
// whose memory is O(window x width) rather than O(width x height):
//
//   - H1 (rows): each luma row is filtered as soon as it is converted, four rows at a time so that
//     the four running sums form independent dependency chains. Rows go to a ring buffer that
//     holds the last wc+4 of them.
//   - V1 (columns): one running sum per column advances a row at a time. Every column sees the
//     same add, subtract and divide sequence as the reference's per-column walk, only interleaved
//     with its neighbours, so the result is identical.
//   - H2 (rows): only the 64 sampled columns are read later, so H2 keeps its running sums along
//     the whole row (the rounding drift is part of the hash) but divides only at those columns.
//   - V2 (columns): runs over the 64 sampled columns and divides only at the 64 sampled rows.
//
// Where the AVX2 kernels are available (simd_amd64.s) the same passes run as the block pipeline
// of blurblock.go: H1 and H2 take blockRows rows at a time, interleaved so that each SIMD lane
// runs one row's sum, and V1 runs eight columns a lane. The numbers are the same.

// windowSize is the reference's box-filter window for a dimension of n pixels:
// ceil(n/128), written (n + 2*64 - 1) / (2*64) as in C++.
func windowSize(n int) int { return (n + 127) / 128 }

// halfWindow is the reference's (w+2)/2: the filter's output i averages the inputs
// [i-(w-h), i+(h-1)], so even windows reach one sample further to the right.
func halfWindow(w int) int { return (w + 2) / 2 }

// windowCount is the number of inputs averaged into output i of a length-n box filter with window
// w: min(i+h, n) - max(0, i-(w-h)). It equals the reference's current_window_size at that output.
func windowCount(i, n, w int) int {
	h := halfWindow(w)
	return min(i+h, n) - max(0, i-(w-h))
}

// reciprocal returns 1/n in float64, for quotient.
func reciprocal(n int) float64 { return 1 / float64(n) }

// quotient returns the float32 quotient s/n, given inv = reciprocal(n), without a division: it
// rounds the float64 product s*inv to float32. The result is bit for bit the correctly rounded
// s/n that the reference's float division gives, for every float32 s and every n < 2^27:
//
//   - s/n is never a float32 rounding midpoint unless it is a float32: with n = 2^k*d, d odd and
//     above 1, s = n*M for a midpoint M needs a significand of d times M's 25 bits, more than
//     float32's 24 (and with d = 1 the quotient is exact);
//   - more precisely, s and n*M are both multiples of the midpoints' spacing u, so s/n is at
//     least u/n from any midpoint, a relative distance of at least 2^-25/n;
//   - the float64 product is within 2^-52 (relative) of s/n: one rounding for 1/n, one for the
//     product.
//
// So for n < 2^27 the product lies on the same side of every midpoint as s/n and rounds to the
// same float32. Subnormal quotients (never met here) keep the absolute form of the argument.
// TestQuotientExact checks every float32 significand for a range of window sizes. The float
// division this replaces (DIVSS) has about three times the throughput cost of the conversions
// and multiplication, and the box filters divide once per pixel per pass.
func quotient(s float32, inv float64) float32 { return float32(float64(s) * inv) }

// samplePoint is the reference's decimation index floor((i+0.5)*n/64), computed in float64 in
// C++; (2i+1)*n/128 in integers is the same number because every step is exact in float64.
func samplePoint(i, n int) int { return (2*i + 1) * n / 128 }

// blur is the streaming blur-and-decimate pipeline and its reusable scratch.
type blur struct {
	rows, cols int
	wr, wc     int // windows along rows (horizontal passes) and along columns (vertical passes)
	hc         int // halfWindow(wc)
	ringN      int // rows held in ring

	xs    [64]int     // sampled columns
	xcnt  [64]float32 // H2 window count at each sampled column
	ys    [64]int     // sampled rows
	nextY int         // next entry of ys that V2 has to fill

	lum    []float32 // 4 rows of luma, H1's input
	ring   []float32 // ringN rows of H1 output, V1's input
	colSum []float32 // V1's running sum per column
	v1     []float32 // up to 4 rows of V1 output, H2's input
	v1N    int       // rows currently in v1
	v1Row  int       // image row of v1's first row
	sums   []float32 // 4 rows of H2's raw running sums
	dummy  []float32 // sink for unused lanes of the 4-row kernels
	ring2  []float32 // wc+1 rows of H2 output at the sampled columns, V2's input
	sum2   [64]float32
	cnt1   int // inputs currently in V1's window
	cnt2   int // inputs currently in V2's window

	// The block pipeline (blurblock.go): H1 and H2 run across blockRows rows at once.
	goOnly bool                   // tests: always take the 4-row pure-Go pipeline
	block  bool                   // this run uses the block pipeline
	batch  int                    // rows per H1 and H2 batch: 4, or blockRows
	tIn    []float32              // interleaved inputs of the box filters (a chunk's worth)
	tOut   []float32              // interleaved outputs of the box filters (a chunk's worth)
	samp   [64][blockRows]float32 // H2's sums at the sampled columns
}

// grow returns s resliced to n elements, reallocating only when its capacity is too small.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func (b *blur) setup(rows, cols int) {
	b.rows, b.cols = rows, cols
	b.wr, b.wc = windowSize(cols), windowSize(rows)
	b.hc = halfWindow(b.wc)
	b.block = useAVX2 && !b.goOnly
	b.batch = 4
	b.ringN = b.wc + 4
	if b.block {
		// Whole blocks of rows are written at once, at ring slots that are a multiple of
		// blockRows: those rows' predecessors up to wc rows back must still be there.
		b.batch = blockRows
		b.ringN = (b.wc + 2*blockRows - 1) / blockRows * blockRows
		b.tIn = grow(b.tIn, boxScratch(b.wr))
		b.tOut = grow(b.tOut, boxScratch(b.wr))
	}
	for i := range 64 {
		b.xs[i] = samplePoint(i, cols)
		b.xcnt[i] = float32(windowCount(b.xs[i], cols, b.wr))
		b.ys[i] = samplePoint(i, rows)
	}
	b.nextY = 0
	b.lum = grow(b.lum, b.batch*cols)
	b.ring = grow(b.ring, b.ringN*cols)
	b.colSum = grow(b.colSum, cols)
	clear(b.colSum)
	b.v1 = grow(b.v1, b.batch*cols)
	b.v1N, b.v1Row = 0, 0
	b.sums = grow(b.sums, 4*cols)
	b.dummy = grow(b.dummy, cols)
	b.ring2 = grow(b.ring2, (b.wc+1)*64)
	b.sum2 = [64]float32{}
	b.cnt1, b.cnt2 = 0, 0
}

func (b *blur) ringRow(r int) []float32 {
	i := r % b.ringN * b.cols
	return b.ring[i : i+b.cols : i+b.cols]
}

func (b *blur) ring2Row(r int) []float32 {
	i := r % (b.wc + 1) * 64
	return b.ring2[i : i+64 : i+64]
}

func lane(buf []float32, i, n int) []float32 { return buf[i*n : (i+1)*n : (i+1)*n] }

// run blurs the rows x cols image that src yields and writes the 64x64 decimation into m.
// It needs rows, cols >= 1.
func (b *blur) run(src rowSource, rows, cols int, m *[64][64]float32) {
	b.setup(rows, cols)
	if b.block {
		b.h1Blocks(src, m)
	} else {
		b.h1Rows4(src, m)
	}
	// V1 phase 4: the window shrinks at the bottom edge.
	for o := rows - b.hc + 1; o < rows; o++ {
		b.cnt1--
		b.colSubOut(b.colSum, b.ringRow(o-(b.wc-b.hc+1)), b.v1Out(), b.cnt1)
		b.v1Done(m)
	}
	b.flushV1(m)
	// V2 phase 4.
	for q := rows - b.hc + 1; q < rows; q++ {
		b.cnt2--
		sub := b.ring2Row(q - (b.wc - b.hc + 1))
		for j := range b.sum2 {
			b.sum2[j] -= sub[j]
		}
		b.emitV2(q, m)
	}
}

// h1Rows4 is H1 on the Go pipeline: 4 rows at a time, each pushed to V1 once filtered.
func (b *blur) h1Rows4(src rowSource, m *[64][64]float32) {
	rows, cols := b.rows, b.cols
	var in, out [4][]float32
	for r0 := 0; r0 < rows; r0 += 4 {
		k := min(4, rows-r0)
		for i := range 4 {
			if i < k {
				in[i] = lane(b.lum, i, cols)
				src.lumaRow(in[i], r0+i)
				out[i] = b.ringRow(r0 + i)
			} else {
				in[i], out[i] = in[0], b.dummy
			}
		}
		boxRows4(&in, &out, b.wr, boxDivide)
		for i := range k {
			b.pushV1(r0+i, m)
		}
	}
}

// h1Blocks is H1 on the block pipeline: blockRows rows at a time, interleaved, filtered and
// written back as rows to the ring, then each pushed to V1. The lanes of rows beyond the image
// in the last block hold stale, finite values; the lanes are independent and those rows are
// never read.
func (b *blur) h1Blocks(src rowSource, m *[64][64]float32) {
	rows, cols := b.rows, b.cols
	bs, _ := src.(*byteSource)
	for r0 := 0; r0 < rows; r0 += blockRows {
		k := min(blockRows, rows-r0)
		// Whole blocks of RGB24 pixels are converted straight into the interleaved layout.
		fused := bs != nil && k == blockRows && bs.blockRGB24()
		if !fused {
			for i := range k {
				src.lumaRow(lane(b.lum, i, cols), r0+i)
			}
		}
		fill := func(t []float32, x0, x1 int) {
			if fused {
				bs.rgb24Block(t, r0, x0, x1)
			} else {
				transposeIn(t, b.lum, cols, x0, x1)
			}
		}
		slot := r0 % b.ringN * cols
		h1Block(b.ring[slot:slot+blockRows*cols], fill, b.tIn, b.tOut, cols, b.wr)
		for i := range k {
			b.pushV1(r0+i, m)
		}
	}
}

// pushV1 feeds H1 row r to V1 and emits V1's output row r-hc+1 once there is one.
func (b *blur) pushV1(r int, m *[64][64]float32) {
	add := b.ringRow(r)
	b.cnt1++
	switch {
	case r >= b.wc: // phase 3: add the entering row, then subtract the leaving one
		b.cnt1--
		b.colAddSubOut(b.colSum, add, b.ringRow(r-b.wc), b.v1Out(), b.cnt1)
	case r >= b.hc-1: // phase 2: the window grows
		b.colAddOut(b.colSum, add, b.v1Out(), b.cnt1)
	default: // phase 1: prime the sums, no output
		b.colAdd(b.colSum, add)
		return
	}
	b.v1Done(m)
}

// v1Out is where the next V1 output row goes.
func (b *blur) v1Out() []float32 { return lane(b.v1, b.v1N, b.cols) }

// The V1 kernels of the pipeline in use.

func (b *blur) colAdd(sum, add []float32) {
	if b.block {
		colAddFast(sum, add)
	} else {
		colAdd(sum, add)
	}
}

func (b *blur) colAddOut(sum, add, out []float32, cnt int) {
	if b.block {
		colAddOutFast(sum, add, out, cnt)
	} else {
		colAddOut(sum, add, out, cnt)
	}
}

func (b *blur) colAddSubOut(sum, add, sub, out []float32, cnt int) {
	if b.block {
		colAddSubOutFast(sum, add, sub, out, cnt)
	} else {
		colAddSubOut(sum, add, sub, out, cnt)
	}
}

func (b *blur) colSubOut(sum, sub, out []float32, cnt int) {
	if b.block {
		colSubOutFast(sum, sub, out, cnt)
	} else {
		colSubOut(sum, sub, out, cnt)
	}
}

// v1Done accounts for a V1 output row and runs H2 when a batch is ready.
func (b *blur) v1Done(m *[64][64]float32) {
	b.v1N++
	if b.v1N == b.batch {
		b.flushV1(m)
	}
}

// flushV1 runs H2 over the pending V1 rows and feeds the sampled columns to V2.
func (b *blur) flushV1(m *[64][64]float32) {
	if b.v1N == 0 {
		return
	}
	if b.block {
		b.h2Block(m)
		return
	}
	var in, out [4][]float32
	for i := range 4 {
		if i < b.v1N {
			in[i], out[i] = lane(b.v1, i, b.cols), lane(b.sums, i, b.cols)
		} else {
			in[i], out[i] = in[0], b.dummy
		}
	}
	boxRows4(&in, &out, b.wr, boxRawSums)
	for i := range b.v1N {
		r := b.v1Row + i
		dst := b.ring2Row(r)
		s := out[i]
		for j, x := range b.xs {
			dst[j] = s[x] / b.xcnt[j]
		}
		b.pushV2(r, m)
	}
	b.v1Row += b.v1N
	b.v1N = 0
}

// h2Block is flushV1 on the block pipeline: H2 across the pending V1 rows at once. Lanes
// beyond v1N hold stale, finite values and are not read.
func (b *blur) h2Block(m *[64][64]float32) {
	h2Samples(&b.samp, b.v1, b.tIn, b.tOut, b.cols, b.wr, &b.xs)
	for i := range b.v1N {
		r := b.v1Row + i
		dst := b.ring2Row(r)
		for j := range dst {
			dst[j] = b.samp[j][i] / b.xcnt[j]
		}
		b.pushV2(r, m)
	}
	b.v1Row += b.v1N
	b.v1N = 0
}

// pushV2 feeds H2 row r (sampled columns only) to V2.
func (b *blur) pushV2(r int, m *[64][64]float32) {
	add := b.ring2Row(r)
	b.cnt2++
	if r >= b.wc {
		b.cnt2--
		sub := b.ring2Row(r - b.wc)
		for j := range b.sum2 {
			s := b.sum2[j] + add[j]
			s -= sub[j]
			b.sum2[j] = s
		}
	} else {
		for j := range b.sum2 {
			b.sum2[j] += add[j]
		}
	}
	if r >= b.hc-1 {
		b.emitV2(r-b.hc+1, m)
	}
}

// emitV2 writes V2's output row q into every row of m that samples it (several do when the
// image has fewer than 64 rows).
func (b *blur) emitV2(q int, m *[64][64]float32) {
	c := float32(b.cnt2)
	for b.nextY < 64 && b.ys[b.nextY] == q {
		row := &m[b.nextY]
		for j, s := range b.sum2 {
			row[j] = s / c
		}
		b.nextY++
	}
}

// boxMode says what a box-filter kernel writes at each output.
type boxMode int

const (
	boxDivide  boxMode = iota // the average, sum / count
	boxRawSums                // the running sum itself; the caller divides where it needs to
)

// boxRows4 runs the reference's 1-D box filter with window w along four rows at once; the four
// running sums are independent chains, which lets the CPU overlap them. All rows have the width
// of in[0]. Exactness: each row's sequence of float32 operations is exactly the reference's:
//
//  1. add in[0..h-2] (no output);
//  2. w-h+1 times: add the next input, output sum/count (count grows to w);
//  3. n-w times: add the entering input, then subtract the leaving one, output sum/w;
//  4. h-1 times: subtract the leaving input, output sum/count (count shrinks).
func boxRows4(in, out *[4][]float32, w int, mode boxMode) {
	a0 := in[0]
	n := len(a0)
	a1, a2, a3 := in[1][:n], in[2][:n], in[3][:n]
	o0, o1, o2, o3 := out[0][:n], out[1][:n], out[2][:n], out[3][:n]
	h := halfWindow(w)
	var s0, s1, s2, s3 float32

	// Phase 1.
	for i := range h - 1 {
		s0 += a0[i]
		s1 += a1[i]
		s2 += a2[i]
		s3 += a3[i]
	}
	// Phase 2: output o = ri-h+1 after adding input ri; count = ri+1.
	for ri := h - 1; ri < w; ri++ {
		s0 += a0[ri]
		s1 += a1[ri]
		s2 += a2[ri]
		s3 += a3[ri]
		o := ri - h + 1
		if mode == boxRawSums {
			o0[o], o1[o], o2[o], o3[o] = s0, s1, s2, s3
		} else {
			c := float32(ri + 1)
			o0[o], o1[o], o2[o], o3[o] = s0/c, s1/c, s2/c, s3/c
		}
	}
	// Phase 3: add input ri, subtract input ri-w, output ri-h+1.
	switch {
	case w < n && mode == boxRawSums:
		hi0, hi1, hi2, hi3, lo0, lo1, lo2, lo3, d0, d1, d2, d3 := phase3Slices(a0, a1, a2, a3, o0, o1, o2, o3, w, h)
		for i := range hi0 {
			s0 += hi0[i]
			s0 -= lo0[i]
			s1 += hi1[i]
			s1 -= lo1[i]
			s2 += hi2[i]
			s2 -= lo2[i]
			s3 += hi3[i]
			s3 -= lo3[i]
			d0[i], d1[i], d2[i], d3[i] = s0, s1, s2, s3
		}
	case w < n:
		inv := reciprocal(w)
		hi0, hi1, hi2, hi3, lo0, lo1, lo2, lo3, d0, d1, d2, d3 := phase3Slices(a0, a1, a2, a3, o0, o1, o2, o3, w, h)
		for i := range hi0 {
			s0 += hi0[i]
			s0 -= lo0[i]
			s1 += hi1[i]
			s1 -= lo1[i]
			s2 += hi2[i]
			s2 -= lo2[i]
			s3 += hi3[i]
			s3 -= lo3[i]
			d0[i], d1[i], d2[i], d3[i] = quotient(s0, inv), quotient(s1, inv), quotient(s2, inv), quotient(s3, inv)
		}
	}
	// Phase 4: subtract input li, output o; count = n-li-1... tracked explicitly.
	cnt := w
	for o := n - h + 1; o < n; o++ {
		li := o - (w - h + 1)
		s0 -= a0[li]
		s1 -= a1[li]
		s2 -= a2[li]
		s3 -= a3[li]
		cnt--
		if mode == boxRawSums {
			o0[o], o1[o], o2[o], o3[o] = s0, s1, s2, s3
		} else {
			c := float32(cnt)
			o0[o], o1[o], o2[o], o3[o] = s0/c, s1/c, s2/c, s3/c
		}
	}
}

// phase3Slices returns, for each of the four rows, the entering inputs in[w:], the leaving
// inputs in[:n-w] and the outputs out[w-h+1:], all of length n-w so that the loops need no bounds
// checks.
func phase3Slices(a0, a1, a2, a3, o0, o1, o2, o3 []float32, w, h int) (hi0, hi1, hi2, hi3, lo0, lo1, lo2, lo3, d0, d1, d2, d3 []float32) {
	n := len(a0) - w
	hi0 = a0[w:]
	return hi0, a1[w:][:n], a2[w:][:n], a3[w:][:n],
		a0[:n], a1[:n], a2[:n], a3[:n],
		o0[w-h+1:][:n], o1[w-h+1:][:n], o2[w-h+1:][:n], o3[w-h+1:][:n]
}

// colAdd is V1's phase 1 for one row: sum[j] += add[j].
func colAdd(sum, add []float32) {
	add = add[:len(sum)]
	for j := range sum {
		sum[j] += add[j]
	}
}

// colAddOut is V1's phase 2 for one row: add, then output sum/cnt.
func colAddOut(sum, add, out []float32, cnt int) {
	add, out = add[:len(sum)], out[:len(sum)]
	c := float32(cnt)
	for j := range sum {
		s := sum[j] + add[j]
		sum[j] = s
		out[j] = s / c
	}
}

// colAddSubOut is V1's phase 3 for one row: add the entering row, subtract the leaving row (in
// that order, as the reference does), output sum/cnt.
func colAddSubOut(sum, add, sub, out []float32, cnt int) {
	add, sub, out = add[:len(sum)], sub[:len(sum)], out[:len(sum)]
	inv := reciprocal(cnt)
	for j := range sum {
		s := sum[j] + add[j]
		s -= sub[j]
		sum[j] = s
		out[j] = quotient(s, inv)
	}
}

// colSubOut is V1's phase 4 for one row: subtract the leaving row, output sum/cnt.
func colSubOut(sum, sub, out []float32, cnt int) {
	sub, out = sub[:len(sum)], out[:len(sum)]
	c := float32(cnt)
	for j := range sum {
		s := sum[j] - sub[j]
		sum[j] = s
		out[j] = s / c
	}
}
