package pdq_test

import (
	"errors"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/pdq"
)

// scene returns a width x height packed RGB image: smooth gradients and blobs plus noise, the
// kind of content that gives quality-100 hashes.
func scene(width, height int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	pix := make([]byte, 3*width*height)
	fx, fy := 6/float64(width), 4/float64(height)
	for y := range height {
		for x := range width {
			v := 128 + 60*math.Sin(float64(x)*fx+float64(seed)) + 50*math.Cos(float64(y)*fy*float64(1+x%3))
			p := pix[3*(y*width+x):]
			for c := range 3 {
				n := v + float64(c*20) - 20 + float64(r.IntN(31)-15)
				p[c] = byte(max(0, min(255, n)))
			}
		}
	}
	return pix
}

// greyOf keeps the first channel of packed RGB.
func greyOf(rgb []byte) []byte {
	g := make([]byte, len(rgb)/3)
	for i := range g {
		g[i] = rgb[3*i]
	}
	return g
}

func TestBadDimensions(t *testing.T) {
	t.Parallel()
	pix := make([]byte, 300)
	tests := []struct {
		name                 string
		rgb                  bool
		pix                  []byte
		width, height, strid int
	}{
		{"zero width", false, pix, 0, 10, 10},
		{"zero height", false, pix, 10, 0, 10},
		{"negative width", false, pix, -1, 10, 10},
		{"negative height", false, pix, 10, -3, 10},
		{"negative stride", false, pix, 10, 10, -10},
		{"stride below width", false, pix, 10, 10, 9},
		{"short buffer", false, pix, 10, 31, 10},
		{"short last row", false, pix[:299], 10, 30, 10},
		{"nil buffer", false, nil, 5, 5, 5},
		{"huge stride", false, pix, 10, 10, math.MaxInt},
		{"huge height", false, pix, 10, math.MaxInt, 10},
		{"huge width", false, pix, math.MaxInt, 1, math.MaxInt},
		{"beyond size limit", false, make([]byte, 1<<21), 1<<21 - 1, 1, 1 << 21},
		{"rgb stride below 3*width", true, pix, 10, 10, 29},
		{"rgb short buffer", true, pix, 10, 11, 30},
		{"rgb huge width", true, pix, math.MaxInt / 2, 1, math.MaxInt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := pdq.NewHasher(pdq.FullRes)
			var err, dihErr error
			if tt.rgb {
				_, err = h.RGB(tt.pix, tt.width, tt.height, tt.strid)
				_, dihErr = h.RGBDihedral(tt.pix, tt.width, tt.height, tt.strid)
			} else {
				_, err = h.Gray(tt.pix, tt.width, tt.height, tt.strid)
				_, dihErr = h.GrayDihedral(tt.pix, tt.width, tt.height, tt.strid)
			}
			if !errors.Is(err, pdq.ErrBadDimensions) || !errors.Is(dihErr, pdq.ErrBadDimensions) {
				t.Errorf("got errors %v and %v, want ErrBadDimensions", err, dihErr)
			}
		})
	}
}

func TestBadImages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		img  image.Image
	}{
		{"nil", nil},
		{"empty", image.NewGray(image.Rect(0, 0, 0, 10))},
		{"inverted rectangle", &image.Gray{Rect: image.Rect(10, 10, 0, 0)}},
		{"RGBA short Pix", &image.RGBA{Pix: make([]byte, 10), Stride: 40, Rect: image.Rect(0, 0, 10, 10)}},
		{"NRGBA short stride", &image.NRGBA{Pix: make([]byte, 400), Stride: 39, Rect: image.Rect(0, 0, 10, 10)}},
		{"Gray16 short Pix", &image.Gray16{Pix: make([]byte, 199), Stride: 20, Rect: image.Rect(0, 0, 10, 10)}},
		{"Paletted short Pix", &image.Paletted{Pix: make([]byte, 5), Stride: 10, Rect: image.Rect(0, 0, 10, 10)}},
		{"CMYK short Pix", &image.CMYK{Pix: make([]byte, 5), Stride: 40, Rect: image.Rect(0, 0, 10, 10)}},
		{"RGBA64 short Pix", &image.RGBA64{Pix: make([]byte, 5), Stride: 80, Rect: image.Rect(0, 0, 10, 10)}},
		{"YCbCr short chroma", func() image.Image {
			m := image.NewYCbCr(image.Rect(0, 0, 10, 10), image.YCbCrSubsampleRatio420)
			m.Cr = m.Cr[:len(m.Cr)-1]
			return m
		}()},
		{"YCbCr short luma", func() image.Image {
			m := image.NewYCbCr(image.Rect(0, 0, 10, 10), image.YCbCrSubsampleRatio444)
			m.Y = m.Y[:len(m.Y)-1]
			return m
		}()},
		{"generic beyond size limit", hugeImage{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := pdq.NewHasher(pdq.Squash512)
			if _, err := h.Image(tt.img); !errors.Is(err, pdq.ErrBadDimensions) {
				t.Errorf("Image: got %v, want ErrBadDimensions", err)
			}
			if _, err := h.ImageDihedral(tt.img); !errors.Is(err, pdq.ErrBadDimensions) {
				t.Errorf("ImageDihedral: got %v, want ErrBadDimensions", err)
			}
		})
	}
}

