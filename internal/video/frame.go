package video

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/vidb-project/vidb/pdq"
)

// Frame is the vPDQ hash of one video frame.
type Frame struct {
	// Number is the frame's 0-based index in decoder output order.
	Number int
	// Seconds is the frame's timestamp as vPDQ computes it: float32(Number) / float32(fps),
	// with fps the stream's average frame rate. The reference tools print it with 3 decimals
	// (see AppendText); keep this value, not Timestamp, to reproduce their output exactly.
	Seconds float32
	// Timestamp is Seconds as a duration, rounded to the nanosecond.
	Timestamp time.Duration
	// Hash is the frame's PDQ hash (full resolution, no 512-pixel squash).
	Hash pdq.Hash
	// Quality is the PDQ quality, 0 to 100. Frames below pdq.MinQuality are kept but not matched.
	Quality int
}

// newFrame returns frame n of a stream at fps frames per second, with the reference's float32
// timestamp.
func newFrame(n int, fps float64, r pdq.Result) Frame {
	s := float32(n) / float32(fps)
	return Frame{Number: n, Seconds: s, Timestamp: secondsToDuration(float64(s)), Hash: r.Hash, Quality: r.Quality}
}

// secondsToDuration converts seconds to a Duration, saturating instead of overflowing.
func secondsToDuration(s float64) time.Duration {
	switch ns := s * 1e9; {
	case math.IsNaN(ns) || ns <= 0:
		return 0
	case ns >= math.MaxInt64:
		return math.MaxInt64
	default:
		return time.Duration(math.Round(ns))
	}
}

// AppendText appends f to dst in the vPDQ hash-file format of the reference tools, without a
// newline: frame number, quality, 64 hex digits and the timestamp in seconds with 3 decimals,
// separated by commas ("30,100,df83…8154,1.000").
func AppendText(dst []byte, f Frame) []byte {
	dst = strconv.AppendInt(dst, int64(f.Number), 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(f.Quality), 10)
	dst = append(dst, ',')
	dst = append(dst, f.Hash.String()...)
	dst = append(dst, ',')
	return strconv.AppendFloat(dst, float64(f.Seconds), 'f', 3, 64)
}

// WriteFrames writes frames to w in the vPDQ hash-file format, one line each (see AppendText).
func WriteFrames(w io.Writer, frames []Frame) error {
	bw := bufio.NewWriter(w)
	line := make([]byte, 0, 96)
	for _, f := range frames {
		line = append(AppendText(line[:0], f), '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ErrBadHashFile reports text that is not a vPDQ hash file.
var ErrBadHashFile = errors.New("video: bad vPDQ hash file")

// maxLine bounds one line of a hash file: the longest valid line (a 19-digit frame number, a
// quality, 64 hex digits and a long timestamp) is far shorter.
const maxLine = 256

// ReadFrames reads a vPDQ hash file as the reference tools write it (see AppendText): one
// frame per line, "frame_number,quality,pdq_hex,timestamp_seconds". Empty lines and a final
// "\r" are ignored. Frame numbers must be non-negative, qualities 0 to 100 and timestamps
// finite and non-negative; the frames are returned in file order. At most maxFrames frames are
// read (0 means DefaultMaxFrames); more is an error wrapping ErrTooLarge. Any other malformed
// input is an error wrapping ErrBadHashFile.
func ReadFrames(r io.Reader, maxFrames int) ([]Frame, error) {
	if maxFrames <= 0 {
		maxFrames = DefaultMaxFrames
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 128), maxLine)
	var frames []Frame
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		if len(line) == 0 {
			continue
		}
		if len(frames) == maxFrames {
			return nil, fmt.Errorf("%w: more than %d frames", ErrTooLarge, maxFrames)
		}
		f, err := parseFrame(line)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrBadHashFile, lineNo, err)
		}
		frames = append(frames, f)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%w: line %d longer than %d bytes", ErrBadHashFile, len(frames)+1, maxLine)
		}
		return nil, err
	}
	return frames, nil
}

// parseFrame parses one line of a hash file.
func parseFrame(line []byte) (Frame, error) {
	fields := bytes.Split(line, []byte(","))
	if len(fields) != 4 {
		return Frame{}, fmt.Errorf("%d fields, want 4", len(fields))
	}
	n, err := strconv.ParseUint(string(fields[0]), 10, 63)
	if err != nil || n > math.MaxInt {
		return Frame{}, fmt.Errorf("bad frame number %q", fields[0])
	}
	q, err := strconv.ParseUint(string(fields[1]), 10, 8)
	if err != nil || q > 100 {
		return Frame{}, fmt.Errorf("bad quality %q", fields[1])
	}
	h, err := pdq.ParseHash(string(fields[2]))
	if err != nil {
		return Frame{}, err
	}
	s, err := strconv.ParseFloat(string(fields[3]), 32)
	if err != nil || math.IsInf(s, 0) || math.IsNaN(s) || s < 0 {
		return Frame{}, fmt.Errorf("bad timestamp %q", fields[3])
	}
	return Frame{Number: int(n), Seconds: float32(s), Timestamp: secondsToDuration(s), Hash: h, Quality: int(q)}, nil
}
