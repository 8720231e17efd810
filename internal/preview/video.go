package preview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/imaging"
	"github.com/vidb-project/vidb/internal/video"
)

// stills renders n blurred stills spread over video m, from the cache when it has them. The
// plaintext goes to a 0600 spool file that is removed before stills returns; the frames are
// decoded by video.Hasher.Still, which holds all the hardening of the ffmpeg runs.
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
	var last error
	for i := range n {
		at := time.Duration(float64(d) * (float64(i) + 0.5) / float64(n))
		frame, err := s.hasher.Still(ctx, path, at, frameSide)
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("%w: %w", ErrNoPreview, ctx.Err())
		case errors.Is(err, video.ErrBadVideo):
			// Past the last frame the stream really has (a declared duration can be longer),
			// or a frame ffmpeg cannot decode: the sheet goes on without it.
			last = err
			continue
		case err != nil:
			return nil, fmt.Errorf("%w: frame at %v: %w", ErrNoPreview, at, err)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, imaging.Preview(frame, imaging.PreviewOptions(o))); err != nil {
			return nil, err
		}
		out = append(out, Still{Timestamp: at, PNG: buf.Bytes()})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no frame could be extracted: %w", ErrNoPreview, last)
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
