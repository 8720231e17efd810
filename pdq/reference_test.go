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

// refBox1D is a line-by-line port of the reference's box1DFloat: a box filter over
// vectorLength elements stride apart, in its four phases.
func refBox1D(in, out []float32, vectorLength, stride, fullWindowSize int) {
	halfWindowSize := (fullWindowSize + 2) / 2
	phase1 := halfWindowSize - 1
	phase2 := fullWindowSize - halfWindowSize + 1
	phase3 := vectorLength - fullWindowSize
	phase4 := halfWindowSize - 1
	li, ri, oi := 0, 0, 0
	var sum float32
	cur := 0
	for range phase1 {
		sum += in[ri]
		cur++
		ri += stride
	}
	for range phase2 {
		sum += in[ri]
		cur++
		out[oi] = sum / float32(cur)
		ri += stride
		oi += stride
	}
	for range phase3 {
		sum += in[ri]
		sum -= in[li]
		out[oi] = sum / float32(cur)
		li += stride
		ri += stride
		oi += stride
	}
	for range phase4 {
		sum -= in[li]
		cur--
		out[oi] = sum / float32(cur)
		li += stride
		oi += stride
	}
}

// refDownsample is the reference's blur and decimation on full buffers: X, Y, X, Y passes with
// one column at a time for the vertical passes, then sampling at floor((i+0.5)*n/64) in float64.
func refDownsample(a []float32, rows, cols int) (m [64][64]float32) {
	b := make([]float32, len(a))
	wr, wc := (cols+127)/128, (rows+127)/128
	for range 2 {
		for i := range rows {
			refBox1D(a[i*cols:], b[i*cols:], cols, 1, wr)
		}
		for j := range cols {
			refBox1D(b[j:], a[j:], rows, cols, wc)
		}
	}
	for i := range 64 {
		ini := int((float64(i) + 0.5) * float64(rows) / 64)
		for j := range 64 {
			inj := int((float64(j) + 0.5) * float64(cols) / 64)
			m[i][j] = a[ini*cols+inj]
		}
	}
	return m
}

// sliceSource serves rows of a float buffer.
type sliceSource struct {
	a    []float32
	cols int
}

func (s *sliceSource) lumaRow(dst []float32, y int) { copy(dst, s.a[y*s.cols:(y+1)*s.cols]) }

// TestStreamingBlurMatchesReference checks the row-streaming blur against the reference's
// full-buffer, column-at-a-time structure, bit for bit, over many sizes: odd, even and unit
// windows, fewer and more than 64 rows, row counts that are and are not multiples of the 4-row
// and 16-row batches, and content from smooth to noisy to constant (where only rounding drift remains).
func TestStreamingBlurMatchesReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(42, 43))
	// Windows: 1 up to 128 px, 2 to 256, 3 to 384, 4 to 512, ...; odd and even both matter.
	sizes := [][2]int{
		{5, 5}, {6, 7}, {64, 64}, {63, 65}, {128, 128}, {129, 129}, {256, 257}, {257, 255},
		{384, 385}, {511, 512}, {513, 200}, {1000, 700}, {2000, 40}, {40, 2000}, {77, 1300},
		{1, 1}, {1, 37}, {37, 1}, {7, 16}, {9, 17}, {15, 33}, {16, 32}, {8, 48}, {1921, 31},
	}
	for range 6 {
		sizes = append(sizes, [2]int{5 + r.IntN(700), 5 + r.IntN(700)})
	}
	h := NewHasher(FullRes) // reused on purpose
	for _, sz := range sizes {
		cols, rows := sz[0], sz[1]
		for kind := range 3 {
			a := make([]float32, rows*cols)
			for i := range a {
				x, y := i%cols, i/cols
				switch kind {
				case 0: // smooth plus noise, through the RGB luma tables
					v := 128 + 100*math.Sin(float64(x)/37+float64(y)/23)
					c := byte(max(0, min(255, v+float64(r.IntN(21)-10))))
					a[i] = lumaR[c] + lumaG[byte(r.IntN(256))] + lumaB[c]
				case 1: // white noise
					a[i] = float32(r.IntN(256))
				case 2: // constant RGB luma: only drift
					a[i] = lumaR[10] + lumaG[200] + lumaB[30]
				}
			}
			t.Run(fmt.Sprintf("%dx%d/kind%d", cols, rows, kind), func(t *testing.T) {
				want := refDownsample(slices.Clone(a), rows, cols)
				// Both pipelines: the block one (AVX2 where available) and the 4-row Go one.
				for _, goOnly := range []bool{false, true} {
					var got [64][64]float32
					h.blur.goOnly = goOnly
					h.blur.run(&sliceSource{a, cols}, rows, cols, &got)
					for i := range 64 {
						for j := range 64 {
							if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
								t.Fatalf("goOnly=%v: m[%d][%d]: got %.9g, want %.9g", goOnly, i, j, got[i][j], want[i][j])
							}
						}
					}
				}
			})
		}
	}
}