// hugeImage claims more pixels than anyone should hash, with no pixels behind them.
type hugeImage struct{}

func (hugeImage) ColorModel() color.Model { return color.GrayModel }
func (hugeImage) Bounds() image.Rectangle { return image.Rect(0, 0, 1<<20, 1<<20) }
func (hugeImage) At(x, y int) color.Color { return color.Gray{} }

func TestBadFlavour(t *testing.T) {
	t.Parallel()
	h := pdq.NewHasher("bogus")
	pix := greyOf(scene(10, 10, 1))
	if _, err := h.Gray(pix, 10, 10, 10); !errors.Is(err, pdq.ErrBadFlavour) {
		t.Errorf("Gray: got %v, want ErrBadFlavour", err)
	}
	if _, err := h.ImageDihedral(image.NewGray(image.Rect(0, 0, 8, 8))); !errors.Is(err, pdq.ErrBadFlavour) {
		t.Errorf("ImageDihedral: got %v, want ErrBadFlavour", err)
	}
}

// TestTinyImages checks that images under 5 px on a side (after the squash for Squash512) hash to
// zero with quality 0 and no error, and that 5 px is enough.
func TestTinyImages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		width, height int
		flavour       pdq.Flavour
		wantZero      bool
	}{
		{1, 1, pdq.FullRes, true},
		{4, 4, pdq.FullRes, true},
		{4, 100, pdq.FullRes, true},
		{100, 4, pdq.Squash512, true},
		{3, 1000, pdq.FullRes, true},
		{3, 1000, pdq.Squash512, false}, // squashed to 512x512 first
		{5, 5, pdq.FullRes, false},
		{5, 5, pdq.Squash512, false},
	}
	for _, tt := range tests {
		rgb := scene(tt.width, tt.height, 7)
		h := pdq.NewHasher(tt.flavour)
		r, err := h.RGB(rgb, tt.width, tt.height, 3*tt.width)
		if err != nil {
			t.Fatal(err)
		}
		d, err := h.RGBDihedral(rgb, tt.width, tt.height, 3*tt.width)
		if err != nil {
			t.Fatal(err)
		}
		g, err := h.Gray(greyOf(rgb), tt.width, tt.height, tt.width)
		if err != nil {
			t.Fatal(err)
		}
		if tt.wantZero {
			want := pdq.Result{Flavour: tt.flavour}
			for _, got := range []pdq.Result{r, g} {
				if got != want {
					t.Errorf("%dx%d %s: got %+v, want %+v", tt.width, tt.height, tt.flavour, got, want)
				}
			}
			if d != (pdq.DihedralResult{Flavour: tt.flavour}) {
				t.Errorf("%dx%d %s dihedral: got %+v, want all zero", tt.width, tt.height, tt.flavour, d)
			}
		} else if r.Hash.IsZero() || g.Hash.IsZero() || d.Hashes[pdq.Orig].IsZero() {
			t.Errorf("%dx%d %s: got a zero hash, want a real one", tt.width, tt.height, tt.flavour)
		}
	}
}

