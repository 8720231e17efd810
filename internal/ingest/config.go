package ingest

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/vidb-project/vidb/internal/imaging"
	"github.com/vidb-project/vidb/internal/video"
	"github.com/vidb-project/vidb/pdq"
)

// Errors returned for uploads and queries vidb refuses; check with errors.Is. Nothing is stored
// when one of them is returned.
var (
	// ErrTooLarge: the upload is over Config.MaxBytes or the decoding budget. When the budget was
	// the cause it also wraps imaging.ErrTooManyPixels or imaging.ErrTooLarge (or
	// video.ErrTooLarge).
	ErrTooLarge = errors.New("ingest: upload too large")
	// ErrUnsupported: the bytes are not an image or video vidb can read, judged by content, not
	// by name.
	ErrUnsupported = errors.New("ingest: not a supported image or video")
	// ErrUndecodable: an image that does not decode (corrupt, truncated) or a video ffmpeg
	// refuses.
	ErrUndecodable = errors.New("ingest: media does not decode")
	// ErrTooMany: a batch lookup of more than MaxBatch queries.
	ErrTooMany = errors.New("ingest: too many queries in one batch")
)

// MaxBatch is the largest number of queries one Lookup takes.
const MaxBatch = 10000

// Defaults of the zero fields of a Config.
const (
	DefaultMaxBytes  = 4 << 30
	DefaultRetention = 10 * 365 * 24 * time.Hour
)

// Config configures a Pipeline. The zero Config is valid.
type Config struct {
	Radius     int            // near-match PDQ distance (inclusive); default pdq.MatchDistance (31)
	MinQuality int            // least PDQ quality matched (query and stored); default pdq.MinQuality (50)
	Limits     imaging.Limits // decode budget; zero = imaging.DefaultLimits
	MaxBytes   int64          // largest upload; default 4 GiB; larger is ErrTooLarge, nothing stored
	Workers    int            // concurrent uploads hashed at once; default GOMAXPROCS
	Retention  time.Duration  // retention period of new records; default 10 years
	Video      *video.Config  // nil: videos are stored and matched by digest only (Warnings says so)
	VideoPct   float64        // video-to-video query share threshold; default video.DefaultQueryPct (80)
	// SpoolDir is where uploads are spooled; "" = os.TempDir(). The spool is not encrypted, but
	// its files are 0600 and removed on every path.
	SpoolDir string
	Now      func() time.Time
}

// withDefaults returns c with its zero fields set, or an error for a field out of range.
func (c Config) withDefaults() (Config, error) {
	if c.Radius == 0 {
		c.Radius = pdq.MatchDistance
	}
	if c.Radius < 0 || c.Radius > 256 {
		return c, fmt.Errorf("ingest: radius %d outside 0..256", c.Radius)
	}
	if c.MinQuality == 0 {
		c.MinQuality = pdq.MinQuality
	}
	if c.MinQuality < 0 || c.MinQuality > 100 {
		return c, fmt.Errorf("ingest: minimum quality %d outside 0..100", c.MinQuality)
	}
	def := imaging.DefaultLimits()
	if c.Limits.MaxPixels <= 0 {
		c.Limits.MaxPixels = def.MaxPixels
	}
	if c.Limits.MaxBytes <= 0 {
		c.Limits.MaxBytes = def.MaxBytes
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxBytes < 0 {
		return c, fmt.Errorf("ingest: negative MaxBytes %d", c.MaxBytes)
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Workers < 0 {
		return c, fmt.Errorf("ingest: negative Workers %d", c.Workers)
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.Retention < 0 {
		return c, fmt.Errorf("ingest: negative retention %v", c.Retention)
	}
	if c.VideoPct == 0 {
		c.VideoPct = video.DefaultQueryPct
	}
	if c.VideoPct < 0 || c.VideoPct > 100 {
		return c, fmt.Errorf("ingest: video share %v outside 0..100", c.VideoPct)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}
