package preview

import (
	"image"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vidb-project/vidb/internal/catalog"
)

// TestOrient turns a 3x2 image with distinct pixels under every EXIF orientation and checks
// the result against the display the EXIF standard prescribes.
func TestOrient(t *testing.T) {
	t.Parallel()
	// Stored:  1 2 3
	//          4 5 6
	src := &image.Gray{Pix: []byte{1, 2, 3, 4, 5, 6}, Stride: 3, Rect: image.Rect(0, 0, 3, 2)}
	tests := []struct {
		o    int
		w    int
		want []byte
	}{
		{0, 3, []byte{1, 2, 3, 4, 5, 6}},
		{1, 3, []byte{1, 2, 3, 4, 5, 6}},
		{2, 3, []byte{3, 2, 1, 6, 5, 4}},
		{3, 3, []byte{6, 5, 4, 3, 2, 1}},
		{4, 3, []byte{4, 5, 6, 1, 2, 3}},
		{5, 2, []byte{1, 4, 2, 5, 3, 6}},
		{6, 2, []byte{4, 1, 5, 2, 6, 3}},
		{7, 2, []byte{6, 3, 5, 2, 4, 1}},
		{8, 2, []byte{3, 6, 2, 5, 1, 4}},
		{9, 3, []byte{1, 2, 3, 4, 5, 6}},
	}
	for _, tc := range tests {
		got := orient(src, tc.o).(*image.Gray)
		if got.Rect.Dx() != tc.w || got.Rect.Dy() != 6/tc.w {
			t.Errorf("orientation %d: size %v, want %dx%d", tc.o, got.Rect.Size(), tc.w, 6/tc.w)
		}
		if d := cmp.Diff(tc.want, got.Pix); d != "" {
			t.Errorf("orientation %d (-want +got):\n%s", tc.o, d)
		}
	}
	// Colour previews turn whole pixels.
	c := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	copy(c.Pix, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	got := orient(c, 6).(*image.NRGBA)
	if d := cmp.Diff([]byte{1, 2, 3, 4, 5, 6, 7, 8}, got.Pix); d != "" || got.Rect.Dx() != 1 || got.Rect.Dy() != 2 {
		t.Errorf("NRGBA orientation 6: %v (-want +got):\n%s", got.Rect, d)
	}
}

func TestCacheBound(t *testing.T) {
	t.Parallel()
	c := newCache(1000)
	still := func(n int) []Still { return []Still{{PNG: make([]byte, n)}} }
	c.put(cacheKey{media: 1}, still(300))
	c.put(cacheKey{media: 2}, still(300))
	if _, ok := c.get(cacheKey{media: 1}); !ok { // 1 is now the most recent
		t.Fatal("entry 1 missing")
	}
	c.put(cacheKey{media: 3}, still(300)) // evicts 2, the least recently used
	if _, ok := c.get(cacheKey{media: 2}); ok {
		t.Error("least recently used entry kept beyond the bound")
	}
	for _, id := range []catalog.MediaID{1, 3} {
		if _, ok := c.get(cacheKey{media: id}); !ok {
			t.Errorf("entry %d evicted", id)
		}
	}
	if c.bytes() > 1000 {
		t.Errorf("cache holds %d bytes over its bound", c.bytes())
	}
	c.put(cacheKey{media: 4}, still(2000))
	if _, ok := c.get(cacheKey{media: 4}); ok {
		t.Error("entry larger than the cache was kept")
	}
	off := newCache(-1)
	off.put(cacheKey{media: 1}, still(10))
	if _, ok := off.get(cacheKey{media: 1}); ok {
		t.Error("disabled cache kept an entry")
	}
}
