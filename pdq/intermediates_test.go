package pdq

import (
	"bufio"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// internalTestdataDir is testdataDir for the white-box tests; see testdata_test.go.
func internalTestdataDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "testdata", "pdq")
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Skipf("PDQ test vectors not found at %s (expected next to the checkout): %v", dir, err)
	}
	return dir
}

// TestDCTMatrix checks all 1024 float32 entries of D bit for bit against the reference's.
func TestDCTMatrix(t *testing.T) {
	t.Parallel()
	dir := internalTestdataDir(t)
	f, err := os.Open(filepath.Join(dir, "intermediates", "dct_matrix_16x64.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		var i, j int
		var value float64
		var bits uint32
		if _, err := fmt.Sscanf(line, "%d %d %g %x", &i, &j, &value, &bits); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if got := math.Float32bits(dctMatrix[i][j]); got != bits {
			t.Errorf("D[%d][%d]: got bits %08x (%.9g), want %08x (%.9g)", i, j, got, dctMatrix[i][j], bits, value)
		}
		if dctMatrixT[j][i] != dctMatrix[i][j] {
			t.Errorf("transpose differs at D[%d][%d]", i, j)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 16*64 {
		t.Errorf("got %d matrix entries, want %d", n, 16*64)
	}
}

// intermediates is one intermediates/*.intermediates.txt file.
type intermediates struct {
	source                 string
	hashedW, hashedH       int
	windowRows, windowCols int
	quality                int
	median                 float32
	pdq                    string
	buffer                 [64][64]float32
	dct                    [16][16]float32
}

func readIntermediates(t *testing.T, path string) intermediates {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v intermediates
	var floats []float32
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		atoi := func(s string) int {
			n, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return n
		}
		switch fields[0] {
		case "#":
			if len(fields) >= 5 && fields[1] == "source" {
				v.source = fields[4]
			}
			if len(fields) >= 5 && fields[1] == "hashed_w" {
				v.hashedW, v.hashedH = atoi(fields[2]), atoi(fields[4])
			}
		case "window_along_rows":
			v.windowRows = atoi(fields[1])
		case "window_along_cols":
			v.windowCols = atoi(fields[1])
		case "quality":
			v.quality = atoi(fields[1])
		case "median":
			f, err := strconv.ParseFloat(fields[1], 32)
			if err != nil {
				t.Fatal(err)
			}
			v.median = float32(f)
		case "pdq":
			v.pdq = fields[1]
		case "median_equals_sorted127", "luma_first_row_first8", "buffer64x64", "dct16x16":
		default:
			for _, s := range fields {
				// %.9g round-trips float32, so parsing at 32 bits gives the exact value.
				f, err := strconv.ParseFloat(s, 32)
				if err != nil {
					t.Fatalf("%q: %v", line, err)
				}
				floats = append(floats, float32(f))
			}
		}
	}
	if len(floats) != 64*64+16*16 {
		t.Fatalf("got %d values, want %d", len(floats), 64*64+16*16)
	}
	for i := range 64 {
		copy(v.buffer[i][:], floats[64*i:])
	}
	for i := range 16 {
		copy(v.dct[i][:], floats[64*64+16*i:])
	}
	return v
}

// TestIntermediates checks the 64x64 buffer, the DCT, the median, the quality and the window
// sizes bit for bit for the vectors that record them, which pins down a mismatch to one stage.
func TestIntermediates(t *testing.T) {
	t.Parallel()
	dir := internalTestdataDir(t)
	paths, err := filepath.Glob(filepath.Join(dir, "intermediates", "*.intermediates.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 7 {
		t.Errorf("got %d intermediates files, want 7", len(paths))
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			want := readIntermediates(t, path)
			sub := "synthetic"
			if strings.HasPrefix(want.source, "decoded-") {
				sub = "decoded"
			}
			f, err := os.Open(filepath.Join(dir, "pixels", sub, want.source))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			h := NewHasher(Squash512)
			var src rowSource
			switch p := img.(type) {
			case *image.Gray:
				h.bytes = byteSource{pix: p.Pix, stride: p.Stride, bpp: 1, grey: true}
			case *image.RGBA:
				h.bytes = byteSource{pix: p.Pix, stride: p.Stride, bpp: 4, r: 0, g: 1, b: 2}
			default:
				t.Fatalf("got %T", img)
			}
			src = &h.bytes
			w, ht := img.Bounds().Dx(), img.Bounds().Dy()
			if ok, err := h.downsample(src, w, ht, false); !ok || err != nil {
				t.Fatalf("downsample: got %v, %v", ok, err)
			}
			hw, hh := w, ht
			if w > 512 || ht > 512 {
				hw, hh = 512, 512
			}
			if hw != want.hashedW || hh != want.hashedH {
				t.Errorf("hashed size: got %dx%d, want %dx%d", hw, hh, want.hashedW, want.hashedH)
			}
			if got := windowSize(hw); got != want.windowRows {
				t.Errorf("window along rows: got %d, want %d", got, want.windowRows)
			}
			if got := windowSize(hh); got != want.windowCols {
				t.Errorf("window along cols: got %d, want %d", got, want.windowCols)
			}
			bad := 0
			for i := range 64 {
				for j := range 64 {
					if g, w := h.m[i][j], want.buffer[i][j]; math.Float32bits(g) != math.Float32bits(w) && bad < 5 {
						t.Errorf("buffer[%d][%d]: got %.9g, want %.9g", i, j, g, w)
						bad++
					}
				}
			}
			if got := quality(&h.m); got != want.quality {
				t.Errorf("quality: got %d, want %d", got, want.quality)
			}
			// Feed the reference's own buffer to the DCT, so that a DCT fault shows even when the
			// blur is also off.
			dct16(&want.buffer, &h.t, &h.c)
			for i := range 16 {
				for j := range 16 {
					if g, w := h.c[i][j], want.dct[i][j]; math.Float32bits(g) != math.Float32bits(w) {
						t.Errorf("dct[%d][%d]: got %.9g, want %.9g", i, j, g, w)
					}
				}
			}
			if got := median(&want.dct); got != want.median {
				t.Errorf("median: got %.9g, want %.9g", got, want.median)
			}
			if got := hashFromDCT(&want.dct).String(); got != want.pdq {
				t.Errorf("pdq: got %s, want %s", got, want.pdq)
			}
		})
	}
}
