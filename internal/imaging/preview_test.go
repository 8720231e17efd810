package imaging

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultPreviewOptions(t *testing.T) {
	t.Parallel()
	got := DefaultPreviewOptions()
	if got.MaxSide != 256 || !got.Grey || got.Blur < 0.03 {
		t.Errorf("DefaultPreviewOptions() = %+v, want 256 px, greyscale and a strong blur (>= 0.03)", got)
	}
}

func TestPreviewSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w, h, maxSide int
		wantW, wantH  int
	}{
		{1000, 500, 256, 256, 128},
		{500, 1000, 256, 128, 256},
		{4000, 3000, 256, 256, 192},
		{257, 256, 256, 256, 255},
		{256, 256, 256, 256, 256},
		{100, 50, 256, 100, 50}, // small images are not enlarged
		{1, 1, 256, 1, 1},
		{10000, 1, 256, 256, 1}, // the short side never rounds to 0
		{1, 10000, 256, 1, 256},
		{1000, 700, 1, 1, 1},
		{1000, 700, 0, 256, 179}, // zero means the default
		{1000, 700, -5, 256, 179},
	}
	for _, tt := range tests {
		for _, grey := range []bool{true, false} {
			t.Run(fmt.Sprintf("%dx%d max %d grey %v", tt.w, tt.h, tt.maxSide, grey), func(t *testing.T) {
				t.Parallel()
				img := image.NewGray(image.Rect(0, 0, tt.w, tt.h))
				p := Preview(img, PreviewOptions{MaxSide: tt.maxSide, Blur: 0.05, Grey: grey})
				if got, want := p.Bounds(), image.Rect(0, 0, tt.wantW, tt.wantH); got != want {
					t.Errorf("Preview bounds = %v, want %v", got, want)
				}
				_, isGrey := p.(*image.Gray)
				_, isNRGBA := p.(*image.NRGBA)
				if grey && !isGrey || !grey && !isNRGBA {
					t.Errorf("Preview returned %T with Grey %v", p, grey)
				}
			})
		}
	}
}

func TestPreviewEmpty(t *testing.T) {
	t.Parallel()
	for _, grey := range []bool{true, false} {
		p := Preview(image.NewRGBA(image.Rect(5, 5, 5, 9)), PreviewOptions{Grey: grey, Blur: 0.1})
		if !p.Bounds().Empty() {
			t.Errorf("Preview(empty image) bounds = %v, want empty", p.Bounds())
		}
	}
}

// checkerboard returns a w x h black-and-white checkerboard of squares of the given side.
func checkerboard(w, h, square int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if (x/square+y/square)%2 == 1 {
				img.Pix[y*img.Stride+x] = 255
			}
		}
	}
	return img
}

// highFrequencyEnergy is the mean squared difference between horizontally and vertically
// adjacent pixels: it is large for sharp edges and small for smooth images.
func highFrequencyEnergy(g *image.Gray) float64 {
	var sum float64
	n := 0
	b := g.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			v := float64(g.GrayAt(x, y).Y)
			if x+1 < b.Max.X {
				d := v - float64(g.GrayAt(x+1, y).Y)
				sum += d * d
				n++
			}
			if y+1 < b.Max.Y {
				d := v - float64(g.GrayAt(x, y+1).Y)
				sum += d * d
				n++
			}
		}
	}
	return sum / float64(n)
}

func meanAbsDiff(a, b *image.Gray) float64 {
	var sum float64
	for i := range a.Pix {
		sum += math.Abs(float64(a.Pix[i]) - float64(b.Pix[i]))
	}
	return sum / float64(len(a.Pix))
}

