package pdq_test

import (
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/vidb-project/vidb/pdq"
)

// pixelMeter reports per-pixel figures for a benchmark loop over images of a fixed size.
type pixelMeter struct {
	b      *testing.B
	pixels int
	cpu0   time.Duration
	cpuOK  bool
}

// meterPixels starts measuring; call it right before the b.Loop loop.
func meterPixels(b *testing.B, pixels int) *pixelMeter {
	m := &pixelMeter{b: b, pixels: pixels}
	m.cpu0, m.cpuOK = cpuTime()
	return m
}

// report adds ns/pixel and MP/s (wall clock) and cpu-ns/pixel (process CPU time, which a busy
// shared machine inflates less); call it right after the loop.
func (m *pixelMeter) report() {
	n := float64(m.b.N) * float64(m.pixels)
	ns := float64(m.b.Elapsed().Nanoseconds()) / n
	m.b.ReportMetric(ns, "ns/pixel")
	m.b.ReportMetric(1e3/ns, "MP/s")
	if cpu1, ok := cpuTime(); ok && m.cpuOK {
		m.b.ReportMetric(float64((cpu1-m.cpu0).Nanoseconds())/n, "cpu-ns/pixel")
	}
}

func benchGray(b *testing.B, w, h int, f pdq.Flavour) {
	pix := greyOf(scene(w, h, 1))
	hs := pdq.NewHasher(f)
	if _, err := hs.Gray(pix, w, h, w); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pix)))
	m := meterPixels(b, w*h)
	for b.Loop() {
		hs.Gray(pix, w, h, w)
	}
	m.report()
}

func benchRGB(b *testing.B, w, h int, f pdq.Flavour) {
	pix := scene(w, h, 1)
	hs := pdq.NewHasher(f)
	if _, err := hs.RGB(pix, w, h, 3*w); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(pix)))
	m := meterPixels(b, w*h)
	for b.Loop() {
		hs.RGB(pix, w, h, 3*w)
	}
	m.report()
}

// BenchmarkGray512 is the size every large image becomes under Squash512.
func BenchmarkGray512(b *testing.B) { benchGray(b, 512, 512, pdq.FullRes) }

// BenchmarkGray2MP is a 1920x1080 frame at full resolution.
func BenchmarkGray2MP(b *testing.B) { benchGray(b, 1920, 1080, pdq.FullRes) }

// BenchmarkGray12MP is a 4000x3000 photo at full resolution.
func BenchmarkGray12MP(b *testing.B) { benchGray(b, 4000, 3000, pdq.FullRes) }

// BenchmarkRGB2MP is a 1920x1080 rgb24 video frame, what the vPDQ pipeline hashes.
func BenchmarkRGB2MP(b *testing.B) { benchRGB(b, 1920, 1080, pdq.FullRes) }

// BenchmarkRGB12MP is a 4000x3000 rgb24 photo at full resolution.
func BenchmarkRGB12MP(b *testing.B) { benchRGB(b, 4000, 3000, pdq.FullRes) }

// BenchmarkRGB12MPSquash512 is the same photo squashed to 512x512 first.
func BenchmarkRGB12MPSquash512(b *testing.B) { benchRGB(b, 4000, 3000, pdq.Squash512) }

// BenchmarkDihedral is all 8 dihedral hashes of a 512x512 RGB image.
func BenchmarkDihedral(b *testing.B) {
	const w, h = 512, 512
	pix := scene(w, h, 1)
	hs := pdq.NewHasher(pdq.FullRes)
	if _, err := hs.RGBDihedral(pix, w, h, 3*w); err != nil {
		b.Fatal(err)
	}
	m := meterPixels(b, w*h)
	for b.Loop() {
		if _, err := hs.RGBDihedral(pix, w, h, 3*w); err != nil {
			b.Fatal(err)
		}
	}
	m.report()
}

// BenchmarkImageYCbCr2MP hashes a 1920x1080 4:2:0 image as image/jpeg returns it: the YCbCr to RGB
// conversion runs once per pixel, fused with the luma.
func BenchmarkImageYCbCr2MP(b *testing.B) {
	const w, h = 1920, 1080
	rgb := scene(w, h, 1)
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			p := rgb[3*(y*w+x):]
			yy, cb, cr := color.RGBToYCbCr(p[0], p[1], p[2])
			m.Y[m.YOffset(x, y)] = yy
			m.Cb[m.COffset(x, y)], m.Cr[m.COffset(x, y)] = cb, cr
		}
	}
	benchImage(b, m, w*h)
}

// BenchmarkImageNRGBAGrey2MP is the worst case of the grey-or-RGB decision: an NRGBA image whose
// pixels are all grey, which must be scanned whole before hashing.
func BenchmarkImageNRGBAGrey2MP(b *testing.B) {
	const w, h = 1920, 1080
	grey := greyOf(scene(w, h, 1))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i, v := range grey {
		m.Pix[4*i], m.Pix[4*i+1], m.Pix[4*i+2], m.Pix[4*i+3] = v, v, v, 255
	}
	benchImage(b, m, w*h)
}

func benchImage(b *testing.B, img image.Image, pixels int) {
	hs := pdq.NewHasher(pdq.FullRes)
	if _, err := hs.Image(img); err != nil {
		b.Fatal(err)
	}
	m := meterPixels(b, pixels)
	for b.Loop() {
		hs.Image(img)
	}
	m.report()
}
