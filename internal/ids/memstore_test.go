package ids

import (
	"context"
	"net/netip"
	"sync"
	"time"
)

// evictionSample is how many entries a full store inspects to pick a victim.
const evictionSample = 8

// MemoryBlockStore is a BlockStore in process memory, for the tests (the
// SQL and Redis stores are the ones SAMO runs with).
//
// It holds at most maxEntries blocks and maxEntries offence records. When
// full it first drops expired entries (at most once a second), then evicts,
// among a few sampled entries, the one that would expire soonest, so under a
// flood the longest-running blocks survive.
type MemoryBlockStore struct {
	mu        sync.Mutex
	blocks    map[netip.Addr]Block
	offences  map[netip.Addr]offence
	max       int
	gen       uint64
	lastSweep time.Time
}

var _ BlockStore = (*MemoryBlockStore)(nil)

type offence struct {
	n      int
	forget time.Time // when the count resets
}

// NewMemoryBlockStore returns an empty store holding at most maxEntries
// blocks (DefaultMaxEntries when maxEntries <= 0).
func NewMemoryBlockStore(maxEntries int) *MemoryBlockStore {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	return &MemoryBlockStore{
		blocks:   make(map[netip.Addr]Block),
		offences: make(map[netip.Addr]offence),
		max:      maxEntries,
	}
}

// Escalate implements BlockStore.
func (s *MemoryBlockStore) Escalate(_ context.Context, e Escalation) (Block, bool, error) {
	if !e.IP.IsValid() || len(e.TTLs) == 0 {
		return Block{}, false, ErrInvalidBlock
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.blocks[e.IP]; ok && b.Active(e.Now) {
		return b, false, nil
	}
	o, ok := s.offences[e.IP]
	if ok && !e.Now.Before(o.forget) {
		o.n = 0
	}
	if !ok && len(s.offences) >= s.max {
		makeRoom(s.offences, func(o offence) time.Time { return o.forget }, e.Now, s.sweepDue(e.Now))
	}
	o.n++
	o.forget = e.Now.Add(e.Memory)
	s.offences[e.IP] = o
	b := Block{IP: e.IP, Until: e.Now.Add(e.TTL(o.n)), Reason: e.Reason, By: e.By, Created: e.Now, Offence: o.n}
	s.put(b, e.Now)
	return b, true, nil
}

// Block implements BlockStore.
func (s *MemoryBlockStore) Block(_ context.Context, b Block) error {
	if !b.IP.IsValid() {
		return ErrInvalidBlock
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(b, b.Created)
	return nil
}

func (s *MemoryBlockStore) put(b Block, now time.Time) {
	if _, ok := s.blocks[b.IP]; !ok && len(s.blocks) >= s.max {
		makeRoom(s.blocks, func(b Block) time.Time { return b.Until }, now, s.sweepDue(now))
	}
	s.blocks[b.IP] = b
	s.gen++
}

// Unblock implements BlockStore.
func (s *MemoryBlockStore) Unblock(_ context.Context, ip netip.Addr) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, had := s.blocks[ip]
	delete(s.blocks, ip)
	delete(s.offences, ip)
	if had {
		s.gen++
	}
	return had, nil
}

// Blocked implements BlockStore.
func (s *MemoryBlockStore) Blocked(_ context.Context, ip netip.Addr, now time.Time) (Block, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blocks[ip]
	if !ok || !b.Active(now) {
		return Block{}, false, nil
	}
	return b, true, nil
}

// List implements BlockStore.
func (s *MemoryBlockStore) List(_ context.Context, now time.Time) ([]Block, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Block, 0, len(s.blocks))
	for _, b := range s.blocks {
		if b.Active(now) {
			out = append(out, b)
		}
	}
	return out, nil
}

// Generation implements BlockStore.
func (s *MemoryBlockStore) Generation(context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen, nil
}

// Len returns the number of block and offence entries held, expired or not.
func (s *MemoryBlockStore) Len() (blocks, offences int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.blocks), len(s.offences)
}

// sweepDue reports whether a full sweep of expired entries may run now; it
// runs at most once a second so a flood cannot make every insert O(n).
func (s *MemoryBlockStore) sweepDue(now time.Time) bool {
	if now.Sub(s.lastSweep) < time.Second && !now.Before(s.lastSweep) {
		return false
	}
	s.lastSweep = now
	return true
}

// makeRoom frees one slot in a full map: it drops every expired entry when
// sweep is set, and if that freed nothing evicts the soonest-expiring of a
// few entries picked by Go's randomized map iteration.
func makeRoom[V any](m map[netip.Addr]V, expiry func(V) time.Time, now time.Time, sweep bool) {
	n := len(m)
	if sweep {
		for k, v := range m {
			if !now.Before(expiry(v)) {
				delete(m, k)
			}
		}
		if len(m) < n {
			return
		}
	}
	var (
		victim netip.Addr
		soon   time.Time
		seen   int
	)
	for k, v := range m {
		if e := expiry(v); seen == 0 || e.Before(soon) {
			victim, soon = k, e
		}
		if seen++; seen == evictionSample {
			break
		}
	}
	delete(m, victim)
}
