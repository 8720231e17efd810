package preview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/vidb-project/vidb/internal/audit"
	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/exif"
	"github.com/vidb-project/vidb/internal/imaging"
	"github.com/vidb-project/vidb/internal/video"
)

// Config configures a Service.
type Config struct {
	// DailyRevealLimit is how many reveals a user may make per UTC day; 0 means no limit.
	DailyRevealLimit int
	// MaxBytes is the largest blob decrypted into memory (or, for a video, into the spool
	// file) for a preview; 0 means imaging.DefaultLimits().MaxBytes. Reveals of larger content
	// are streamed and verified as they are read.
	MaxBytes int64
	// Limits bound the decoding of images; zero fields take imaging's defaults.
	Limits imaging.Limits
	// Video configures ffmpeg for contact sheets; nil means none (ErrNoPreview for videos).
	Video *video.Config
	// CacheBytes bounds the in-memory cache of rendered previews; 0 means 64 MiB, negative
	// turns the cache off.
	CacheBytes int64
	// SpoolDir is where a video's plaintext is written (mode 0600) for ffmpeg and removed at
	// once; empty means os.TempDir(). Use a folder of the data folder on an encrypted disk.
	SpoolDir string
	// Now is the clock reveals are counted by; nil means time.Now.
	Now func() time.Time
}

// Defaults and bounds.
const (
	DefaultCacheBytes = 64 << 20
	// DefaultStills is the number of stills of a contact sheet when 0 is asked for; MaxStills
	// is the most one may have.
	DefaultStills = 12
	MaxStills     = 48
	// MaxSide is the largest preview side a user may ask for: a preview is not a reveal.
	MaxSide = 1024
	// frameSide bounds the frames extracted for a contact sheet, before Preview reduces them
	// further.
	frameSide = 1024
)

// Options are a user's exposure settings: how large, how blurred and whether in colour their
// previews are.
type Options struct {
	// MaxSide bounds the preview's sides in pixels, 1 to MaxSide; 0 means 256.
	MaxSide int
	// Blur is the blur strength (see imaging.PreviewOptions.Blur), more than 0 and at most 0.5:
	// a preview is always blurred; the unblurred content is only ever revealed.
	Blur float64
	// Grey asks for a greyscale preview.
	Grey bool
}

// DefaultOptions returns the exposure settings previews start from: 256 pixels, imaging's
// default blur, greyscale.
func DefaultOptions() Options {
	d := imaging.DefaultPreviewOptions()
	return Options{MaxSide: d.MaxSide, Blur: d.Blur, Grey: true}
}

// check validates o and fills in the default size.
func (o Options) check() (Options, error) {
	switch {
	case o.MaxSide == 0:
		o.MaxSide = DefaultOptions().MaxSide
	case o.MaxSide < 0 || o.MaxSide > MaxSide:
		return o, fmt.Errorf("%w: preview size %d: want 1 to %d", catalog.ErrInvalid, o.MaxSide, MaxSide)
	}
	if math.IsNaN(o.Blur) || o.Blur <= 0 || o.Blur > 0.5 {
		return o, fmt.Errorf("%w: blur %v: want more than 0 and at most 0.5", catalog.ErrInvalid, o.Blur)
	}
	return o, nil
}

// Still is one frame of a contact sheet: its time in the video and its blurred preview.
type Still struct {
	Timestamp time.Duration
	PNG       []byte
}

// Revealed is revealed content. Body must be closed. For content up to Config.MaxBytes Body
// holds content already verified; larger content is streamed and verified as it is read, so
// that a damaged blob fails the read (an error wrapping blob.ErrCorrupt instead of io.EOF).
type Revealed struct {
	Body io.ReadCloser
	MIME string
	Size int64
	// Count is the user's reveals today, this one included; Limit is the daily limit (0: none).
	Count, Limit int
}

// Service renders previews and reveals content. It is safe for concurrent use.
type Service struct {
	store  catalog.Store
	vault  *blob.Vault
	cfg    Config
	log    *slog.Logger
	hasher *video.Hasher // nil without Config.Video
	cache  *cache
	// work bounds the renderings running at once (each may hold MaxBytes of content and a
	// decoded image): one per core.
	work chan struct{}
}

// New returns a Service over the catalog and the vault holding the content.
func New(store catalog.Store, vault *blob.Vault, cfg Config, log *slog.Logger) (*Service, error) {
	if store == nil || vault == nil {
		return nil, errors.New("preview: New needs a store and a vault")
	}
	if cfg.DailyRevealLimit < 0 {
		return nil, fmt.Errorf("preview: negative daily reveal limit %d", cfg.DailyRevealLimit)
	}
	if cfg.MaxBytes < 0 {
		return nil, fmt.Errorf("preview: negative MaxBytes %d", cfg.MaxBytes)
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = imaging.DefaultLimits().MaxBytes
	}
	if cfg.CacheBytes == 0 {
		cfg.CacheBytes = DefaultCacheBytes
	}
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = os.TempDir()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: store, vault: vault, cfg: cfg, log: log, cache: newCache(cfg.CacheBytes),
		work: make(chan struct{}, runtime.GOMAXPROCS(0))}
	if cfg.Video != nil {
		h, err := video.New(*cfg.Video)
		if err != nil {
			return nil, fmt.Errorf("preview: %w", err)
		}
		s.hasher = h
	}
	return s, nil
}