// TestHasherReuse hashes differently sized images in sequence with one Hasher and checks each
// result against a fresh Hasher's: no state may leak from one image to the next.
func TestHasherReuse(t *testing.T) {
	t.Parallel()
	sizes := [][2]int{{320, 240}, {64, 64}, {100, 75}, {1000, 600}, {5, 5}, {3, 9}, {513, 512}, {257, 129}, {320, 240}, {33, 700}}
	for _, f := range []pdq.Flavour{pdq.FullRes, pdq.Squash512} {
		reused := pdq.NewHasher(f)
		for i, sz := range sizes {
			w, ht := sz[0], sz[1]
			rgb := scene(w, ht, uint64(i))
			grey := greyOf(rgb)
			type all struct {
				RGB, Gray       pdq.Result
				RGBDih, GrayDih pdq.DihedralResult
			}
			run := func(h *pdq.Hasher) all {
				var a all
				var err error
				must := func(e error) {
					if e != nil && err == nil {
						err = e
					}
				}
				a.RGB, err = h.RGB(rgb, w, ht, 3*w)
				g, e := h.GrayDihedral(grey, w, ht, w)
				must(e)
				a.GrayDih = g
				r, e := h.RGBDihedral(rgb, w, ht, 3*w)
				must(e)
				a.RGBDih = r
				gr, e := h.Gray(grey, w, ht, w)
				must(e)
				a.Gray = gr
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			if diff := cmp.Diff(run(pdq.NewHasher(f)), run(reused)); diff != "" {
				t.Errorf("%s %dx%d: reused Hasher differs (-fresh +reused):\n%s", f, w, ht, diff)
			}
		}
	}
}

// TestStride checks that padding between rows is ignored.
func TestStride(t *testing.T) {
	t.Parallel()
	const w, ht, pad = 150, 110, 7
	rgb := scene(w, ht, 9)
	padded := make([]byte, (3*w+pad)*ht)
	for y := range ht {
		row := padded[y*(3*w+pad):]
		copy(row, rgb[3*w*y:3*w*(y+1)])
		for i := range pad {
			row[3*w+i] = 0xa5
		}
	}
	h := pdq.NewHasher(pdq.FullRes)
	want, err := h.RGB(rgb, w, ht, 3*w)
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.RGB(padded[:len(padded)-pad], w, ht, 3*w+pad)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("padded: got %+v, want %+v", got, want)
	}
}

