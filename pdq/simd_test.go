package pdq

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The tests in this file compare every kernel that has an AVX2 implementation (the dispatching
// functions of simd.go) with its pure-Go twin, bit for bit. Where the CPU has no AVX2 they
// compare Go with Go, which still checks the block pipeline's own logic;
// TestAVX2Detected makes sure that a CI machine with AVX2 runs the assembly.

// kernelLengths are the lengths the kernel tests try: every length up to a few YMM registers,
// then large ones with every tail.
func kernelLengths() []int {
	var ns []int
	for n := range 41 {
		ns = append(ns, n)
	}
	return append(ns, 63, 64, 65, 255, 256, 257, 1918, 1919, 1920, 1921, 1922, 1923, 1924, 1925, 1926, 1927)
}

// sentinel fills the tail of buf beyond n with a NaN pattern that no kernel produces, so that
// checkTail finds writes beyond the first n elements.
const sentinelBits = 0x7fc0dead

func sentinel(buf []float32, n int) {
	for i := n; i < len(buf); i++ {
		buf[i] = math.Float32frombits(sentinelBits)
	}
}

func checkTail(t *testing.T, name string, buf []float32, n int) {
	t.Helper()
	for i := n; i < len(buf); i++ {
		if math.Float32bits(buf[i]) != sentinelBits {
			t.Fatalf("%s: wrote element %d beyond the %d given", name, i, n)
		}
	}
}

// equalBits fails unless got and want hold the same float32 bit patterns.
func equalBits(t *testing.T, name string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d elements, want %d", name, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d: got %.9g (%#08x), want %.9g (%#08x)", name, i,
				got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// randomSums returns n floats like the blur's running sums: luma values up to 255 times a
// window, with full float32 significands.
func randomSums(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.Float64() * 255 * float64(1+r.IntN(40)))
	}
	return s
}

func TestLumaKernels(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 12))
	kernels := []struct {
		name    string
		bpp     int
		fast, g func([]float32, []byte)
	}{
		{"rgb24", 3, rgb24Luma, rgb24LumaGo},
		{"rgb32", 4, rgb32Luma, rgb32LumaGo},
		{"grey", 1, greyLuma, greyLumaGo},
	}
	for _, k := range kernels {
		for _, n := range append(kernelLengths(), 256*3) {
			src := make([]byte, k.bpp*n)
			for i := range src {
				src[i] = byte(r.IntN(256))
			}
			if n == 256*3 {
				// Every byte value in every channel.
				for i := range src {
					src[i] = byte(i / k.bpp)
				}
			}
			got, want := make([]float32, n+9), make([]float32, n)
			sentinel(got, n)
			k.fast(got[:n], src)
			k.g(want, src)
			name := fmt.Sprintf("%s n=%d", k.name, n)
			equalBits(t, name, got[:n], want)
			checkTail(t, name, got, n)
			// A source longer than the pixels (the next rows of an image) changes nothing.
			long := append(src, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)
			k.fast(got[:n], long)
			equalBits(t, name+" long source", got[:n], want)
		}
	}
}

// TestRGB24Block checks the fused luma-and-interleave of RGB24 rows against rgb24LumaGo, on
// column ranges of every length and alignment, with padded strides.
func TestRGB24Block(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(21, 22))
	for _, width := range kernelLengths()[1:] {
		for _, pad := range []int{0, 5} {
			y0, stride := r.IntN(3), 3*width+pad
			pix := make([]byte, (y0+blockRows)*stride-pad)
			for i := range pix {
				pix[i] = byte(r.IntN(256))
			}
			s := &byteSource{pix: pix, stride: stride, bpp: 3, r: 0, g: 1, b: 2}
			if s.blockRGB24() != useAVX2 {
				t.Fatalf("blockRGB24() = %v with useAVX2 %v", s.blockRGB24(), useAVX2)
			}
			if (&byteSource{pix: pix, stride: stride, bpp: 3, r: 0, g: 1, b: 2, goOnly: true}).blockRGB24() {
				t.Fatal("blockRGB24() with goOnly")
			}
			if !useAVX2 {
				continue
			}
			want := make([]float32, blockRows*width)
			for i := range blockRows {
				rgb24LumaGo(want[i*width:(i+1)*width], pix[(y0+i)*stride:])
			}
			x0 := r.IntN(width)
			for _, xr := range [][2]int{{0, width}, {x0, x0 + r.IntN(width-x0+1)}, {width / 2, width}} {
				x0, x1 := xr[0], xr[1]
				name := fmt.Sprintf("width=%d pad=%d [%d,%d)", width, pad, x0, x1)
				m := (x1 - x0) * blockRows
				got := make([]float32, m+9)
				sentinel(got, m)
				s.rgb24Block(got[:m], y0, x0, x1)
				checkTail(t, name, got, m)
				for x := x0; x < x1; x++ {
					for i := range blockRows {
						g, w := got[(x-x0)*blockRows+i], want[i*width+x]
						if math.Float32bits(g) != math.Float32bits(w) {
							t.Fatalf("%s: row %d column %d: got %.9g, want %.9g", name, i, x, g, w)
						}
					}
				}
			}
		}
	}
}

