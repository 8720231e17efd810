package triage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image/png"
	"os"
	"runtime"
	"slices"
	"sync"

	"github.com/vidb-project/vidb/internal/catalog"
	"github.com/vidb-project/vidb/internal/fingerprint"
	"github.com/vidb-project/vidb/internal/imaging"
	"github.com/vidb-project/vidb/pdq"
)

// DefaultRadius is the PDQ distance within which a file is near a known one.
const DefaultRadius = 31

// DefaultBatch is how many files are put to the matchers at once.
const DefaultBatch = 1000

// MaxBatchBytes bounds the file content a batch holds until it is emitted (for thumbnails and
// Options.Content): a batch is put to the matchers early when it reaches it.
const MaxBatchBytes = 256 << 20

// Options configure Run. The zero value triages with no matcher (every media file unknown).
type Options struct {
	// Matchers are asked about every file, in order; their matches are concatenated.
	Matchers []Matcher
	// Workers is the number of files fingerprinted at once; 0 means GOMAXPROCS.
	Workers int
	// MaxPixelsInFlight bounds the decoded pixels of the images being hashed at once, across
	// the workers (see fingerprint.PixelBudget); 0 or less means
	// fingerprint.DefaultMaxPixelsInFlight.
	MaxPixelsInFlight int64
	// Radius is the near-match PDQ radius given to the matchers' callers; 0 means
	// DefaultRadius. Matchers are built with their own radius; Run uses it only to decide
	// which near matches count.
	Radius int
	// MinQuality is the least PDQ quality searched near; 0 means catalog.MatchableQuality.
	MinQuality int
	// Batch is how many files are put to the matchers at once; 0 means DefaultBatch.
	Batch int
	// Limits bound archive reading.
	Limits Limits
	// Flavour is the PDQ flavour; "" means pdq.FullRes.
	Flavour pdq.Flavour
	// Thumbnails asks for a blurred greyscale preview (Result.Thumbnail) of every unknown or
	// near image. It costs a second decode of those images.
	Thumbnails bool
	// Resume, if set, is asked about every file before it is read: when it returns a result,
	// that result is reported as it is and the file is not read again (see State.Lookup).
	Resume func(Key) (Result, bool)
	// Video, if set, hashes every video's frames; they are put to the matchers (each distinct
	// frame hash of at least MinQuality as a query of its own), so that a video whose digest
	// nobody holds is near when its frames match, with the seconds that matched. Without it,
	// videos are classified by digest only.
	Video VideoHasher
	// SpoolDir is where archive entries are written for Video (mode 0600, removed as soon as
	// hashed); "" means os.TempDir().
	SpoolDir string
	// Content, if set, is asked about each media file's class: when it returns true, an archive
	// entry's bytes are handed over in Result.Content (files on disk are not: read them from
	// Path). Entries are held from their reading to their emit, at most MaxBatchBytes a batch.
	Content func(Class) bool
	// Progress, if set, is called after each file from the goroutine that calls emit. It must
	// be quick; rate-limit rendering in the caller.
	Progress func(fingerprint.Progress)

	pixels *fingerprint.PixelBudget // the run's budget, shared by hashing and thumbnails
}

