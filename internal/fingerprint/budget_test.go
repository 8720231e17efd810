package fingerprint

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vidb-project/vidb/internal/imaging"
	"github.com/vidb-project/vidb/pdq"
)

func newBudget(t testing.TB, size int64) *PixelBudget {
	t.Helper()
	b, err := NewPixelBudget(size)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waiters returns how many callers of Acquire have not been served yet.
func (b *PixelBudget) waiters() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.next - b.serving
}

// waitFor polls cond until it holds, failing the test after a generous delay.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// acquireAsync calls Acquire on its own goroutine; the channel yields the release function
// once the pixels are held.
func acquireAsync(b *PixelBudget, px int64) <-chan func() {
	c := make(chan func(), 1)
	go func() { c <- b.Acquire(px) }()
	return c
}

func TestNewPixelBudget(t *testing.T) {
	t.Parallel()
	cases := []struct {
		size    int64
		wantErr error
	}{
		{1, nil},
		{DefaultMaxPixelsInFlight, nil},
		{0, ErrBadOption},
		{-5, ErrBadOption},
	}
	for _, c := range cases {
		b, err := NewPixelBudget(c.size)
		if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
			t.Errorf("NewPixelBudget(%d) err = %v, want %v", c.size, err, c.wantErr)
			continue
		}
		if err == nil && b.Size() != c.size {
			t.Errorf("NewPixelBudget(%d).Size() = %d", c.size, b.Size())
		}
		if err != nil && b != nil {
			t.Errorf("NewPixelBudget(%d) returned a budget with its error", c.size)
		}
	}
}

func TestPixelBudgetSmallRequestsDoNotWait(t *testing.T) {
	t.Parallel()
	b := newBudget(t, 10)
	// On one goroutine: if any of these waited, the test would hang.
	var rel []func()
	for _, px := range []int64{3, 3, 3, 1, 0, -4} {
		rel = append(rel, b.Acquire(px))
	}
	if got := b.InFlight(); got != 10 {
		t.Errorf("InFlight = %d, want 10 (negative requests take nothing)", got)
	}
	for _, r := range rel {
		r()
	}
	rel[0]() // a second release gives nothing back twice
	if got := b.InFlight(); got != 0 {
		t.Errorf("InFlight after releasing all (one twice) = %d, want 0", got)
	}
}

func TestPixelBudgetLargeRunsAloneInTurn(t *testing.T) {
	t.Parallel()
	b := newBudget(t, 10)
	relA := b.Acquire(3)

	big := acquireAsync(b, 1_000) // larger than the budget: clamped, runs alone
	waitFor(t, "the large request to queue", func() bool { return b.waiters() == 1 })
	small := acquireAsync(b, 1) // would fit now, but arrived after the large one
	waitFor(t, "the small request to queue", func() bool { return b.waiters() == 2 })

	select {
	case <-big:
		t.Fatal("a request for the whole budget was served while 3 pixels were held")
	case <-small:
		t.Fatal("a small request overtook the large one queued before it")
	case <-time.After(20 * time.Millisecond):
	}
	relA()
	relBig := <-big
	if got := b.InFlight(); got != 10 {
		t.Errorf("InFlight with the large image running = %d, want the whole budget, 10", got)
	}
	select {
	case <-small:
		t.Fatal("a small request ran beside an image larger than the budget")
	case <-time.After(20 * time.Millisecond):
	}
	relBig()
	relSmall := <-small
	if got := b.InFlight(); got != 1 {
		t.Errorf("InFlight = %d, want 1", got)
	}
	relSmall()
}

// TestPixelBudgetConcurrent checks under -race that the pixels held never exceed the budget,
// that everyone is served, and that small requests do run side by side.
func TestPixelBudgetConcurrent(t *testing.T) {
	t.Parallel()
	const size = 100
	b := newBudget(t, size)
	var held, peak, overlaps atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range 300 {
				px := rng.Int64N(size/3) + 1
				if rng.IntN(20) == 0 {
					px = size * 2 // now and then an image larger than the budget
				}
				release := b.Acquire(px)
				n := min(px, size)
				now := held.Add(n)
				if now > size {
					t.Errorf("%d pixels held, budget %d", now, size)
				}
				if now > n {
					overlaps.Add(1)
				}
				for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
				}
				runtime.Gosched()
				held.Add(-n)
				release()
			}
		})
	}
	wg.Wait()
	if got := b.InFlight(); got != 0 {
		t.Errorf("InFlight after all released = %d, want 0", got)
	}
	if overlaps.Load() == 0 {
		t.Errorf("no two requests were ever held at once: small requests were serialised")
	}
	t.Logf("peak %d of %d pixels, %d overlapping holds", peak.Load(), size, overlaps.Load())
}

func TestPixelBudgetNil(t *testing.T) {
	t.Parallel()
	var b *PixelBudget
	b.Acquire(1 << 40)()
	if b.Size() != 0 || b.InFlight() != 0 {
		t.Errorf("nil budget: Size %d, InFlight %d; want 0, 0", b.Size(), b.InFlight())
	}
}