func TestColumnKernels(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range kernelLengths() {
		for _, cnt := range []int{1, 2, 3, 7, 9, 10, 15, 24, 1 + r.IntN(200)} {
			sum0, add, sub := randomSums(r, n), randomSums(r, n), randomSums(r, n)
			gotSum, wantSum := make([]float32, n+9), make([]float32, n)
			gotOut, wantOut := make([]float32, n+9), make([]float32, n)
			reset := func() {
				copy(gotSum, sum0)
				copy(wantSum, sum0)
				sentinel(gotSum, n)
				sentinel(gotOut, n)
			}
			check := func(name string, out bool) {
				t.Helper()
				name = fmt.Sprintf("%s n=%d cnt=%d", name, n, cnt)
				equalBits(t, name+" sums", gotSum[:n], wantSum)
				checkTail(t, name+" sums", gotSum, n)
				if out {
					equalBits(t, name+" output", gotOut[:n], wantOut)
					checkTail(t, name+" output", gotOut, n)
				}
			}
			reset()
			colAddFast(gotSum[:n], add)
			colAdd(wantSum, add)
			check("colAdd", false)
			reset()
			colAddOutFast(gotSum[:n], add, gotOut[:n], cnt)
			colAddOut(wantSum, add, wantOut, cnt)
			check("colAddOut", true)
			reset()
			colAddSubOutFast(gotSum[:n], add, sub, gotOut[:n], cnt)
			colAddSubOut(wantSum, add, sub, wantOut, cnt)
			check("colAddSubOut", true)
			reset()
			colSubOutFast(gotSum[:n], sub, gotOut[:n], cnt)
			colSubOut(wantSum, sub, wantOut, cnt)
			check("colSubOut", true)
		}
	}
}

// TestTranspose checks transposeIn and transposeOut on whole rows and on column ranges.
func TestTranspose(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(15, 16))
	for _, cols := range kernelLengths() {
		size := blockRows * cols
		rows := randomSums(r, size)
		ranges := [][2]int{{0, cols}}
		if cols > 0 {
			x0 := r.IntN(cols + 1)
			ranges = append(ranges, [2]int{x0, x0 + r.IntN(cols-x0+1)}, [2]int{x0, x0}, [2]int{cols / 2, cols})
		}
		for _, xr := range ranges {
			x0, x1 := xr[0], xr[1]
			name := fmt.Sprintf("cols=%d [%d,%d)", cols, x0, x1)
			m := (x1 - x0) * blockRows
			got := make([]float32, m+9)
			sentinel(got, m)
			transposeIn(got, rows, cols, x0, x1)
			checkTail(t, "transposeIn "+name, got, m)
			for x := x0; x < x1; x++ {
				for i := range blockRows {
					g, want := math.Float32bits(got[(x-x0)*blockRows+i]), math.Float32bits(rows[i*cols+x])
					if g != want {
						t.Fatalf("transposeIn %s: t[(%d-%d)*%d+%d] = %#x, want row %d column %d, %#x", name, x, x0, blockRows, i, g, i, x, want)
					}
				}
			}

			back := make([]float32, size+9)
			sentinel(back, 0)
			transposeOut(back[:size], got[:m], cols, x0, x1)
			checkTail(t, "transposeOut "+name, back, size)
			for i := range blockRows {
				for x := range cols {
					g := math.Float32bits(back[i*cols+x])
					if want := math.Float32bits(rows[i*cols+x]); x >= x0 && x < x1 && g != want {
						t.Fatalf("transposeOut %s: row %d column %d = %#x, want %#x", name, i, x, g, want)
					} else if (x < x0 || x >= x1) && g != sentinelBits {
						t.Fatalf("transposeOut %s: wrote row %d column %d", name, i, x)
					}
				}
			}
		}
	}
}

