package imaging

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// Errors returned by DecodeConfig, Decode and DecodeReader; check with errors.Is. Every error those
// functions return wraps exactly one of them, except that a failure to read from the io.Reader
// given to DecodeConfig or DecodeReader is returned as that read error, wrapped. Errors that come
// from a format's decoder also wrap the decoder's own error.
var (
	// ErrUnknownFormat means the data is not an image in a format this package decodes.
	ErrUnknownFormat = errors.New("imaging: unknown image format")
	// ErrTooManyPixels means the header declares an image over the pixel budget (Limits.MaxPixels)
	// or a side longer than MaxDimension. It is detected before any pixel memory is allocated.
	ErrTooManyPixels = errors.New("imaging: image over the pixel budget")
	// ErrTooLarge means the encoded file is over the byte budget (Limits.MaxBytes).
	ErrTooLarge = errors.New("imaging: file over the byte budget")
	// ErrCorrupt means the file is truncated or malformed, or its decoder failed or panicked.
	ErrCorrupt = errors.New("imaging: corrupt image")
	// ErrUnsupported means the file is a known format but uses a feature its decoder does not
	// implement (such as an arithmetic-coded JPEG, an RLE-compressed BMP, an unusual TIFF
	// compression or an animated WebP), or a structure that would cost far more decoding work
	// than its size justifies (a JPEG with hundreds of scans, a TIFF cut into hundreds of
	// thousands of tiles).
	ErrUnsupported = errors.New("imaging: unsupported image feature")
)

// MaxDimension is the longest side, in pixels, that Decode accepts whatever the pixel budget.
// Longer sides only occur in hostile files.
const MaxDimension = 1 << 20

// Work bounds for inputs that cost far more decoding time than their size suggests; see
// precheckJPEG and precheckTIFF. A file over them is ErrUnsupported. Real files stay far below:
// encoders write about 10 JPEG scans, and TIFF strips or tiles of a few kilobytes.
const (
	maxJPEGScans      = 500           // as TurboJPEG's TJFLAG_LIMITSCANS
	minJPEGScans      = 50            // always accepted, whatever the area
	maxJPEGScanPixels = 5_000_000_000 // about 10 s of the worst kind of scan
	maxTIFFBlocks     = 1 << 17       // about 2 s of decompressor set-up
)

// Limits bounds the resources one decode may use. Fields that are zero or negative take their
// value from DefaultLimits, so a zero Limits is safe.
//
// Peak memory is proportional to MaxPixels: the decoded image takes 1 to 8 bytes per pixel
// (8 for 16-bit RGBA), and some decoders need working memory on top, up to about 24 bytes per
// pixel in the worst case (a progressive CMYK JPEG keeps 16 bytes of coefficients per pixel; a
// compressed TIFF strip may inflate to 8 bytes per pixel in a buffer that grows by doubling).
// So under DefaultLimits one hostile file can make a decode use about 2.4 GB, although a
// 12-megapixel baseline JPEG from a phone needs about 20 MB. Callers running decodes in
// parallel should bound their number accordingly; DecodeConfig gives the pixel count first.
type Limits struct {
	// MaxPixels bounds width*height of the image, as declared by its header and as decoded.
	MaxPixels int64
	// MaxBytes bounds the size of the encoded file.
	MaxBytes int64
}

// DefaultLimits returns the limits for seized media: 100 megapixels and 256 MiB of encoded input.
func DefaultLimits() Limits {
	return Limits{MaxPixels: 100_000_000, MaxBytes: 256 << 20}
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	return l
}

// Info describes an image file.
type Info struct {
	// Format is the file's format, recognised from its magic bytes.
	Format Format
	// Width and Height are in pixels. From DecodeConfig they are the header's. From Decode they
	// are those of the returned image, which equal the header's except for a GIF whose first
	// frame covers only part of its logical screen: then they are the frame's.
	Width, Height int
}

// codec is one format's decoder, called directly rather than through image.RegisterFormat.
type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

