package triage

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/vidb-project/vidb/internal/digest"
	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/internal/imaging"
)

// Limits bound what reading an archive may cost. Zero fields take the defaults of
// DefaultLimits.
type Limits struct {
	// MaxEntryBytes is the most bytes one archive entry may decompress to.
	MaxEntryBytes int64
	// MaxArchiveBytes is the most bytes all entries of one archive may decompress to.
	MaxArchiveBytes int64
	// MaxRatio is the highest compression ratio (decompressed / compressed bytes) accepted
	// for a zip entry, or for a gzip stream as a whole, once past RatioGrace bytes.
	MaxRatio int64
	// RatioGrace is how many decompressed bytes are always accepted before the ratio is
	// checked: small files of zeros compress extremely well and are harmless.
	RatioGrace int64
	// MaxInMemory is the largest entry held in memory to be fingerprinted; larger entries are
	// digested as they stream by (an image that large fails as too large, as on disk).
	MaxInMemory int64
}

// DefaultLimits returns the limits used where none are given: entries of at most 4 GiB,
// archives of at most 64 GiB, a ratio of 100 after the first MiB, and entries of up to
// 64 MiB held in memory.
func DefaultLimits() Limits {
	return Limits{MaxEntryBytes: 4 << 30, MaxArchiveBytes: 64 << 30, MaxRatio: 100, RatioGrace: 1 << 20, MaxInMemory: 64 << 20}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = d.MaxEntryBytes
	}
	if l.MaxArchiveBytes <= 0 {
		l.MaxArchiveBytes = d.MaxArchiveBytes
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.RatioGrace <= 0 {
		l.RatioGrace = d.RatioGrace
	}
	if l.MaxInMemory <= 0 {
		l.MaxInMemory = d.MaxInMemory
	}
	return l
}

// item is one file to triage, as the walk found it.
type item struct {
	key  Key
	file string // a file on disk, fingerprinted by path
	data []byte // an archive entry held in memory
	// fp is set for an entry that was digested while streaming (too large for memory).
	fp   *fingerprint.Fingerprint
	err  error   // the walk failed here: the result is this error
	done *Result // the State had it: reported as recorded
	held int64   // bytes of the in-memory budget this item holds
}

// walker produces the items under some paths, in order.
type walker struct {
	lim    Limits
	resume func(Key) (Result, bool)
	budget *budget
	send   func(item) bool
}

// sniffArchive names the archive format of a file's first bytes: "zip", "tar", "gzip" or "".
func sniffArchive(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return "zip"
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return "gzip"
	case isTar(head):
		return "tar"
	}
	return ""
}

// isTar reports whether a block begins a POSIX or GNU tar archive.
func isTar(head []byte) bool {
	return len(head) >= 262 && string(head[257:262]) == "ustar"
}

func (w *walker) walk(ctx context.Context, paths []string) {
	fingerprint.Files(ctx, paths, func(path string, d fs.DirEntry, err error) bool {
		if err != nil {
			return w.send(item{key: Key{Path: path}, err: err})
		}
		fi, err := d.Info()
		if err != nil {
			return w.send(item{key: Key{Path: path}, err: err})
		}
		return w.file(ctx, path, fi)
	})
}

// file sends a file, or the entries of an archive. It returns false when the walk must stop.
func (w *walker) file(ctx context.Context, p string, fi fs.FileInfo) bool {
	key := Key{Path: p, Size: fi.Size(), MTime: fi.ModTime().UnixNano()}
	if !fi.Mode().IsRegular() {
		return w.send(item{key: key, file: p}) // the hasher reports what it is
	}
	format, err := archiveFormat(p)
	if err != nil {
		return w.send(item{key: key, err: err})
	}
	switch format {
	case "zip":
		return w.zip(ctx, p)
	case "tar", "gzip":
		return w.tar(ctx, p, key, format == "gzip")
	}
	return w.plain(key, item{key: key, file: p})
}

// plain sends an item unless the State already has its result.
func (w *walker) plain(key Key, it item) bool {
	if w.resume != nil {
		if r, ok := w.resume(key); ok {
			w.budget.release(it.held)
			return w.send(item{key: key, done: &r})
		}
	}
	return w.send(it)
}

// resumed sends the State's result for an archive entry that has one: done reports whether
// there was one, ok whether the walk goes on (as send reports).
func (w *walker) resumed(key Key) (done, ok bool) {
	if w.resume == nil {
		return false, true
	}
	r, found := w.resume(key)
	if !found {
		return false, true
	}
	return true, w.send(item{key: key, done: &r})
}

