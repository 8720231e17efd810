package fingerprint

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/vidb-project/vidb/internal/imaging"
)

// ErrBadOption is returned for an option out of its range.
var ErrBadOption = errors.New("fingerprint: invalid option")

// DefaultMaxPixelsInFlight is the default size of a Walk's PixelBudget: 24 megapixels, about
// 100 MB of decoded RGBA. Two phone photos (12 MP each) decode at once under it, and a larger
// image waits until it fits, or until it can run alone when it is larger than the whole budget.
const DefaultMaxPixelsInFlight = 24_000_000

// PixelBudget is a weighted semaphore over the pixels of images being decoded and hashed at
// once. Decoded images dominate the memory of hashing (4 bytes a pixel for RGBA), so bounding
// the pixels in flight bounds the peak memory of a walk whatever the number of workers, while
// small images, which are most files, still decode in parallel.
//
// Waiters are served first come, first served: a large image waiting for the budget is not
// overtaken for ever by small ones. A request larger than the whole budget is clamped to it,
// so that image runs alone. A nil *PixelBudget admits everything at once.
//
// The wait has no context: it lasts only until decodes already running finish, which the
// decoding limits bound. A PixelBudget is safe for concurrent use; it must not be copied.
type PixelBudget struct {
	mu      sync.Mutex
	cond    sync.Cond
	size    int64  // total pixels
	used    int64  // pixels held
	next    uint64 // ticket of the next caller of Acquire
	serving uint64 // ticket allowed to take the budget next
}

// NewPixelBudget returns a budget of size pixels; size must be positive.
func NewPixelBudget(size int64) (*PixelBudget, error) {
	if size <= 0 {
		return nil, fmt.Errorf("%w: pixel budget %d, want more than 0", ErrBadOption, size)
	}
	b := &PixelBudget{size: size}
	b.cond.L = &b.mu
	return b, nil
}

// Size returns the budget's total number of pixels; 0 for a nil budget.
func (b *PixelBudget) Size() int64 {
	if b == nil {
		return 0
	}
	return b.size
}

// InFlight returns the number of pixels currently held.
func (b *PixelBudget) InFlight() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Acquire waits until pixels (clamped to [0, Size]) fit in the budget after every earlier
// caller has been served, takes them, and returns the function that gives them back. The
// release function must be called exactly once; calling it again does nothing.
func (b *PixelBudget) Acquire(pixels int64) (release func()) {
	if b == nil {
		return func() {}
	}
	n := min(max(pixels, 0), b.size)
	b.mu.Lock()
	t := b.next
	b.next++
	for t != b.serving || b.used+n > b.size {
		b.cond.Wait()
	}
	b.serving++
	b.used += n
	b.mu.Unlock()
	// The next ticket may fit as well: wake the waiters to check. Waiters are few (one per
	// worker), so a broadcast costs little.
	b.cond.Broadcast()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			b.used -= n
			b.mu.Unlock()
			b.cond.Broadcast()
		})
	}
}

// AcquireImage acquires the pixels that the header of the image file in data declares, before
// it is decoded under lim, and returns the function that gives them back. An image whose
// header cannot be read, or that lim refuses, takes nothing: imaging.Decode fails on it before
// allocating its pixels.
func (b *PixelBudget) AcquireImage(data []byte, lim imaging.Limits) (release func()) {
	if b == nil {
		return func() {}
	}
	info, err := imaging.DecodeConfig(bytes.NewReader(data))
	if err != nil || info.Width > imaging.MaxDimension || info.Height > imaging.MaxDimension {
		return func() {}
	}
	maxPixels := lim.MaxPixels
	if maxPixels <= 0 {
		maxPixels = imaging.DefaultLimits().MaxPixels
	}
	px := int64(info.Width) * int64(info.Height)
	if px > maxPixels {
		return func() {}
	}
	return b.Acquire(px)
}
