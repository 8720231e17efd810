package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"reflect"
	"testing"
)

// fuzzLimits are tight limits for hostile inputs in tests and fuzzing: enough for every sample,
// small enough that no input can make a decode use much memory.
var fuzzLimits = Limits{MaxPixels: 1 << 20, MaxBytes: 1 << 20}

// hostileFiles returns the generated samples plus some shared files that exercise decoder paths
// the generators do not (real baseline and progressive JPEGs, a real lossy WebP, an RGBA PNG),
// skipping the shared ones when the shared folder is absent outside CI.
func hostileFiles(t *testing.T) []sample {
	t.Helper()
	files := samples(t)
	for _, rel := range []string{
		"images/misc-images/wee.jpg",   // progressive, 34x42
		"images/misc-images/small.jpg", // progressive grey, quality 0
		"images/reg-test-input/labelme-subset/q0003.jpg",
		"images/bridge-mods/square-128x128.jpg",
	} {
		files = append(files, sample{name: rel, format: JPEG, data: readShared(t, rel)})
	}
	return files
}

// checkContract checks the contract of Decode on any input: an error wraps one of the package's
// sentinels and comes with no image; a success has bounds at the origin matching Info, within the
// limits, with pixel buffers covering the bounds, and a preview of it works too.
func checkContract(img image.Image, info Info, err error, lim Limits) error {
	if err != nil {
		if sentinel(err) == "" {
			return fmt.Errorf("error %v wraps none of the package's errors", err)
		}
		if img != nil {
			return fmt.Errorf("image returned with error %v", err)
		}
		return nil
	}
	if img == nil {
		return errors.New("nil image without error")
	}
	if got, want := img.Bounds(), image.Rect(0, 0, info.Width, info.Height); got != want {
		return fmt.Errorf("Bounds() = %v, want %v from Info", got, want)
	}
	if px := int64(info.Width) * int64(info.Height); px <= 0 || px > lim.MaxPixels {
		return fmt.Errorf("decoded %dx%d, outside the budget of %d pixels", info.Width, info.Height, lim.MaxPixels)
	}
	if err := checkBuffers(img); err != nil {
		return fmt.Errorf("decoded image: %v", err)
	}
	p := Preview(img, PreviewOptions{MaxSide: 16, Blur: 0.1, Grey: true})
	if b := p.Bounds(); b.Dx() > 16 || b.Dy() > 16 || b.Empty() {
		return fmt.Errorf("preview bounds %v", b)
	}
	return nil
}

// TestTruncated cuts every file at many points, among them every point inside the first 64
// bytes, and checks that each cut is an error (ErrCorrupt once the magic is whole), never a panic.
// The one exception: GIF and TIFF files may end with bytes the decoder never reads (a GIF's later
// frames and trailer, TIFF tags such as the resolution), and a cut there may decode, but only to
// exactly the image the whole file gives.
func TestTruncated(t *testing.T) {
	t.Parallel()
	tailTolerant := map[Format]bool{GIF: true, TIFF: true}
	for _, f := range hostileFiles(t) {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			whole, _, err := Decode(f.data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			cuts := map[int]bool{}
			for i := range min(64, len(f.data)) {
				cuts[i] = true
			}
			const points = 50
			for i := range points {
				cuts[len(f.data)*i/points] = true
			}
			cuts[len(f.data)-1] = true
			decoded := 0
			for cut := range cuts {
				img, info, err := Decode(f.data[:cut], DefaultLimits())
				if err := checkContract(img, info, err, DefaultLimits()); err != nil {
					t.Errorf("cut at %d of %d: %v", cut, len(f.data), err)
				}
				_, magic := Sniff(f.data[:cut])
				switch {
				case err == nil && tailTolerant[f.format]:
					decoded++
					if !reflect.DeepEqual(img, whole) {
						t.Errorf("cut at %d of %d: decoded an image that differs from the whole file's", cut, len(f.data))
					}
				case err == nil:
					t.Errorf("cut at %d of %d: decoded %v, want an error", cut, len(f.data), info)
				case magic && !errors.Is(err, ErrCorrupt):
					t.Errorf("cut at %d of %d: error %v, want ErrCorrupt", cut, len(f.data), err)
				case !magic && !errors.Is(err, ErrUnknownFormat):
					t.Errorf("cut at %d of %d (magic incomplete): error %v, want ErrUnknownFormat", cut, len(f.data), err)
				}
			}
			if decoded > 0 {
				t.Logf("%d of %d cuts removed only bytes the decoder does not read", decoded, len(cuts))
			}
		})
	}
}

// TestByteFlips decodes many copies of every file with a few random bytes changed. Whatever
// happens must respect the contract of Decode (checkContract).
func TestByteFlips(t *testing.T) {
	t.Parallel()
	for fi, f := range hostileFiles(t) {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			mutants := 300
			if len(f.data) > 1000 {
				mutants = 100 // larger files cost more per decode
			}
			if testing.Short() {
				mutants /= 10
			}
			rng := rand.New(rand.NewPCG(uint64(fi), 0x1ead))
			lim := fuzzLimits
			if cfg, err := DecodeConfig(bytes.NewReader(f.data)); err == nil {
				lim.MaxPixels = max(lim.MaxPixels, int64(cfg.Width*cfg.Height))
				lim.MaxBytes = max(lim.MaxBytes, int64(len(f.data)))
			}
			counts := map[string]int{}
			for m := range mutants {
				data := append([]byte{}, f.data...)
				for range 1 + rng.IntN(4) {
					i := rng.IntN(len(data))
					switch rng.IntN(3) {
					case 0:
						data[i] ^= 1 << rng.IntN(8)
					case 1:
						data[i] = byte(rng.Uint32())
					default:
						data[i] = []byte{0x00, 0xff, 0x7f, 0x80}[rng.IntN(4)]
					}
				}
				img, info, err := Decode(data, lim)
				if err := checkContract(img, info, err, lim); err != nil {
					t.Errorf("mutant %d: %v", m, err)
				}
				counts[sentinel(err)]++
			}
			t.Logf("outcomes over %d mutants: %v", mutants, counts)
		})
	}
}
