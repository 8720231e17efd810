package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/image/webp"
)

// samePixels reports the first pixel where got and want differ, read as non-premultiplied
// colour (so a colour stored under zero alpha counts), or "" when they agree.
func samePixels(got, want image.Image) string {
	if got.Bounds().Size() != want.Bounds().Size() {
		return fmt.Sprintf("size %v, want %v", got.Bounds().Size(), want.Bounds().Size())
	}
	gb, wb := got.Bounds(), want.Bounds()
	for y := range gb.Dy() {
		for x := range gb.Dx() {
			g := color.NRGBAModel.Convert(got.At(gb.Min.X+x, gb.Min.Y+y))
			w := color.NRGBAModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y))
			if g != w {
				return fmt.Sprintf("pixel (%d, %d) = %v, want %v", x, y, g, w)
			}
		}
	}
	return ""
}

func TestDecodeSamples(t *testing.T) {
	t.Parallel()
	for _, s := range samples(t) {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			img, info, err := Decode(s.data, DefaultLimits())
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if info.Format != s.format {
				t.Errorf("Info.Format = %q, want %q", info.Format, s.format)
			}
			if got := fmt.Sprintf("%T", img); got != s.wantType {
				t.Errorf("image type %s, want %s", got, s.wantType)
			}
			if got, want := img.Bounds(), image.Rect(0, 0, info.Width, info.Height); got != want {
				t.Errorf("Bounds() = %v, want %v from Info", got, want)
			}
			if s.pixels != nil {
				if d := samePixels(img, s.pixels); d != "" {
					t.Errorf("decoded pixels differ from the encoded ones: %s", d)
				}
			}

			cfg, err := DecodeConfig(bytes.NewReader(s.data))
			if err != nil {
				t.Fatalf("DecodeConfig: %v", err)
			}
			if diff := cmp.Diff(info, cfg); diff != "" {
				t.Errorf("DecodeConfig differs from Decode's Info (-Decode +DecodeConfig):\n%s", diff)
			}

			// DecodeReader must give the same result, however the reader splits its reads.
			for name, r := range map[string]io.Reader{
				"bytes":    bytes.NewReader(s.data),
				"one-byte": iotest.OneByteReader(bytes.NewReader(s.data)),
				"half":     iotest.HalfReader(bytes.NewReader(s.data)),
			} {
				img2, info2, err := DecodeReader(r, DefaultLimits())
				if err != nil {
					t.Fatalf("DecodeReader(%s): %v", name, err)
				}
				if info2 != info || !reflect.DeepEqual(img2, img) {
					t.Errorf("DecodeReader(%s) = %v and a different image; want %v and the same image as Decode", name, info2, info)
				}
			}
		})
	}
}

// TestDecodeShared decodes every shared test image and checks that the result is exactly what the
// format's own decoder returns: imaging must not alter pixels, type or bounds. (Images are compared
// with reflect.DeepEqual, which compares byte slices at memory speed; cmp.Equal takes minutes.)
func TestDecodeShared(t *testing.T) {
	t.Parallel()
	formats := map[string]Format{".jpg": JPEG, ".png": PNG, ".webp": WebP}
	decoders := map[Format]func(io.Reader) (image.Image, error){JPEG: jpeg.Decode, PNG: png.Decode, WebP: webp.Decode}
	for _, rel := range sharedImages(t) {
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			data := readShared(t, rel)
			img, info, err := Decode(data, DefaultLimits())
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			want := formats[filepath.Ext(rel)]
			if info.Format != want {
				t.Errorf("Info.Format = %q, want %q", info.Format, want)
			}
			if got, want := img.Bounds(), image.Rect(0, 0, info.Width, info.Height); got != want {
				t.Errorf("Bounds() = %v, want %v from Info", got, want)
			}
			cfg, err := DecodeConfig(bytes.NewReader(data))
			if err != nil || cfg != info {
				t.Errorf("DecodeConfig = %v, %v; want %v, nil", cfg, err, info)
			}
			direct, err := decoders[want](bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s decoder: %v", want, err)
			}
			if !reflect.DeepEqual(img, direct) {
				t.Errorf("Decode returned a %T that differs from the %s decoder's %T", img, want, direct)
			}
		})
	}
}

