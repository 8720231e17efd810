package pdq_test

import (
	"errors"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/vidb-project/vidb/pdq"
)

// checkResult checks what must hold for any successful hash.
func checkResult(t *testing.T, r pdq.Result, d pdq.DihedralResult) {
	t.Helper()
	if r.Quality < 0 || r.Quality > 100 || d.Quality != r.Quality {
		t.Errorf("got qualities %d and %d, want equal and in [0, 100]", r.Quality, d.Quality)
	}
}

// fuzzRaw hashes arbitrary bytes with arbitrary dimensions through f, which must never panic and
// must either hash or report ErrBadDimensions.
func fuzzRaw(t *testing.T, pix []byte, width, height, stride int, rgb bool) {
	for _, fl := range []pdq.Flavour{pdq.FullRes, pdq.Squash512} {
		h := pdq.NewHasher(fl)
		var (
			r         pdq.Result
			d         pdq.DihedralResult
			err, err2 error
		)
		if rgb {
			r, err = h.RGB(pix, width, height, stride)
			d, err2 = h.RGBDihedral(pix, width, height, stride)
		} else {
			r, err = h.Gray(pix, width, height, stride)
			d, err2 = h.GrayDihedral(pix, width, height, stride)
		}
		if (err == nil) != (err2 == nil) {
			t.Fatalf("got errors %v and %v, want both or neither", err, err2)
		}
		if err != nil {
			if !errors.Is(err, pdq.ErrBadDimensions) {
				t.Fatalf("got %v, want ErrBadDimensions", err)
			}
			continue
		}
		checkResult(t, r, d)
		// Hashing is deterministic, also on a reused Hasher.
		var again pdq.Result
		if rgb {
			again, _ = h.RGB(pix, width, height, stride)
		} else {
			again, _ = h.Gray(pix, width, height, stride)
		}
		if again != r {
			t.Fatalf("second run: got %+v, want %+v", again, r)
		}
	}
}

func FuzzGray(f *testing.F) {
	f.Add([]byte{}, 0, 0, 0)
	f.Add(make([]byte, 25), 5, 5, 5)
	f.Add(greyOf(scene(64, 64, 1)), 64, 64, 64)
	f.Add(greyOf(scene(70, 9, 2)), 70, 9, 70)
	f.Add(greyOf(scene(30, 40, 3)), 20, 40, 30)
	f.Add([]byte("0123456789"), 3, 3, 3)
	f.Add(make([]byte, 1200), 3, 400, 3)
	f.Add(make([]byte, 10), -1, 5, 2)
	f.Fuzz(func(t *testing.T, pix []byte, width, height, stride int) {
		fuzzRaw(t, pix, width, height, stride, false)
	})
}

func FuzzRGB(f *testing.F) {
	f.Add([]byte{}, 0, 0, 0)
	f.Add(make([]byte, 75), 5, 5, 15)
	f.Add(scene(64, 64, 1), 64, 64, 192)
	f.Add(scene(129, 7, 2), 129, 7, 387)
	f.Add(scene(10, 50, 3), 9, 50, 30)
	f.Add(make([]byte, 9000), 1000, 3, 3000)
	f.Add(make([]byte, 10), 3, 1, -3)
	f.Fuzz(func(t *testing.T, pix []byte, width, height, stride int) {
		fuzzRaw(t, pix, width, height, stride, true)
	})
}

func FuzzParseHash(f *testing.F) {
	f.Add("f8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	f.Add("F8F8F0CEE0F4A84F0637022A078F67F0B36E2ED596621E1D33E6339C4E9C9B22")
	f.Add("")
	f.Add("zz")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := pdq.ParseHash(s)
		if err != nil {
			if !errors.Is(err, pdq.ErrBadHash) {
				t.Fatalf("got %v, want ErrBadHash", err)
			}
			return
		}
		again, err := pdq.ParseHash(h.String())
		if err != nil || again != h {
			t.Fatalf("round trip of %q: got %s, %v", s, again, err)
		}
	})
}

// FuzzImage builds images of every fast-path type with arbitrary rectangles, strides and buffer
// lengths, as a careless or hostile caller could, and checks that Image never panics: it must
// hash or report ErrBadDimensions. (Other types go through their own At, which Image cannot
// protect from inconsistent fields.)
func FuzzImage(f *testing.F) {
	f.Add(uint8(0), make([]byte, 64), 0, 0, 8, 8, 8)
	f.Add(uint8(1), scene(9, 9, 1), -3, 7, 6, 6, 27)
	f.Add(uint8(9), make([]byte, 400), -5, -5, 10, 10, 10)
	f.Add(uint8(20), make([]byte, 400), 1, 1, 10, 10, 10)
	f.Add(uint8(9), make([]byte, 400), math.MaxInt-3, 0, 10, 10, 10)
	f.Add(uint8(10), scene(12, 12, 2), 0, 0, 12, 12, 12)
	f.Fuzz(func(t *testing.T, kind uint8, pix []byte, x0, y0, w, h, stride int) {
		r := image.Rectangle{Min: image.Pt(x0, y0), Max: image.Pt(x0+w, y0+h)} // may wrap
		var img image.Image
		switch kind % 11 {
		case 0:
			img = &image.Gray{Pix: pix, Stride: stride, Rect: r}
		case 1:
			img = &image.RGBA{Pix: pix, Stride: stride, Rect: r}
		case 2:
			img = &image.NRGBA{Pix: pix, Stride: stride, Rect: r}
		case 3:
			img = &image.Gray16{Pix: pix, Stride: stride, Rect: r}
		case 4:
			img = &image.RGBA64{Pix: pix, Stride: stride, Rect: r}
		case 5:
			img = &image.NRGBA64{Pix: pix, Stride: stride, Rect: r}
		case 6:
			img = &image.CMYK{Pix: pix, Stride: stride, Rect: r}
		case 7, 8:
			var pal color.Palette
			for i := 0; i+2 < min(len(pix), 30); i += 3 {
				pal = append(pal, color.RGBA{pix[i], pix[i+1], pix[i+2], 255})
			}
			img = &image.Paletted{Pix: pix, Stride: stride, Rect: r, Palette: pal}
		case 9, 10:
			n := len(pix) / 3
			m := &image.YCbCr{
				Y: pix[:n], Cb: pix[n : 2*n], Cr: pix[2*n:],
				YStride: stride, CStride: stride / 2,
				SubsampleRatio: image.YCbCrSubsampleRatio(int(kind/11) % 7),
				Rect:           r,
			}
			img = m
			if kind%11 == 10 {
				img = &image.NYCbCrA{YCbCr: *m, A: pix, AStride: stride}
			}
		}
		for _, fl := range []pdq.Flavour{pdq.FullRes, pdq.Squash512} {
			res, err := pdq.NewHasher(fl).Image(img)
			if err != nil {
				if !errors.Is(err, pdq.ErrBadDimensions) {
					t.Fatalf("got %v, want ErrBadDimensions", err)
				}
				return
			}
			if res.Quality < 0 || res.Quality > 100 {
				t.Fatalf("got quality %d", res.Quality)
			}
		}
	})
}