// media returns the record u may act on with act, or ErrNotFound / ErrForbidden.
func (s *Service) media(ctx context.Context, u catalog.User, id catalog.MediaID, act catalog.Action) (catalog.Media, error) {
	m, err := s.store.Media(ctx, catalog.ScopeOf(u), id)
	if err != nil {
		return catalog.Media{}, err
	}
	if !catalog.Can(u, act, m.Access) {
		return catalog.Media{}, catalog.ErrForbidden
	}
	if m.HashOnly() {
		return catalog.Media{}, ErrNoContent
	}
	return m, nil
}

// Preview returns a PNG preview of a media item u may view: downscaled, blurred and, as o
// asks, greyscale, turned as the image's EXIF orientation says. A video's preview is a still
// from its middle (ErrNoPreview without Config.Video). Previews are not audited: they are
// blurred. Content that fails verification is an error wrapping blob.ErrCorrupt.
func (s *Service) Preview(ctx context.Context, u catalog.User, id catalog.MediaID, o Options) ([]byte, error) {
	o, err := o.check()
	if err != nil {
		return nil, fmt.Errorf("preview of media %d: %w", id, err)
	}
	m, err := s.media(ctx, u, id, catalog.ActView)
	if err != nil {
		return nil, fmt.Errorf("preview of media %d: %w", id, err)
	}
	if m.Kind == catalog.KindVideo {
		stills, err := s.stills(ctx, m, 1, o)
		if err != nil {
			return nil, fmt.Errorf("preview of media %d: %w", id, err)
		}
		return stills[0].PNG, nil
	}
	key := cacheKey{media: id, blob: m.Blob, opts: o}
	if st, ok := s.cache.get(key); ok {
		return st[0].PNG, nil
	}
	if m.Size > s.cfg.MaxBytes {
		return nil, fmt.Errorf("preview of media %d: %w: %d bytes over the limit", id, ErrNoPreview, m.Size)
	}
	release, err := s.acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("preview of media %d: %w", id, err)
	}
	defer release()
	data, err := s.vault.ReadAll(ctx, m.Digests.SHA256, s.cfg.MaxBytes)
	if err != nil {
		return nil, s.contentError(id, err)
	}
	fallback := 0
	if m.EXIF != nil {
		fallback = m.EXIF.Orientation
	}
	out, err := render(data, s.cfg.Limits, o, fallback)
	if err != nil {
		return nil, fmt.Errorf("preview of media %d: %w", id, err)
	}
	s.cache.put(key, []Still{{PNG: out}})
	return out, nil
}

