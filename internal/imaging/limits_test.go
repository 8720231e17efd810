package imaging

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"image"
	"io"
	"runtime"
	"testing"
	"time"
)

// hugeHeaders returns files of every format whose headers declare images over the default pixel
// budget, followed by little or no pixel data.
func hugeHeaders() map[string][]byte {
	le := binary.LittleEndian

	jpegSOF := func(marker byte, w, h int) []byte {
		sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1}
		out := append([]byte{0xff, 0xd8}, jpegSegment(marker, sof)...)
		out = append(out, jpegSegment(0xda, []byte{1, 1, 0x00, 0, 63, 0})...)
		return append(out, 0xff, 0xd9)
	}

	gifHeader := []byte("GIF89a\xff\xff\xff\xff\x00\x00\x00\x2c\x00\x00\x00\x00\xff\xff\xff\xff\x00\x08\x00;")

	bmpHeader := func(w, h int32) []byte {
		b := []byte("BM")
		b = le.AppendUint32(b, 54)
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, 54)
		b = le.AppendUint32(b, 40)
		b = le.AppendUint32(b, uint32(w))
		b = le.AppendUint32(b, uint32(h))
		b = le.AppendUint16(b, 1)
		b = le.AppendUint16(b, 24)
		return append(b, make([]byte, 24)...)
	}

	tiffHeader := func(w, h uint32) []byte {
		b := []byte("II*\x00")
		b = le.AppendUint32(b, 8)
		entries := [][3]uint32{{256, 4, w}, {257, 4, h}, {258, 3, 8}, {262, 3, 1}, {273, 4, 8}, {279, 4, w * h}}
		b = le.AppendUint16(b, uint16(len(entries)))
		for _, e := range entries {
			b = le.AppendUint16(b, uint16(e[0]))
			b = le.AppendUint16(b, uint16(e[1]))
			b = le.AppendUint32(b, 1)
			b = le.AppendUint32(b, e[2])
		}
		return le.AppendUint32(b, 0)
	}

	vp8l := func(w, h int) []byte {
		var bw bitWriter
		bw.write(0x2f, 8)
		bw.write(uint64(w-1), 14)
		bw.write(uint64(h-1), 14)
		bw.write(0, 4)
		return riffWebP(riffChunk("VP8L", append(bw.bytes(), make([]byte, 8)...)))
	}
	vp8 := func(w, h int) []byte {
		frame := []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, byte(w), byte(w >> 8), byte(h), byte(h >> 8)}
		return riffWebP(riffChunk("VP8 ", append(frame, make([]byte, 32)...)))
	}
	vp8x := riffWebP(append(vp8xChunk(20000, 20000, false), riffChunk("VP8 ", make([]byte, 16))...))

	return map[string][]byte{
		"png 100000x100000":      pngHeaderOnly(100000, 100000),
		"png 20000x20000":        pngHeaderOnly(20000, 20000),
		"jpeg baseline 65535^2":  jpegSOF(0xc0, 65535, 65535),
		"jpeg progressive 60000": jpegSOF(0xc2, 60000, 60000),
		"gif 65535x65535":        gifHeader,
		"bmp 100000x100000":      bmpHeader(100000, 100000),
		"bmp top-down 100000^2":  bmpHeader(100000, -100000),
		"tiff 100000x100000":     tiffHeader(100000, 100000),
		"webp vp8l 16384^2":      vp8l(16384, 16384),
		"webp vp8 16383^2":       vp8(16383, 16383),
		"webp vp8x 20000^2":      vp8x,
	}
}

// allocated returns the bytes allocated while f runs. The caller must not run in parallel with
// other tests, or their allocations count too.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestPixelBudgetBeforeAllocation checks that headers declaring huge images are refused from the
// header alone: the whole call allocates less than 1 MiB. It does not call t.Parallel, so that it
// runs alone and the allocation count is its own.
func TestPixelBudgetBeforeAllocation(t *testing.T) {
	const maxAlloc = 1 << 20
	for name, data := range hugeHeaders() {
		t.Run(name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, _, err = Decode(data, DefaultLimits()) })
			if !errors.Is(err, ErrTooManyPixels) {
				t.Errorf("Decode error = %v, want ErrTooManyPixels", err)
			}
			if n > maxAlloc {
				t.Errorf("Decode allocated %d bytes, want at most %d", n, maxAlloc)
			}
			n = allocated(func() { _, _, err = DecodeReader(bytes.NewReader(data), DefaultLimits()) })
			if !errors.Is(err, ErrTooManyPixels) || n > maxAlloc {
				t.Errorf("DecodeReader: error %v after %d bytes allocated; want ErrTooManyPixels within %d", err, n, maxAlloc)
			}
		})
	}

	// Within the pixel budget but with data that cannot hold the pixels: refused before the
	// decoder allocates the image.
	for name, data := range map[string][]byte{
		"png 9000x9000 without data": pngHeaderOnly(9000, 9000),
		"bmp 9000x9000 without data": hugeBMPWithin(t, 9000, 9000),
		"webp claiming 134 MB":       webpPartitionBomb(),
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, _, err = Decode(data, DefaultLimits()) })
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Decode error = %v, want ErrCorrupt", err)
			}
			if n > maxAlloc {
				t.Errorf("Decode allocated %d bytes, want at most %d", n, maxAlloc)
			}
		})
	}
}

