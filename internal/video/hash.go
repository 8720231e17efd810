package video

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vidb-project/vidb/pdq"
)

// Hasher probes and hashes videos with ffprobe and ffmpeg under a Config. It keeps no state
// between calls and is safe for concurrent use; each call starts its own processes.
type Hasher struct {
	cfg Config
}

// New returns a Hasher for cfg, with cfg's zero fields set to the defaults. It does not look for
// the binaries (a server that never meets a video need not have them); every call that needs one
// reports ErrNotInstalled when it is missing, and Version checks both up front.
func New(cfg Config) (*Hasher, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Hasher{cfg: cfg}, nil
}

// Config returns the Hasher's configuration, with the defaults filled in.
func (h *Hasher) Config() Config { return h.cfg }

// Version returns the first line of `ffmpeg -version` ("ffmpeg version 5.1.9-0+deb12u1 ..."),
// after checking that ffprobe runs too. Store it with frame hashes: they depend on the FFmpeg
// build.
func (h *Hasher) Version(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	var first string
	for _, bin := range []string{h.cfg.FFprobe, h.cfg.FFmpeg} {
		out, err := h.output(ctx, bin, []string{"-hide_banner", "-version"}, 64<<10)
		if err != nil {
			if errors.Is(err, ErrBadVideo) { // it ran but failed: not a working FFmpeg
				err = fmt.Errorf("%w: %s -version: %v", ErrNotInstalled, bin, err)
			}
			return "", err
		}
		first, _, _ = strings.Cut(string(out), "\n")
	}
	return clean(strings.TrimSpace(first)), nil
}

// Hash probes the local file at path and hashes its frames as vPDQ does (see the package
// documentation), returning the stream's Info and the frames sorted by frame number.
//
// A file that cannot be hashed is an error wrapping ErrBadVideo, ErrTooLarge or ErrTimeout (or
// ErrNotInstalled). When decoding fails part of the way, or ffmpeg reports errors in the stream
// (a truncated or damaged file), the error wraps ErrBadVideo; with any error, frames holds the
// frames hashed before the failure, which the caller may keep as what could be read. When ctx
// ends, Hash kills ffmpeg and returns ctx's error.
func (h *Hasher) Hash(ctx context.Context, path string) (Info, []Frame, error) {
	input, err := fileInput(path)
	if err != nil {
		return Info{}, nil, err
	}
	info, err := h.probe(ctx, input, fileProtocols)
	if err != nil {
		return info, nil, err
	}
	if formatDenied(info.Format) {
		return info, nil, fmt.Errorf("%w: container %q refused: it refers to other files", ErrBadVideo, info.Format)
	}
	var frames []Frame
	if info.Frames > 0 {
		frames = make([]Frame, 0, min(info.Frames/int64(FrameMod(h.cfg.SecondsPerHash, info.FrameRate))+1, 1<<16))
	}
	err = h.run(ctx, runSpec{
		input:     input,
		protocols: fileProtocols,
		formats:   info.Format,
		info:      info,
		limit:     h.cfg.deadline(info.Duration),
		maxFrames: h.cfg.MaxFrames,
	}, func(f Frame) error {
		frames = append(frames, f)
		return nil
	})
	return info, frames, err
}

// HashStream hashes the frames of source as they are decoded and calls fn with each, in frame
// order, from one goroutine. source is a URL that ffmpeg reads (http, https, rtmp, rtmps, rtsp,
// rtp, udp or srt: an HLS playlist, an RTMP stream) or a local file. It returns when the source
// ends, when ctx ends (with ctx's error), when no frame arrived for Config.StallTimeout
// (ErrTimeout), or when fn returns an error (that error). Frame selection and timestamps are
// those of Hash, counted from the first frame decoded.
//
// The returned Info is ffprobe's view of the source when hashing started.
func (h *Hasher) HashStream(ctx context.Context, source string, fn func(Frame) error) (Info, error) {
	input, err := streamInput(source)
	if err != nil {
		return Info{}, err
	}
	protocols, formats := streamProtocols, ""
	if strings.HasPrefix(input, "file:") {
		protocols = fileProtocols
	}
	info, err := h.probe(ctx, input, protocols)
	if err != nil {
		return info, err
	}
	if protocols == fileProtocols {
		if formatDenied(info.Format) {
			return info, fmt.Errorf("%w: container %q refused: it refers to other files", ErrBadVideo, info.Format)
		}
		formats = info.Format
	}
	return info, h.run(ctx, runSpec{
		input:     input,
		protocols: protocols,
		formats:   formats,
		info:      info,
		stall:     h.cfg.StallTimeout,
		live:      true,
	}, fn)
}

