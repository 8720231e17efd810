package watchtest

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/vidb-project/vidb/internal/testpic"
)

// WritePNG writes testpic.Scene(Width, Height, seed) as a PNG file in dir and returns its path and
// bytes.
func WritePNG(t testing.TB, dir string, seed int) (string, []byte) {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("picture-%d.png", seed))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, testpic.Scene(Width, Height, seed)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}