// render makes the PNG preview of an image file: decoded within lim, reduced as o says, and
// turned as its EXIF orientation says (or as fallback says when the file has no EXIF block
// this package can read). An undecodable file is an error wrapping ErrNoPreview.
func render(data []byte, lim imaging.Limits, o Options, fallback int) ([]byte, error) {
	img, _, err := imaging.Decode(data, lim)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoPreview, err)
	}
	orientation := fallback
	if info, err := exif.Read(data); err == nil && info.Orientation != 0 {
		orientation = info.Orientation
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, orient(imaging.Preview(img, imaging.PreviewOptions(o)), orientation)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// acquire waits for a rendering slot and returns the function that frees it.
func (s *Service) acquire(ctx context.Context) (func(), error) {
	select {
	case s.work <- struct{}{}:
		return func() { <-s.work }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// contentError wraps a failure to read content, and logs content that failed verification
// loudly: a damaged blob is evidence at risk.
func (s *Service) contentError(id catalog.MediaID, err error) error {
	if errors.Is(err, blob.ErrCorrupt) || errors.Is(err, blob.ErrWrongKey) || errors.Is(err, blob.ErrNotFound) {
		s.log.Error("media content failed verification", "media", int64(id), "err", err)
	}
	if errors.Is(err, blob.ErrTooLarge) {
		return fmt.Errorf("media %d: %w: %w", id, ErrNoPreview, err)
	}
	return fmt.Errorf("media %d content: %w", id, err)
}

// ContactSheet returns n stills (0 means DefaultStills, at most MaxStills) spread evenly over
// a video u may view, each a blurred preview PNG with its time in the video.
func (s *Service) ContactSheet(ctx context.Context, u catalog.User, id catalog.MediaID, n int, o Options) ([]Still, error) {
	o, err := o.check()
	if err != nil {
		return nil, fmt.Errorf("contact sheet of media %d: %w", id, err)
	}
	switch {
	case n == 0:
		n = DefaultStills
	case n < 0 || n > MaxStills:
		return nil, fmt.Errorf("contact sheet of media %d: %w: %d stills: want 1 to %d", id, catalog.ErrInvalid, n, MaxStills)
	}
	m, err := s.media(ctx, u, id, catalog.ActView)
	if err != nil {
		return nil, fmt.Errorf("contact sheet of media %d: %w", id, err)
	}
	if m.Kind != catalog.KindVideo {
		return nil, fmt.Errorf("contact sheet of media %d: %w: not a video", id, ErrNoPreview)
	}
	stills, err := s.stills(ctx, m, n, o)
	if err != nil {
		return nil, fmt.Errorf("contact sheet of media %d: %w", id, err)
	}
	return stills, nil
}

// Reveal returns the full content of a media item u may reveal (ActReveal). It refuses with
// ErrRevealLimit, recording nothing, once u has reached the daily limit (the deployment's, or
// the user's own from catalog.Settings when that is lower); otherwise it records
// the reveal (catalog.Reveal) and its audit event "media.reveal" in one transaction before it
// returns the content.
func (s *Service) Reveal(ctx context.Context, u catalog.User, id catalog.MediaID) (Revealed, error) {
	m, err := s.media(ctx, u, id, catalog.ActReveal)
	if err != nil {
		return Revealed{}, fmt.Errorf("reveal media %d: %w", id, err)
	}
	limit, err := s.limit(ctx, s.store, u)
	if err != nil {
		return Revealed{}, fmt.Errorf("reveal media %d: %w", id, err)
	}
	if limit > 0 {
		n, err := s.store.Reveals(ctx, u.ID, s.cfg.Now())
		if err != nil {
			return Revealed{}, fmt.Errorf("reveal media %d: %w", id, err)
		}
		if n >= limit {
			return Revealed{}, fmt.Errorf("reveal media %d: %w (%d today)", id, ErrRevealLimit, n)
		}
	}
	// The content is read and verified before the reveal is counted, so that a damaged blob
	// costs the user nothing.
	var body io.ReadCloser
	if m.Size > 0 && m.Size <= s.cfg.MaxBytes {
		data, err := s.vault.ReadAll(ctx, m.Digests.SHA256, s.cfg.MaxBytes)
		if err != nil {
			return Revealed{}, fmt.Errorf("reveal: %w", s.contentError(id, err))
		}
		body = io.NopCloser(bytes.NewReader(data))
	} else {
		if body, err = s.vault.Open(ctx, m.Digests.SHA256); err != nil {
			return Revealed{}, fmt.Errorf("reveal: %w", s.contentError(id, err))
		}
	}
	count := 0
	wctx := context.WithoutCancel(ctx)
	err = s.store.Update(wctx, func(tx catalog.Tx) error {
		now := s.cfg.Now()
		var err error
		if limit, err = s.limit(wctx, tx, u); err != nil {
			return err
		}
		if limit > 0 {
			n, err := tx.Reveals(wctx, u.ID, now)
			if err != nil {
				return err
			}
			if n >= limit {
				return fmt.Errorf("%w (%d today)", ErrRevealLimit, n)
			}
		}
		if count, err = tx.AddReveal(wctx, catalog.Reveal{User: u.ID, Media: id, At: now}); err != nil {
			return err
		}
		_, err = tx.Audit(wctx, audit.Event{
			Time: now.UTC().Truncate(time.Microsecond), Actor: u.Login, ActorID: int64(u.ID), Country: string(u.Country),
			Action: "media.reveal", Object: "media/" + strconv.FormatInt(int64(id), 10),
			Details: map[string]string{"count": strconv.Itoa(count), "limit": strconv.Itoa(limit)},
		})
		return err
	})
	if err != nil {
		body.Close()
		return Revealed{}, fmt.Errorf("reveal media %d: %w", id, err)
	}
	s.log.Info("media revealed", "media", int64(id), "user", int64(u.ID), "count", count)
	return Revealed{Body: body, MIME: m.MIME, Size: m.Size, Count: count, Limit: limit}, nil
}

// RevealsToday returns u's reveals on the current UTC day and u's daily limit (0: none).
func (s *Service) RevealsToday(ctx context.Context, u catalog.User) (count, limit int, err error) {
	n, err := s.store.Reveals(ctx, u.ID, s.cfg.Now())
	if err != nil {
		return 0, 0, fmt.Errorf("reveals today: %w", err)
	}
	if limit, err = s.limit(ctx, s.store, u); err != nil {
		return 0, 0, fmt.Errorf("reveals today: %w", err)
	}
	return n, limit, nil
}

// limit returns u's daily reveal limit: the deployment's, or u's own when lower (0: none).
func (s *Service) limit(ctx context.Context, r catalog.Reader, u catalog.User) (int, error) {
	limit := s.cfg.DailyRevealLimit
	st, err := r.Settings(ctx, u.ID)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return limit, nil
	case err != nil:
		return 0, err
	}
	if own := st.DailyRevealLimit; own > 0 && (limit == 0 || own < limit) {
		limit = own
	}
	return limit, nil
}
