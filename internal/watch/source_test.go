package watch

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSource(t *testing.T) {
	abs, err := filepath.Abs("stream.ts")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want Source
		err  error
	}{
		{"stream.ts", Source{Input: abs, Redacted: abs, File: true}, nil},
		{"file://" + abs, Source{Input: abs, Redacted: abs, File: true}, nil},
		{"https://cam.example/live/index.m3u8", Source{Input: "https://cam.example/live/index.m3u8", Redacted: "https://cam.example/live/index.m3u8"}, nil},
		{"http://bob:pw@10.0.0.5:8080/x.m3u8?token=s3cret#f", Source{Input: "http://bob:pw@10.0.0.5:8080/x.m3u8?token=s3cret#f", Redacted: "http://10.0.0.5:8080/x.m3u8"}, nil},
		{"hls+https://h.example/a.m3u8", Source{Input: "https://h.example/a.m3u8", Redacted: "hls+https://h.example/a.m3u8"}, nil},
		{"RTMP://10.1.1.1/live/key", Source{Input: "rtmp://10.1.1.1/live/key", Redacted: "rtmp://10.1.1.1/live/key"}, nil},
		{"rtsp://u:p@10.1.1.2:554/s", Source{Input: "rtsp://u:p@10.1.1.2:554/s", Redacted: "rtsp://10.1.1.2:554/s"}, nil},
		{"udp://0.0.0.0:1234", Source{}, ErrBadSource},
		{"srt://10.0.0.1:9000", Source{}, ErrBadSource},
		{"ftp://h/x.ts", Source{}, ErrBadSource},
		{"gopher://h/x", Source{}, ErrBadSource},
		{"http:///nohost", Source{}, ErrBadSource},
		{"file://remote.example/x.ts", Source{}, ErrBadSource},
		{"", Source{}, ErrBadSource},
		{"x.ts\nmore", Source{}, ErrBadSource},
		{"http://h/%zz", Source{}, ErrBadSource},
	} {
		got, err := ParseSource(tc.in)
		if !errors.Is(err, tc.err) {
			t.Errorf("ParseSource(%q): error %v, want %v", tc.in, err, tc.err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseSource(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// FuzzParseSource checks that an accepted source never carries credentials, a query or a
// fragment into its redacted form, and that its input uses an allowed scheme.
func FuzzParseSource(f *testing.F) {
	for _, s := range []string{"a.ts", "http://u:p@h/x?t=1#f", "hls+https://h/a.m3u8", "udp://h:1", "file:///x", "rtsp://[::1]:554/s", "http://h/%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		src, err := ParseSource(s)
		if err != nil {
			if !errors.Is(err, ErrBadSource) {
				t.Fatalf("ParseSource(%q): %v, not ErrBadSource", s, err)
			}
			return
		}
		if src.File {
			if !filepath.IsAbs(src.Input) || src.Redacted != src.Input {
				t.Fatalf("ParseSource(%q) = %+v: want an absolute path", s, src)
			}
			return
		}
		u, err := url.Parse(src.Redacted)
		if err != nil || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("ParseSource(%q): redacted %q keeps credentials, query or fragment", s, src.Redacted)
		}
		in, err := url.Parse(src.Input)
		if err != nil {
			t.Fatalf("ParseSource(%q): input %q does not parse: %v", s, src.Input, err)
		}
		if _, ok := allowedScheme(in.Scheme); !ok || strings.HasPrefix(in.Scheme, "hls") {
			t.Fatalf("ParseSource(%q): input scheme %q", s, in.Scheme)
		}
	})
}
