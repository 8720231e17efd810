package video

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"time"
)

// Errors. Every error from this package that concerns the video rather than the caller wraps one
// of these; check them with errors.Is.
var (
	// ErrNotInstalled reports that ffmpeg or ffprobe could not be found or started. Debian
	// installs both with `apt-get install ffmpeg`; Config.FFmpeg and Config.FFprobe name other
	// binaries.
	ErrNotInstalled = errors.New("video: ffmpeg not installed")
	// ErrBadVideo reports a file or stream that ffprobe or ffmpeg cannot read, that has no
	// video stream, that uses a container this package refuses (playlists, concatenation
	// scripts), or whose decoding failed part of the way.
	ErrBadVideo = errors.New("video: cannot decode video")
	// ErrTooLarge reports a video over the pixel budget (Config.MaxPixels) or with more hashed
	// frames than Config.MaxFrames.
	ErrTooLarge = errors.New("video: video too large")
	// ErrTimeout reports an ffprobe or ffmpeg run that took longer than its time limit, or a
	// stream that delivered no frame for Config.StallTimeout.
	ErrTimeout = errors.New("video: time limit exceeded")
	// ErrBadConfig reports an invalid Config.
	ErrBadConfig = errors.New("video: bad configuration")
)

// Defaults for the zero fields of a Config.
const (
	// DefaultSecondsPerHash is vPDQ's default: about one hashed frame per second.
	DefaultSecondsPerHash = 1.0
	// DefaultMaxPixels admits frames up to 8K UHD (7680x4320) and a little more: 2^25 pixels,
	// a 96 MiB rgb24 frame.
	DefaultMaxPixels = 1 << 25
	// DefaultMaxFrames bounds the hashed frames of one video: about 11.5 days at one frame per
	// second, 9 hours of 30 fps video at every frame.
	DefaultMaxFrames = 1_000_000
	// DefaultTimeout is the absolute cap on one ffmpeg run of Hasher.Hash.
	DefaultTimeout = 4 * time.Hour
	// DefaultStallTimeout is how long Hasher.HashStream waits for the next frame.
	DefaultStallTimeout = time.Minute
)

// EveryFrame as Config.SecondsPerHash hashes every frame (vPDQ's seconds_per_hash 0).
const EveryFrame = -1.0

// Time limits derived from a video's duration: a run of Hasher.Hash may take
// timeoutBase + timeoutPerSecond × duration (then Config.Timeout caps it). Hashing every frame of
// 720p30 H.264 costs about 0.4 CPU seconds per second of video (BenchmarkHash), 1080p about
// twice that; 10 leaves room for 4K, slow or busy machines, while still stopping a file that
// decodes far more frames than its header declares.
const (
	timeoutBase      = time.Minute
	timeoutPerSecond = 10
	probeTimeout     = time.Minute
)

// maxFrameMod bounds int(r × fps): beyond it only frame 0 is hashed anyway.
const maxFrameMod = 1 << 31

// maxSide is the largest frame side accepted, whatever the pixel budget (the PDQ hasher's limit).
const maxSide = 1 << 20

// Config says where the FFmpeg tools are, which frames to hash and the limits of each run. The
// zero Config is valid: ffmpeg and ffprobe from PATH, one frame per second, the default limits.
type Config struct {
	// FFmpeg and FFprobe are the binaries to run: a path, or a name looked up in PATH. Empty
	// means "ffmpeg" and "ffprobe". The frame hashes depend on the FFmpeg build (its scaler and
	// decoders); record Hasher.Version with stored hashes.
	FFmpeg, FFprobe string
	// SecondsPerHash is vPDQ's seconds_per_hash r: frame n is hashed when n is a multiple of
	// int(r × fps), raised to 1. Zero means DefaultSecondsPerHash; EveryFrame (or any r below
	// one frame interval) hashes every frame. It must be finite and not NaN.
	SecondsPerHash float64
	// MaxPixels is the largest width × height decoded; larger videos are refused before
	// decoding with ErrTooLarge. Zero means DefaultMaxPixels.
	MaxPixels int64
	// MaxFrames is the largest number of frames Hasher.Hash hashes and returns; a video with
	// more is an error wrapping ErrTooLarge. Zero means DefaultMaxFrames. HashStream, which keeps
	// no frames, has no such limit.
	MaxFrames int
	// Timeout caps one run of Hasher.Hash, whatever the video's duration; within it a run gets
	// one minute plus ten seconds per second of declared duration. Zero means DefaultTimeout.
	// HashStream is bounded by its context and StallTimeout instead, as a live stream has no
	// end known in advance.
	Timeout time.Duration
	// StallTimeout is how long HashStream waits for the next decoded frame before it gives up
	// with ErrTimeout. Zero means DefaultStallTimeout.
	StallTimeout time.Duration
	// Workers is the number of goroutines that hash frames while ffmpeg decodes. Zero means
	// GOMAXPROCS.
	Workers int
}

// withDefaults returns c with its zero fields set to the defaults, or an error wrapping
// ErrBadConfig.
func (c Config) withDefaults() (Config, error) {
	if c.FFmpeg == "" {
		c.FFmpeg = "ffmpeg"
	}
	if c.FFprobe == "" {
		c.FFprobe = "ffprobe"
	}
	switch r := c.SecondsPerHash; {
	case math.IsNaN(r) || math.IsInf(r, 0):
		return c, fmt.Errorf("%w: SecondsPerHash %v", ErrBadConfig, r)
	case r == 0:
		c.SecondsPerHash = DefaultSecondsPerHash
	}
	switch {
	case c.MaxPixels < 0:
		return c, fmt.Errorf("%w: MaxPixels %d", ErrBadConfig, c.MaxPixels)
	case c.MaxPixels == 0:
		c.MaxPixels = DefaultMaxPixels
	}
	switch {
	case c.MaxFrames < 0:
		return c, fmt.Errorf("%w: MaxFrames %d", ErrBadConfig, c.MaxFrames)
	case c.MaxFrames == 0:
		c.MaxFrames = DefaultMaxFrames
	}
	switch {
	case c.Timeout < 0:
		return c, fmt.Errorf("%w: Timeout %v", ErrBadConfig, c.Timeout)
	case c.Timeout == 0:
		c.Timeout = DefaultTimeout
	}
	switch {
	case c.StallTimeout < 0:
		return c, fmt.Errorf("%w: StallTimeout %v", ErrBadConfig, c.StallTimeout)
	case c.StallTimeout == 0:
		c.StallTimeout = DefaultStallTimeout
	}
	switch {
	case c.Workers < 0:
		return c, fmt.Errorf("%w: Workers %d", ErrBadConfig, c.Workers)
	case c.Workers == 0:
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c, nil
}

// FrameMod returns vPDQ's frame step for r seconds per hash at fps frames per second:
// int(r × fps) truncated as C++ truncates, raised to 1 when it is below 1 (so r = 0 or any r
// under one frame interval hashes every frame), and capped at 2^31.
func FrameMod(secondsPerHash, fps float64) int {
	p := secondsPerHash * fps
	switch {
	case math.IsNaN(p) || p < 1:
		return 1
	case p >= maxFrameMod:
		return maxFrameMod
	}
	return int(p)
}

// deadline returns the time limit of one ffmpeg run over a video of duration d (0 when unknown).
func (c Config) deadline(d time.Duration) time.Duration {
	if d <= 0 || d > c.Timeout/timeoutPerSecond {
		return c.Timeout
	}
	return min(c.Timeout, timeoutBase+timeoutPerSecond*d)
}