// TestDecodedTypes pins the image types the PDQ hasher relies on: colour models are never
// converted and an RGBA PNG stays non-premultiplied.
func TestDecodedTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want string
	}{
		{"images/reg-test-input/pen-and-coaster.png", "*image.NRGBA"}, // RGBA PNG
		{"images/misc-images/c.png", "*image.NRGBA"},                  // RGBA PNG
		{"images/misc-images/modes/L.png", "*image.Gray"},
		{"images/misc-images/modes/1.png", "*image.Gray"},
		{"images/misc-images/modes/P.png", "*image.Paletted"},
		{"images/misc-images/modes/CMYK.jpg", "*image.CMYK"},
		{"images/misc-images/modes/YCbCr.jpg", "*image.YCbCr"},
		{"images/misc-images/modes/F.webp", "*image.YCbCr"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			img, _, err := Decode(readShared(t, tt.file), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%T", img); got != tt.want {
				t.Errorf("Decode(%s) returned %s, want %s", tt.file, got, tt.want)
			}
		})
	}
}

// TestStoredColourUnderAlpha checks, on a generated RGBA PNG, that Decode returns *image.NRGBA
// holding the colour stored under translucent and fully transparent pixels.
func TestStoredColourUnderAlpha(t *testing.T) {
	t.Parallel()
	src := image.NewNRGBA(image.Rect(0, 0, 3, 1))
	src.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 0})
	src.SetNRGBA(1, 0, color.NRGBA{200, 100, 50, 1})
	src.SetNRGBA(2, 0, color.NRGBA{200, 100, 50, 128})
	img, _, err := Decode(encodeAs(t, PNG, src), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	got, ok := img.(*image.NRGBA)
	if !ok {
		t.Fatalf("Decode returned %T, want *image.NRGBA", img)
	}
	if diff := cmp.Diff(src.Pix, got.Pix); diff != "" {
		t.Errorf("stored colour changed (-want +got):\n%s", diff)
	}
}

// TestEXIFOrientationIgnored checks that EXIF orientation tags change nothing: the tagged copies
// hold the same pixel data as the original.
func TestEXIFOrientationIgnored(t *testing.T) {
	t.Parallel()
	orig, _, err := Decode(readShared(t, "images/reg-test-input/labelme-subset/q1050.jpg"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"3", "6", "8"} {
		t.Run("orientation-"+o, func(t *testing.T) {
			t.Parallel()
			img, _, err := Decode(readShared(t, "images/exif-derived/q1050-orientation-"+o+".jpg"), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(img, orig) {
				t.Errorf("orientation %s: decoded image differs from the untagged original", o)
			}
		})
	}
}

func TestDecodeDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	for _, s := range samples(t) {
		before := bytes.Clone(s.data)
		if _, _, err := Decode(s.data, DefaultLimits()); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !bytes.Equal(before, s.data) {
			t.Errorf("%s: Decode modified its input", s.name)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	jpg := encodeAs(t, JPEG, photo(20, 10))
	rle := encodeAs(t, BMP, photo(20, 10))
	rle[30] = 1 // compression BI_RLE8
	arithmetic := append([]byte{0xff, 0xd8}, jpegSegment(0xc9, []byte{8, 0, 8, 0, 8, 1, 1, 0x11, 0})...)
	tests := []struct {
		name      string
		data      []byte
		want      error
		wantWraps error  // a decoder error that must stay reachable, or nil
		wantText  string // prefix of the message
	}{
		{"empty", nil, ErrUnknownFormat, nil, "imaging: unknown image format"},
		{"text", []byte("just some text, long enough to sniff"), ErrUnknownFormat, nil, "imaging: unknown image format"},
		{"truncated jpeg", jpg[:len(jpg)*2/3], ErrCorrupt, io.ErrUnexpectedEOF, "imaging: corrupt image: jpeg: "},
		{"header only jpeg", []byte{0xff, 0xd8, 0xff, 0xd9}, ErrCorrupt, nil, "imaging: corrupt image: jpeg: "},
		{"rle bmp", rle, ErrUnsupported, nil, "imaging: unsupported image feature: bmp: "},
		{"arithmetic jpeg", arithmetic, ErrUnsupported, nil, "imaging: unsupported image feature: jpeg: "},
		{"zero-size gif", []byte("GIF89a\x00\x00\x00\x00\x00\x00\x00;"), ErrCorrupt, nil, "imaging: corrupt image: gif: header declares a 0x0 image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img, _, err := Decode(tt.data, DefaultLimits())
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode error = %v, want %v", err, tt.want)
			}
			if img != nil {
				t.Errorf("Decode returned an image with error %v", err)
			}
			if tt.wantWraps != nil && !errors.Is(err, tt.wantWraps) {
				t.Errorf("Decode error = %v, want it to wrap %v", err, tt.wantWraps)
			}
			if !strings.HasPrefix(err.Error(), tt.wantText) {
				t.Errorf("Decode error = %q, want prefix %q", err, tt.wantText)
			}
			if _, err := DecodeConfig(bytes.NewReader(tt.data)); err == nil && tt.want == ErrUnknownFormat {
				t.Errorf("DecodeConfig error = nil, want %v", tt.want)
			}
		})
	}
}

func TestDecoderPanicIsErrCorrupt(t *testing.T) {
	t.Parallel()
	pix := make([]byte, 4)
	i := len(pix)
	img, err := guard(WebP, func() (image.Image, error) {
		pix[i] = 1 // index out of range, as a decoder bug would raise
		return nil, nil
	})
	if !errors.Is(err, ErrCorrupt) || img != nil {
		t.Fatalf("guard(panicking call) = %v, %v; want nil, ErrCorrupt", img, err)
	}
	if want := "imaging: corrupt image: webp: decoder panicked: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want prefix %q", err, want)
	}
}

func TestDecodeConfigReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	data := encodeAs(t, PNG, photo(20, 10))
	for name, r := range map[string]io.Reader{
		"at once":     iotest.ErrReader(boom),
		"after magic": io.MultiReader(bytes.NewReader(data[:20]), iotest.ErrReader(boom)),
	} {
		if _, err := DecodeConfig(r); !errors.Is(err, boom) || sentinel(err) != "" {
			t.Errorf("DecodeConfig(%s) error = %v, want the read error and no sentinel", name, err)
		}
		if _, _, err := DecodeReader(io.MultiReader(bytes.NewReader(data[:20]), iotest.ErrReader(boom)), DefaultLimits()); !errors.Is(err, boom) {
			t.Errorf("DecodeReader error = %v, want the read error", err)
		}
	}
}

// TestGIFFirstFrame checks that of an animated GIF only the first frame is decoded.
func TestGIFFirstFrame(t *testing.T) {
	t.Parallel()
	pal := color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{255, 255, 255, 255}}
	first := image.NewPaletted(image.Rect(0, 0, 8, 6), pal)
	second := image.NewPaletted(first.Rect, pal)
	for i := range second.Pix {
		second.Pix[i] = 1
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{first, second}, Delay: []int{5, 5}}); err != nil {
		t.Fatal(err)
	}
	img, _, err := Decode(buf.Bytes(), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if d := samePixels(img, first); d != "" {
		t.Errorf("decoded image is not the first frame: %s", d)
	}
}

// TestGIFFrameOffset checks a first frame smaller than the logical screen: it comes back at the
// origin with its own size, and Info says so, while DecodeConfig reports the screen.
func TestGIFFrameOffset(t *testing.T) {
	t.Parallel()
	pal := color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{255, 255, 255, 255}}
	frame := image.NewPaletted(image.Rect(10, 5, 30, 25), pal)
	frame.SetColorIndex(10, 5, 1)
	var buf bytes.Buffer
	g := &gif.GIF{Image: []*image.Paletted{frame}, Delay: []int{0}, Config: image.Config{ColorModel: pal, Width: 40, Height: 30}}
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	img, info, err := Decode(buf.Bytes(), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := img.Bounds(), image.Rect(0, 0, 20, 20); got != want {
		t.Errorf("Bounds() = %v, want %v", got, want)
	}
	if want := (Info{GIF, 20, 20}); info != want {
		t.Errorf("Info = %v, want %v", info, want)
	}
	if got := img.(*image.Paletted).ColorIndexAt(0, 0); got != 1 {
		t.Errorf("pixel (0, 0) has index %d, want 1 (the frame's top-left)", got)
	}
	cfg, err := DecodeConfig(bytes.NewReader(buf.Bytes()))
	if want := (Info{GIF, 40, 30}); err != nil || cfg != want {
		t.Errorf("DecodeConfig = %v, %v; want %v, nil", cfg, err, want)
	}
}