// hugeBMPWithin is a 24-bit BMP header for w x h with no pixel rows.
func hugeBMPWithin(t *testing.T, w, h int) []byte {
	data := encodeAs(t, BMP, image.NewRGBA(image.Rect(0, 0, 1, 1)))
	binary.LittleEndian.PutUint32(data[18:], uint32(w))
	binary.LittleEndian.PutUint32(data[22:], uint32(h))
	return data
}

func TestPixelBudget(t *testing.T) {
	t.Parallel()
	photoJPEG := encodeAs(t, JPEG, photo(48, 32)) // 1536 pixels
	tests := []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"just within", photoJPEG, Limits{MaxPixels: 1536}, nil},
		{"one pixel over", photoJPEG, Limits{MaxPixels: 1535}, ErrTooManyPixels},
		{"zero means default", photoJPEG, Limits{}, nil},
		{"negative means default", photoJPEG, Limits{MaxPixels: -1, MaxBytes: -1}, nil},
		{"side over MaxDimension", pngHeaderOnly(MaxDimension+1, 1), Limits{MaxPixels: 1 << 40}, ErrTooManyPixels},
		{"side at MaxDimension", pngHeaderOnly(MaxDimension, 1), Limits{MaxPixels: 1 << 40}, ErrCorrupt}, // passes the budget, fails on its data
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Decode(tt.data, tt.lim)
			if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
				t.Errorf("Decode error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDefaultLimits(t *testing.T) {
	t.Parallel()
	if got, want := DefaultLimits(), (Limits{MaxPixels: 100_000_000, MaxBytes: 256 << 20}); got != want {
		t.Errorf("DefaultLimits() = %+v, want %+v", got, want)
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// endless returns a reader that yields prefix and then zero bytes forever.
func endless(prefix []byte) io.Reader {
	return io.MultiReader(bytes.NewReader(prefix), zeros{})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestByteBudget(t *testing.T) {
	t.Parallel()
	data := encodeAs(t, PNG, photo(40, 30))
	size := int64(len(data))

	t.Run("Decode", func(t *testing.T) {
		t.Parallel()
		if _, _, err := Decode(data, Limits{MaxBytes: size - 1}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Decode with MaxBytes = size-1: error %v, want ErrTooLarge", err)
		}
		if _, _, err := Decode(data, Limits{MaxBytes: size}); err != nil {
			t.Errorf("Decode with MaxBytes = size: error %v, want nil", err)
		}
	})

	t.Run("DecodeReader exact", func(t *testing.T) {
		t.Parallel()
		if _, _, err := DecodeReader(bytes.NewReader(data), Limits{MaxBytes: size}); err != nil {
			t.Errorf("DecodeReader with MaxBytes = size: error %v, want nil", err)
		}
		if _, _, err := DecodeReader(bytes.NewReader(data), Limits{MaxBytes: size - 1}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("DecodeReader with MaxBytes = size-1: error %v, want ErrTooLarge", err)
		}
	})

	t.Run("DecodeReader endless", func(t *testing.T) {
		t.Parallel()
		const budget = 1 << 16
		cr := &countingReader{r: endless(data)}
		if _, _, err := DecodeReader(cr, Limits{MaxBytes: budget}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("DecodeReader(endless stream) error = %v, want ErrTooLarge", err)
		}
		if cr.n != budget+1 {
			t.Errorf("DecodeReader read %d bytes, want MaxBytes+1 = %d", cr.n, budget+1)
		}
	})

	t.Run("DecodeReader stops at a non-image", func(t *testing.T) {
		t.Parallel()
		cr := &countingReader{r: endless([]byte("MZ\x90\x00 an executable, not an image"))}
		if _, _, err := DecodeReader(cr, DefaultLimits()); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("DecodeReader(executable) error = %v, want ErrUnknownFormat", err)
		}
		if cr.n > SniffLen {
			t.Errorf("DecodeReader read %d bytes of a non-image, want at most %d", cr.n, SniffLen)
		}
	})

	t.Run("DecodeConfig reads only the header", func(t *testing.T) {
		t.Parallel()
		cr := &countingReader{r: endless(data[:64])}
		info, err := DecodeConfig(cr)
		if want := (Info{PNG, 40, 30}); err != nil || info != want {
			t.Errorf("DecodeConfig = %v, %v; want %v, nil", info, err, want)
		}
		if cr.n > 64<<10 {
			t.Errorf("DecodeConfig read %d bytes, want a header's worth", cr.n)
		}
	})
}

// TestJPEGScanBudget checks that JPEGs with more scans than their area justifies are refused
// before decoding, quickly, and that files within the budget decode.
func TestJPEGScanBudget(t *testing.T) {
	t.Parallel()
	withComment := func(data []byte, comment []byte) []byte {
		out := append([]byte{}, data[:2]...)
		out = append(out, jpegSegment(0xfe, comment)...)
		return append(out, data[2:]...)
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"10 scans", progressiveJPEG(64, 48, 9), nil},
		{"500 scans on a small image", progressiveJPEG(64, 48, 499), nil},
		{"501 scans on a small image", progressiveJPEG(64, 48, 500), ErrUnsupported},
		{"51 scans at 100 MP", progressiveJPEG(10000, 10000, 50), ErrUnsupported},
		{"FF DA in a comment is no scan", withComment(progressiveJPEG(64, 48, 9), bytes.Repeat([]byte{0xff, 0xda}, 1000)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			_, _, err := Decode(tt.data, DefaultLimits())
			if !errors.Is(err, tt.want) && !(tt.want == nil && err == nil) {
				t.Fatalf("Decode error = %v, want %v", err, tt.want)
			}
			if tt.want != nil && time.Since(start) > time.Second {
				t.Errorf("refusal took %v, want it before decoding", time.Since(start))
			}
		})
	}

	// The bound at large areas, checked without decoding 100 megapixels.
	bounds := []struct {
		w, h, scans int
		want        error
	}{
		{10000, 10000, 50, nil},            // 5e9 scan-pixels
		{10000, 10000, 51, ErrUnsupported}, //
		{20000, 10000, 50, nil},            // never fewer than 50
		{20000, 10000, 51, ErrUnsupported}, //
		{5000, 4000, 250, nil},             // 5e9 / 2e7
		{5000, 4000, 251, ErrUnsupported},  //
		{2000, 1000, 500, nil},             // never more than 500
		{2000, 1000, 501, ErrUnsupported},  //
	}
	for _, b := range bounds {
		data := progressiveJPEG(64, 48, b.scans-1)
		if err := precheckJPEG(data, Info{JPEG, b.w, b.h}); !errors.Is(err, b.want) && !(b.want == nil && err == nil) {
			t.Errorf("precheckJPEG(%d scans, %dx%d) = %v, want %v", b.scans, b.w, b.h, err, b.want)
		}
	}
}

// TestTIFFBlockBudget checks that a TIFF cut into more strips or tiles than maxTIFFBlocks is
// refused before decoding.
func TestTIFFBlockBudget(t *testing.T) {
	t.Parallel()
	if _, _, err := Decode(tiledTIFF(512, 512, 16, 8), DefaultLimits()); err != nil {
		t.Errorf("Decode(1024 deflated tiles) error = %v, want nil", err)
	}
	start := time.Now()
	_, _, err := Decode(tiledTIFF(4096, 4096, 8, 8), DefaultLimits())
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("Decode(262144 deflated tiles) error = %v, want ErrUnsupported", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusal took %v, want it before decoding", d)
	}
}

// TestPrecheckSound checks that the PNG size check accepts the most compressible PNG there is:
// all-zero rows deflated at the best compression, close to DEFLATE's limit of 1032 to 1.
func TestPrecheckSound(t *testing.T) {
	t.Parallel()
	const w, h = 2000, 1500
	raw := make([]byte, h*(1+4*w)) // filter byte 0 and four zero bytes a pixel, on every row
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	data := []byte(magicPNG)
	data = append(data, pngChunk("IHDR", ihdr)...)
	data = append(data, pngChunk("IDAT", z.Bytes())...)
	data = append(data, pngChunk("IEND", nil)...)
	t.Logf("%d bytes of pixels deflated to %d: %.0f to 1", len(raw), z.Len(), float64(len(raw))/float64(z.Len()))
	if _, _, err := Decode(data, DefaultLimits()); err != nil {
		t.Errorf("Decode(all-zero %dx%d PNG) error = %v, want nil", w, h, err)
	}
}
