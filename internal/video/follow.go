package video

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// followPoll is how often HashFollow looks for more data at the end of the file.
const followPoll = 100 * time.Millisecond

// followChunk is the most HashFollow reads from the file at once.
const followChunk = 256 << 10

// HashFollow hashes the local file at path while it is being written, as HashStream hashes a
// stream: it reads the file to its end, then waits for more, and ends the input when the file
// has not grown for Config.StallTimeout; ffmpeg then decodes what remains and HashFollow returns
// nil. fn is called as by HashStream, with the frames Hash would return for the finished file.
//
// ffmpeg reads the file through a pipe fed by this process (protocol "pipe" only, the demuxer
// ffprobe found at the start and no other), so only formats that can be read front to back
// while written are followed: MPEG-TS, Matroska/WebM, FLV, and MP4 written fragmented, but not
// an MP4 whose index comes at the end. The file must be a regular file and must hold enough
// for ffprobe to recognise it when HashFollow starts; playlists and concatenation scripts are
// refused as by Hash.
func (h *Hasher) HashFollow(ctx context.Context, path string, fn func(Frame) error) (Info, error) {
	input, err := fileInput(path)
	if err != nil {
		return Info{}, err
	}
	info, err := h.probe(ctx, input, fileProtocols)
	if err != nil {
		return info, err
	}
	if formatDenied(info.Format) {
		return info, fmt.Errorf("%w: container %q refused: it refers to other files", ErrBadVideo, info.Format)
	}
	f, err := os.Open(input[len("file:"):])
	if err != nil {
		return info, fmt.Errorf("video: %w", err)
	}
	defer f.Close()
	return info, h.run(ctx, runSpec{
		input:     "pipe:0",
		protocols: "pipe",
		formats:   info.Format,
		info:      info,
		// The input ends StallTimeout after the file stops growing; a file that grows without
		// yielding frames is stopped at twice that.
		stall: 2 * h.cfg.StallTimeout,
		live:  true,
		feed: func(ctx context.Context, w io.Writer) error {
			return tail(ctx, f, w, h.cfg.StallTimeout)
		},
	}, fn)
}

// tail copies f to w, waiting at f's end for more until f has not grown for idle, or ctx ends.
func tail(ctx context.Context, f *os.File, w io.Writer, idle time.Duration) error {
	buf := make([]byte, followChunk)
	last := time.Now()
	for {
		n, err := f.Read(buf)
		if n > 0 {
			last = time.Now()
			if _, werr := w.Write(buf[:n]); werr != nil {
				return nil // ffmpeg stopped reading: its own end or error decides
			}
			continue
		}
		switch {
		case err != nil && !errors.Is(err, io.EOF):
			return fmt.Errorf("video: reading %s: %w", f.Name(), err)
		case time.Since(last) >= idle:
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(followPoll):
		}
	}
}
