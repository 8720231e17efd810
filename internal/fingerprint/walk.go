package fingerprint

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
)

// Result is one file's fingerprint, or the error that stopped it (Fingerprint then holds what
// was learnt before the error). A folder that could not be read is a Result with its path and
// the error.
type Result struct {
	Fingerprint
	Err error
}

// Progress is a snapshot of a Walk's progress.
type Progress struct {
	FilesDone, BytesDone int64
	// FilesTotal and BytesTotal grow while the totals are being counted; TotalsKnown says when
	// counting has finished.
	FilesTotal, BytesTotal int64
	TotalsKnown            bool
}

// WalkOptions configures Walk.
type WalkOptions struct {
	Options
	// Workers is the number of files fingerprinted at once; 0 means GOMAXPROCS.
	Workers int
	// MaxPixelsInFlight bounds the decoded pixels of the images being hashed at once, across
	// the workers; 0 or less means DefaultMaxPixelsInFlight. It is ignored when
	// Options.Pixels is set: the walk then shares that budget.
	MaxPixelsInFlight int64
	// Progress, if set, is called after each file with the progress so far, from the goroutine
	// that calls emit. It must be quick; rate-limit rendering in the caller.
	Progress func(Progress)
}

// job is one file to fingerprint, numbered in walk order.
type job struct {
	seq  int
	path string
	err  error // set when the walk itself failed at path: the result is this error
}

// Walk fingerprints every regular file under the given paths, folders recursively in lexical
// order, on several goroutines, and calls emit once per file in walk order, from one goroutine.
// Paths named explicitly are followed if they are symbolic links; inside folders, symbolic
// links and other non-regular files (devices, pipes, sockets) are skipped, so a walk never
// leaves the tree or blocks on a pipe. The images decoded at once hold at most
// opts.MaxPixelsInFlight pixels between them, or share opts.Pixels (see PixelBudget). Walk
// stops early and returns the error if emit returns one, or ctx's error when ctx is cancelled.
func Walk(ctx context.Context, paths []string, opts WalkOptions, emit func(Result) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if opts.Pixels == nil {
		size := opts.MaxPixelsInFlight
		if size <= 0 {
			size = DefaultMaxPixelsInFlight
		}
		// One budget per walk, not per process: the package keeps no global state, and a
		// caller running several walks at once bounds them together by sharing Options.Pixels.
		opts.Pixels, _ = NewPixelBudget(size) // size > 0: cannot fail
	}

	var totals Totals
	if opts.Progress != nil {
		go totals.Count(ctx, paths)
	}

	// window bounds how far the walk may run ahead of the files emitted, which bounds memory
	// however many files there are.
	window := make(chan struct{}, 4*workers)
	jobs := make(chan job)
	results := make(chan seqResult)
	var wg sync.WaitGroup

	go func() {
		defer close(jobs)
		seq := 0
		send := func(j job) bool {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return false
			}
			j.seq = seq
			seq++
			select {
			case jobs <- j:
				return true
			case <-ctx.Done():
				return false
			}
		}
		Files(ctx, paths, func(path string, _ fs.DirEntry, err error) bool { return send(job{path: path, err: err}) })
	}()

	for range workers {
		wg.Go(func() {
			h := NewHasher(opts.Options)
			for j := range jobs {
				var r Result
				if j.err != nil {
					r = Result{Fingerprint: Fingerprint{Path: j.path}, Err: j.err}
				} else {
					r.Fingerprint, r.Err = h.File(j.path)
					r.Path = j.path
				}
				select {
				case results <- withSeq(r, j.seq):
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() { wg.Wait(); close(results) }()

	var (
		pending = map[int]Result{}
		next    = 0
		done    Progress
	)
	for sr := range results {
		pending[sr.seq] = sr.Result
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-window
			if err := emit(r); err != nil {
				cancel()
				drain(results)
				return err
			}
			if opts.Progress != nil {
				done.FilesDone++
				done.BytesDone += r.Digest.Size
				done.FilesTotal, done.BytesTotal, done.TotalsKnown = totals.Load()
				opts.Progress(done)
			}
		}
	}
	return ctx.Err()
}

type seqResult struct {
	seq int
	Result
}

// results travel with their sequence number; Result itself stays free of it.
func withSeq(r Result, seq int) seqResult { return seqResult{seq: seq, Result: r} }

func drain[T any](c <-chan T) {
	for range c {
	}
}

// Files calls fn for every file under paths, in order: a path that is not a folder is passed
// as it is (whatever its type: the caller decides what to do with a device or a pipe), and a
// folder is walked for its regular files (links, devices and pipes inside it are skipped,
// never followed). A path or folder that cannot be read is passed once with its error and a
// nil DirEntry, and the walk goes on. Files stops when fn returns false or ctx is done, and
// reports whether it went through everything. Walk, Totals.Count and triage all walk with it.
func Files(ctx context.Context, paths []string, fn func(path string, d fs.DirEntry, err error) bool) bool {
	for _, p := range paths {
		if ctx.Err() != nil {
			return false
		}
		fi, err := os.Stat(p)
		if err != nil {
			if !fn(p, nil, err) {
				return false
			}
			continue
		}
		if !fi.IsDir() {
			if !fn(p, fs.FileInfoToDirEntry(fi), nil) {
				return false
			}
			continue
		}
		stopped := false
		filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				stopped = true
				return fs.SkipAll
			}
			if err != nil {
				// An unreadable folder is reported once and skipped; the walk goes on.
				if !fn(path, nil, err) {
					stopped = true
					return fs.SkipAll
				}
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil // folders are descended into; links, devices and pipes are skipped
			}
			if !fn(path, d, nil) {
				stopped = true
				return fs.SkipAll
			}
			return nil
		})
		if stopped {
			return false
		}
	}
	return ctx.Err() == nil
}

// Totals are the files and bytes under some paths, counted by a walk that only looks at
// metadata, running ahead of the work on them (Walk's, triage's) so that progress can show how
// much is left. The zero value is ready; Count and Load may run at the same time.
type Totals struct {
	files, bytes atomic.Int64
	finished     atomic.Bool
}

// Load returns the totals so far, and whether counting has finished.
func (c *Totals) Load() (files, bytes int64, known bool) {
	return c.files.Load(), c.bytes.Load(), c.finished.Load()
}

// Count counts the regular files under paths (a path that cannot be read counts as one file,
// as the walk reports it as one failure), never following symbolic links, until ctx is done.
func (c *Totals) Count(ctx context.Context, paths []string) {
	done := Files(ctx, paths, func(_ string, d fs.DirEntry, err error) bool {
		c.files.Add(1) // an unreadable path or folder is reported as one failed file
		if err == nil {
			if info, err := d.Info(); err == nil {
				c.bytes.Add(info.Size())
			}
		}
		return true
	})
	c.finished.Store(done)
}