// TestHorizontalBlocks checks h1Block and h2Samples against boxRows4, the Go pipeline's kernel,
// row by row, for every window up to the length (and the windows of images far wider than the
// rows), and the phase-3 kernels against boxPhase3Go.
func TestHorizontalBlocks(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(17, 18))
	for _, n := range append(kernelLengths()[1:], 2*boxChunk+5, 3*boxChunk) {
		ws := []int{1, 2, 3, 4, 5, 8, 15, 16, 17, 24, 31, (n + 127) / 128, boxChunk - 1, boxChunk, boxChunk + 1, 300, n - 1, n}
		if n <= 20 {
			ws = ws[:0]
			for w := 1; w <= n; w++ {
				ws = append(ws, w)
			}
		}
		for _, w := range ws {
			if w < 1 || w > n {
				continue
			}
			name := fmt.Sprintf("n=%d w=%d", n, w)
			size := blockRows * n
			rows := make([]float32, size)
			for i := range rows {
				rows[i] = lumaR[r.IntN(256)] + lumaG[r.IntN(256)] + lumaB[r.IntN(256)]
			}
			divided, sums := make([]float32, size), make([]float32, size)
			for i := 0; i < blockRows; i += 4 {
				var in4, div4, sum4 [4][]float32
				for j := range 4 {
					in4[j], div4[j], sum4[j] = lane(rows, i+j, n), lane(divided, i+j, n), lane(sums, i+j, n)
				}
				boxRows4(&in4, &div4, w, boxDivide)
				boxRows4(&in4, &sum4, w, boxRawSums)
			}

			got := make([]float32, size+9)
			sentinel(got, size)
			tIn, tOut := make([]float32, boxScratch(w)), make([]float32, boxScratch(w))
			h1Block(got[:size], func(t []float32, x0, x1 int) { transposeIn(t, rows, n, x0, x1) }, tIn, tOut, n, w)
			equalBits(t, "h1Block "+name, got[:size], divided)
			checkTail(t, "h1Block "+name, got, size)

			// The decimation's columns, and random ones with repeats.
			var xs [2][64]int
			for j := range 64 {
				xs[0][j] = samplePoint(j, n)
				xs[1][j] = r.IntN(n)
			}
			slices.Sort(xs[1][:])
			for _, xs := range xs {
				var samp [64][blockRows]float32
				h2Samples(&samp, rows, tIn, tOut, n, w, &xs)
				for j, x := range xs {
					for i := range blockRows {
						if g, want := samp[j][i], sums[i*n+x]; math.Float32bits(g) != math.Float32bits(want) {
							t.Fatalf("h2Samples %s: row %d column %d: got %.9g, want %.9g", name, i, x, g, want)
						}
					}
				}
			}

			// The phase-3 kernels alone, from random running sums.
			k := n - w
			if k == 0 || !useAVX2 {
				continue
			}
			tIn = make([]float32, size)
			transposeIn(tIn, rows, n, 0, n)
			var s0 [blockRows]float32
			copy(s0[:], randomSums(r, blockRows))
			hi, lo := tIn[w*blockRows:], tIn[:k*blockRows]
			for _, mode := range []boxMode{boxDivide, boxRawSums} {
				wantS, wantOut := s0, make([]float32, k*blockRows)
				boxPhase3Go(&wantS, hi, lo, wantOut, k, w, mode)
				gotS, gotOut := s0, make([]float32, k*blockRows+9)
				sentinel(gotOut, k*blockRows)
				kernel := "boxRun16AVX2 "
				if mode == boxDivide {
					kernel = "boxDiv16AVX2 "
					boxDiv16AVX2(&gotS, &hi[0], &lo[0], &gotOut[0], k, float32(w))
				} else {
					boxRun16AVX2(&gotS, &hi[0], &lo[0], &gotOut[0], k)
				}
				equalBits(t, kernel+"sums "+name, gotS[:], wantS[:])
				equalBits(t, kernel+name, gotOut[:k*blockRows], wantOut)
				checkTail(t, kernel+name, gotOut, k*blockRows)
			}
		}
	}
}

