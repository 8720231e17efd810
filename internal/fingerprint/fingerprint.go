package fingerprint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/vidb-project/vidb/internal/digest"
	"github.com/vidb-project/vidb/internal/imaging"
	"github.com/vidb-project/vidb/pdq"
)

// ErrNotRegular is returned for a path that is not a regular file (a device, a pipe, a socket):
// reading one could block for ever or never end.
var ErrNotRegular = errors.New("not a regular file")

// Options says what to compute beyond the digests.
type Options struct {
	Flavour  pdq.Flavour    // PDQ flavour; the zero value means pdq.FullRes
	Dihedral bool           // also compute the 8 dihedral hashes
	Limits   imaging.Limits // decoding budget; the zero value means imaging.DefaultLimits
	// Pixels, if set, is the budget of decoded pixels that the Hashers sharing it hold at once:
	// an image takes its declared width*height from it before it is decoded and gives them
	// back once hashed. nil means no bound beyond Limits (Walk makes one; see WalkOptions).
	Pixels *PixelBudget
}

func (o Options) withDefaults() Options {
	if o.Flavour == "" {
		o.Flavour = pdq.FullRes
	}
	// As imaging does, each limit that is not positive takes its default.
	d := imaging.DefaultLimits()
	if o.Limits.MaxPixels <= 0 {
		o.Limits.MaxPixels = d.MaxPixels
	}
	if o.Limits.MaxBytes <= 0 {
		o.Limits.MaxBytes = d.MaxBytes
	}
	return o
}

// Fingerprint is what one file's bytes say about it. Digests are filled whenever the bytes could
// be read, even when decoding then failed, so that a failed file can still be matched exactly.
type Fingerprint struct {
	Path string
	// Digest holds the digests of the file's bytes when Digested is true.
	Digest   digest.Sum
	Digested bool
	Kind     Kind
	Format   string // "jpeg", "png", ... or a video container; empty for KindOther
	Width    int    // image width in pixels; 0 when not decoded
	Height   int
	// PDQ is set for decoded images.
	PDQ *pdq.Result
	// Dihedral is set for decoded images when Options.Dihedral is true.
	Dihedral *pdq.DihedralResult
}

// keepBuffer is the largest read buffer a Hasher keeps between files.
const keepBuffer = 64 << 20

// Hasher fingerprints files one at a time, reusing its buffers. It is not safe for concurrent
// use: give each goroutine its own.
type Hasher struct {
	opts Options
	pdq  *pdq.Hasher
	buf  []byte // file contents, reused between files
}

// NewHasher returns a Hasher with the given options.
func NewHasher(opts Options) *Hasher {
	opts = opts.withDefaults()
	return &Hasher{opts: opts, pdq: pdq.NewHasher(opts.Flavour)}
}

// File fingerprints the regular file at path. Files within the decoding byte budget are read
// into memory once and digested, sniffed and decoded from there; larger files are digested as
// a stream. The returned Fingerprint carries whatever was learnt before an error.
func (h *Hasher) File(path string) (Fingerprint, error) {
	fp := Fingerprint{Path: path}
	// Refuse a pipe or device before opening it: opening a FIFO for reading blocks until a
	// writer comes. O_NONBLOCK covers the file being swapped for one between Stat and Open.
	if fi, err := os.Stat(path); err != nil {
		return fp, err
	} else if !fi.Mode().IsRegular() {
		return fp, fmt.Errorf("%w (%s)", ErrNotRegular, fi.Mode().Type())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return fp, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fp, err
	}
	if !fi.Mode().IsRegular() {
		return fp, fmt.Errorf("%w (%s)", ErrNotRegular, fi.Mode().Type())
	}
	if fi.Size() > h.opts.Limits.MaxBytes {
		return h.stream(fp, f)
	}
	data, err := h.readAll(f, fi.Size())
	if err != nil {
		return fp, err
	}
	if int64(len(data)) > h.opts.Limits.MaxBytes { // the file grew while we read it
		return h.stream(fp, io.MultiReader(bytes.NewReader(data), f))
	}
	fp2, err := h.Bytes(data)
	fp2.Path = path
	return fp2, err
}

// readAll reads f, whose size was size when it was opened, into the reused buffer. It reads one
// byte past the expected size so that a file that grew is noticed; such a file is read whole up
// to one byte over the budget.
func (h *Hasher) readAll(f io.Reader, size int64) ([]byte, error) {
	want := int(size) + 1
	var buf []byte
	switch {
	case want > keepBuffer:
		buf = make([]byte, want) // rare; not kept, so one huge file does not pin its memory
	case cap(h.buf) < want:
		h.buf = make([]byte, max(want, 1<<20))
		fallthrough
	default:
		buf = h.buf[:want]
	}
	n, err := io.ReadFull(f, buf)
	switch err {
	case nil: // grew past its stat size: read on, within the budget
		rest, err := io.ReadAll(io.LimitReader(f, h.opts.Limits.MaxBytes-int64(n)+1))
		if err != nil {
			return nil, err
		}
		return append(buf[:n:n], rest...), nil
	case io.EOF, io.ErrUnexpectedEOF:
		return buf[:n], nil
	default:
		return nil, err
	}
}

// stream digests a file too large to decode. Images in it are reported as over the budget.
func (h *Hasher) stream(fp Fingerprint, r io.Reader) (Fingerprint, error) {
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return fp, err
	}
	head = head[:n]
	fp.Kind, fp.Format = Sniff(head)
	d := digest.New()
	d.Write(head)
	if _, err := io.Copy(d, r); err != nil {
		return fp, err
	}
	fp.Digest, fp.Digested = d.Sum(), true
	if fp.Kind == KindImage {
		return fp, fmt.Errorf("%w: %d bytes, the budget is %d", imaging.ErrTooLarge, fp.Digest.Size, h.opts.Limits.MaxBytes)
	}
	return fp, nil
}

// Bytes fingerprints a file held in memory. data is not retained.
func (h *Hasher) Bytes(data []byte) (Fingerprint, error) {
	var fp Fingerprint
	fp.Digest, fp.Digested = digest.Bytes(data), true
	fp.Kind, fp.Format = Sniff(data[:min(len(data), sniffLen)])
	if fp.Kind != KindImage {
		return fp, nil
	}
	if _, ok := imaging.Sniff(data); !ok {
		return fp, fmt.Errorf("%w: %s images cannot be decoded yet", imaging.ErrUnsupported, fp.Format)
	}
	defer h.opts.Pixels.AcquireImage(data, h.opts.Limits)()
	img, info, err := imaging.Decode(data, h.opts.Limits)
	if err != nil {
		return fp, err
	}
	fp.Width, fp.Height = info.Width, info.Height
	if h.opts.Dihedral {
		r, d, err := h.pdq.ImageAndDihedral(img)
		if err != nil {
			return fp, err
		}
		fp.PDQ, fp.Dihedral = &r, &d
		return fp, nil
	}
	r, err := h.pdq.Image(img)
	if err != nil {
		return fp, err
	}
	fp.PDQ = &r
	return fp, nil
}