// Run triages every file under paths (see the package comment for what is walked) and calls
// emit once per file, in walk order, from one goroutine. It returns the error of emit or of a
// matcher (which stop the run), or ctx's error when ctx is cancelled; the files emitted until
// then are complete.
func Run(ctx context.Context, paths []string, opts Options, emit func(Result) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if opts.Radius <= 0 {
		opts.Radius = DefaultRadius
	}
	if opts.MinQuality <= 0 {
		opts.MinQuality = catalog.MatchableQuality
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	pixels := opts.MaxPixelsInFlight
	if pixels <= 0 {
		pixels = fingerprint.DefaultMaxPixelsInFlight
	}
	opts.pixels, _ = fingerprint.NewPixelBudget(pixels) // pixels > 0: cannot fail
	lim := opts.Limits.withDefaults()
	var totals fingerprint.Totals
	if opts.Progress != nil {
		go totals.Count(ctx, paths)
	}

	// window bounds how far the walk may run ahead of the files emitted, and budget the bytes
	// of archive entries held in memory, which together bound memory however many files.
	window := make(chan struct{}, 4*workers)
	bud := newBudget(max(2*lim.MaxInMemory, 128<<20))
	jobs := make(chan seqItem)
	results := make(chan seqResult)
	go func() {
		defer close(jobs)
		seq := 0
		w := &walker{lim: lim, resume: opts.Resume, budget: bud}
		w.send = func(it item) bool {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				bud.release(it.held)
				return false
			}
			select {
			case jobs <- seqItem{seq: seq, item: it}:
				seq++
				return true
			case <-ctx.Done():
				bud.release(it.held)
				return false
			}
		}
		w.walk(ctx, paths)
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			h := fingerprint.NewHasher(fingerprint.Options{Flavour: opts.Flavour, Dihedral: true, Pixels: opts.pixels})
			for j := range jobs {
				r := examine(ctx, h, j.item, opts)
				bud.release(j.held)
				select {
				case results <- seqResult{seq: j.seq, file: r}:
				case <-ctx.Done():
				}
			}
		})
	}
	go func() { wg.Wait(); close(results) }()

	var (
		pending = map[int]file{}
		next    = 0
		batch   []file
		held    int
		done    fingerprint.Progress
	)
	flush := func() error {
		if err := classify(ctx, batch, opts); err != nil {
			return err
		}
		for i := range batch {
			r := batch[i].res
			if err := emit(r); err != nil {
				return err
			}
			if opts.Progress != nil {
				done.FilesDone++
				done.BytesDone += r.Size
				done.FilesTotal, done.BytesTotal, done.TotalsKnown = totals.Load()
				opts.Progress(done)
			}
		}
		batch, held = batch[:0], 0
		return nil
	}
	for sr := range results {
		pending[sr.seq] = sr.file
		for {
			f, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-window
			batch = append(batch, f)
			held += len(f.img) + len(f.data)
			if len(batch) >= opts.Batch || held >= MaxBatchBytes {
				if err := flush(); err != nil {
					cancel()
					drain(results)
					return err
				}
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err // a batch cut short by cancellation is not emitted: it was not matched
	}
	return flush()
}

// file is one examined file on its way to the matchers.
type file struct {
	res     Result
	q       Query
	matched bool // res is final (a resumed or failed file, or not media)
	// img is an archive entry's bytes, held for its thumbnail; imgPath names a file on disk,
	// read again for its thumbnail only if it needs one, so that a batch holds no file content.
	img     []byte
	imgPath string
	data    []byte      // an archive entry's bytes, kept for Options.Content
	frames  videoFrames // a video's distinct matchable frames
	// videoErr is why a video's frames could not be hashed: the file fails unless its digest
	// is known.
	videoErr error
}

type seqItem struct {
	seq int
	item
}

type seqResult struct {
	seq  int
	file file
}

func drain[T any](c <-chan T) {
	for range c {
	}
}

// examine fingerprints one item.
func examine(ctx context.Context, h *fingerprint.Hasher, it item, opts Options) file {
	if it.done != nil {
		return file{res: *it.done, matched: true}
	}
	f := file{res: Result{Key: it.key}}
	var fp fingerprint.Fingerprint
	var err error
	switch {
	case it.err != nil:
		err = it.err
		if it.fp != nil {
			fp = *it.fp
		}
	case it.fp != nil:
		fp = *it.fp
	case it.data != nil:
		fp, err = h.Bytes(it.data)
	default:
		fp, err = h.File(it.file)
	}
	r := &f.res
	if fp.Kind != "" {
		r.Kind, r.Format = string(fp.Kind), fp.Format
	}
	if fp.Digested {
		r.MD5, r.SHA1, r.SHA256 = fp.Digest.MD5Hex(), fp.Digest.SHA1Hex(), fp.Digest.SHA256Hex()
		if r.Size == 0 || it.data != nil || it.fp != nil {
			r.Size = fp.Digest.Size
		}
	}
	r.Width, r.Height = fp.Width, fp.Height
	if err != nil {
		r.Class, r.Err, r.Error = ClassFailed, err, err.Error()
		f.matched = true
		return f
	}
	if fp.Kind == fingerprint.KindOther {
		r.Class, f.matched = ClassNotMedia, true
		return f
	}
	f.q.Digests = catalog.Digests{MD5: fp.Digest.MD5, SHA1: fp.Digest.SHA1, SHA256: fp.Digest.SHA256}
	if fp.PDQ != nil {
		q := fp.PDQ.Quality
		r.PDQ, r.Quality = fp.PDQ.Hash.String(), &q
		if q >= opts.MinQuality {
			f.q.Quality = q
			if fp.Dihedral != nil {
				f.q.PDQ = fp.Dihedral.Hashes[:]
			} else {
				f.q.PDQ = []pdq.Hash{fp.PDQ.Hash}
			}
		}
	}
	if fp.Kind == fingerprint.KindVideo && opts.Video != nil {
		frames, ok, err := hashVideo(ctx, opts.Video, it, opts.SpoolDir)
		switch {
		case err != nil && ctx.Err() != nil:
			// cancelled: the run stops and this file is not emitted
		case err != nil:
			f.videoErr = fmt.Errorf("hashing the video's frames: %w", err)
		case ok:
			f.frames = distinctFrames(frames, opts.MinQuality)
			r.Frames = len(f.frames.hashes)
		}
	}
	if opts.Content != nil && it.data != nil {
		f.data = it.data
	}
	if opts.Thumbnails && fp.Kind == fingerprint.KindImage {
		f.img = it.data
		if f.img == nil {
			f.imgPath = it.file
		}
	}
	return f
}

// classify asks the matchers about the files of a batch that need it, and sets their class.
// A video's distinct frame hashes are queries of their own, after its file's query.
func classify(ctx context.Context, batch []file, opts Options) error {
	var qs []Query
	var at []int // batch index of each file asked about
	var first []int
	for i := range batch {
		if batch[i].matched {
			continue
		}
		at = append(at, i)
		first = append(first, len(qs))
		qs = append(qs, batch[i].q)
		for _, h := range batch[i].frames.hashes {
			qs = append(qs, Query{PDQ: []pdq.Hash{h}, Quality: opts.MinQuality})
		}
	}
	if len(qs) > 0 {
		for _, m := range opts.Matchers {
			found, err := m.Match(ctx, qs)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrMatcher, err)
			}
			if len(found) != len(qs) {
				return fmt.Errorf("%w: %d answers to %d queries", ErrMatcher, len(found), len(qs))
			}
			for k, i := range at {
				f := &batch[i]
				q := first[k]
				f.res.Matches = append(f.res.Matches, found[q]...)
				if n := len(f.frames.hashes); n > 0 {
					f.res.Matches = append(f.res.Matches, mergeFrameMatches(f.frames, found[q+1:q+1+n])...)
				}
			}
		}
	}
	for _, i := range at {
		f := &batch[i]
		f.res.Class = decide(f.res.Matches, opts.Radius)
		if f.res.Class == ClassKnown && len(f.frames.hashes) > 0 {
			// Known by its digest: the frame matches add nothing but noise.
			f.res.Matches = slices.DeleteFunc(f.res.Matches, func(m Match) bool { return m.Seconds != nil })
		}
		if f.videoErr != nil && f.res.Class != ClassKnown {
			f.res.Class, f.res.Err, f.res.Error = ClassFailed, f.videoErr, f.videoErr.Error()
		}
		if f.res.Class == ClassUnknown || f.res.Class == ClassNear {
			if img := f.thumbnailSource(); img != nil {
				f.res.Thumbnail = thumbnail(img, opts.pixels)
			}
		}
		if f.data != nil && opts.Content(f.res.Class) {
			f.res.Content = f.data
		}
		f.img, f.imgPath, f.data, f.frames = nil, "", nil, videoFrames{}
	}
	return nil
}