// TestBlockPipelineMatchesGo hashes images of many random sizes, from the smallest hashable to
// wider and taller than several blocks, through every reader that has a fast luma kernel, with
// the default kernels (AVX2 where available) and with the pure-Go ones, and compares the
// blurred 64x64 images bit for bit as well as the hashes.
func TestBlockPipelineMatchesGo(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(19, 20))
	sizes := [][2]int{{5, 5}, {8, 8}, {16, 16}, {17, 15}, {64, 64}, {65, 63}, {127, 129}, {1920, 1080}, {1280, 720}, {7, 900}, {900, 7}}
	for range 40 {
		sizes = append(sizes, [2]int{5 + r.IntN(100), 5 + r.IntN(100)})
	}
	for range 12 {
		sizes = append(sizes, [2]int{5 + r.IntN(1200), 5 + r.IntN(1200)})
	}
	fast, slow := NewHasher(FullRes), NewHasher(FullRes)
	slow.goOnly = true
	for i, sz := range sizes {
		w, ht := sz[0], sz[1]
		rgb := make([]byte, 3*w*ht)
		for p := range w * ht {
			x, y := p%w, p/w
			v := 128 + 90*math.Sin(float64(x)/float64(3+i)+float64(y*y)/float64(50+w))
			for c := range 3 {
				rgb[3*p+c] = byte(max(0, min(255, v+float64(r.IntN(41)-20)+float64(20*c))))
			}
		}
		grey := make([]byte, w*ht)
		nrgba := image.NewNRGBA(image.Rect(0, 0, w, ht))
		for p := range w * ht {
			grey[p] = rgb[3*p+1]
			copy(nrgba.Pix[4*p:], rgb[3*p:3*p+3])
			nrgba.Pix[4*p+3] = byte(r.IntN(256))
		}
		ycc := image.NewYCbCr(image.Rect(0, 0, w, ht), image.YCbCrSubsampleRatio420)
		for y := range ht {
			for x := range w {
				p := rgb[3*(y*w+x):]
				yy, cb, cr := color.RGBToYCbCr(p[0], p[1], p[2])
				ycc.Y[ycc.YOffset(x, y)] = yy
				ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = cb, cr
			}
		}
		type call struct {
			name string
			f    func(h *Hasher) (Result, error)
		}
		calls := []call{
			{"RGB", func(h *Hasher) (Result, error) { return h.RGB(rgb, w, ht, 3*w) }},
			{"Gray", func(h *Hasher) (Result, error) { return h.Gray(grey, w, ht, w) }},
			{"NRGBA", func(h *Hasher) (Result, error) { return h.Image(nrgba) }},
			{"YCbCr", func(h *Hasher) (Result, error) { return h.Image(ycc) }},
			{"RGBDihedral", func(h *Hasher) (Result, error) {
				d, err := h.RGBDihedral(rgb, w, ht, 3*w)
				return Result{Hash: d.Hashes[Rot90], Quality: d.Quality}, err
			}},
		}
		for _, c := range calls {
			name := fmt.Sprintf("%dx%d %s", w, ht, c.name)
			got, err1 := c.f(fast)
			want, err2 := c.f(slow)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: errors %v, %v", name, err1, err2)
			}
			if got != want {
				t.Errorf("%s: got %v, want %v", name, got, want)
			}
			for y := range 64 {
				equalBits(t, fmt.Sprintf("%s m[%d]", name, y), fast.m[y][:], slow.m[y][:])
			}
		}
	}
}
