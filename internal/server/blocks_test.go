package server

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/samo-brain/samo/internal/ids"
)

// memBlocks is a minimal ids.BlockStore for the middleware tests: a map of
// blocks, no offence history.
type memBlocks struct {
	mu  sync.Mutex
	m   map[netip.Addr]ids.Block
	gen uint64
}

var _ ids.BlockStore = (*memBlocks)(nil)

func newMemBlocks() *memBlocks { return &memBlocks{m: map[netip.Addr]ids.Block{}} }

func (s *memBlocks) Escalate(_ context.Context, e ids.Escalation) (ids.Block, bool, error) {
	b := ids.Block{IP: e.IP, Until: e.Now.Add(e.TTL(1)), Reason: e.Reason, By: e.By, Created: e.Now, Offence: 1}
	return b, true, s.Block(context.Background(), b)
}

func (s *memBlocks) Block(_ context.Context, b ids.Block) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[b.IP] = b
	s.gen++
	return nil
}

func (s *memBlocks) Unblock(_ context.Context, ip netip.Addr) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[ip]
	delete(s.m, ip)
	s.gen++
	return ok, nil
}

func (s *memBlocks) Blocked(_ context.Context, ip netip.Addr, now time.Time) (ids.Block, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[ip]
	return b, ok && now.Before(b.Until), nil
}

func (s *memBlocks) List(_ context.Context, now time.Time) ([]ids.Block, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ids.Block
	for _, b := range s.m {
		if now.Before(b.Until) {
			out = append(out, b)
		}
	}
	return out, nil
}

func (s *memBlocks) Generation(context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen, nil
}
