package watch

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// Errors of this package; check them with errors.Is.
var (
	// ErrBadSource reports a source that is neither a local file path nor an http, https,
	// rtmp, rtmps, rtsp or hls+http(s) URL.
	ErrBadSource = errors.New("watch: source not allowed")
	// ErrBadConfig reports invalid Options or LocalOptions.
	ErrBadConfig = errors.New("watch: bad configuration")
)

// Source is a stream to watch, checked by ParseSource.
type Source struct {
	// Input is what video.Hasher.HashStream is given: a URL with an allowed scheme, or an
	// absolute file path.
	Input string
	// Redacted names the source in alerts, records and the audit log: the URL without
	// credentials, query or fragment, or the absolute file path.
	Redacted string
	// File is set for a local file, which is followed as it grows (video.Hasher.HashFollow).
	File bool
}

// allowedScheme maps the URL schemes a watch accepts to the scheme passed to ffmpeg: HLS is
// read over http or https ("hls+https://host/live.m3u8" is "https://host/live.m3u8").
func allowedScheme(scheme string) (string, bool) {
	switch scheme {
	case "http", "https", "rtmp", "rtmps", "rtsp":
		return scheme, true
	case "hls+http":
		return "http", true
	case "hls+https":
		return "https", true
	}
	return "", false
}

// ParseSource checks s and returns it as a Source: a URL with the scheme http, https, rtmp,
// rtmps, rtsp, hls+http or hls+https and a host, a file:// URL, or a local file path. Any
// other scheme (udp, srt, ftp, data, concat, pipe, ...) is ErrBadSource. The file itself is
// checked when the watch starts.
func ParseSource(s string) (Source, error) {
	if s == "" || strings.ContainsAny(s, "\x00\r\n") {
		return Source{}, fmt.Errorf("%w: empty source or control characters", ErrBadSource)
	}
	_, _, isURL := strings.Cut(s, "://")
	if !isURL {
		abs, err := filepath.Abs(s)
		if err != nil {
			return Source{}, fmt.Errorf("%w: %v", ErrBadSource, err)
		}
		return Source{Input: abs, Redacted: abs, File: true}, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return Source{}, fmt.Errorf("%w: %v", ErrBadSource, redactError(err))
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme == "file" {
		if u.Host != "" && u.Host != "localhost" {
			return Source{}, fmt.Errorf("%w: file URL with host %q", ErrBadSource, u.Host)
		}
		return ParseSource(u.Path)
	}
	ff, ok := allowedScheme(scheme)
	if !ok {
		return Source{}, fmt.Errorf("%w: scheme %q: want a file, http, https, rtmp, rtmps, rtsp or hls+http(s)", ErrBadSource, scheme)
	}
	if u.Host == "" {
		return Source{}, fmt.Errorf("%w: %s URL without a host", ErrBadSource, scheme)
	}
	in := *u
	in.Scheme = ff
	red := url.URL{Scheme: scheme, Host: u.Host, Path: u.Path}
	return Source{Input: in.String(), Redacted: red.String()}, nil
}

// redactError drops the URL that url.Parse quotes in its errors, which may hold credentials.
func redactError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
