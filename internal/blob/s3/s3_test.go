package s3_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/vidb-project/vidb/internal/blob"
	"github.com/vidb-project/vidb/internal/blob/blobtest"
	"github.com/vidb-project/vidb/internal/blob/s3"
)

// server is an S3-compatible server (gofakes3 over an in-memory store) listening on loopback
// for one test.
type server struct {
	cfg  s3.Config // a bucket on it, to be created
	opts []s3.Option
}

// startServer starts a server over HTTPS if tls is set, over plain HTTP otherwise.
func startServer(t *testing.T, tls bool) server {
	t.Helper()
	faker := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog()))
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(faker.Server())
	} else {
		srv = httptest.NewServer(decodeChunkedParts(t, faker.Server()))
	}
	t.Cleanup(srv.Close)
	s := server{cfg: s3.Config{
		Endpoint:     srv.Listener.Addr().String(),
		Bucket:       "evidence",
		AccessKey:    "test-access",
		SecretKey:    "test-secret",
		UseTLS:       tls,
		Region:       "us-east-1",
		CreateBucket: true,
	}}
	if tls {
		s.opts = []s3.Option{s3.WithTransport(srv.Client().Transport)} // trusts the test certificate
	}
	return s
}

// decodeChunkedParts works around a gap of gofakes3 1.2.0: over plain HTTP minio-go signs
// request bodies in the aws-chunked encoding (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), which
// gofakes3 decodes for PutObject but stores undecoded for UploadPart, as if the chunk headers
// were content. AWS S3 and MinIO decode both. This decodes part bodies before gofakes3 sees
// them (without checking the chunk signatures, which gofakes3 does not check either).
func decodeChunkedParts(t *testing.T, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") &&
			strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
			body, err := decodeAWSChunked(r.Body)
			if err != nil {
				t.Errorf("decoding an aws-chunked part: %v", err)
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			r.TransferEncoding = nil
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			r.Header.Del("Content-Encoding")
			r.Header.Del("X-Amz-Decoded-Content-Length")
		}
		h.ServeHTTP(w, r)
	})
}

// decodeAWSChunked decodes "SIZE;chunk-signature=SIG\r\nDATA\r\n" chunks up to the empty one.
func decodeAWSChunked(r io.Reader) ([]byte, error) {
	br := bufio.NewReader(r)
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("chunk header: %w", err)
		}
		sizeHex, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), ";")
		size, err := strconv.ParseInt(sizeHex, 16, 64)
		if err != nil || size < 0 || size > 64<<20 {
			return nil, fmt.Errorf("chunk size %q", sizeHex)
		}
		if size == 0 {
			return out.Bytes(), nil
		}
		if _, err := io.CopyN(&out, br, size); err != nil {
			return nil, fmt.Errorf("chunk data: %w", err)
		}
		if crlf, err := br.ReadString('\n'); err != nil || crlf != "\r\n" {
			return nil, fmt.Errorf("chunk end: %q, %v", crlf, err)
		}
	}
}

func TestConformance(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP", true: "HTTPS"}[tls], func(t *testing.T) {
			srv := startServer(t, tls)
			var n atomic.Int64
			blobtest.Run(t, func(t *testing.T) blob.Backend {
				// One server, a bucket per test (every other one under a prefix), so that
				// the tests run in parallel and each starts empty.
				c := srv.cfg
				i := n.Add(1)
				c.Bucket = fmt.Sprintf("evidence-%d", i)
				if i%2 == 1 {
					c.Prefix = "deployment/blobs"
				}
				b, err := s3.New(t.Context(), c, srv.opts...)
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return b
			})
		})
	}
}

func name(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestLayout(t *testing.T) {
	t.Parallel()
	srv := startServer(t, false)
	cfg := srv.cfg
	cfg.Prefix = "deployment/blobs"
	b, err := s3.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := name("layout")
	if err := b.Put(t.Context(), n, strings.NewReader("content")); err != nil {
		t.Fatal(err)
	}
	// The same bucket under no prefix: the object is at deployment/blobs/NAME[:2]/NAME.
	cfg.Prefix = ""
	root, err := s3.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := root.List(t.Context(), func(n string) error { names = append(names, n); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(names) != 0 {
		t.Errorf("List of the bucket root: got %v, want nothing (objects are under the prefix)", names)
	}
	for _, p := range []string{"deployment", "deployment/blobs", "deployment/blobs/" + n[:2]} {
		cfg.Prefix = p
		pb, err := s3.New(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := pb.Exists(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		if want := p == "deployment/blobs"; ok != want {
			t.Errorf("Exists under prefix %q: got %t, want %t", p, ok, want)
		}
	}
}

func TestMissingBucket(t *testing.T) {
	t.Parallel()
	cfg := startServer(t, false).cfg
	cfg.CreateBucket = false
	cfg.Bucket = "absent"
	if _, err := s3.New(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("New on a missing bucket without create: got %v, want an error saying it does not exist", err)
	}
}

func TestNoCredentials(t *testing.T) {
	t.Parallel()
	cfg := startServer(t, false).cfg
	cfg.SecretKey = ""
	if _, err := s3.New(t.Context(), cfg); err == nil {
		t.Fatalf("New without credentials: got no error")
	}
}

func TestNewFromURL(t *testing.T) {
	t.Parallel()
	cfg := startServer(t, false).cfg
	env := map[string]string{s3.EnvAccessKey: "ak", s3.EnvSecretKey: "sk"}
	c, err := s3.ParseURL("s3://from-url/pre/fix?endpoint="+cfg.Endpoint+"&tls=false&create=true", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	b, err := s3.New(t.Context(), c)
	if err != nil {
		t.Fatalf("New from a parsed URL: %v", err)
	}
	n := name("url")
	if err := b.Put(t.Context(), n, strings.NewReader("via url")); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Exists(t.Context(), n); err != nil || !ok {
		t.Fatalf("Exists after Put: %t, %v", ok, err)
	}
}

func TestRemoveOrphans(t *testing.T) {
	t.Parallel()
	srv := startServer(t, false)
	cfg := srv.cfg
	cfg.Prefix = "blobs"
	b, err := s3.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Uploads a crashed process left behind: one of ours, one foreign.
	core, err := minio.NewCore(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Region: cfg.Region})
	if err != nil {
		t.Fatal(err)
	}
	n := name("orphan")
	ours, foreign := "blobs/"+n[:2]+"/"+n, "blobs/other/file"
	for _, key := range []string{ours, foreign} {
		if _, err := core.NewMultipartUpload(t.Context(), cfg.Bucket, key, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pending := func() []string {
		t.Helper()
		res, err := core.ListMultipartUploads(t.Context(), cfg.Bucket, "", "", "", "", 1000)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, u := range res.Uploads {
			keys = append(keys, u.Key)
		}
		slices.Sort(keys)
		return keys
	}
	if got, err := b.RemoveOrphans(t.Context()); err != nil || got != 0 {
		t.Fatalf("RemoveOrphans within the grace period: removed %d, %v; want 0", got, err)
	}
	later, err := s3.New(t.Context(), cfg, s3.WithClock(func() time.Time { return time.Now().Add(2 * s3.DefaultOrphanGrace) }))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := later.RemoveOrphans(t.Context()); err != nil || got != 1 {
		t.Fatalf("RemoveOrphans past the grace period: removed %d, %v; want 1", got, err)
	}
	if got, want := pending(), []string{foreign}; !slices.Equal(got, want) {
		t.Fatalf("incomplete uploads left: got %v, want %v", got, want)
	}
}
