package preview_test

import (
	"image"
	"image/color"
	"testing"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/preview"
	"github.com/vidb-project/vidb/internal/testpic"
)

// photo2MP returns a 1600x1250 (2 MP) colour image with smooth gradients and fine detail.
func photo2MP() *image.NRGBA {
	const w, h = 1600, 1250
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: uint8((x ^ y) & 0xff), A: 255})
		}
	}
	return img
}

// BenchmarkPreview2MP measures a preview of a 2-megapixel PNG: cold (decrypt, verify, decode,
// reduce, encode; the cache off) and cached (the access check and a cache hit).
func BenchmarkPreview2MP(b *testing.B) {
	e := newEnv(b)
	m := e.put(b, testpic.PNG(b, photo2MP()), catalog.KindImage, "image/png", catalog.VisibilityNetwork)
	for _, bc := range []struct {
		name  string
		cache int64
	}{{"cold", -1}, {"cached", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			s := e.service(b, preview.Config{CacheBytes: bc.cache})
			ctx := b.Context()
			if _, err := s.Preview(ctx, e.frAna, m.ID, preview.DefaultOptions()); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := s.Preview(ctx, e.frAna, m.ID, preview.DefaultOptions()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "previews/s")
		})
	}
}
