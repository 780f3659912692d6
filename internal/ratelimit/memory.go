package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// DefaultMaxKeys is the key capacity NewMemory uses when given zero.
const DefaultMaxKeys = 100_000

// maxShards bounds the number of independently locked shards.
const maxShards = 64

// Memory is an in-process Limiter using a sliding-window log per key.
//
// State is held for at most maxKeys (policy, key) pairs, spread over shards
// each with its own mutex and least-recently-used list; inserting into a full
// shard evicts that shard's least recently used key, and every call also
// drops the shard's least recently used key if its log has emptied. Per-key
// memory is one 8-byte timestamp per request counted in the window, grown on
// demand up to the policy's limit.
type Memory struct {
	now    func() time.Time
	base   time.Time // timestamps are nanoseconds since base (monotonic when now is time.Now)
	seed   maphash.Seed
	mask   uint64
	shards []shard
}

var _ Limiter = (*Memory)(nil)

type stateKey struct{ policy, key string }

type shard struct {
	mu  sync.Mutex
	m   map[stateKey]*entry
	lru entry // sentinel: lru.next is the most recently used entry
	max int
}

// entry is one key's sliding-window log: a ring of request times, oldest
// first, plus the time of the last 80 % warning.
type entry struct {
	k          stateKey
	window     int64
	log        []int64
	start, n   int
	warned     bool
	warnedAt   int64
	prev, next *entry
}

// NewMemory returns a Memory limiter reading time from now (time.Now when
// nil) and holding state for at most maxKeys keys (DefaultMaxKeys when
// maxKeys <= 0).
func NewMemory(now func() time.Time, maxKeys int) *Memory {
	if now == nil {
		now = time.Now
	}
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	n := 1
	for n*2 <= maxShards && n*2 <= maxKeys {
		n *= 2
	}
	m := &Memory{now: now, base: now(), seed: maphash.MakeSeed(), mask: uint64(n - 1), shards: make([]shard, n)}
	for i := range m.shards {
		s := &m.shards[i]
		s.m = make(map[stateKey]*entry)
		s.max = maxKeys / n
		s.lru.next, s.lru.prev = &s.lru, &s.lru
	}
	return m
}

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key string, p Policy) (Decision, error) {
	return m.decide(key, p, true)
}

// Peek implements Limiter.
func (m *Memory) Peek(_ context.Context, key string, p Policy) (Decision, error) {
	return m.decide(key, p, false)
}

// Len returns the number of keys currently holding state.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

func (m *Memory) decide(key string, p Policy, consume bool) (Decision, error) {
	if !p.valid() {
		return Decision{}, p.Validate()
	}
	if key == "" || len(key) > MaxKeyLen {
		return Decision{}, ErrInvalidKey
	}
	t := int64(m.now().Sub(m.base))
	w := int64(p.Window)
	k := stateKey{p.Name, key}
	s := &m.shards[maphash.String(m.seed, key)&m.mask]

	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepTail(t)
	e := s.m[k]
	if e == nil {
		if !consume {
			return Decision{Allowed: true, Limit: p.Limit, Remaining: p.Limit, ResetAfter: p.Window}, nil
		}
		e = s.insert(k)
	} else {
		s.touch(e)
	}
	e.window = w
	e.expire(t - w)
	if e.n > 0 {
		t = max(t, e.at(e.n-1)) // never let an injected clock run the log backwards
	}
	d := Decision{Limit: p.Limit}
	used := e.n
	if used >= p.Limit {
		// The request fits once used drops below the limit: when the
		// (used-limit+1)th oldest entry leaves the window.
		d.RetryAfter = clampDur(e.at(used-p.Limit)+w-t, w)
		d.ResetAfter = d.RetryAfter
		return d, nil
	}
	d.Allowed = true
	if !consume {
		d.Remaining = p.Limit - used
		d.ResetAfter = p.Window
		if used > 0 {
			d.ResetAfter = clampDur(e.at(0)+w-t, w)
		}
		return d, nil
	}
	e.push(t, p.Limit)
	d.Remaining = p.Limit - used - 1
	d.ResetAfter = clampDur(e.at(0)+w-t, w)
	// Passing 80 %: strictly more than 4/5 of the limit after this request
	// and not before it; suppressed for a window after the last warning.
	if used*5 <= p.Limit*4 && (used+1)*5 > p.Limit*4 && (!e.warned || t-e.warnedAt >= w) {
		d.Warn = true
		e.warned, e.warnedAt = true, t
	}
	return d, nil
}

func clampDur(ns, w int64) time.Duration {
	return time.Duration(max(0, min(ns, w)))
}

// sweepTail drops the least recently used entry when its log has emptied,
// so idle keys are released without a background goroutine.
func (s *shard) sweepTail(t int64) {
	e := s.lru.prev
	if e == &s.lru {
		return
	}
	e.expire(t - e.window)
	if e.n == 0 {
		s.remove(e)
	}
}

func (s *shard) insert(k stateKey) *entry {
	var e *entry
	if len(s.m) >= s.max {
		e = s.lru.prev
		s.remove(e)
		*e = entry{log: e.log[:cap(e.log)]} // reuse the evicted entry and its buffer
	} else {
		e = new(entry)
	}
	e.k = k
	s.m[k] = e
	s.pushFront(e)
	return e
}

func (s *shard) remove(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
	delete(s.m, e.k)
}

func (s *shard) touch(e *entry) {
	if s.lru.next == e {
		return
	}
	e.prev.next, e.next.prev = e.next, e.prev
	s.pushFront(e)
}

func (s *shard) pushFront(e *entry) {
	e.prev, e.next = &s.lru, s.lru.next
	s.lru.next.prev = e
	s.lru.next = e
}

// at returns the i-th oldest counted request time.
func (e *entry) at(i int) int64 { return e.log[(e.start+i)%len(e.log)] }

// expire forgets requests at or before cutoff.
func (e *entry) expire(cutoff int64) {
	for e.n > 0 && e.log[e.start] <= cutoff {
		e.start = (e.start + 1) % len(e.log)
		e.n--
	}
	if e.n == 0 {
		e.start = 0
	}
}

// push appends t, growing the ring (up to limit slots) when full.
func (e *entry) push(t int64, limit int) {
	if e.n == len(e.log) {
		size := max(4, 2*len(e.log))
		size = max(min(size, limit), e.n+1)
		grown := make([]int64, size)
		for i := 0; i < e.n; i++ {
			grown[i] = e.at(i)
		}
		e.log, e.start = grown, 0
	}
	e.log[(e.start+e.n)%len(e.log)] = t
	e.n++
}
