package preview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/imaging"
)

// maxFramePNG bounds the PNG ffmpeg may write for one extracted frame (1024 x 1024 rgb24 is
// 3 MiB uncompressed; PNG adds little even for noise).
const maxFramePNG = 8 << 20

// stills renders n blurred stills spread over video m, from the cache when it has them. The
// plaintext goes to a 0600 spool file that is removed before stills returns.
func (s *Service) stills(ctx context.Context, m catalog.Media, n int, o Options) ([]Still, error) {
	if s.hasher == nil {
		return nil, fmt.Errorf("%w: contact sheets are not configured", ErrNoPreview)
	}
	key := cacheKey{media: m.ID, blob: m.Blob, opts: o, n: n}
	if st, ok := s.cache.get(key); ok {
		return st, nil
	}
	if m.Size > s.cfg.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes over the limit", ErrNoPreview, m.Size)
	}
	release, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	path, err := s.spool(ctx, m)
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)

	info, err := s.hasher.Probe(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoPreview, err)
	}
	d := info.Duration
	if d <= 0 {
		d = m.Duration
	}
	if d <= 0 {
		n = 1 // no duration to spread stills over: the first frame
	}
	var out []Still
	for i := range n {
		at := time.Duration(float64(d) * (float64(i) + 0.5) / float64(n))
		frame, err := s.frame(ctx, path, at)
		if err != nil {
			return nil, err
		}
		if frame == nil {
			continue // past the last frame the stream really has
		}
		img, _, err := imaging.Decode(frame, s.cfg.Limits)
		if err != nil {
			return nil, fmt.Errorf("%w: frame at %v: %w", ErrNoPreview, at, err)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, imaging.Preview(img, imaging.PreviewOptions(o))); err != nil {
			return nil, err
		}
		out = append(out, Still{Timestamp: at, PNG: buf.Bytes()})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: ffmpeg extracted no frame", ErrNoPreview)
	}
	s.cache.put(key, out)
	return out, nil
}

// spool decrypts m's content into a new file of mode 0600 in the spool folder and returns its
// absolute path; the content is verified to its end before the path is returned. The caller
// removes the file.
func (s *Service) spool(ctx context.Context, m catalog.Media) (_ string, err error) {
	f, err := os.CreateTemp(s.cfg.SpoolDir, blob.TempPrefix+"preview-*")
	if err != nil {
		return "", fmt.Errorf("spooling media %d: %w", m.ID, err)
	}
	path := f.Name()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("spooling media %d: %w", m.ID, cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return "", fmt.Errorf("spooling media %d: %w", m.ID, err)
	}
	r, err := s.vault.Open(ctx, m.Digests.SHA256)
	if err != nil {
		return "", s.contentError(m.ID, err)
	}
	defer r.Close()
	n, err := io.Copy(f, io.LimitReader(r, s.cfg.MaxBytes+1))
	if err != nil {
		return "", s.contentError(m.ID, err)
	}
	if n > s.cfg.MaxBytes {
		return "", fmt.Errorf("%w: content over %d bytes", ErrNoPreview, s.cfg.MaxBytes)
	}
	if path, err = filepath.Abs(path); err != nil {
		return "", err
	}
	return path, nil
}

// frame runs ffmpeg for the frame at time at of the video at path, scaled to fit frameSide,
// as PNG; nil when the video has no frame there. The file was probed first, which refuses
// playlists and concatenation scripts; ffmpeg may open local files only, reads no standard
// input, and runs under a deadline with its output bounded.
func (s *Service) frame(ctx context.Context, path string, at time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, frameTimeout)
	defer cancel()
	scale := "scale=w='min(iw," + strconv.Itoa(frameSide) + ")':h='min(ih," + strconv.Itoa(frameSide) +
		")':force_original_aspect_ratio=decrease"
	args := []string{
		"-nostdin", "-hide_banner", "-loglevel", "error",
		"-protocol_whitelist", "file",
		"-ss", strconv.FormatFloat(at.Seconds(), 'f', 3, 64),
		"-i", "file:" + path,
		"-map", "0:v:0", "-frames:v", "1", "-vf", scale,
		"-f", "image2pipe", "-c:v", "png", "pipe:1",
	}
	cmd := exec.CommandContext(ctx, s.ffmpeg, args...)
	cmd.Stdin = nil
	var stdout, stderr boundedBuffer
	stdout.max, stderr.max = maxFramePNG, 4096
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%w: ffmpeg: %w", ErrNoPreview, ctx.Err())
	case stdout.over:
		return nil, fmt.Errorf("%w: ffmpeg wrote a frame over %d bytes", ErrNoPreview, maxFramePNG)
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("%w: ffmpeg: %v: %s", ErrNoPreview, err, bytes.TrimSpace(stderr.buf.Bytes()))
		}
		return nil, fmt.Errorf("%w: running ffmpeg: %w", ErrNoPreview, err)
	case stdout.buf.Len() == 0:
		return nil, nil
	}
	return stdout.buf.Bytes(), nil
}

// boundedBuffer keeps at most max bytes and notes when more were written.
type boundedBuffer struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); len(p) > room {
		b.over = true
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.buf.Write(p)
}