// TestPreviewBlurs checks that the default preview is really blurred: a sharp checkerboard
// loses most of its edge energy, and the preview differs visibly from a sharp downscale.
func TestPreviewBlurs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		img  image.Image
	}{
		{"checkerboard 1024 squares 64", checkerboard(1024, 1024, 64)},
		{"checkerboard 300x200 squares 10", checkerboard(300, 200, 10)},
		{"photo 800x600", photo(800, 600)},
		{"tiny checkerboard 8x8", checkerboard(8, 8, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opt := DefaultPreviewOptions()
			blurred := Preview(tt.img, opt).(*image.Gray)
			opt.Blur = 0
			sharp := Preview(tt.img, opt).(*image.Gray)

			eb, es := highFrequencyEnergy(blurred), highFrequencyEnergy(sharp)
			if eb > es/5 {
				t.Errorf("edge energy blurred %.1f, sharp %.1f: want at least a 5-fold drop", eb, es)
			}
			if d := meanAbsDiff(blurred, sharp); d < 5 {
				t.Errorf("mean difference between blurred and sharp previews %.1f grey levels, want at least 5", d)
			}
		})
	}

	// A stronger blur removes more.
	img := checkerboard(1024, 1024, 64)
	weak := Preview(img, PreviewOptions{MaxSide: 256, Blur: 0.01, Grey: true}).(*image.Gray)
	strong := Preview(img, PreviewOptions{MaxSide: 256, Blur: 0.08, Grey: true}).(*image.Gray)
	if ew, es := highFrequencyEnergy(weak), highFrequencyEnergy(strong); es >= ew {
		t.Errorf("edge energy with blur 0.08 is %.1f, with 0.01 is %.1f: want less with more blur", es, ew)
	}
}

// TestPreviewAreaAverage checks the downscale without blur on a case worked out by hand.
func TestPreviewAreaAverage(t *testing.T) {
	t.Parallel()
	img := image.NewGray(image.Rect(0, 0, 4, 2))
	copy(img.Pix, []uint8{0, 100, 200, 200, 50, 150, 0, 100})
	got := Preview(img, PreviewOptions{MaxSide: 2, Grey: true}).(*image.Gray)
	if diff := cmp.Diff([]uint8{75, 125}, got.Pix); diff != "" {
		t.Errorf("2x1 preview of a 4x2 image (-want +got):\n%s", diff)
	}
}

// TestPreviewAlpha checks how alpha is treated: over white when grey, kept when colour.
func TestPreviewAlpha(t *testing.T) {
	t.Parallel()
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []uint8{0, 0, 0, 0}) // transparent: shows white
	}
	img.SetNRGBA(0, 0, color.NRGBA{10, 20, 30, 0}) // a colour stored under zero alpha stays hidden
	grey := Preview(img, PreviewOptions{Grey: true, Blur: 0.5}).(*image.Gray)
	for i, v := range grey.Pix {
		if v != 255 {
			t.Fatalf("grey preview of a transparent image: pixel %d = %d, want 255 (white)", i, v)
		}
	}
	colour := Preview(img, PreviewOptions{Blur: 0.5}).(*image.NRGBA)
	for i := 3; i < len(colour.Pix); i += 4 {
		if colour.Pix[i] != 0 {
			t.Fatalf("colour preview of a transparent image: alpha %d = %d, want 0", i/4, colour.Pix[i])
		}
	}

	half := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i := 0; i < len(half.Pix); i += 4 {
		copy(half.Pix[i:], []uint8{200, 100, 0, 128})
	}
	c := Preview(half, PreviewOptions{}).(*image.NRGBA)
	if got, want := c.NRGBAAt(1, 1), (color.NRGBA{200, 100, 0, 128}); got != want {
		t.Errorf("colour preview of a uniform translucent image = %v, want %v", got, want)
	}
}

// opaqueImage hides the concrete type of an image, forcing Preview onto its generic At path.
type opaqueImage struct{ image.Image }

