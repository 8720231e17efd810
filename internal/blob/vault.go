package blob

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"

	"filippo.io/age"
)

// Ref describes a stored blob.
type Ref struct {
	// Name is the blob's keyed name in the backend.
	Name string
	// SHA256 is the SHA-256 of the plaintext content.
	SHA256 [sha256.Size]byte
	// Size is the length of the plaintext content in bytes.
	Size int64
}

// spoolBufSize is the buffer size for spooling and for reading blobs back: large enough that
// hashing and encryption, not system calls, set the pace.
const spoolBufSize = 256 << 10

// Vault keeps evidence content in a [Backend], encrypted under a deployment's [Keys] and
// named by the keyed digest of its content. A Vault is safe for concurrent use.
//
// The Vault does not coordinate a Put and a Delete of the same content running at the same
// time (a Put that finds the blob present stores nothing, and a Delete running alongside may
// then remove it); callers that delete content serialise that with storing it, as the catalog
// does with a database transaction.
type Vault struct {
	backend  Backend
	keys     Keys
	spoolDir string
}

// NewVault returns a Vault storing into b under keys k. Put spools ciphertext (never
// plaintext) to temporary files in spoolDir, or in os.TempDir() if spoolDir is empty. With
// the local backend, pass its folder: a spooled blob is then renamed into place rather than
// copied, and spool files orphaned by a crash are removed when the folder is next opened.
// With another backend, pass a folder of the data folder, and remove orphans from it with
// [RemoveTempFiles] at start. NewVault panics if b is nil or k holds no keys: that is a wiring
// mistake, not a run-time condition.
func NewVault(b Backend, k Keys, spoolDir string) *Vault {
	if b == nil {
		panic("blob: NewVault with a nil Backend")
	}
	if !k.ok() {
		panic("blob: NewVault with no keys")
	}
	if spoolDir == "" {
		spoolDir = os.TempDir()
	}
	return &Vault{backend: b, keys: k, spoolDir: spoolDir}
}

// Name returns the name of the blob holding the content whose SHA-256 is sum:
// hex(HMAC-SHA256(naming key, sum)).
func (v *Vault) Name(sum [sha256.Size]byte) string { return v.keys.name(sum) }

// Put reads r to EOF once, encrypting it to a spool file while computing its SHA-256 and size,
// and stores the result under its keyed name. If a blob with that name exists already, Put
// stores nothing and returns its Ref: content is stored once however often it is put. To
// replace a damaged blob, Delete it and Put the content again.
//
// When Put returns nil the blob is durable; when it fails, nothing partial is visible and the
// spool file is removed. Put does not close r.
func (v *Vault) Put(ctx context.Context, r io.Reader) (Ref, error) {
	return v.put(ctx, r, nil)
}

// PutVerified is Put for content whose SHA-256 the caller knows already (it was computed on
// upload or is listed in a manifest). If the content read from r does not hash to sum,
// PutVerified stores nothing and fails with an error wrapping [ErrDigestMismatch].
func (v *Vault) PutVerified(ctx context.Context, sum [sha256.Size]byte, r io.Reader) (Ref, error) {
	return v.put(ctx, r, &sum)
}

