// Package digest computes the cryptographic digests vidb keys evidence by — MD5, SHA-1 and
// SHA-256 — together with the byte count, in one read of the stream.
//
// The three hashes run concurrently, so the slowest of them, not their sum, sets the pace. MD5
// and SHA-1 are broken as collision-resistant hashes, and vidb never relies on them for
// integrity; they are computed because hash sets exchanged between laboratories (VICS, NSRL)
// are often keyed by them.
//
// This package must not import net/http, database/sql or os/exec.
package digest

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"sync"
)

// Sum holds the digests and the size of one byte stream.
type Sum struct {
	MD5    [md5.Size]byte
	SHA1   [sha1.Size]byte
	SHA256 [sha256.Size]byte
	Size   int64
}

// MD5Hex returns the MD5 digest as 32 lowercase hex digits.
func (s Sum) MD5Hex() string { return hex.EncodeToString(s.MD5[:]) }

// SHA1Hex returns the SHA-1 digest as 40 lowercase hex digits.
func (s Sum) SHA1Hex() string { return hex.EncodeToString(s.SHA1[:]) }

// SHA256Hex returns the SHA-256 digest as 64 lowercase hex digits.
func (s Sum) SHA256Hex() string { return hex.EncodeToString(s.SHA256[:]) }

// parallelMin is the smallest write worth fanning out to goroutines: below it the cost of
// starting and joining them is comparable to hashing the bytes in line.
const parallelMin = 64 << 10

// chunkSize is the read size of Reader: large enough to amortise the fan-out, small enough to
// keep two buffers cheap.
const chunkSize = 1 << 20

// Digester accumulates the three digests of everything written to it. Large writes are hashed
// by the three algorithms concurrently; Write returns once all three have consumed the bytes, so
// the caller may reuse its buffer. The zero value is not usable; call New. A Digester is not
// safe for concurrent use.
type Digester struct {
	md5, sha1, sha256 hash.Hash
	size              int64
}

// New returns an empty Digester.
func New() *Digester {
	return &Digester{md5: md5.New(), sha1: sha1.New(), sha256: sha256.New()}
}

// Write adds p to all three digests. It never fails.
func (d *Digester) Write(p []byte) (int, error) {
	d.size += int64(len(p))
	if len(p) < parallelMin {
		d.md5.Write(p)
		d.sha1.Write(p)
		d.sha256.Write(p)
		return len(p), nil
	}
	var wg sync.WaitGroup
	wg.Go(func() { d.md5.Write(p) })
	wg.Go(func() { d.sha1.Write(p) })
	d.sha256.Write(p)
	wg.Wait()
	return len(p), nil
}

// Sum returns the digests of everything written so far. The Digester stays usable.
func (d *Digester) Sum() Sum {
	s := Sum{Size: d.size}
	d.md5.Sum(s.MD5[:0])
	d.sha1.Sum(s.SHA1[:0])
	d.sha256.Sum(s.SHA256[:0])
	return s
}

// Bytes returns the digests of b.
func Bytes(b []byte) Sum {
	d := New()
	d.Write(b)
	return d.Sum()
}

// Reader reads r to its end and returns the digests of what it read. Reading the next chunk
// overlaps with hashing the previous one. On a read error it returns the error and a Sum of the
// bytes read before it, so a caller can report how far it got.
func Reader(r io.Reader) (Sum, error) {
	d := New()
	bufs := [2][]byte{make([]byte, chunkSize), make([]byte, chunkSize)}
	var (
		inFlight sync.WaitGroup
		cur      int
	)
	for {
		n, err := io.ReadFull(r, bufs[cur])
		inFlight.Wait() // the other buffer is free again once its hashing is done
		if n > 0 {
			chunk := bufs[cur][:n]
			inFlight.Go(func() { d.Write(chunk) })
			cur ^= 1
		}
		switch err {
		case nil:
			continue
		case io.EOF, io.ErrUnexpectedEOF:
			inFlight.Wait()
			return d.Sum(), nil
		default:
			inFlight.Wait()
			return d.Sum(), err
		}
	}
}
