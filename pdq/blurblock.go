package pdq

// The block pipeline, taken when the AVX2 kernels are available. The horizontal passes are
// sequential along a row, so they are vectorised across rows: blockRows rows are interleaved
// (transposed) so that the lanes of two YMM registers hold one column of all of them, and every
// lane then runs its own row's running sum, with exactly boxRows4's operations in boxRows4's
// order. The vertical pass V1 is vectorised along the rows as they are, eight columns a lane.
//
// The passes work on chunks of boxChunk columns, so that the interleaved data is produced and
// consumed while it is in the L1 cache: interleave a chunk, filter it, write back the outputs
// it completed.

// blockRows is the number of image rows the block pipeline filters together.
const blockRows = 16

// boxChunk is the number of columns the horizontal passes interleave at a time; a multiple of 8.
const boxChunk = 256

// blockRGB24 reports whether rgb24Block can serve s: packed RGB24 pixels on the RGB luma path,
// with the AVX2 kernels.
func (s *byteSource) blockRGB24() bool {
	return useAVX2 && !s.goOnly && !s.grey && s.bpp == 3 && s.r == 0 && s.g == 1 && s.b == 2
}

// rgb24Block writes the luma of columns [x0, x1) of the blockRows rows from y0 of s, which
// blockRGB24 accepts, interleaved into t as transposeIn does: lumaRow and transposeIn in one
// pass, without the row buffer.
func (s *byteSource) rgb24Block(t []float32, y0, x0, x1 int) {
	const L = blockRows
	t = t[:(x1-x0)*L]
	// Rows y0 .. y0+L-1 must hold the pixels up to x1 (the hasher checked the whole image).
	base := y0*s.stride + 3*x0
	_ = s.pix[base+(L-1)*s.stride : base+(L-1)*s.stride+3*(x1-x0)]
	n := (x1 - x0) &^ 7
	if n > 0 {
		for h := 0; h < L; h += 8 {
			rgb24LumaT8AVX2(&t[h], &s.pix[base+h*s.stride], s.stride, n/8)
		}
	}
	for i := range L {
		row := s.pix[(y0+i)*s.stride:]
		for x := x0 + n; x < x1; x++ {
			p := row[3*x : 3*x+3 : 3*x+3]
			t[(x-x0)*L+i] = lumaR[p[0]] + lumaG[p[1]] + lumaB[p[2]]
		}
	}
}

// boxScratch is the length of the scratch buffers h1Block and h2Samples need for window w: the
// interleaved columns of a chunk, w before it and 8 more.
func boxScratch(w int) int { return (boxChunk + w + 8) * blockRows }

// transposeIn interleaves columns [x0, x1) of the blockRows rows of rows (each cols long, cols
// apart) into t, which starts at column x0: t[(x-x0)*blockRows+i] = rows[i*cols+x].
func transposeIn(t, rows []float32, cols, x0, x1 int) {
	rows = rows[:blockRows*cols]
	t = t[:(x1-x0)*blockRows]
	x := x0
	if useAVX2 && x1-x0 >= 8 {
		n := (x1 - x0) &^ 7
		// Rows 0-7 go to lanes 0-7 and rows 8-15 to lanes 8-15.
		for h := 0; h < blockRows; h += 8 {
			transpose8AVX2(&t[h], 4*blockRows, 4*8*blockRows, &rows[h*cols+x0], 4*cols, 4*8, n/8)
		}
		x += n
	}
	for i := range blockRows {
		r := rows[i*cols : (i+1)*cols]
		for x := x; x < x1; x++ {
			t[(x-x0)*blockRows+i] = r[x]
		}
	}
}

// transposeOut is the inverse of transposeIn: rows[i*cols+x] = t[(x-x0)*blockRows+i] for x in
// [x0, x1).
func transposeOut(rows, t []float32, cols, x0, x1 int) {
	rows = rows[:blockRows*cols]
	t = t[:(x1-x0)*blockRows]
	x := x0
	if useAVX2 && x1-x0 >= 8 {
		n := (x1 - x0) &^ 7
		for h := 0; h < blockRows; h += 8 {
			transpose8AVX2(&rows[h*cols+x0], 4*cols, 4*8, &t[h], 4*blockRows, 4*8*blockRows, n/8)
		}
		x += n
	}
	for i := range blockRows {
		r := rows[i*cols : (i+1)*cols]
		for x := x; x < x1; x++ {
			r[x] = t[(x-x0)*blockRows+i]
		}
	}
}