// runSpec describes one ffmpeg run.
type runSpec struct {
	input     string        // ffmpeg's -i argument, from fileInput or streamInput
	protocols string        // -protocol_whitelist
	formats   string        // -format_whitelist; "" for none
	info      Info          // the probed stream
	limit     time.Duration // time limit of the whole run; 0 for none
	stall     time.Duration // time limit for each frame; 0 for none
	maxFrames int           // hashed frames allowed; 0 for no limit
	// live says the input arrives over time (a stream, a growing file). ffmpeg then writes
	// every frame and the reader keeps every frameMod-th: ffmpeg's select filter holds back
	// the last frame it keeps until more input arrives (for HLS, until the next segment is
	// published, which delayed an alert by a whole segment), whereas frames it passes all
	// leave at once.
	live bool
	// feed, when set, writes ffmpeg's input to its standard input (input "pipe:0"), then
	// returns; an error stops the run.
	feed func(ctx context.Context, w io.Writer) error
}

// ffmpegArgs returns ffmpeg's arguments for a run that writes every frameMod-th decoded frame
// of the first video stream to standard output as packed rgb24 at the stream's coded size.
//
// The conversion reproduces the reference's: libswscale with SWS_AREA, no rescaling, no display
// rotation (-noautorotate), frames in decoder output order with none dropped or duplicated
// (-fps_mode passthrough, so the select filter's n is vPDQ's frame number). The scale filter
// fixes the output size to the probed one, so a stream that changes size midway cannot
// desynchronise the reader, and -reinit_filter 0 keeps the filter graph (and so the select
// filter's count) across such a change instead of rebuilding it. -max_pixels makes the decoder
// itself refuse larger frames.
func ffmpegArgs(s runSpec, frameMod int, maxPixels int64) []string {
	args := []string{
		"-nostdin", "-hide_banner", "-nostats", "-loglevel", "error",
		"-protocol_whitelist", s.protocols,
	}
	if s.formats != "" {
		args = append(args, "-format_whitelist", s.formats)
	}
	args = append(args,
		"-noautorotate", "-reinit_filter", "0",
		"-max_pixels", strconv.FormatInt(maxPixels, 10),
		"-i", s.input,
		"-map", "0:v:0", "-an", "-sn", "-dn",
		"-fps_mode", "passthrough",
		"-vf", filterGraph(s.info, frameMod),
		"-f", "rawvideo", "-pix_fmt", "rgb24",
		"pipe:1",
	)
	return args
}

// filterGraph returns the -vf argument: select (when frames are skipped), then one scale to
// rgb24 set up as the reference's sws_getContext(..., SWS_AREA) is. The flags matter even at
// native size: libswscale has no unscaled shortcut for some formats (10-bit YUV), where the
// default bicubic differs from area. The reference never calls sws_setColorspaceDetails, so it
// converts with BT.601 coefficients whatever the stream's colour tags say, and takes full range
// for the J formats and grey only; the scale filter would follow the tags (a BT.709 or full-range
// tagged stream converts differently), so both are fixed here.
func filterGraph(info Info, frameMod int) string {
	var b strings.Builder
	if frameMod > 1 {
		fmt.Fprintf(&b, `select=not(mod(n\,%d)),`, frameMod)
	}
	fmt.Fprintf(&b, "scale=w=%d:h=%d:flags=area:in_color_matrix=bt601:in_range=%s,format=rgb24",
		info.Width, info.Height, swsRange(info.PixelFormat))
	return b.String()
}

// swsRange returns the input range libswscale assumes for a pixel format when nobody tells it
// otherwise (its handle_jpeg): full ("pc") for the yuvj formats and grey, limited ("tv") for the
// rest. For RGB input the range is not used.
func swsRange(pixFmt string) string {
	for _, p := range []string{"yuvj", "gray", "ya"} {
		if strings.HasPrefix(pixFmt, p) {
			return "pc"
		}
	}
	return "tv"
}

// job is one frame read from ffmpeg, waiting to be hashed.
type job struct {
	seq int
	buf []byte
}

// result is one hashed frame.
type result struct {
	seq   int
	frame Frame
	err   error
}