// TestImageSemantics checks Image's pixel semantics against Gray and RGB on the same values:
// grey detection from values, alpha ignored, premultiplied RGBA un-premultiplied, 16-bit high
// bytes, palettes expanded, YCbCr and CMYK converted with image/color.
func TestImageSemantics(t *testing.T) {
	t.Parallel()
	const w, ht = 97, 71
	rgb := scene(w, ht, 11)
	grey := greyOf(rgb)
	r := rand.New(rand.NewPCG(8, 9))

	// Reference results through the raw paths.
	h := pdq.NewHasher(pdq.FullRes)
	wantRGB, err := h.RGB(rgb, w, ht, 3*w)
	if err != nil {
		t.Fatal(err)
	}
	wantGrey, err := h.Gray(grey, w, ht, w)
	if err != nil {
		t.Fatal(err)
	}
	rect := image.Rect(-3, 5, w-3, ht+5) // a non-zero origin exercises the offsets

	nrgba := image.NewNRGBA(rect)       // colour, random alpha (ignored)
	nrgbaGrey := image.NewNRGBA(rect)   // grey values, random alpha: grey path
	rgbaOpaque := image.NewRGBA(rect)   // premultiplied, opaque
	rgbaHalf := image.NewRGBA(rect)     // premultiplied at alpha 128
	gray16 := image.NewGray16(rect)     // v*257
	nrgba64 := image.NewNRGBA64(rect)   // v*257 + noise in the low byte
	cmykGrey := image.NewCMYK(rect)     // K only: grey
	pal := image.NewPaletted(rect, nil) // grey palette entries
	for i := range 256 {
		pal.Palette = append(pal.Palette, color.NRGBA{uint8(i), uint8(i), uint8(i), uint8(r.IntN(256))})
	}
	halfWant := make([]byte, len(rgb)) // what un-premultiplying rgbaHalf must give
	for y := range ht {
		for x := range w {
			p := rgb[3*(y*w+x):][:3]
			a := uint8(r.IntN(256))
			X, Y := rect.Min.X+x, rect.Min.Y+y
			nrgba.SetNRGBA(X, Y, color.NRGBA{p[0], p[1], p[2], a})
			nrgbaGrey.SetNRGBA(X, Y, color.NRGBA{p[0], p[0], p[0], a})
			rgbaOpaque.SetRGBA(X, Y, color.RGBA{p[0], p[1], p[2], 0xff})
			c := color.RGBAModel.Convert(color.NRGBA{p[0], p[1], p[2], 128}).(color.RGBA)
			rgbaHalf.SetRGBA(X, Y, c)
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			copy(halfWant[3*(y*w+x):], []byte{n.R, n.G, n.B})
			gray16.SetGray16(X, Y, color.Gray16{uint16(p[0]) * 257})
			nrgba64.SetNRGBA64(X, Y, color.NRGBA64{uint16(p[0])<<8 | uint16(r.IntN(256)),
				uint16(p[1])<<8 | uint16(r.IntN(256)), uint16(p[2])<<8 | uint16(r.IntN(256)), 0xffff})
			cmykGrey.SetCMYK(X, Y, color.CMYK{0, 0, 0, 255 - p[0]})
			pal.SetColorIndex(X, Y, p[0])
		}
	}
	wantHalf, err := h.RGB(halfWant, w, ht, 3*w)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		img  image.Image
		want pdq.Result
	}{
		{"NRGBA colour, alpha ignored", nrgba, wantRGB},
		{"NRGBA grey, alpha ignored", nrgbaGrey, wantGrey},
		{"RGBA opaque", rgbaOpaque, wantRGB},
		{"RGBA translucent un-premultiplied", rgbaHalf, wantHalf},
		{"Gray", &image.Gray{Pix: grey, Stride: w, Rect: rect}, wantGrey},
		{"Gray16 high byte", gray16, wantGrey},
		{"NRGBA64 high byte", nrgba64, wantRGB},
		{"CMYK grey", cmykGrey, wantGrey},
		{"Paletted grey", pal, wantGrey},
	}
	for _, tt := range tests {
		got, err := h.Image(tt.img)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestAllocs checks that a warmed Hasher allocates nothing per call on the raw paths.
// Not parallel: AllocsPerRun counts the whole process's allocations.
func TestAllocs(t *testing.T) {
	tests := []struct {
		name    string
		flavour pdq.Flavour
		w, h    int
	}{
		{"fullres 640x480", pdq.FullRes, 640, 480},
		{"fullres 64x64", pdq.FullRes, 64, 64},
		{"squash512 1000x700", pdq.Squash512, 1000, 700},
	}
	for _, tt := range tests {
		rgb := scene(tt.w, tt.h, 3)
		grey := greyOf(rgb)
		h := pdq.NewHasher(tt.flavour)
		calls := map[string]func(){
			"Gray":         func() { h.Gray(grey, tt.w, tt.h, tt.w) },
			"RGB":          func() { h.RGB(rgb, tt.w, tt.h, 3*tt.w) },
			"GrayDihedral": func() { h.GrayDihedral(grey, tt.w, tt.h, tt.w) },
			"RGBDihedral":  func() { h.RGBDihedral(rgb, tt.w, tt.h, 3*tt.w) },
		}
		for name, f := range calls {
			f() // warm up
			if got := testing.AllocsPerRun(5, f); got != 0 {
				t.Errorf("%s %s: got %v allocations per call, want 0", tt.name, name, got)
			}
		}
	}
}

// TestImageAndDihedral checks that the combined call gives exactly what Image and
// ImageDihedral give separately, at every size that takes a different path (64x64 skips the
// plain blur; below 5 pixels there is no hash; over 512 the squash applies) and for grey and
// colour images.
func TestImageAndDihedral(t *testing.T) {
	t.Parallel()
	sizes := [][2]int{{320, 240}, {64, 64}, {64, 65}, {100, 75}, {5, 5}, {4, 9}, {1000, 600}, {513, 512}, {33, 700}}
	for _, f := range []pdq.Flavour{pdq.FullRes, pdq.Squash512} {
		h := pdq.NewHasher(f)
		for i, sz := range sizes {
			w, ht := sz[0], sz[1]
			rgb := scene(w, ht, uint64(i))
			colour := image.NewNRGBA(image.Rect(0, 0, w, ht))
			grey := image.NewGray(image.Rect(0, 0, w, ht))
			for p := range w * ht {
				colour.Pix[4*p], colour.Pix[4*p+1], colour.Pix[4*p+2], colour.Pix[4*p+3] = rgb[3*p], rgb[3*p+1], rgb[3*p+2], 255
				grey.Pix[p] = rgb[3*p+1]
			}
			for _, img := range []image.Image{colour, grey} {
				wantR, err1 := pdq.NewHasher(f).Image(img)
				wantD, err2 := pdq.NewHasher(f).ImageDihedral(img)
				gotR, gotD, err := h.ImageAndDihedral(img)
				if err != nil || err1 != nil || err2 != nil {
					t.Fatalf("%v %dx%d: errors %v, %v, %v", f, w, ht, err, err1, err2)
				}
				if gotR != wantR || gotD != wantD {
					t.Errorf("%v %dx%d %T: ImageAndDihedral = %v, %v; want %v, %v", f, w, ht, img, gotR, gotD, wantR, wantD)
				}
			}
		}
	}
}
