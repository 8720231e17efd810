package blob

import (
	"context"
	"io"

	"github.com/vidb-project/vidb/internal/durable"
)

// NameLen is the length of every blob name: 64 lowercase hex digits, the size of an
// HMAC-SHA256 in hex.
const NameLen = 64

// TempPrefix starts the name of every temporary file this package and its backends write
// (spooled ciphertext, objects being written). A file whose name starts with it and that nobody
// has written to for a while is an orphan of an interrupted write and may be removed.
const TempPrefix = durable.TempPrefix

// ValidName reports whether name is a valid blob name: exactly [NameLen] lowercase hex
// digits. It returns nil or an error wrapping [ErrInvalidName]. Backends refuse every other
// name, so a name can never climb out of a folder or a bucket prefix.
func ValidName(name string) error {
	if len(name) != NameLen {
		return ErrInvalidName
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return ErrInvalidName
		}
	}
	return nil
}

// Backend is raw named-object storage: the place where a [Vault] keeps its encrypted blobs.
// Implementations: blob/local (a folder) and blob/s3 (S3-compatible object storage). Every
// implementation passes blobtest.Run; that suite is the executable form of this contract.
//
// Contract, for every method:
//   - Names are 64 lowercase hex digits ([ValidName]). Any other name is refused with an error
//     wrapping [ErrInvalidName], before any storage is touched.
//   - Errors name the object: they are (or wrap) an [*Error] with Op and Name set, and wrap
//     the sentinels below where they apply, so callers test them with errors.Is.
//   - A context that is already done makes the call fail with an error wrapping ctx.Err(),
//     having changed nothing.
//   - All methods are safe for concurrent use, also with the same name.
//
// Backends do not encrypt or verify content: that is the Vault's work. They hold opaque bytes.
type Backend interface {
	// Put stores everything read from r, up to io.EOF, under name.
	//
	// Put is atomic: a concurrent or later Open sees either the object as it was before Put
	// (or no object) or the whole new object, never a part of it. If name exists, Put
	// replaces it atomically; the Vault only rewrites a name with equivalent content. When Put
	// returns nil, the object is durable (it survives a crash of the process or the machine,
	// as far as the storage underneath keeps its promises). When Put fails, because r failed,
	// ctx was cancelled or the storage failed, no partial object is ever visible: name holds
	// its previous object (or none), except that a failure reported after the final step (say,
	// flushing a folder) may leave the complete new object in place.
	//
	// Put reads r sequentially and does not close it. If r is an *os.File, a backend may use
	// its size and read it at offsets from its current position.
	Put(ctx context.Context, name string, r io.Reader) error

	// Open returns the object stored under name, as a stream the caller must close. If there
	// is no such object, Open fails with an error wrapping [ErrNotFound]. The stream reads the
	// object as it was when Open was called, or fails. ctx governs the call and, for network
	// backends, the reads of the stream as well.
	Open(ctx context.Context, name string) (io.ReadCloser, error)

	// Delete removes the object stored under name. If there is no such object, Delete fails
	// with an error wrapping [ErrNotFound]. When Delete returns nil, the removal is durable.
	Delete(ctx context.Context, name string) error

	// Exists reports whether an object is stored under name. A missing object is (false, nil);
	// an error means the backend could not tell.
	Exists(ctx context.Context, name string) (bool, error)

	// List calls fn once with the name of every object stored, in no particular order; names
	// of temporary files and foreign files that are not valid blob names are not reported. If
	// fn returns an error, List stops and returns that error unwrapped. Whether objects put or
	// deleted while List runs are reported is unspecified; fn may call the other methods,
	// including Delete.
	List(ctx context.Context, fn func(name string) error) error

	// Close releases the backend's resources. The backend must not be used after Close.
	Close() error
}

// FilePutter is implemented by backends that can take over a finished file more cheaply than
// by reading it: the local backend renames it into place. A [Vault] spools ciphertext to a
// file and uses PutFile when its backend has it.
type FilePutter interface {
	// PutFile stores the content of the regular file at path under name, with the guarantees
	// of [Backend.Put]. On success the file at path is gone (moved into the store, or copied
	// and removed); on failure it may remain, and the caller removes it.
	PutFile(ctx context.Context, name, path string) error
}

// OrphanRemover is implemented by backends that a crash can leave with debris no reader sees:
// temporary files in a folder (local), incomplete multipart uploads in a bucket (s3). Such
// debris holds only ciphertext, but takes up space.
type OrphanRemover interface {
	// RemoveOrphans removes the debris that has been left alone for longer than the backend's
	// grace period (writers still at work are spared) and returns how many items it removed.
	// A long-running process calls it now and then.
	RemoveOrphans(ctx context.Context) (int, error)
}
