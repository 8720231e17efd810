package pdq_test

import (
	"bufio"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdataDir returns the shared PDQ test vectors, which live outside the module at
// ../../shared/testdata/pdq (the checkout is /work/main, the shared data /work/shared). Tests skip
// only when the folder is genuinely absent; CI has it and fails on any skip.
func testdataDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "testdata", "pdq")
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Skipf("PDQ test vectors not found at %s (expected next to the checkout): %v", dir, err)
	}
	return dir
}

// tsvRow is one data line of a TSV file, by column name.
type tsvRow map[string]string

// readTSV reads a TSV file whose first line names the columns.
func readTSV(t testing.TB, path string) []tsvRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var header []string
	var rows []tsvRow
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if header == nil {
			header = fields
			continue
		}
		if len(fields) != len(header) {
			t.Fatalf("%s: line %d has %d fields, want %d", path, len(rows)+2, len(fields), len(header))
		}
		row := tsvRow{}
		for i, name := range header {
			row[name] = fields[i]
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no rows", path)
	}
	return rows
}

// decodePNG decodes a PNG file.
func decodePNG(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// packRGB returns the R, G, B bytes of an *image.RGBA as a packed rgb24 buffer.
func packRGB(img *image.RGBA) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := make([]byte, 0, 3*w*h)
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := range w {
			out = append(out, row[4*x:4*x+3]...)
		}
	}
	return out
}