// TestBytesWaitsForPixels checks that Hasher.Bytes takes an image's pixels from its budget
// before decoding, gives them back, and takes none for what it does not decode.
func TestBytesWaitsForPixels(t *testing.T) {
	t.Parallel()
	img := pattern(t, 80, 60, 1)
	b := newBudget(t, 80*60)
	h := NewHasher(Options{Pixels: b, Limits: imaging.Limits{MaxPixels: 1000}})
	hAll := NewHasher(Options{Pixels: b})

	hold := b.Acquire(1) // one pixel short of what the image needs
	// Files that need no pixels do not wait: not images, undecodable or corrupt headers, and
	// images the decoding limits refuse anyway.
	noWait := []struct {
		name    string
		h       *Hasher
		data    []byte
		wantErr error
	}{
		{"text", hAll, []byte("notes"), nil},
		{"truncated header", hAll, img[:20], imaging.ErrCorrupt},
		{"heic", hAll, append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), make([]byte, 100)...), imaging.ErrUnsupported},
		{"over MaxPixels", h, img, imaging.ErrTooManyPixels},
	}
	for _, c := range noWait {
		_, err := c.h.Bytes(c.data)
		if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.wantErr)
		}
	}

	done := make(chan error, 1)
	go func() {
		fp, err := hAll.Bytes(img)
		if err == nil && fp.PDQ == nil {
			err = errors.New("no PDQ hash")
		}
		done <- err
	}()
	waitFor(t, "Bytes to queue for its pixels", func() bool { return b.waiters() == 1 })
	select {
	case err := <-done:
		t.Fatalf("Bytes decoded an 80x60 image with only %d pixels free (err %v)", b.Size()-1, err)
	case <-time.After(20 * time.Millisecond):
	}
	hold()
	if err := <-done; err != nil {
		t.Fatalf("Bytes after the pixels were freed: %v", err)
	}
	if got := b.InFlight(); got != 0 {
		t.Errorf("InFlight after Bytes = %d, want 0", got)
	}
}

// TestWalkPixelBudgets checks that a walk's results do not depend on its pixel budget: with a
// budget of one pixel, every image runs alone.
func TestWalkPixelBudgets(t *testing.T) {
	t.Parallel()
	root, _ := tree(t)
	type line struct {
		Path string
		PDQ  string
		Err  bool
	}
	walk := func(opts WalkOptions) []line {
		var got []line
		err := Walk(context.Background(), []string{root}, opts, func(r Result) error {
			l := line{Path: r.Path, Err: r.Err != nil}
			if r.PDQ != nil {
				l.PDQ = r.PDQ.Hash.String()
			}
			got = append(got, l)
			return nil
		})
		if err != nil {
			t.Fatalf("Walk(%+v): %v", opts, err)
		}
		return got
	}
	want := walk(WalkOptions{Workers: 1, MaxPixelsInFlight: 1 << 40})
	shared := newBudget(t, 1)
	for _, opts := range []WalkOptions{
		{Workers: 3},
		{Workers: 3, MaxPixelsInFlight: 1},
		{Workers: 3, MaxPixelsInFlight: -1},
		{Workers: 3, Options: Options{Pixels: shared}, MaxPixelsInFlight: 1 << 40},
	} {
		if diff := cmp.Diff(want, walk(opts)); diff != "" {
			t.Errorf("Walk with Workers %d, MaxPixelsInFlight %d, shared %v (-want +got):\n%s",
				opts.Workers, opts.MaxPixelsInFlight, opts.Pixels != nil, diff)
		}
	}
	if got := shared.InFlight(); got != 0 {
		t.Errorf("shared budget holds %d pixels after the walk, want 0", got)
	}
}

// FuzzBytesReleasesPixels checks that whatever the bytes, Bytes gives back every pixel it
// took and keeps its digests.
func FuzzBytesReleasesPixels(f *testing.F) {
	f.Add(pattern(f, 40, 30, 1))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x00\x00\x00\x01\x00\x00\x08\x06\x00\x00\x00"))
	f.Add([]byte("\xff\xd8\xff\xc0\x00\x11\x08\x10\x00\x10\x00\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"))
	f.Add([]byte("GIF89a\x10\x00\x10\x00\x00\x00\x00,\x00\x00\x00\x00\x10\x00\x10\x00\x00\x02\x02D\x01\x00;"))
	f.Add([]byte("notes"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b := newBudget(t, 1<<16)
		h := NewHasher(Options{Pixels: b, Limits: imaging.Limits{MaxPixels: 1 << 20}, Flavour: pdq.FullRes})
		fp, _ := h.Bytes(data)
		if !fp.Digested {
			t.Error("no digests")
		}
		if got := b.InFlight(); got != 0 {
			t.Errorf("InFlight after Bytes = %d, want 0", got)
		}
	})
}

// BenchmarkPixelBudget measures the uncontended cost that every image pays.
func BenchmarkPixelBudget(b *testing.B) {
	budget := newBudget(b, DefaultMaxPixelsInFlight)
	for b.Loop() {
		budget.Acquire(300_000)()
	}
}

// TestBytesAllocatesOneImage checks where Bytes' memory goes: decoding an RGBA PNG allocates
// its 4 bytes a pixel, and hashing (digests, PDQ with its dihedral hashes) adds no second
// full-size buffer, so that the pixel budget is a fair measure of a decode's memory. It is not
// parallel: it reads the process's allocation counters.
func TestBytesAllocatesOneImage(t *testing.T) {
	const w, h = 2000, 1500
	data := pattern(t, w, h, 5)
	hasher := NewHasher(Options{Dihedral: true})
	if _, err := hasher.Bytes(data); err != nil { // grows the Hasher's reused buffers
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fp, err := hasher.Bytes(data)
	runtime.ReadMemStats(&after)
	if err != nil || fp.PDQ == nil || fp.Dihedral == nil {
		t.Fatalf("Bytes = %+v, %v; want PDQ and dihedral hashes", fp, err)
	}
	perPixel := float64(after.TotalAlloc-before.TotalAlloc) / (w * h)
	t.Logf("%.3f bytes allocated a pixel", perPixel)
	// 4 for the NRGBA image; the PNG decoder's rows and zlib state, and the result, are small.
	if perPixel > 4.2 {
		t.Errorf("Bytes allocated %.2f bytes a pixel for an RGBA image, want at most 4.2 (the image and little else)", perPixel)
	}
}