// TestSelectKth checks the quickselect against sorting, with many ties.
func TestSelectKth(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 1))
	for n := range 200 {
		var c [16][16]float32
		levels := 1 + n%17 // few distinct values make ties
		for u := range c {
			for v := range c[u] {
				c[u][v] = float32(r.IntN(levels)) - float32(levels)/2
				if n%5 == 0 {
					c[u][v] = float32(r.NormFloat64())
				}
			}
		}
		var all []float32
		for u := range c {
			all = append(all, c[u][:]...)
		}
		slices.Sort(all)
		if got, want := median(&c), all[127]; got != want {
			t.Fatalf("case %d: got median %v, want %v", n, got, want)
		}
		k := r.IntN(256)
		cp := slices.Clone(all)
		r.Shuffle(len(cp), func(i, j int) { cp[i], cp[j] = cp[j], cp[i] })
		if got := selectKth(cp, k); got != all[k] {
			t.Fatalf("case %d: got element %d = %v, want %v", n, k, got, all[k])
		}
	}
}

// opaqueImage hides an image's concrete type, forcing the generic At path.
type opaqueImage struct{ image.Image }

// TestFastPathsMatchGeneric checks, bit for bit, that every fast pixel reader produces the same
// luma rows and the same grey/RGB decision as the generic color.NRGBAModel path, on random
// images of every type (colour and grey, opaque and translucent, every chroma subsampling).
// NRGBA64 and NYCbCrA are checked opaque only: for translucent pixels the fast path reads the
// stored colour, while the generic path premultiplies and un-premultiplies it, losing precision.
func TestFastPathsMatchGeneric(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	rect := image.Rect(-5, 3, 70, 60)
	rnd := func() uint8 { return uint8(r.IntN(256)) }
	var images []image.Image
	for _, grey := range []bool{false, true} {
		pick := func() (uint8, uint8, uint8) {
			v := rnd()
			if grey {
				return v, v, v
			}
			return v, rnd(), rnd()
		}
		gray := image.NewGray(rect)
		gray16 := image.NewGray16(rect)
		nrgba := image.NewNRGBA(rect)
		nrgba64 := image.NewNRGBA64(rect)
		rgba := image.NewRGBA(rect)
		rgba64 := image.NewRGBA64(rect)
		cmyk := image.NewCMYK(rect)
		pal := image.NewPaletted(rect, nil)
		for range 256 {
			cr, cg, cb := pick()
			pal.Palette = append(pal.Palette, color.NRGBA{cr, cg, cb, rnd()})
		}
		for y := rect.Min.Y; y < rect.Max.Y; y++ {
			for x := rect.Min.X; x < rect.Max.X; x++ {
				cr, cg, cb := pick()
				a := rnd()
				if r.IntN(3) == 0 {
					a = 0xff
				}
				gray.SetGray(x, y, color.Gray{cr})
				gray16.SetGray16(x, y, color.Gray16{uint16(r.IntN(65536))})
				nrgba.SetNRGBA(x, y, color.NRGBA{cr, cg, cb, a})
				nrgba64.SetNRGBA64(x, y, color.NRGBA64{uint16(cr)<<8 | uint16(rnd()), uint16(cg)<<8 | uint16(rnd()), uint16(cb)<<8 | uint16(rnd()), 0xffff})
				rgba.Set(x, y, color.NRGBA{cr, cg, cb, a})
				rgba64.Set(x, y, color.NRGBA64{uint16(cr) << 8, uint16(cg) << 8, uint16(cb) << 8, uint16(a)<<8 | uint16(rnd())})
				if grey {
					cmyk.SetCMYK(x, y, color.CMYK{0, 0, 0, cr})
				} else {
					cmyk.SetCMYK(x, y, color.CMYK{cr, cg, cb, rnd()})
				}
				pal.SetColorIndex(x, y, uint8(r.IntN(256)))
			}
		}
		images = append(images, gray, gray16, nrgba, nrgba64, rgba, rgba64, cmyk, pal)
		for _, ratio := range []image.YCbCrSubsampleRatio{
			image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
			image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
		} {
			m := image.NewYCbCr(rect, ratio)
			for i := range m.Y {
				m.Y[i] = rnd()
			}
			for i := range m.Cb {
				m.Cb[i], m.Cr[i] = rnd(), rnd()
				if grey {
					m.Cb[i], m.Cr[i] = 128, 128
				}
			}
			images = append(images, m)
			na := image.NewNYCbCrA(rect, ratio)
			na.YCbCr = *m
			for i := range na.A {
				na.A[i] = 0xff
			}
			images = append(images, na)
		}
	}
	// Sub-images start at odd offsets inside their parent's buffers.
	for _, img := range images[:len(images):len(images)] {
		if s, ok := img.(interface {
			SubImage(image.Rectangle) image.Image
		}); ok {
			images = append(images, s.SubImage(image.Rect(-2, 4, 61, 57)))
		}
	}
	fast, generic := NewHasher(FullRes), NewHasher(FullRes)
	for i, img := range images {
		name := fmt.Sprintf("%d:%T", i, img)
		fsrc, w, ht, err := fast.setImage(img)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		gsrc, _, _, err := generic.setImage(opaqueImage{img})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if fg, gg := isGreySource(fsrc), isGreySource(gsrc); fg != gg {
			t.Errorf("%s: got grey=%v, want %v", name, fg, gg)
		}
		frow, grow := make([]float32, w), make([]float32, w)
		for y := range ht {
			fsrc.lumaRow(frow, y)
			gsrc.lumaRow(grow, y)
			if !slices.Equal(frow, grow) {
				t.Errorf("%s: row %d differs:\n got %v\nwant %v", name, y, frow, grow)
				break
			}
		}
	}
}