// boxAdvance feeds inputs [a, b) of the interleaved rows to the running sums s of the box
// filter with window w (boxRows4's phases 1 to 3). in holds the inputs from column inBase on,
// out the outputs from column outBase on. It writes each output the inputs complete, as mode
// says, where boxRows4 does (output o once input o+h-1 is in). The inputs before a must have
// been fed already.
func boxAdvance(s *[blockRows]float32, in []float32, inBase int, out []float32, outBase, a, b, w int, mode boxMode) {
	const L = blockRows
	h := halfWindow(w)
	ri := a
	// Phase 1.
	for ; ri < min(b, h-1); ri++ {
		x := in[(ri-inBase)*L:][:L]
		for l := range s {
			s[l] += x[l]
		}
	}
	// Phase 2: the count is ri+1.
	for ; ri < min(b, w); ri++ {
		x := in[(ri-inBase)*L:][:L]
		for l := range s {
			s[l] += x[l]
		}
		o := out[(ri-h+1-outBase)*L:][:L]
		if mode == boxRawSums {
			copy(o, s[:])
		} else {
			c := float32(ri + 1)
			for l := range s {
				o[l] = s[l] / c
			}
		}
	}
	// Phase 3: add input ri, subtract input ri-w, output ri-h+1 = sum/w.
	if k := b - ri; k > 0 {
		hi, lo := in[(ri-inBase)*L:][:k*L], in[(ri-w-inBase)*L:][:k*L]
		o := out[(ri-h+1-outBase)*L:][:k*L]
		switch {
		case !useAVX2:
			boxPhase3Go(s, hi, lo, o, k, w, mode)
		case mode == boxRawSums:
			boxRun16AVX2(s, &hi[0], &lo[0], &o[0], k)
		default:
			boxDiv16AVX2(s, &hi[0], &lo[0], &o[0], k, float32(w))
		}
	}
}

// boxPhase3Go is boxAdvance's phase 3 in Go: k steps of adding hi, subtracting lo and writing
// the sums or their quotients by w.
func boxPhase3Go(s *[blockRows]float32, hi, lo, out []float32, k, w int, mode boxMode) {
	const L = blockRows
	c := float32(w)
	for i := range k {
		a, b, o := hi[i*L:][:L], lo[i*L:][:L], out[i*L:][:L]
		for l := range s {
			v := s[l] + a[l]
			v -= b[l]
			s[l] = v
		}
		if mode == boxRawSums {
			copy(o, s[:])
		} else {
			for l := range s {
				o[l] = s[l] / c
			}
		}
	}
}

// h1Block is H1 for blockRows rows of n columns: the box average with window w along each row,
// written to dst (row i at dst[i*n:]), exactly as boxRows4 with boxDivide computes it. fill
// writes columns [x0, x1) of the input rows to t interleaved, as transposeIn does. t and u are
// scratch of boxScratch(w) floats: they hold the interleaved inputs and outputs of a chunk and
// its surroundings, so that they stay in the L1 cache. It needs 1 <= w <= n.
func h1Block(dst []float32, fill func(t []float32, x0, x1 int), t, u []float32, n, w int) {
	const L = blockRows
	h := halfWindow(w)
	var s [L]float32
	inBase, outBase := 0, 0 // the columns t[0] and u[0] hold
	for x0 := 0; x0 < n; x0 += boxChunk {
		x1 := min(x0+boxChunk, n)
		// Keep the w inputs before the chunk, which phase 3 subtracts.
		if keep := max(0, x0-w); keep > inBase {
			copy(t, t[(keep-inBase)*L:(x0-inBase)*L])
			inBase = keep
		}
		fill(t[(x0-inBase)*L:], x0, x1)
		boxAdvance(&s, t, inBase, u, outBase, x0, x1, w, boxDivide)
		// Outputs up to x1-h are complete: write back whole groups of 8, keep the rest.
		if end := (x1 - h + 1) &^ 7; end > outBase {
			transposeOut(dst, u, n, outBase, end)
			copy(u, u[(end-outBase)*L:(x1-h+1-outBase)*L])
			outBase = end
		}
	}
	// Phase 4: subtract the leaving input, output sum/count.
	cnt := w
	for o := n - h + 1; o < n; o++ {
		x := t[(o-(w-h+1)-inBase)*L:][:L]
		d := u[(o-outBase)*L:][:L]
		cnt--
		c := float32(cnt)
		for l := range s {
			s[l] -= x[l]
			d[l] = s[l] / c
		}
	}
	transposeOut(dst, u, n, outBase, n)
}

// h2Samples is H2 for blockRows rows at the sampled columns: the raw running sums of the box
// filter with window w along each of the rows of rows (each n long, n apart), exactly as
// boxRows4 with boxRawSums computes them, at columns xs (in ascending order): samp[j][i] is row
// i's sum at column xs[j]. t and u are scratch of boxScratch(w) floats. It needs 1 <= w <= n.
func h2Samples(samp *[64][blockRows]float32, rows, t, u []float32, n, w int, xs *[64]int) {
	const L = blockRows
	h := halfWindow(w)
	var s [L]float32
	inBase := 0
	j := 0 // next sample
	for x0 := 0; x0 < n; x0 += boxChunk {
		x1 := min(x0+boxChunk, n)
		if keep := max(0, x0-w); keep > inBase {
			copy(t, t[(keep-inBase)*L:(x0-inBase)*L])
			inBase = keep
		}
		transposeIn(t[(x0-inBase)*L:], rows, n, x0, x1)
		// The chunk's inputs complete outputs [outBase, x1-h+1).
		outBase := max(0, x0-h+1)
		boxAdvance(&s, t, inBase, u, outBase, x0, x1, w, boxRawSums)
		for ; j < 64 && xs[j] < x1-h+1; j++ {
			copy(samp[j][:], u[(xs[j]-outBase)*L:][:L])
		}
	}
	// Phase 4.
	for o := n - h + 1; o < n; o++ {
		x := t[(o-(w-h+1)-inBase)*L:][:L]
		for l := range s {
			s[l] -= x[l]
		}
		for ; j < 64 && xs[j] == o; j++ {
			samp[j] = s
		}
	}
}