// run starts ffmpeg for s, hashes the frames it writes on a pool of workers and calls emit with
// each frame in frame order, from the calling goroutine.
func (h *Hasher) run(ctx context.Context, s runSpec, emit func(Frame) error) error {
	info := s.info
	frameMod := FrameMod(h.cfg.SecondsPerHash, info.FrameRate)
	frameSize := 3 * info.Width * info.Height

	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if s.limit > 0 {
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithTimeoutCause(ctx, s.limit,
			fmt.Errorf("%w: ffmpeg ran longer than %v", ErrTimeout, s.limit))
		defer cancelT()
	}
	// fail records the first failure and stops everything: ffmpeg (killed with ctx), the
	// reader and the collector.
	var (
		failMu  sync.Mutex
		failure error
	)
	fail := func(err error) {
		failMu.Lock()
		if failure == nil {
			failure = err
		}
		failMu.Unlock()
		cancel()
	}

	// ffmpeg selects every step-th frame; the reader keeps every keep-th frame it reads.
	step, keep := frameMod, 1
	if s.live {
		step, keep = 1, frameMod
	}
	cmd, stderr, err := command(ctx, h.cfg.FFmpeg, ffmpegArgs(s, step, h.cfg.MaxPixels))
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stdin io.WriteCloser
	if s.feed != nil {
		if stdin, err = cmd.StdinPipe(); err != nil {
			return err
		}
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrNotInstalled, h.cfg.FFmpeg, err)
	}
	growPipe(stdout)
	fed := make(chan struct{})
	feedCtx, stopFeed := context.WithCancel(ctx)
	defer stopFeed()
	if s.feed != nil {
		go func() {
			defer close(fed)
			err := s.feed(feedCtx, stdin)
			stdin.Close() // ffmpeg sees the end of its input, and finishes
			if err != nil && feedCtx.Err() == nil {
				fail(err)
			}
		}()
	} else {
		close(fed)
	}

	workers := h.cfg.Workers
	nbuf := workers + 2
	free := make(chan []byte, nbuf)
	for range nbuf {
		free <- nil // allocated on first use, so that a file with no frames costs nothing
	}
	jobs := make(chan job)
	results := make(chan result, nbuf)

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hasher := pdq.NewHasher(pdq.FullRes)
			for j := range jobs {
				r, err := hasher.RGB(j.buf, info.Width, info.Height, 3*info.Width)
				free <- j.buf
				results <- result{seq: j.seq, frame: newFrame(j.seq*frameMod, info.FrameRate, r), err: err}
			}
		}()
	}

	// The reader: one frame at a time from ffmpeg's standard output into a free buffer.
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(jobs)
		var stall *time.Timer
		if s.stall > 0 {
			stall = time.AfterFunc(s.stall, func() {
				fail(fmt.Errorf("%w: no frame for %v", ErrTimeout, s.stall))
			})
			defer stall.Stop()
		}
		var buf []byte // a buffer kept for the next frame: the last one read was skipped
		for n := 0; ; n++ {
			seq := n / keep // the frame's place among the hashed ones, if it is kept
			if buf == nil {
				select {
				case buf = <-free:
				case <-ctx.Done():
					return
				}
			}
			if buf == nil {
				buf = make([]byte, frameSize)
			}
			if stall != nil {
				stall.Reset(s.stall)
			}
			_, err := io.ReadFull(stdout, buf)
			if stall != nil {
				stall.Stop()
			}
			switch {
			case err == io.EOF:
				return
			case errors.Is(err, io.ErrUnexpectedEOF):
				fail(fmt.Errorf("%w: ffmpeg's output ended inside frame %d%s", ErrBadVideo, n*step, stderr.suffix()))
				return
			case err != nil:
				fail(fmt.Errorf("%w: reading ffmpeg's output: %v", ErrBadVideo, err))
				return
			case n%keep != 0:
				continue // not a frame to hash: read the next one into the same buffer
			case s.maxFrames > 0 && seq >= s.maxFrames:
				fail(fmt.Errorf("%w: more than %d frames to hash", ErrTooLarge, s.maxFrames))
				return
			}
			select {
			case jobs <- job{seq: seq, buf: buf}:
				buf = nil
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	// The collector, here: frames in order, whatever order the workers finish in.
	pending := make(map[int]Frame, nbuf)
	next := 0
	for r := range results {
		if ctx.Err() != nil {
			continue // draining after a failure
		}
		if r.err != nil {
			fail(fmt.Errorf("%w: frame %d: %v", ErrBadVideo, r.seq*frameMod, r.err))
			continue
		}
		pending[r.seq] = r.frame
		for f, ok := pending[next]; ok; f, ok = pending[next] {
			delete(pending, next)
			next++
			if err := emit(f); err != nil {
				fail(err)
				break
			}
		}
	}
	<-readDone
	werr := cmd.Wait()
	stopFeed()
	<-fed

	failMu.Lock()
	defer failMu.Unlock()
	switch {
	case parent.Err() != nil:
		return context.Cause(parent)
	case errors.Is(context.Cause(ctx), ErrTimeout):
		// The time limit ran out first: ffmpeg was killed, and whatever failed after (a frame
		// cut short, most often) is its consequence, not the video's fault.
		return context.Cause(ctx)
	case failure != nil:
		return failure
	case ctx.Err() != nil:
		return context.Cause(ctx)
	case werr != nil:
		var ee *exec.ExitError
		if errors.As(werr, &ee) {
			return fmt.Errorf("%w: ffmpeg: %v%s", ErrBadVideo, werr, stderr.suffix())
		}
		return fmt.Errorf("%w: ffmpeg: %v", ErrBadVideo, werr)
	case next == 0:
		return fmt.Errorf("%w: no frame decoded%s", ErrBadVideo, stderr.suffix())
	case stderr.size() > 0:
		// ffmpeg, at log level "error", said something yet exited 0: the stream is damaged
		// (truncated, corrupt packets). The frames so far were delivered.
		return fmt.Errorf("%w: ffmpeg reported errors after %d frames: %s", ErrBadVideo, next, stderr.String())
	}
	return nil
}
