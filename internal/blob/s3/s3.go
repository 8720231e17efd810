package s3

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/vidb-project/vidb/internal/blob"
)

// streamPartSize is the part size of uploads whose size is not known in advance: minio-go
// buffers one part in memory, and S3 allows 10,000 parts, so such an object may be up to
// 160 GiB. (The Vault always uploads files, whose size is known.)
const streamPartSize = 16 << 20

// Backend is a bucket, or a prefix of one. It is safe for concurrent use.
type Backend struct {
	client *minio.Client
	bucket string
	prefix string // "" or ending in "/"
	grace  time.Duration
	now    func() time.Time
}

var (
	_ blob.Backend       = (*Backend)(nil)
	_ blob.OrphanRemover = (*Backend)(nil)
)

// DefaultOrphanGrace is how old an incomplete multipart upload must be before
// [Backend.RemoveOrphans] aborts it: far longer than any upload takes.
const DefaultOrphanGrace = 24 * time.Hour

// options are what the Options given to New set.
type options struct {
	minio minio.Options
	grace time.Duration
	now   func() time.Time
}

// Option adjusts New.
type Option func(*options)

// WithTransport makes the client send its requests through rt (a custom CA, a proxy, a test
// server).
func WithTransport(rt http.RoundTripper) Option {
	return func(o *options) { o.minio.Transport = rt }
}

// WithOrphanGrace sets how old an incomplete multipart upload must be before RemoveOrphans
// aborts it, instead of DefaultOrphanGrace.
func WithOrphanGrace(d time.Duration) Option {
	return func(o *options) { o.grace = d }
}

// WithClock sets the clock RemoveOrphans judges the age of uploads by, instead of time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// New connects to the bucket cfg names, checking that it exists (or creating it if
// cfg.CreateBucket is set) and that the credentials are accepted.
func New(ctx context.Context, cfg Config, opts ...Option) (*Backend, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("s3 blob store: %w", err)
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, fmt.Errorf("s3 blob store: no credentials (set %s and %s)", EnvAccessKey, EnvSecretKey)
	}
	o := options{
		minio: minio.Options{
			Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
			Secure: cfg.UseTLS,
			Region: cfg.Region,
		},
		grace: DefaultOrphanGrace,
		now:   time.Now,
	}
	for _, opt := range opts {
		opt(&o)
	}
	client, err := minio.New(cfg.Endpoint, &o.minio)
	if err != nil {
		return nil, fmt.Errorf("s3 blob store: %w", err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3 blob store: bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		if !cfg.CreateBucket {
			return nil, fmt.Errorf("s3 blob store: bucket %s does not exist at %s (create it, or add create=true to the URL)", cfg.Bucket, cfg.Endpoint)
		}
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
			err = nil // another replica made it meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("s3 blob store: creating bucket %s: %w", cfg.Bucket, err)
		}
	}
	b := &Backend{client: client, bucket: cfg.Bucket, grace: o.grace, now: o.now}
	if cfg.Prefix != "" {
		b.prefix = cfg.Prefix + "/"
	}
	return b, nil
}

// key returns the object key of name.
func (b *Backend) key(name string) string { return b.prefix + name[:2] + "/" + name }

// check validates name and ctx for operation op.
func check(ctx context.Context, op, name string) error {
	if err := blob.ValidName(name); err != nil {
		return &blob.Error{Op: op, Name: name, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return &blob.Error{Op: op, Name: name, Err: err}
	}
	return nil
}

// isNotFound reports whether err is S3's answer for a missing object.
func isNotFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.Code == "NoSuchKey" || r.Code == "NotFound"
}

// Put implements blob.Backend. An *os.File is uploaded with its size known (from its current
// position to its end), in parallel parts if it is large. Any other reader is read into memory
// up to 16 MiB: if it ends there, it is uploaded in one request; otherwise it is streamed as a
// multipart upload in parts of 16 MiB.
func (b *Backend) Put(ctx context.Context, name string, r io.Reader) error {
	if err := check(ctx, "put", name); err != nil {
		return err
	}
	if err := b.put(ctx, name, r); err != nil {
		return &blob.Error{Op: "put", Name: name, Err: err}
	}
	return nil
}

func (b *Backend) put(ctx context.Context, name string, r io.Reader) error {
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	var src io.Reader
	var size int64
	if f, ok := r.(*os.File); ok && isRegular(f) {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return err
		}
		size = max(fi.Size()-off, 0)
		// minio-go reads a file at offsets (in parallel parts when it is large) counted from
		// the start of the reader it is given: a section starting at the current position.
		src = io.NewSectionReader(f, off, size)
	} else {
		// Fail reads once ctx is done, so that a stream cut short by a cancelled context is
		// never uploaded as if it had ended.
		body := readerFunc(func(p []byte) (int, error) {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			return r.Read(p)
		})
		buf := make([]byte, streamPartSize)
		n, err := io.ReadFull(body, buf)
		switch err {
		case io.EOF, io.ErrUnexpectedEOF: // all of it: one request
			src, size = bytes.NewReader(buf[:n]), int64(n)
			if n == 0 {
				// Over plain HTTP minio-go signs payloads in aws-chunked encoding, which for
				// an empty body it sends without a Content-Length, and S3 refuses that. An
				// empty payload has nothing to sign.
				opts.DisableContentSha256 = true
			}
		case nil: // more to come: a multipart upload of unknown size
			src, size = io.MultiReader(bytes.NewReader(buf), body), -1
			opts.PartSize = streamPartSize
		default:
			return fmt.Errorf("reading content: %w", err)
		}
	}
	info, err := b.client.PutObject(ctx, b.bucket, b.key(name), src, size, opts)
	if err != nil {
		return err
	}
	if size >= 0 && info.Size != size {
		return fmt.Errorf("uploaded %d bytes, want %d", info.Size, size)
	}
	return nil
}

