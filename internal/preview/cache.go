package preview

import (
	"container/list"
	"sync"

	"github.com/vidb-project/vidb/internal/catalog"
)

// cacheKey names one rendering: the media, the blob it was made from (a replaced blob is a new
// key), the options, and the number of stills (0 for a single preview).
type cacheKey struct {
	media catalog.MediaID
	blob  string
	opts  Options
	n     int
}

type cacheEntry struct {
	key    cacheKey
	stills []Still
	size   int64
}

// cache is a least-recently-used cache of rendered previews bounded by the bytes they hold.
// It lives in memory only: previews are derived from evidence and never go to disk.
type cache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	order *list.List // front: most recently used
	items map[cacheKey]*list.Element
}

func newCache(maxBytes int64) *cache {
	return &cache{max: maxBytes, order: list.New(), items: map[cacheKey]*list.Element{}}
}

// get returns the stills cached under k.
func (c *cache) get(k cacheKey) ([]Still, bool) {
	if c.max <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).stills, true
}

// put caches stills under k, evicting the least recently used entries beyond the bound. An
// entry larger than the whole cache is not kept.
func (c *cache) put(k cacheKey, stills []Still) {
	var size int64
	for _, s := range stills {
		size += int64(len(s.PNG)) + 64
	}
	if c.max <= 0 || size > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		c.size -= el.Value.(*cacheEntry).size
		c.order.Remove(el)
		delete(c.items, k)
	}
	c.items[k] = c.order.PushFront(&cacheEntry{key: k, stills: stills, size: size})
	c.size += size
	for c.size > c.max {
		el := c.order.Back()
		e := el.Value.(*cacheEntry)
		c.order.Remove(el)
		delete(c.items, e.key)
		c.size -= e.size
	}
}

// bytes returns the bytes the cache holds.
func (c *cache) bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}