func codecFor(f Format) codec {
	switch f {
	case JPEG:
		return codec{jpeg.DecodeConfig, jpeg.Decode}
	case PNG:
		return codec{png.DecodeConfig, png.Decode}
	case GIF:
		// gif.Decode reads up to the first frame and stops there.
		return codec{gif.DecodeConfig, gif.Decode}
	case WebP:
		return codec{webp.DecodeConfig, webp.Decode}
	case BMP:
		return codec{bmp.DecodeConfig, bmp.Decode}
	case TIFF:
		return codec{tiff.DecodeConfig, tiff.Decode}
	}
	panic("imaging: no codec for format " + string(f))
}

// DecodeConfig sniffs the format of the image in r and reads its header: the format and the
// dimensions, without decoding pixels. It reads little more of r than the header (a buffer's
// worth), never more than DefaultLimits().MaxBytes. For a GIF the dimensions are those of the
// logical screen.
//
// A header declaring a zero or negative size is ErrCorrupt. DecodeConfig applies no pixel budget:
// Decode does.
func DecodeConfig(r io.Reader) (Info, error) {
	rec := &readRecorder{r: io.LimitReader(r, DefaultLimits().MaxBytes)}
	br := bufio.NewReader(rec)
	head, _ := br.Peek(SniffLen) // a short read leaves a short head, which Sniff judges
	f, ok := Sniff(head)
	if !ok && rec.err == nil {
		return Info{}, ErrUnknownFormat
	}
	info, err := Info{}, error(nil)
	if ok {
		info, err = readConfig(f, br)
	}
	if rec.err != nil {
		// The decoder failed because reading failed, not because of the data.
		return Info{}, fmt.Errorf("imaging: reading image: %w", rec.err)
	}
	return info, err
}

// readRecorder passes reads through and remembers the first error other than io.EOF.
type readRecorder struct {
	r   io.Reader
	err error
}

func (rr *readRecorder) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	if err != nil && err != io.EOF && rr.err == nil {
		rr.err = err
	}
	return n, err
}

func readConfig(f Format, r io.Reader) (Info, error) {
	cfg, err := guard(f, func() (image.Config, error) { return codecFor(f).config(r) })
	if err != nil {
		return Info{}, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Info{}, fmt.Errorf("%w: %s: header declares a %dx%d image",
			ErrCorrupt, f, cfg.Width, cfg.Height)
	}
	return Info{Format: f, Width: cfg.Width, Height: cfg.Height}, nil
}

// Decode decodes the image file held in data: it sniffs the format, reads the header, refuses an
// image over the budgets of lim before allocating its pixels, then decodes it with that format's
// decoder and checks the result against the header. data is not modified or retained.
//
// The image is returned as the decoder produced it, with stored non-premultiplied colour, no alpha
// compositing, no colour conversion and no EXIF orientation applied, and with Bounds starting at
// (0, 0). For a GIF, only the first frame is decoded (an animation's other frames are ignored):
// an *image.Paletted whose transparent palette entry keeps the colour the file stores, with alpha
// 0. The returned Info describes the returned image.
//
// A truncated or malformed file, or one that makes its decoder panic, is ErrCorrupt; see the
// other Err values for the rest.
func Decode(data []byte, lim Limits) (image.Image, Info, error) {
	lim = lim.orDefault()
	if int64(len(data)) > lim.MaxBytes {
		return nil, Info{}, fmt.Errorf("%w: %d bytes, budget %d", ErrTooLarge, len(data), lim.MaxBytes)
	}
	f, ok := Sniff(data)
	if !ok {
		return nil, Info{}, ErrUnknownFormat
	}
	info, err := readConfig(f, bytes.NewReader(data))
	if err != nil {
		return nil, Info{}, err
	}
	if err := checkBudget(info, lim); err != nil {
		return nil, Info{}, err
	}
	if err := precheck(data, info); err != nil {
		return nil, Info{}, err
	}
	img, err := guard(f, func() (image.Image, error) {
		return codecFor(f).decode(bytes.NewReader(data))
	})
	if err != nil {
		return nil, Info{}, err
	}
	return checkDecoded(data, img, info, lim)
}

