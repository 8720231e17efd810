package video

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Protocols ffmpeg may open. A file may name others (an HLS playlist lists URLs, a concat
// script lists files); the whitelists are inherited by every nested open, so a hostile file
// cannot make ffmpeg reach the network, and a stream from the network cannot make it read
// local files.
const (
	fileProtocols   = "file"
	streamProtocols = "http,https,tcp,tls,crypto,rtmp,rtmps,rtsp,rtp,udp,srt"
)

// streamScheme reports whether HashStream passes a URL with this scheme (lower case) to ffmpeg.
func streamScheme(scheme string) bool {
	switch scheme {
	case "http", "https", "rtmp", "rtmps", "rtsp", "rtp", "udp", "srt":
		return true
	}
	return false
}

// deniedFormat reports whether a demuxer opens further files or URLs named inside the file
// (playlists, manifests, concatenation scripts, session descriptions) or expands file-name
// patterns (image2). A seized file using one of them is refused: it is not a video, it points
// at one.
func deniedFormat(name string) bool {
	switch name {
	case "hls", "applehttp", "dash", "concat", "imf", "webm_dash_manifest", "image2", "sdp", "rtsp", "rtp":
		return true
	}
	return false
}

// stderrTail is how much of a tool's standard error is kept for error messages.
const stderrTail = 2 << 10

// waitDelay is how long Wait waits for the pipes to close after the process was killed.
const waitDelay = 5 * time.Second

// fileInput returns the ffmpeg input argument for the local file at path: "file:" and the
// absolute path, so that no name is read as an option ("-i -x.mp4") or a protocol
// ("http:x.mp4", "concat:a|b"). The path must name a regular file: a FIFO or a device would
// block or never end.
func fileInput(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadVideo, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("video: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%w: %s is not a regular file", ErrBadVideo, path)
	}
	return "file:" + abs, nil
}

// streamInput returns the ffmpeg input argument for source: a URL with one of the stream
// schemes, passed as it is, or else a local file (see fileInput).
func streamInput(source string) (string, error) {
	if scheme, _, ok := strings.Cut(source, "://"); ok {
		if streamScheme(strings.ToLower(scheme)) {
			return source, nil
		}
		if !strings.EqualFold(scheme, "file") {
			return "", fmt.Errorf("%w: unsupported stream scheme %q", ErrBadVideo, clean(scheme))
		}
		source = source[len("file://"):]
	}
	return fileInput(source)
}

// formatDenied reports whether the demuxer named by ffprobe (a comma-separated list of names)
// is refused (see deniedFormat).
func formatDenied(format string) bool {
	for _, name := range strings.Split(format, ",") {
		if deniedFormat(name) {
			return true
		}
	}
	return false
}

// lookPath resolves a tool's binary, with an error wrapping ErrNotInstalled if it is missing.
func lookPath(bin string) (string, error) {
	p, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrNotInstalled, bin, err)
	}
	return p, nil
}

// command returns a Cmd running bin with args under ctx. The process gets no standard input, a
// minimal environment (no FFREPORT and the like from ours), its own process group, which is
// killed when ctx ends, and a standard error kept to its last stderrTail bytes.
func command(ctx context.Context, bin string, args []string) (*exec.Cmd, *tailBuffer, error) {
	path, err := lookPath(bin)
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = nil
	cmd.Env = []string{"LC_ALL=C"}
	stderr := &tailBuffer{max: stderrTail}
	cmd.Stderr = stderr
	cmd.WaitDelay = waitDelay
	setProcessGroup(cmd)
	return cmd, stderr, nil
}

// output runs bin with args and returns its standard output, at most limit bytes of it.
func (h *Hasher) output(ctx context.Context, bin string, args []string, limit int) ([]byte, error) {
	cmd, stderr, err := command(ctx, bin, args)
	if err != nil {
		return nil, err
	}
	stdout := &limitBuffer{max: limit}
	cmd.Stdout = stdout
	err = cmd.Run()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("%w: %s: %v%s", ErrBadVideo, filepath.Base(bin), err, stderr.suffix())
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrNotInstalled, bin, err)
	}
	if stdout.overflow {
		return nil, fmt.Errorf("%w: %s wrote more than %d bytes", ErrBadVideo, filepath.Base(bin), limit)
	}
	return stdout.buf.Bytes(), nil
}

// tailBuffer is an io.Writer that keeps the last max bytes written to it.
type tailBuffer struct {
	mu    sync.Mutex
	max   int
	buf   []byte
	total int64
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total += int64(len(p))
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

// String returns the kept bytes as printable text on one line.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.buf))
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return '|'
		case r < 0x20 || r == 0x7f || r == '\uFFFD':
			return -1
		}
		return r
	}, s)
	if t.total > int64(len(t.buf)) {
		s = "…" + s
	}
	return s
}

// size returns the number of bytes written.
func (t *tailBuffer) size() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total
}

// suffix returns ": " and the kept text, or "" when nothing was written.
func (t *tailBuffer) suffix() string {
	if s := t.String(); s != "" {
		return ": " + s
	}
	return ""
}

// limitBuffer is an io.Writer that keeps the first max bytes and notes any more.
type limitBuffer struct {
	max      int
	buf      bytes.Buffer
	overflow bool
}

func (l *limitBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if room := l.max - l.buf.Len(); n > room {
		l.overflow = true
		p = p[:max(room, 0)]
	}
	l.buf.Write(p)
	return n, nil
}