func (v *Vault) put(ctx context.Context, r io.Reader, want *[sha256.Size]byte) (ref Ref, err error) {
	if err := ctx.Err(); err != nil {
		return Ref{}, fmt.Errorf("blob put: %w", err)
	}
	f, err := os.CreateTemp(v.spoolDir, TempPrefix+"spool-*")
	if err != nil {
		return Ref{}, fmt.Errorf("blob put: spooling: %w", err)
	}
	spool := f.Name()
	closed := false
	defer func() {
		if !closed {
			f.Close()
		}
		// PutFile may have moved the file away already; otherwise it goes now.
		if rerr := os.Remove(spool); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
			err = fmt.Errorf("blob put: removing spool file: %w", rerr)
		}
	}()

	bw := bufio.NewWriterSize(f, spoolBufSize)
	aw, err := age.Encrypt(bw, v.keys.recipient)
	if err != nil {
		return Ref{}, fmt.Errorf("blob put: encrypting: %w", err)
	}
	h := sha256.New()
	buf := make([]byte, spoolBufSize)
	var size int64
	for {
		if err := ctx.Err(); err != nil {
			return Ref{}, fmt.Errorf("blob put: %w", err)
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			h.Write(buf[:n])
			if _, err := aw.Write(buf[:n]); err != nil {
				return Ref{}, fmt.Errorf("blob put: spooling: %w", err)
			}
			size += int64(n)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return Ref{}, fmt.Errorf("blob put: reading content: %w", rerr)
		}
	}
	if err := aw.Close(); err != nil {
		return Ref{}, fmt.Errorf("blob put: spooling: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return Ref{}, fmt.Errorf("blob put: spooling: %w", err)
	}

	ref.Size = size
	h.Sum(ref.SHA256[:0])
	if want != nil && ref.SHA256 != *want {
		return Ref{}, fmt.Errorf("blob put: %w: got %x, want %x", ErrDigestMismatch, ref.SHA256, *want)
	}
	ref.Name = v.Name(ref.SHA256)

	switch exists, err := v.backend.Exists(ctx, ref.Name); {
	case err != nil:
		return Ref{}, err
	case exists:
		return ref, nil
	}
	if fp, ok := v.backend.(FilePutter); ok {
		closed = true
		if err := f.Close(); err != nil {
			return Ref{}, &Error{Op: "put", Name: ref.Name, Err: fmt.Errorf("spooling: %w", err)}
		}
		if err := fp.PutFile(ctx, ref.Name, spool); err != nil {
			return Ref{}, err
		}
		return ref, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Ref{}, &Error{Op: "put", Name: ref.Name, Err: fmt.Errorf("spooling: %w", err)}
	}
	if err := v.backend.Put(ctx, ref.Name, f); err != nil {
		return Ref{}, err
	}
	return ref, nil
}

// Open returns the content whose SHA-256 is sum, decrypted as a stream the caller must close.
//
// The stream verifies the content as it goes and the SHA-256 at the end: instead of io.EOF it
// returns an error wrapping [ErrCorrupt] (naming the blob) if the content is damaged or is not
// the content asked for. Callers must therefore read to io.EOF before trusting or acting on
// anything they read; [Vault.ReadAll] does that for content that fits in memory. Open fails
// with an error wrapping [ErrNotFound] if there is no such blob, and with one wrapping
// [ErrWrongKey] if the blob is not encrypted to this deployment's key. Errors of the backend
// underneath (a dropped connection, a cancelled ctx) are returned as they are: they do not
// wrap ErrCorrupt. Reading never changes what is stored.
func (v *Vault) Open(ctx context.Context, sum [sha256.Size]byte) (io.ReadCloser, error) {
	return v.open(ctx, v.Name(sum), &sum)
}

// open opens the blob stored under name; if want is not nil, the stream checks that the
// content hashes to it.
func (v *Vault) open(ctx context.Context, name string, want *[sha256.Size]byte) (*reader, error) {
	rc, err := v.backend.Open(ctx, name)
	if err != nil {
		return nil, nameError("open", name, err)
	}
	r := &reader{name: name, want: want, src: &srcReader{r: rc}, closer: rc, h: sha256.New()}
	plain, err := age.Decrypt(bufio.NewReaderSize(r.src, spoolBufSize), v.keys.identity)
	if err != nil {
		rc.Close()
		return nil, r.fail("open", err)
	}
	r.plain = plain
	return r, nil
}

// nameError makes sure err names the blob.
func nameError(op, name string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Op: op, Name: name, Err: err}
}