// DecodeReader reads an image file from r and decodes it as Decode does. It reads at most
// lim.MaxBytes+1 bytes, and refuses a file longer than lim.MaxBytes with ErrTooLarge. When the
// first bytes are not an image it stops reading there with ErrUnknownFormat.
func DecodeReader(r io.Reader, lim Limits) (image.Image, Info, error) {
	lim = lim.orDefault()
	lr := io.LimitReader(r, lim.MaxBytes+1)
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(lr, head)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// A file shorter than SniffLen; Sniff and Decode judge it.
	case err != nil:
		return nil, Info{}, fmt.Errorf("imaging: reading image: %w", err)
	}
	head = head[:n]
	if _, ok := Sniff(head); !ok {
		return nil, Info{}, ErrUnknownFormat
	}
	buf := bytes.NewBuffer(head)
	if _, err := buf.ReadFrom(lr); err != nil {
		return nil, Info{}, fmt.Errorf("imaging: reading image: %w", err)
	}
	return Decode(buf.Bytes(), lim)
}

// checkBudget refuses a header whose dimensions are absurd or over the pixel budget.
func checkBudget(info Info, lim Limits) error {
	if info.Width > MaxDimension || info.Height > MaxDimension {
		return fmt.Errorf("%w: %s: %dx%d has a side over %d",
			ErrTooManyPixels, info.Format, info.Width, info.Height, MaxDimension)
	}
	// Both sides are at most 2^20, so the product cannot overflow an int64.
	if px := int64(info.Width) * int64(info.Height); px > lim.MaxPixels {
		return fmt.Errorf("%w: %s: %dx%d is %d pixels, budget %d",
			ErrTooManyPixels, info.Format, info.Width, info.Height, px, lim.MaxPixels)
	}
	return nil
}

// checkDecoded checks that the decoder returned what the header announced, with pixel buffers
// large enough for its bounds, so that no later reader of the image can index out of range.
func checkDecoded(data []byte, img image.Image, info Info, lim Limits) (image.Image, Info, error) {
	f := info.Format
	if img == nil {
		return nil, Info{}, fmt.Errorf("%w: %s: decoder returned no image", ErrCorrupt, f)
	}
	header := image.Rect(0, 0, info.Width, info.Height)
	b := img.Bounds()
	if f == GIF {
		// The first frame may cover only part of the logical screen.
		p, ok := img.(*image.Paletted)
		if !ok || b.Empty() || !b.In(header) {
			return nil, Info{}, fmt.Errorf("%w: gif: first frame %v outside the screen %v",
				ErrCorrupt, b, header)
		}
		img = gifFrame(data, p)
		b = img.Bounds()
		info.Width, info.Height = b.Dx(), b.Dy()
	} else if b != header {
		return nil, Info{}, fmt.Errorf("%w: %s: decoded bounds %v, header says %v",
			ErrCorrupt, f, b, header)
	}
	if err := checkBudget(info, lim); err != nil {
		return nil, Info{}, err
	}
	if err := checkBuffers(img); err != nil {
		return nil, Info{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, f, err)
	}
	return img, info, nil
}

// guard runs one call into a format's decoder. It turns a panic into ErrCorrupt, and classifies
// the decoder's error as ErrUnsupported or ErrCorrupt.
func guard[T any](f Format, call func() (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			var zero T
			v, err = zero, fmt.Errorf("%w: %s: decoder panicked: %v", ErrCorrupt, f, p)
		}
	}()
	v, err = call()
	if err != nil {
		var zero T
		return zero, classify(f, err)
	}
	return v, nil
}

func classify(f Format, err error) error {
	kind := ErrCorrupt
	var (
		jpegUnsupported jpeg.UnsupportedError
		pngUnsupported  png.UnsupportedError
		tiffUnsupported tiff.UnsupportedError
	)
	if errors.As(err, &jpegUnsupported) || errors.As(err, &pngUnsupported) ||
		errors.As(err, &tiffUnsupported) || errors.Is(err, bmp.ErrUnsupported) {
		kind = ErrUnsupported
	}
	// Most decoder messages already start with the format's name ("png: ...").
	if strings.HasPrefix(err.Error(), string(f)+":") {
		return fmt.Errorf("%w: %w", kind, err)
	}
	return fmt.Errorf("%w: %s: %w", kind, f, err)
}