// gifBytes writes a one-frame GIF by hand, with a Graphic Control Extension naming a transparent
// index when trans >= 0, so that the colour table can store any colour at that index.
func gifBytes(t *testing.T, w, h int, table [][3]byte, trans int, pix []byte) []byte {
	t.Helper()
	bits := 0
	for 1<<(bits+1) < len(table) {
		bits++
	}
	out := []byte("GIF89a")
	out = append(out, byte(w), byte(w>>8), byte(h), byte(h>>8), 0x80|byte(bits), 0, 0)
	for i := range 1 << (bits + 1) {
		if i < len(table) {
			out = append(out, table[i][:]...)
		} else {
			out = append(out, 0, 0, 0)
		}
	}
	if trans >= 0 {
		out = append(out, 0x21, 0xf9, 4, 0x01, 0, 0, byte(trans), 0)
	}
	out = append(out, 0x21, 0xfe, 3, 'h', 'i', '!', 0) // a comment, to be walked over
	out = append(out, 0x2c, 0, 0, 0, 0, byte(w), byte(w>>8), byte(h), byte(h>>8), 0)
	// Encode the pixels with image/gif's own LZW by way of a throwaway file, then splice its
	// image data in: simpler than a second LZW writer.
	pm := image.NewPaletted(image.Rect(0, 0, w, h), make(color.Palette, 1<<(bits+1)))
	for i := range pm.Palette {
		pm.Palette[i] = color.RGBA{0, 0, 0, 255}
	}
	copy(pm.Pix, pix)
	var buf bytes.Buffer
	if err := gif.Encode(&buf, pm, &gif.Options{NumColors: len(pm.Palette)}); err != nil {
		t.Fatal(err)
	}
	enc := buf.Bytes()
	pos := 13 + 3<<(1+enc[10]&7)
	for enc[pos] == 0x21 { // extensions image/gif may write
		pos += 2
		for enc[pos] != 0 {
			pos += 1 + int(enc[pos])
		}
		pos++
	}
	if enc[pos] != 0x2c || enc[pos+9]&0x80 != 0 {
		t.Fatalf("image/gif output: no image descriptor without local table at %d", pos)
	}
	imageData := enc[pos+10:]
	return append(out, imageData...)
}

// TestGIFTransparentColour checks that the transparent palette entry keeps the colour the file
// stores, with alpha 0, instead of image/gif's transparent black.
func TestGIFTransparentColour(t *testing.T) {
	t.Parallel()
	table := [][3]byte{{10, 20, 30}, {200, 150, 100}, {1, 2, 3}, {4, 5, 6}}
	pix := []byte{0, 1, 2, 3, 1, 1}
	tests := []struct {
		name  string
		trans int
		want  color.Color // palette entry 1
	}{
		{"transparent index 1", 1, color.NRGBA{200, 150, 100, 0}},
		{"no transparency", -1, color.RGBA{200, 150, 100, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img, _, err := Decode(gifBytes(t, 3, 2, table, tt.trans, pix), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			p := img.(*image.Paletted)
			if got := p.Palette[1]; got != tt.want {
				t.Errorf("Palette[1] = %#v, want %#v", got, tt.want)
			}
			if got := p.Palette[0]; got != (color.RGBA{10, 20, 30, 255}) {
				t.Errorf("Palette[0] = %#v, want opaque {10 20 30}", got)
			}
			if got := p.ColorIndexAt(1, 0); got != 1 {
				t.Errorf("pixel (1, 0) has index %d, want 1", got)
			}
		})
	}

	// A transparent index past the colour table: image/gif pads the palette with transparent
	// black, and there is no stored colour to restore.
	img, _, err := Decode(gifBytes(t, 3, 2, table, 9, pix), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got := img.(*image.Paletted).Palette[9]; got != (color.RGBA{}) {
		t.Errorf("Palette[9] = %#v, want transparent black", got)
	}
}

// TestAnimatedWebP checks that an animated WebP, whose frames x/image/webp cannot read, is
// reported as unsupported rather than corrupt.
func TestAnimatedWebP(t *testing.T) {
	t.Parallel()
	vp8x := vp8xChunk(40, 24, false)
	vp8x[8] |= 0x02 // animation
	anim := riffChunk("ANIM", make([]byte, 6))
	frame := riffChunk("ANMF", append(make([]byte, 16), webpLossy(40, 24)[12:]...))
	data := riffWebP(append(append(vp8x, anim...), frame...))
	if _, _, err := Decode(data, DefaultLimits()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Decode(animated WebP) error = %v, want ErrUnsupported", err)
	}
}
