package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/vidb-project/vidb/internal/digest"
)

// spoolPrefix starts the names of spool files, so that an operator can tell them apart.
const spoolPrefix = "vidb-ingest-"

// spooled is an upload copied to a private temporary file.
type spooled struct {
	path string
	sum  digest.Sum
}

// remove deletes the spool file.
func (s *spooled) remove() error {
	if s == nil || s.path == "" {
		return nil
	}
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// readFailure is a failure to read the upload from the client (a cancelled request, a broken
// connection): the upload_failed audit event records it.
type readFailure struct {
	err   error
	bytes int64
}

func (e *readFailure) Error() string { return fmt.Sprintf("reading upload: %v", e.err) }
func (e *readFailure) Unwrap() error { return e.err }

// clientReader reads the client's body, stopping when ctx ends, and remembers a read failure.
type clientReader struct {
	ctx  context.Context
	r    io.Reader
	n    int64
	fail error
}

func (c *clientReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		c.fail = err
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.fail = err
		if cerr := c.ctx.Err(); cerr != nil {
			c.fail = fmt.Errorf("%w: %w", cerr, err) // the request ended: say so
		}
	}
	return n, err
}

// spool copies body to a new 0600 file in dir, computing its digests, and refuses more than
// maxBytes with ErrTooLarge. On error nothing is left on disk.
func spool(ctx context.Context, dir string, body io.Reader, maxBytes int64) (_ *spooled, err error) {
	f, err := os.CreateTemp(dir, spoolPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("ingest: spooling: %w", err)
	}
	s := &spooled{path: f.Name()}
	defer func() {
		if err != nil {
			f.Close()
			s.remove()
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return nil, fmt.Errorf("ingest: spooling: %w", err)
	}
	cr := &clientReader{ctx: ctx, r: body}
	d := digest.New()
	buf := make([]byte, 1<<20)
	n, err := io.CopyBuffer(io.MultiWriter(f, d), io.LimitReader(cr, maxBytes+1), buf)
	if cr.fail != nil {
		return nil, &readFailure{err: cr.fail, bytes: cr.n}
	}
	if err != nil {
		return nil, fmt.Errorf("ingest: spooling: %w", err)
	}
	if n > maxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("ingest: spooling: %w", err)
	}
	s.sum = d.Sum()
	return s, nil
}
