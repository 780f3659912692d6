package session

import (
	"context"
	"sync"
	"time"
)

// Memory is a Store in process memory, for one replica.
type Memory struct {
	cfg Config
	now func() time.Time

	mu sync.Mutex
	m  map[Key]*entry
}

type entry struct {
	Session
	flash, flashKind string
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty Memory with cfg's timeouts and bound; now is
// the clock (nil: time.Now).
func NewMemory(cfg Config, now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{cfg: cfg.WithDefaults(), now: now, m: make(map[Key]*entry)}
}

// Create implements Store. When the table is full it first drops expired
// sessions, and refuses with ErrFull if it is still full.
func (s *Memory) Create(_ context.Context, k Key, v Session) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= s.cfg.Max {
		for k, e := range s.m {
			if s.cfg.Expired(e.Session, now) {
				delete(s.m, k)
			}
		}
	}
	var oldest Key
	var oldestSeen time.Time
	n := 0
	for k, e := range s.m {
		if e.KeyID != v.KeyID {
			continue
		}
		n++
		if oldestSeen.IsZero() || e.LastSeen.Before(oldestSeen) {
			oldest, oldestSeen = k, e.LastSeen
		}
	}
	if n >= MaxPerKey {
		delete(s.m, oldest)
	}
	if len(s.m) >= s.cfg.Max {
		return ErrFull
	}
	s.m[k] = &entry{Session: v}
	return nil
}

// ListKey implements Store.
func (s *Memory) ListKey(_ context.Context, keyID string) ([]Listed, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Listed
	for k, e := range s.m {
		if e.KeyID == keyID && !s.cfg.Expired(e.Session, now) {
			out = append(out, Listed{Key: k, Session: e.Session})
		}
	}
	SortListed(out)
	return out, nil
}

// Get implements Store.
func (s *Memory) Get(_ context.Context, k Key) (Session, bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[k]
	if !ok {
		return Session{}, false, nil
	}
	if s.cfg.Expired(e.Session, now) {
		delete(s.m, k)
		return Session{}, false, nil
	}
	e.LastSeen = now
	return e.Session, true, nil
}

// SetFlash implements Store.
func (s *Memory) SetFlash(_ context.Context, k Key, msg, kind string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[k]; ok {
		e.flash, e.flashKind = msg, kind
	}
	return nil
}

// TakeFlash implements Store.
func (s *Memory) TakeFlash(_ context.Context, k Key) (msg, kind string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[k]; ok {
		msg, kind = e.flash, e.flashKind
		e.flash, e.flashKind = "", ""
	}
	return msg, kind, nil
}

// Delete implements Store.
func (s *Memory) Delete(_ context.Context, k Key) error {
	s.mu.Lock()
	delete(s.m, k)
	s.mu.Unlock()
	return nil
}

// DeleteKey implements Store.
func (s *Memory) DeleteKey(_ context.Context, keyID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.m {
		if e.KeyID == keyID {
			delete(s.m, k)
		}
	}
	return nil
}

// DeleteAll implements Store.
func (s *Memory) DeleteAll(context.Context) error {
	s.mu.Lock()
	clear(s.m)
	s.mu.Unlock()
	return nil
}
