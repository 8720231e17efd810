package pdq_test

import (
	"fmt"
	"image"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/pdq"
)

// dihColumns are the TSV columns of the 8 dihedral hashes, in Transform order.
var dihColumns = [pdq.NumTransforms]string{
	"dih_orig", "dih_rot90", "dih_rot180", "dih_rot270",
	"dih_flipx", "dih_flipy", "dih_flipplus1", "dih_flipminus1",
}

// outputs is everything the vectors record for one input.
type outputs struct {
	Quality        int
	PDQ            string
	DihQuality     int
	Dih            [pdq.NumTransforms]string
	FullResQuality int
	FullResPDQ     string
}

func wantOutputs(t *testing.T, row tsvRow) outputs {
	t.Helper()
	atoi := func(col string) int {
		v, err := strconv.Atoi(row[col])
		if err != nil {
			t.Fatalf("column %s: %v", col, err)
		}
		return v
	}
	o := outputs{
		Quality:        atoi("quality"),
		PDQ:            row["pdq"],
		DihQuality:     atoi("dih_quality"),
		FullResQuality: atoi("fullres_quality"),
		FullResPDQ:     row["fullres_pdq"],
	}
	for i, col := range dihColumns {
		o.Dih[i] = row[col]
	}
	return o
}

// hashFunc hashes one input with a Hasher: the plain hash, and the dihedral hashes too when
// dihedral is set.
type hashFunc func(h *pdq.Hasher, dihedral bool) (pdq.Result, pdq.DihedralResult, error)

// computeOutputs runs hf with both flavours; the vectors record dihedral hashes for Squash512
// only.
func computeOutputs(t *testing.T, hf hashFunc) outputs {
	t.Helper()
	sq, sqDih, err := hf(pdq.NewHasher(pdq.Squash512), true)
	if err != nil {
		t.Fatal(err)
	}
	full, _, err := hf(pdq.NewHasher(pdq.FullRes), false)
	if err != nil {
		t.Fatal(err)
	}
	o := outputs{
		Quality:        sq.Quality,
		PDQ:            sq.Hash.String(),
		DihQuality:     sqDih.Quality,
		FullResQuality: full.Quality,
		FullResPDQ:     full.Hash.String(),
	}
	for i, h := range sqDih.Hashes {
		o.Dih[i] = h.String()
	}
	return o
}

// imageHashFunc hashes img through Image and ImageDihedral.
func imageHashFunc(img image.Image) hashFunc {
	return func(h *pdq.Hasher, dihedral bool) (pdq.Result, pdq.DihedralResult, error) {
		r, err := h.Image(img)
		if err != nil || !dihedral {
			return r, pdq.DihedralResult{}, err
		}
		d, err := h.ImageDihedral(img)
		return r, d, err
	}
}

// TestPixelVectors checks every exact pixel vector bit for bit: the 44 synthetic and 16 decoded
// pixel matrices, through Gray or RGB as the vector's channel count says, and through Image.
func TestPixelVectors(t *testing.T) {
	t.Parallel()
	dir := testdataDir(t)
	rows := readTSV(t, filepath.Join(dir, "expected", "pixels_exact.tsv"))
	if len(rows) != 60 {
		t.Errorf("got %d pixel vectors, want 60", len(rows))
	}
	for _, row := range rows {
		t.Run(filepath.Base(row["pixels"]), func(t *testing.T) {
			t.Parallel()
			want := wantOutputs(t, row)
			img := decodePNG(t, filepath.Join(dir, row["pixels"]))
			w, h := img.Bounds().Dx(), img.Bounds().Dy()
			if got := fmt.Sprintf("%dx%d", w, h); got != row["width"]+"x"+row["height"] {
				t.Fatalf("got size %s, want %sx%s", got, row["width"], row["height"])
			}
			var direct hashFunc
			switch p := img.(type) {
			case *image.Gray:
				if row["channels"] != "1" {
					t.Fatalf("got a grey PNG, want %s channels", row["channels"])
				}
				direct = func(h *pdq.Hasher, dihedral bool) (pdq.Result, pdq.DihedralResult, error) {
					r, err := h.Gray(p.Pix, w, img.Bounds().Dy(), p.Stride)
					if err != nil || !dihedral {
						return r, pdq.DihedralResult{}, err
					}
					d, err := h.GrayDihedral(p.Pix, w, img.Bounds().Dy(), p.Stride)
					return r, d, err
				}
			case *image.RGBA:
				if row["channels"] != "3" {
					t.Fatalf("got an RGB PNG, want %s channels", row["channels"])
				}
				pix := packRGB(p)
				direct = func(h *pdq.Hasher, dihedral bool) (pdq.Result, pdq.DihedralResult, error) {
					r, err := h.RGB(pix, w, img.Bounds().Dy(), 3*w)
					if err != nil || !dihedral {
						return r, pdq.DihedralResult{}, err
					}
					d, err := h.RGBDihedral(pix, w, img.Bounds().Dy(), 3*w)
					return r, d, err
				}
			default:
				t.Fatalf("got %T, want *image.Gray or *image.RGBA", img)
			}
			if diff := cmp.Diff(want, computeOutputs(t, direct)); diff != "" {
				t.Errorf("Gray/RGB outputs mismatch (-want +got):\n%s", diff)
			}
			// Image decides the luma path from the pixel values. Only greytwin-150x110-as-rgb
			// is an RGB matrix of grey pixels; its two paths give the same hashes.
			if diff := cmp.Diff(want, computeOutputs(t, imageHashFunc(img))); diff != "" {
				t.Errorf("Image outputs mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