// decide returns the class of a media file with these matches.
func decide(ms []Match, radius int) Class {
	near := false
	for _, m := range ms {
		switch {
		case m.Kind == MatchExact:
			return ClassKnown
		case m.Distance <= radius:
			near = true
		}
	}
	if near {
		return ClassNear
	}
	return ClassUnknown
}

// thumbnailSource returns the bytes a thumbnail of f is made from: an archive entry's, or the
// file's read again, if it still has the content that was hashed (a file that changed since
// gets no thumbnail rather than one of other content); nil when there are none.
func (f *file) thumbnailSource() []byte {
	if f.img != nil || f.imgPath == "" {
		return f.img
	}
	data, err := os.ReadFile(f.imgPath)
	if err != nil {
		return nil
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f.res.SHA256 {
		return nil
	}
	return data
}

// thumbnail returns a blurred greyscale PNG preview of an image, or nil. Its decode takes its
// pixels from budget, as the workers' do.
func thumbnail(data []byte, budget *fingerprint.PixelBudget) []byte {
	defer budget.AcquireImage(data, imaging.DefaultLimits())()
	img, _, err := imaging.Decode(data, imaging.DefaultLimits())
	if err != nil {
		return nil
	}
	opt := imaging.DefaultPreviewOptions()
	opt.MaxSide, opt.Grey = 160, true
	var buf bytes.Buffer
	if err := png.Encode(&buf, imaging.Preview(img, opt)); err != nil {
		return nil
	}
	return buf.Bytes()
}

// budget bounds the bytes of archive entries held in memory at once.
type budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	max  int64
	used int64
}

func newBudget(max int64) *budget {
	b := &budget{max: max}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire waits until n bytes fit (a single item larger than the budget waits for an empty
// budget).
func (b *budget) acquire(n int64) {
	b.mu.Lock()
	for b.used > 0 && b.used+n > b.max {
		b.cond.Wait()
	}
	b.used += n
	b.mu.Unlock()
}

func (b *budget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}