// isRegular reports whether f is a regular file.
func isRegular(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode().IsRegular()
}

// readerFunc is a function that is an io.Reader.
type readerFunc func(p []byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// Open implements blob.Backend: one GET request, whose response body is the stream, so that
// the stream is one version of the object. Cancelling ctx interrupts reads of the stream.
func (b *Backend) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := check(ctx, "open", name); err != nil {
		return nil, err
	}
	body, _, _, err := minio.Core{Client: b.client}.GetObject(ctx, b.bucket, b.key(name), minio.GetObjectOptions{})
	if err != nil {
		if isNotFound(err) {
			return nil, &blob.Error{Op: "open", Name: name, Err: blob.ErrNotFound}
		}
		return nil, &blob.Error{Op: "open", Name: name, Err: err}
	}
	return body, nil
}

// Delete implements blob.Backend. S3 does not say whether a delete removed anything, so Delete
// asks first; an object deleted by someone else between the two requests is reported as
// deleted.
func (b *Backend) Delete(ctx context.Context, name string) error {
	if err := check(ctx, "delete", name); err != nil {
		return err
	}
	if _, err := b.client.StatObject(ctx, b.bucket, b.key(name), minio.StatObjectOptions{}); err != nil {
		if isNotFound(err) {
			return &blob.Error{Op: "delete", Name: name, Err: blob.ErrNotFound}
		}
		return &blob.Error{Op: "delete", Name: name, Err: err}
	}
	if err := b.client.RemoveObject(ctx, b.bucket, b.key(name), minio.RemoveObjectOptions{}); err != nil {
		return &blob.Error{Op: "delete", Name: name, Err: err}
	}
	return nil
}

// Exists implements blob.Backend.
func (b *Backend) Exists(ctx context.Context, name string) (bool, error) {
	if err := check(ctx, "exists", name); err != nil {
		return false, err
	}
	_, err := b.client.StatObject(ctx, b.bucket, b.key(name), minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if isNotFound(err) {
		return false, nil
	}
	return false, &blob.Error{Op: "exists", Name: name, Err: err}
}

// List implements blob.Backend. Keys under the prefix that are not NAME[:2]/NAME are skipped.
func (b *Backend) List(ctx context.Context, fn func(name string) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob list: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for obj := range b.client.ListObjectsIter(ctx, b.bucket, minio.ListObjectsOptions{Prefix: b.prefix, Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("blob list: %w", obj.Err)
		}
		rest, ok := strings.CutPrefix(obj.Key, b.prefix)
		if !ok {
			continue
		}
		dir, name, ok := strings.Cut(rest, "/")
		if !ok || blob.ValidName(name) != nil || dir != name[:2] {
			continue
		}
		if err := fn(name); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob list: %w", err)
	}
	return nil
}

// RemoveOrphans implements blob.OrphanRemover: it aborts the incomplete multipart uploads
// of objects under the prefix that were started longer ago than the grace period (left by a
// process that crashed mid-upload), and returns how many it aborted. A bucket lifecycle rule
// that aborts incomplete multipart uploads does the same on the server's side.
func (b *Backend) RemoveOrphans(ctx context.Context) (int, error) {
	core := minio.Core{Client: b.client}
	cutoff := b.now().Add(-b.grace)
	removed := 0
	keyMarker, idMarker := "", ""
	for {
		res, err := core.ListMultipartUploads(ctx, b.bucket, b.prefix, keyMarker, idMarker, "", 1000)
		if err != nil {
			return removed, fmt.Errorf("s3 blob store: listing incomplete uploads: %w", err)
		}
		for _, u := range res.Uploads {
			rest, ok := strings.CutPrefix(u.Key, b.prefix)
			dir, name, _ := strings.Cut(rest, "/")
			if !ok || blob.ValidName(name) != nil || dir != name[:2] || !u.Initiated.Before(cutoff) {
				continue // not ours, or perhaps still being written
			}
			err := core.AbortMultipartUpload(ctx, b.bucket, u.Key, u.UploadID)
			if err != nil && minio.ToErrorResponse(err).Code != "NoSuchUpload" {
				return removed, &blob.Error{Op: "remove orphans", Name: name, Err: err}
			}
			removed++
		}
		if !res.IsTruncated {
			return removed, nil
		}
		keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}

// Close implements blob.Backend.
func (b *Backend) Close() error { return nil }