// TestPreviewFastPaths checks that reading the pixel buffers of each concrete type gives exactly
// what the generic At path gives (within rounding for the Y-plane path of grey YCbCr previews),
// including sub-images whose bounds do not start at the origin.
func TestPreviewFastPaths(t *testing.T) {
	t.Parallel()
	src := photo(61, 47)
	translucent := image.NewNRGBA(src.Rect)
	for i := 0; i < len(src.Pix); i += 4 {
		copy(translucent.Pix[i:], src.Pix[i:i+3])
		translucent.Pix[i+3] = uint8(i * 7)
	}
	rgba := image.NewRGBA(src.Rect)
	gray := image.NewGray(src.Rect)
	cmyk := image.NewCMYK(src.Rect)
	gray16 := image.NewGray16(src.Rect)
	pal := image.NewPaletted(src.Rect, color.Palette{color.Black, color.White, color.NRGBA{255, 0, 0, 128}})
	nycbcra := image.NewNYCbCrA(src.Rect, image.YCbCrSubsampleRatio420)
	for y := range src.Rect.Dy() {
		for x := range src.Rect.Dx() {
			c := translucent.NRGBAAt(x, y)
			rgba.Set(x, y, c)
			gray.Set(x, y, c)
			cmyk.Set(x, y, c)
			gray16.Set(x, y, c)
			pal.SetColorIndex(x, y, uint8((x+y)%3))
			nycbcra.A[nycbcra.AOffset(x, y)] = c.A
			nycbcra.Y[nycbcra.YOffset(x, y)] = c.G
		}
	}
	for i := range nycbcra.Cb {
		nycbcra.Cb[i], nycbcra.Cr[i] = uint8(i*3), uint8(i*11)
	}
	images := map[string]image.Image{
		"NRGBA":    translucent,
		"RGBA":     rgba,
		"Gray":     gray,
		"Gray16":   gray16,
		"CMYK":     cmyk,
		"Paletted": pal,
		"NYCbCrA":  nycbcra,
	}
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		m := image.NewYCbCr(src.Rect, ratio)
		for y := range src.Rect.Dy() {
			for x := range src.Rect.Dx() {
				c := src.NRGBAAt(x, y)
				yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
				m.Y[m.YOffset(x, y)] = yy
				m.Cb[m.COffset(x, y)], m.Cr[m.COffset(x, y)] = cb, cr
			}
		}
		images["YCbCr "+ratio.String()] = m
	}
	for name, img := range images {
		sub := img.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(image.Rect(3, 5, 58, 44))
		for _, im := range []struct {
			name string
			img  image.Image
		}{{name, img}, {name + " sub-image", sub}} {
			for _, opt := range []PreviewOptions{
				{MaxSide: 16, Blur: 0.1, Grey: true},
				{MaxSide: 16, Blur: 0.1},
				{MaxSide: 100},
			} {
				got := Preview(im.img, opt)
				want := Preview(opaqueImage{im.img}, opt)
				if _, ok := img.(*image.YCbCr); ok && opt.Grey {
					// Grey previews of YCbCr average the Y plane, which is the luma up to
					// rounding.
					if d := maxGreyDiff(got.(*image.Gray), want.(*image.Gray)); d > 2 {
						t.Errorf("%s with %+v: Y-plane path differs from the At path by up to %d", im.name, opt, d)
					}
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s with %+v: fast path differs from the At path", im.name, opt)
				}
			}
		}
	}
}

func maxGreyDiff(a, b *image.Gray) int {
	d := 0
	for i := range a.Pix {
		d = max(d, int(a.Pix[i])-int(b.Pix[i]), int(b.Pix[i])-int(a.Pix[i]))
	}
	return d
}

// TestPreviewLimits feeds Preview extreme options.
func TestPreviewLimits(t *testing.T) {
	t.Parallel()
	img := photo(64, 48)
	for _, blur := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, 1e300, 5} {
		p := Preview(img, PreviewOptions{MaxSide: 32, Blur: blur, Grey: true})
		if got, want := p.Bounds(), image.Rect(0, 0, 32, 24); got != want {
			t.Errorf("Blur %v: bounds %v, want %v", blur, got, want)
		}
	}
}