func archiveFormat(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", err
	}
	head = head[:n]
	format := sniffArchive(head)
	if format != "gzip" {
		return format, nil
	}
	// A gzip file is walked as an archive only if it holds a tar.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		return "", nil // not a valid gzip stream: an ordinary file
	}
	block := make([]byte, 512)
	n, _ = io.ReadFull(zr, block)
	if isTar(block[:n]) {
		return "gzip", nil
	}
	return "", nil
}

// entryName checks an archive entry's name and returns it cleaned, or ErrUnsafePath.
func entryName(name string) (string, error) {
	n := strings.ReplaceAll(name, "\\", "/")
	if n == "" || strings.ContainsRune(n, 0) || strings.HasPrefix(n, "/") || (len(n) >= 2 && n[1] == ':') {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, name)
	}
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." {
			return "", fmt.Errorf("%w: %q", ErrUnsafePath, name)
		}
	}
	c := path.Clean(n)
	if !filepath.IsLocal(filepath.FromSlash(c)) {
		return "", fmt.Errorf("%w: %q", ErrUnsafePath, name)
	}
	return c, nil
}

// entryPath is how an archive entry is reported.
func entryPath(archive, name string) string { return archive + "!/" + name }

// archiveBudget counts what one archive has decompressed.
type archiveBudget struct {
	lim  Limits
	used int64
}

func (w *walker) zip(ctx context.Context, p string) bool {
	zr, err := zip.OpenReader(p)
	if err != nil {
		fi, _ := os.Stat(p)
		key := Key{Path: p}
		if fi != nil {
			key.Size, key.MTime = fi.Size(), fi.ModTime().UnixNano()
		}
		return w.send(item{key: key, err: fmt.Errorf("%w: zip: %v", ErrArchive, err)})
	}
	defer zr.Close()
	ab := &archiveBudget{lim: w.lim}
	for _, f := range zr.File {
		if ctx.Err() != nil {
			return false
		}
		if f.FileInfo().IsDir() || f.Mode()&fs.ModeType != 0 {
			continue // folders, and links: never followed
		}
		key := Key{Path: entryPath(p, f.Name), Size: int64(f.UncompressedSize64), MTime: f.Modified.UnixNano()}
		name, err := entryName(f.Name)
		if err != nil {
			if !w.send(item{key: key, err: err}) {
				return false
			}
			continue
		}
		key.Path = entryPath(p, name)
		if ab.used >= w.lim.MaxArchiveBytes {
			return w.send(item{key: Key{Path: entryPath(p, "...")}, err: fmt.Errorf("%w: the archive decompresses to more than %d bytes; its remaining entries are refused", ErrBomb, w.lim.MaxArchiveBytes)})
		}
		if done, ok := w.resumed(key); done {
			if !ok {
				return false
			}
			continue
		}
		it := item{key: key}
		compressed := int64(f.CompressedSize64)
		if declared := int64(f.UncompressedSize64); declared > w.lim.MaxEntryBytes ||
			(declared > w.lim.RatioGrace && declared/max(compressed, 1) > w.lim.MaxRatio) {
			it.err = fmt.Errorf("%w: %d bytes compressed to %d (the limits are %d bytes and a ratio of %d)", ErrBomb, declared, compressed, w.lim.MaxEntryBytes, w.lim.MaxRatio)
		} else if rc, err := f.Open(); err != nil {
			it.err = fmt.Errorf("%w: %v", ErrArchive, err)
		} else {
			lr := &limitReader{r: rc, lim: w.lim, compressed: func() int64 { return compressed }, ab: ab}
			w.read(&it, lr)
			rc.Close()
		}
		if !w.send(it) {
			return false
		}
	}
	return true
}