// ReadAll returns the content whose SHA-256 is sum, read to the end and verified. It fails
// with an error wrapping [ErrTooLarge], returning no content, if the content is longer than
// maxBytes.
func (v *Vault) ReadAll(ctx context.Context, sum [sha256.Size]byte, maxBytes int64) ([]byte, error) {
	if maxBytes < 0 {
		maxBytes = 0
	}
	r, err := v.open(ctx, v.Name(sum), &sum)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	limit := maxBytes
	if limit < math.MaxInt64 {
		limit++ // one byte more tells content longer than maxBytes from content of exactly maxBytes
	}
	b, err := io.ReadAll(io.LimitReader(r, limit))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > maxBytes {
		return nil, &Error{Op: "read", Name: r.name, Err: fmt.Errorf("%w of %d bytes", ErrTooLarge, maxBytes)}
	}
	return b, nil
}

// Check reads the blob stored under name to the end, decrypts it, and verifies that its
// content is named name under this Vault's keys. It needs no catalog: it is how a whole store
// is verified (list the backend, check every name). It returns the blob's Ref, or an error
// wrapping [ErrCorrupt], [ErrWrongKey] or [ErrNotFound].
func (v *Vault) Check(ctx context.Context, name string) (Ref, error) {
	if err := ValidName(name); err != nil {
		return Ref{}, &Error{Op: "check", Name: name, Err: err}
	}
	r, err := v.open(ctx, name, nil)
	if err != nil {
		return Ref{}, err
	}
	defer r.Close()
	buf := make([]byte, spoolBufSize)
	for {
		if err := ctx.Err(); err != nil {
			return Ref{}, &Error{Op: "check", Name: name, Err: err}
		}
		_, err := r.Read(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			return Ref{}, err
		}
	}
	ref := Ref{Name: name, SHA256: r.sum, Size: r.size}
	if v.Name(r.sum) != name {
		return Ref{}, &Error{Op: "check", Name: name, Err: fmt.Errorf("%w: content does not match its name", ErrCorrupt)}
	}
	return ref, nil
}

// Has reports whether the content whose SHA-256 is sum is stored. It does not read or verify
// the blob.
func (v *Vault) Has(ctx context.Context, sum [sha256.Size]byte) (bool, error) {
	return v.backend.Exists(ctx, v.Name(sum))
}

// Delete removes the content whose SHA-256 is sum; it fails with an error wrapping
// [ErrNotFound] if it is not stored.
func (v *Vault) Delete(ctx context.Context, sum [sha256.Size]byte) error {
	return v.backend.Delete(ctx, v.Name(sum))
}

// srcReader reads the stored ciphertext and remembers the first error other than io.EOF,
// so that a failing backend is not mistaken for a damaged blob.
type srcReader struct {
	r   io.Reader
	err error
}

func (s *srcReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// reader decrypts a blob and verifies its digest at the end.
type reader struct {
	name   string
	want   *[sha256.Size]byte // nil: do not verify (Check compares the name instead)
	src    *srcReader
	closer io.Closer
	plain  io.Reader
	h      hash.Hash
	size   int64
	sum    [sha256.Size]byte // set at EOF
	err    error             // sticky
}

func (r *reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.plain.Read(p)
	r.h.Write(p[:n])
	r.size += int64(n)
	switch {
	case err == nil:
		return n, nil
	case err == io.EOF:
		r.h.Sum(r.sum[:0])
		if r.want != nil && r.sum != *r.want {
			r.err = &Error{Op: "read", Name: r.name, Err: fmt.Errorf("%w: content does not match its SHA-256", ErrCorrupt)}
			return n, r.err
		}
		r.err = io.EOF
		return n, io.EOF
	default:
		return n, r.fail("read", err)
	}
}

// fail records and returns the error for a failure of age to decrypt: the backend's own
// error if it had one, otherwise the blob is damaged or not ours.
func (r *reader) fail(op string, err error) error {
	var noMatch *age.NoIdentityMatchError
	switch {
	case r.src.err != nil:
		r.err = &Error{Op: op, Name: r.name, Err: fmt.Errorf("reading stored blob: %w", r.src.err)}
	case errors.As(err, &noMatch):
		r.err = &Error{Op: op, Name: r.name, Err: ErrWrongKey}
	default:
		r.err = &Error{Op: op, Name: r.name, Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
	}
	return r.err
}

// Close closes the stored blob.
func (r *reader) Close() error { return r.closer.Close() }
