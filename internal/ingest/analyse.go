package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/exif"
	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/internal/imaging"
	"github.com/vidb-project/vidb/internal/video"
	"github.com/vidb-project/vidb/pdq"
)

// warnNoVideo is the warning of a video stored without frame hashes.
const warnNoVideo = "video stored without frame hashes: ffmpeg not configured"

// analysis is what vidb learns from an upload's content.
type analysis struct {
	kind          catalog.MediaKind
	mime          string
	width, height int
	duration      time.Duration
	pdq           *catalog.PDQ
	// dihedral holds the 8 dihedral hashes of an image, the query of a near search.
	dihedral []pdq.Hash
	exif     *exif.Info
	frames   []video.Frame
	warnings []string
}

// mimeType returns the MIME type of a format fingerprint.Sniff names.
func mimeType(format string) string {
	switch format {
	case "jpeg", "png", "gif", "webp", "bmp", "tiff", "heic", "avif":
		return "image/" + format
	case "mp4", "mpeg":
		return "video/" + format
	case "mov":
		return "video/quicktime"
	case "matroska":
		return "video/x-matroska"
	case "avi":
		return "video/x-msvideo"
	case "asf":
		return "video/x-ms-asf"
	case "flv":
		return "video/x-flv"
	case "mpegts":
		return "video/mp2t"
	}
	return "application/octet-stream"
}

// analyse recognises the spooled upload by its content and hashes it.
func (p *Pipeline) analyse(ctx context.Context, sp *spooled) (analysis, error) {
	head, err := readHead(sp.path, 512)
	if err != nil {
		return analysis{}, err
	}
	kind, format := fingerprint.Sniff(head)
	switch kind {
	case fingerprint.KindImage:
		data, err := p.readImage(sp)
		if err != nil {
			return analysis{}, err
		}
		a, err := p.analyseImage(data)
		a.mime = mimeType(format)
		return a, err
	case fingerprint.KindVideo:
		a, err := p.analyseVideo(ctx, sp.path)
		a.mime = mimeType(format)
		return a, err
	}
	return analysis{}, fmt.Errorf("%w: the content is neither an image nor a video", ErrUnsupported)
}

func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ingest: reading spool: %w", err)
	}
	defer f.Close()
	head := make([]byte, n)
	k, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("ingest: reading spool: %w", err)
	}
	return head[:k], nil
}

func (p *Pipeline) readImage(sp *spooled) ([]byte, error) {
	if sp.sum.Size > p.cfg.Limits.MaxBytes {
		return nil, fmt.Errorf("%w: %w: %d bytes, budget %d", ErrTooLarge, imaging.ErrTooLarge, sp.sum.Size, p.cfg.Limits.MaxBytes)
	}
	data, err := os.ReadFile(sp.path)
	if err != nil {
		return nil, fmt.Errorf("ingest: reading spool: %w", err)
	}
	return data, nil
}

// imageError maps a decoding error onto the package's errors, keeping the cause.
func imageError(err error) error {
	switch {
	case errors.Is(err, imaging.ErrTooManyPixels), errors.Is(err, imaging.ErrTooLarge):
		return fmt.Errorf("%w: %w", ErrTooLarge, err)
	case errors.Is(err, imaging.ErrUnknownFormat), errors.Is(err, imaging.ErrUnsupported):
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return fmt.Errorf("%w: %w", ErrUndecodable, err)
}

// hashImage decodes an image file within the budget and returns its dimensions, its PDQ hash
// (as pdq.Hasher.Image computes it: the one stored) and its dihedral PDQ hashes (the queries).
func (p *Pipeline) hashImage(data []byte) (imaging.Info, pdq.Result, pdq.DihedralResult, error) {
	if _, ok := imaging.Sniff(data); !ok {
		return imaging.Info{}, pdq.Result{}, pdq.DihedralResult{}, fmt.Errorf("%w: this image format cannot be decoded", ErrUnsupported)
	}
	img, info, err := imaging.Decode(data, p.cfg.Limits)
	if err != nil {
		return info, pdq.Result{}, pdq.DihedralResult{}, imageError(err)
	}
	h, _ := p.hashers.Get().(*pdq.Hasher)
	if h == nil {
		h = pdq.NewHasher(pdq.FullRes)
	}
	r, d, err := h.ImageAndDihedral(img)
	p.hashers.Put(h)
	if err != nil {
		return info, r, d, fmt.Errorf("%w: %w", ErrUndecodable, err)
	}
	return info, r, d, nil
}

func (p *Pipeline) analyseImage(data []byte) (analysis, error) {
	a := analysis{kind: catalog.KindImage}
	info, r, d, err := p.hashImage(data)
	if err != nil {
		return a, err
	}
	a.width, a.height = info.Width, info.Height
	a.pdq = &catalog.PDQ{Hash: r.Hash, Quality: r.Quality, Flavour: r.Flavour}
	if d.Quality >= p.cfg.MinQuality {
		a.dihedral = d.Hashes[:]
	}
	a.exif = readExif(data)
	return a, nil
}

// readExif returns the image's EXIF metadata without its thumbnail, nil when it has none. A
// damaged block gives what could be read.
func readExif(data []byte) *exif.Info {
	info, err := exif.Read(data)
	if errors.Is(err, exif.ErrNoExif) {
		return nil
	}
	info.Thumbnail = nil
	if reflect.ValueOf(info).IsZero() {
		return nil
	}
	return &info
}

func (p *Pipeline) analyseVideo(ctx context.Context, path string) (analysis, error) {
	a := analysis{kind: catalog.KindVideo}
	if p.video == nil {
		a.warnings = append(a.warnings, warnNoVideo)
		return a, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return a, fmt.Errorf("ingest: %w", err)
	}
	info, frames, err := p.video.Hash(ctx, abs)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return a, &readFailure{err: ctx.Err()}
	case errors.Is(err, video.ErrTooLarge):
		return a, fmt.Errorf("%w: %w", ErrTooLarge, err)
	case errors.Is(err, video.ErrBadVideo), errors.Is(err, video.ErrTimeout):
		return a, fmt.Errorf("%w: %w", ErrUndecodable, err)
	default:
		return a, fmt.Errorf("ingest: hashing video: %w", err)
	}
	a.width, a.height, a.duration = info.Width, info.Height, info.Duration
	a.frames = frames
	return a, nil
}

// catalogFrames converts video frame hashes for the store.
func catalogFrames(fs []video.Frame) []catalog.Frame {
	out := make([]catalog.Frame, len(fs))
	for i, f := range fs {
		out[i] = catalog.Frame{Number: f.Number, Timestamp: f.Timestamp, PDQ: catalog.PDQ{Hash: f.Hash, Quality: f.Quality, Flavour: pdq.FullRes}}
	}
	return out
}

// videoFrames converts stored frame hashes for package video.
func videoFrames(fs []catalog.Frame) []video.Frame {
	out := make([]video.Frame, len(fs))
	for i, f := range fs {
		out[i] = video.Frame{Number: f.Number, Timestamp: f.Timestamp, Seconds: float32(f.Timestamp.Seconds()), Hash: f.PDQ.Hash, Quality: f.PDQ.Quality}
	}
	return out
}