func isGreySource(s rowSource) bool {
	switch s := s.(type) {
	case *byteSource:
		return s.grey
	case *convSource:
		return s.grey
	}
	panic(fmt.Sprintf("unexpected source %T", s))
}

// TestPaletteOutOfRange checks that indices beyond the palette read as black instead of
// panicking as image.Paletted.At does, and that an empty palette is all black.
func TestPaletteOutOfRange(t *testing.T) {
	t.Parallel()
	rect := image.Rect(0, 0, 20, 10)
	for _, palette := range []color.Palette{nil, {color.White, color.RGBA{10, 200, 30, 255}}} {
		m := image.NewPaletted(rect, palette)
		for i := range m.Pix {
			m.Pix[i] = uint8(i % 5) // 0 and 1 may exist, 2..4 never do
		}
		h := NewHasher(FullRes)
		src, w, _, err := h.setImage(m)
		if err != nil {
			t.Fatal(err)
		}
		row := make([]float32, w)
		src.lumaRow(row, 0)
		for x, got := range row {
			var want float32
			if i := x % 5; i < len(palette) {
				cr, cg, cb, _ := palette[i].RGBA()
				want = lumaR[cr>>8] + lumaG[cg>>8] + lumaB[cb>>8]
			}
			if got != want {
				t.Errorf("palette of %d, pixel %d: got luma %v, want %v", len(palette), x, got, want)
			}
		}
	}
}

// TestClampFixed checks the branch-free clamp against color.YCbCrToRGB's bit twiddling over the
// whole range the conversion can produce, and the inlined conversion against the function itself.
func TestClampFixed(t *testing.T) {
	t.Parallel()
	ref := func(v int32) byte {
		if uint32(v)&0xff000000 == 0 {
			return byte(v >> 16)
		}
		return byte(^(v >> 31))
	}
	// |Y*0x10101| < 2^24 and the chroma terms are below 2^25 in magnitude.
	for v := int32(-1 << 26); v < 1<<26; v += 7 {
		if got, want := clampFixed(v), ref(v); got != want {
			t.Fatalf("clampFixed(%d): got %d, want %d", v, got, want)
		}
	}
	m := image.NewYCbCr(image.Rect(0, 0, 256, 256), image.YCbCrSubsampleRatio444)
	for y := range 256 {
		for x := range 256 {
			m.Y[m.YOffset(x, y)] = uint8(x)
			m.Cb[m.COffset(x, y)], m.Cr[m.COffset(x, y)] = uint8(y), uint8(x*7+y)
		}
	}
	h := NewHasher(FullRes)
	if err := h.setYCbCr(m); err != nil {
		t.Fatal(err)
	}
	row := make([]byte, 3*256)
	for y := range 256 {
		h.ycbcr.rgbRow(row, y)
		for x := range 256 {
			r, g, b := color.YCbCrToRGB(uint8(x), uint8(y), uint8(x*7+y))
			if got := [3]byte(row[3*x:]); got != [3]byte{r, g, b} {
				t.Fatalf("Y %d Cb %d Cr %d: got %v, want %v", x, y, uint8(x*7+y), got, [3]byte{r, g, b})
			}
		}
	}
}
