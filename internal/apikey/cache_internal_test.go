package apikey

import (
	"testing"
	"time"
)

// A cache of size 0 caches nothing.
func TestCacheSizeZero(t *testing.T) {
	t.Parallel()
	c := newCache(time.Minute, 0)
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	_, _, gen := c.get([HashSize]byte{1}, now)
	c.put([HashSize]byte{1}, Key{ID: "k1"}, now, gen)
	if n := c.len(); n != 0 {
		t.Errorf("a cache of size 0 holds %d entries", n)
	}
	if _, ok, _ := c.get([HashSize]byte{1}, now); ok {
		t.Error("a cache of size 0 served a key")
	}
}

// Dropping an entry drops its id mapping too, and only its own.
func TestCacheIDMapFollowsEntries(t *testing.T) {
	t.Parallel()
	c := newCache(time.Minute, 10)
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	h1, h2 := [HashSize]byte{1}, [HashSize]byte{2}
	c.put(h1, Key{ID: "k1"}, now, 0)
	c.put(h2, Key{ID: "k2"}, now, 0)
	c.invalidate("k1")
	if _, ok := c.byID["k1"]; ok || len(c.byID) != 1 || c.byID["k2"] != h2 {
		t.Errorf("after invalidating k1: id map %v, want only k2", c.byID)
	}
	// k2's key, now under another hash (a stale mapping): the old entry
	// and its mapping give way to the new one.
	c.put(h1, Key{ID: "k2"}, now, c.gen)
	if len(c.byHash) != 1 || len(c.byID) != 1 || c.byID["k2"] != h1 {
		t.Errorf("after re-putting k2 under another hash: %d entries, id map %v", len(c.byHash), c.byID)
	}
}

// A lookup that began before any invalidation is never cached, whatever
// mix of invalidations happened meanwhile: the generation only moves
// forward, so two changes never cancel out.
func TestCacheGenerationOnlyMovesForward(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	ops := map[string]func(c *cache){
		"invalidate":        func(c *cache) { c.invalidate("k1") },
		"invalidateLineage": func(c *cache) { c.invalidateLineage("k1") },
		"purge":             func(c *cache) { c.purge() },
	}
	for n1, op1 := range ops {
		for n2, op2 := range ops {
			c := newCache(time.Minute, 10)
			_, _, gen := c.get([HashSize]byte{1}, now) // a lookup starts
			op1(c)
			op2(c)
			c.put([HashSize]byte{1}, Key{ID: "k1"}, now, gen) // and ends
			if _, ok, _ := c.get([HashSize]byte{1}, now); ok {
				t.Errorf("%s then %s during a lookup: its (possibly revoked) key was cached", n1, n2)
			}
		}
	}
}