func (w *walker) tar(ctx context.Context, p string, akey Key, gzipped bool) bool {
	f, err := os.Open(p)
	if err != nil {
		return w.send(item{key: akey, err: err})
	}
	defer f.Close()
	cr := &countReader{r: bufio.NewReaderSize(f, 256<<10)}
	var r io.Reader = cr
	compressed := func() int64 { return 1 << 62 } // a plain tar has no ratio to check
	if gzipped {
		zr, err := gzip.NewReader(cr)
		if err != nil {
			return w.send(item{key: akey, err: fmt.Errorf("%w: gzip: %v", ErrArchive, err)})
		}
		zr.Multistream(true)
		r = zr
		compressed = func() int64 { return cr.n }
	}
	ab := &archiveBudget{lim: w.lim}
	// The whole stream is bounded: its total size and, for gzip, its overall ratio.
	stream := &limitReader{r: r, lim: Limits{MaxEntryBytes: w.lim.MaxArchiveBytes + 1<<20, MaxArchiveBytes: 1 << 62, MaxRatio: w.lim.MaxRatio, RatioGrace: w.lim.RatioGrace}, compressed: compressed, ab: &archiveBudget{}}
	tr := tar.NewReader(stream)
	for {
		if ctx.Err() != nil {
			return false
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return true
		}
		if err != nil {
			if errors.Is(err, ErrBomb) {
				return w.send(item{key: Key{Path: entryPath(p, "...")}, err: fmt.Errorf("%w; the rest of the archive is refused", err)})
			}
			return w.send(item{key: Key{Path: entryPath(p, "...")}, err: fmt.Errorf("%w: tar: %v", ErrArchive, err)})
		}
		if hdr.Typeflag != tar.TypeReg {
			continue // folders, links (never followed), devices
		}
		key := Key{Path: entryPath(p, hdr.Name), Size: hdr.Size, MTime: hdr.ModTime.UnixNano()}
		name, err := entryName(hdr.Name)
		if err != nil {
			if !w.send(item{key: key, err: err}) {
				return false
			}
			continue
		}
		key.Path = entryPath(p, name)
		if done, ok := w.resumed(key); done {
			if !ok {
				return false
			}
			continue
		}
		it := item{key: key}
		if hdr.Size > w.lim.MaxEntryBytes {
			it.err = fmt.Errorf("%w: entry of %d bytes (the limit is %d)", ErrBomb, hdr.Size, w.lim.MaxEntryBytes)
		} else {
			w.read(&it, &limitReader{r: tr, lim: w.lim, compressed: func() int64 { return 1 << 62 }, ab: ab})
		}
		if errors.Is(it.err, ErrBomb) && errors.Is(stream.err, ErrBomb) {
			it.err = fmt.Errorf("%w; the rest of the archive is refused", stream.err)
			return w.send(it)
		}
		if !w.send(it) {
			return false
		}
	}
}

// read reads one entry into it: into memory when small enough, otherwise digesting it as it
// streams by.
func (w *walker) read(it *item, r io.Reader) {
	want := min(it.key.Size, w.lim.MaxInMemory) + 1
	w.budget.acquire(want)
	buf := make([]byte, 0, want)
	buf, err := readUpTo(buf, r, w.lim.MaxInMemory+1)
	if err != nil {
		w.budget.release(want)
		it.err = err
		return
	}
	if int64(len(buf)) <= w.lim.MaxInMemory {
		it.data, it.held = buf, want
		return
	}
	// Too large for memory: digest it, and sniff its head.
	w.budget.release(want)
	fp := fingerprint.Fingerprint{Path: it.key.Path}
	fp.Kind, fp.Format = fingerprint.Sniff(buf[:min(len(buf), 512)])
	d := digest.New()
	d.Write(buf)
	if _, err := io.Copy(d, r); err != nil {
		it.err = err
		return
	}
	fp.Digest, fp.Digested = d.Sum(), true
	it.fp = &fp
	if fp.Kind == fingerprint.KindImage {
		it.err = fmt.Errorf("%w: %d bytes, the budget is %d", imaging.ErrTooLarge, fp.Digest.Size, w.lim.MaxInMemory)
	}
}

func readUpTo(buf []byte, r io.Reader, n int64) ([]byte, error) {
	b := bytes.NewBuffer(buf)
	_, err := io.Copy(b, io.LimitReader(r, n))
	return b.Bytes(), err
}

// limitReader enforces the per-entry and per-archive byte caps and the compression ratio.
type limitReader struct {
	r          io.Reader
	lim        Limits
	compressed func() int64
	ab         *archiveBudget
	n          int64
	err        error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	l.ab.used += int64(n)
	switch c := l.compressed(); {
	case l.n > l.lim.MaxEntryBytes:
		l.err = fmt.Errorf("%w: more than %d bytes decompressed", ErrBomb, l.lim.MaxEntryBytes)
	case l.ab.lim.MaxArchiveBytes > 0 && l.ab.used > l.ab.lim.MaxArchiveBytes:
		l.err = fmt.Errorf("%w: the archive decompresses to more than %d bytes", ErrBomb, l.ab.lim.MaxArchiveBytes)
	case l.n > l.lim.RatioGrace && l.n/max(c, 1) > l.lim.MaxRatio:
		l.err = fmt.Errorf("%w: %d bytes from %d compressed, a ratio over %d", ErrBomb, l.n, c, l.lim.MaxRatio)
	}
	if l.err != nil {
		return 0, l.err
	}
	return n, err
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
