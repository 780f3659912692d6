package apikey

import (
	"sync"
	"time"
)

// cache holds recently looked-up keys by hash for a short TTL, bounded in
// size. Only keys the store returned are cached (never "not found"), so the
// number of entries is bounded by real keys in use, not by what clients
// invent; the size bound is a second line of defence.
//
// Invalidation and in-flight lookups: a lookup notes the generation before
// asking the store and caches the answer only if no invalidation happened
// meanwhile, so a record read before a revocation can never be cached after
// the revocation's Invalidate.
type cache struct {
	ttl time.Duration
	max int

	mu     sync.Mutex
	gen    uint64
	byHash map[[HashSize]byte]cacheEntry
	byID   map[string][HashSize]byte
}

type cacheEntry struct {
	key     Key
	expires time.Time
}

func newCache(ttl time.Duration, size int) *cache {
	return &cache{
		ttl:    ttl,
		max:    size,
		byHash: make(map[[HashSize]byte]cacheEntry),
		byID:   make(map[string][HashSize]byte),
	}
}

// get returns the cached key for h if fresh at now. When it misses, it
// returns the generation to hand back to put.
func (c *cache) get(h [HashSize]byte, now time.Time) (Key, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byHash[h]
	if ok && now.Before(e.expires) {
		return e.key, true, c.gen
	}
	if ok {
		c.removeLocked(h, e.key.ID)
	}
	return Key{}, false, c.gen
}

// put caches k under h, fetched when the cache was at generation gen and
// the store call began at start (entries expire TTL after the start of the
// read, not after its end).
func (c *cache) put(h [HashSize]byte, k Key, start time.Time, gen uint64) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // invalidated while the store was read: do not cache
	}
	if old, ok := c.byHash[h]; ok {
		c.removeLocked(h, old.key.ID)
	}
	if len(c.byHash) >= c.max {
		c.evictLocked(start)
	}
	// An id maps to one hash; a stale mapping (impossible for real stores)
	// is replaced.
	if oh, ok := c.byID[k.ID]; ok {
		c.removeLocked(oh, k.ID)
	}
	c.byHash[h] = cacheEntry{key: k, expires: start.Add(c.ttl)}
	c.byID[k.ID] = h
}

// evictLocked removes expired entries, and if none was, one arbitrary entry
// (map iteration order is randomised), keeping the cache under max.
func (c *cache) evictLocked(now time.Time) {
	for h, e := range c.byHash {
		if !now.Before(e.expires) {
			c.removeLocked(h, e.key.ID)
		}
	}
	for h, e := range c.byHash {
		if len(c.byHash) < c.max {
			break
		}
		c.removeLocked(h, e.key.ID)
	}
}

func (c *cache) removeLocked(h [HashSize]byte, id string) {
	delete(c.byHash, h)
	if c.byID[id] == h {
		delete(c.byID, id)
	}
}

// invalidate drops the entry of key id and voids lookups in flight.
func (c *cache) invalidate(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if h, ok := c.byID[id]; ok {
		c.removeLocked(h, id)
	}
}

// invalidateLineage drops every entry of a rotation chain.
func (c *cache) invalidateLineage(lineage string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, e := range c.byHash {
		if e.key.lineage() == lineage {
			c.removeLocked(h, e.key.ID)
		}
	}
}

// purge empties the cache.
func (c *cache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.byHash)
	clear(c.byID)
}

// len returns the number of entries.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byHash)
}

// getByID returns the cached key with this id if fresh at now, with the
// generation to hand back to put on a miss.
func (c *cache) getByID(id string, now time.Time) (Key, bool, uint64) {
	c.mu.Lock()
	h, ok := c.byID[id]
	gen := c.gen
	c.mu.Unlock()
	if !ok {
		return Key{}, false, gen
	}
	return c.get(h, now)
}
