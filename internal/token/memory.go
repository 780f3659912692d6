package token

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"
)

// Memory-store defaults.
const (
	// DefaultMemoryMaxEntries bounds each of the refresh-token and deny-list
	// maps of a MemoryStore (about 200 MiB at the limit).
	DefaultMemoryMaxEntries = 1 << 20
	// memorySweepEvery is how often writes sweep expired entries.
	memorySweepEvery = time.Minute
)

// MemoryStore is an in-process RefreshStore and DenyList for a single
// `samo serve` and for tests. Entries are kept until they expire and swept
// at most once a minute on writes (and immediately when a map is full). When
// a map still holds MaxEntries live entries, writes fail with ErrStoreFull:
// it fails closed rather than forget a revocation or a used token.
type MemoryStore struct {
	now  func() time.Time
	max  int
	mu   sync.Mutex
	rt   map[[sha256.Size]byte]*RefreshRecord
	fam  map[string]*memFamily
	deny map[string]time.Time
	last time.Time // last sweep
	// before and beforeUntil are DenyIssuedBefore's record.
	before, beforeUntil time.Time
}

// memFamily tracks a refresh family: its revocation, the hashes of its
// stored members and the latest expiry of any member (how long the
// revocation must be remembered).
type memFamily struct {
	revokedAt *time.Time
	hashes    [][sha256.Size]byte
	expires   time.Time
}

// MemoryOptions configure NewMemoryStoreWith.
type MemoryOptions struct {
	Now        func() time.Time // clock for expiry of deny entries and sweeping; nil means time.Now
	MaxEntries int              // per map; 0 means DefaultMemoryMaxEntries
}

// NewMemoryStoreWith returns an empty MemoryStore with opts.
func NewMemoryStoreWith(opts MemoryOptions) *MemoryStore {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMemoryMaxEntries
	}
	return &MemoryStore{
		now: opts.Now, max: opts.MaxEntries,
		rt:   make(map[[sha256.Size]byte]*RefreshRecord),
		fam:  make(map[string]*memFamily),
		deny: make(map[string]time.Time),
	}
}

var (
	_ RefreshStore = (*MemoryStore)(nil)
	_ DenyList     = (*MemoryStore)(nil)
)

// CreateRefresh stores a copy of r.
func (m *MemoryStore) CreateRefresh(_ context.Context, r RefreshRecord) error {
	if len(r.Hash) != sha256.Size || r.FamilyID == "" {
		return fmt.Errorf("%w: refresh record needs a SHA-256 hash and a family", ErrInvalidInput)
	}
	key := [sha256.Size]byte(r.Hash)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(len(m.rt) >= m.max)
	f := m.fam[r.FamilyID]
	if f != nil && f.revokedAt != nil {
		return ErrRefreshRevoked
	}
	if m.rt[key] != nil {
		return fmt.Errorf("%w: duplicate refresh token hash", ErrInvalidInput)
	}
	if len(m.rt) >= m.max || f == nil && len(m.fam) >= m.max {
		return ErrStoreFull
	}
	if f == nil {
		f = &memFamily{}
		m.fam[r.FamilyID] = f
	}
	f.hashes = append(f.hashes, key)
	if r.ExpiresAt.After(f.expires) {
		f.expires = r.ExpiresAt
	}
	c := copyRecord(r)
	m.rt[key] = &c
	return nil
}

// UseRefresh marks the record with hash used at `at` and returns a copy of
// it; a second use returns the record and ErrRefreshReused.
func (m *MemoryStore) UseRefresh(_ context.Context, hash []byte, at time.Time) (RefreshRecord, error) {
	if len(hash) != sha256.Size {
		return RefreshRecord{}, ErrRefreshUnknown
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rt[[sha256.Size]byte(hash)]
	if r == nil {
		return RefreshRecord{}, ErrRefreshUnknown
	}
	if r.UsedAt != nil {
		return copyRecord(*r), ErrRefreshReused
	}
	used := at
	r.UsedAt = &used
	return copyRecord(*r), nil
}

// LiveFamilies implements RefreshStore.
func (m *MemoryStore) LiveFamilies(_ context.Context, now time.Time) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, r := range m.rt {
		if r.RevokedAt == nil && r.ExpiresAt.After(now) && !seen[r.FamilyID] {
			seen[r.FamilyID] = true
			out = append(out, r.FamilyID)
		}
	}
	return out, nil
}

// RevokeFamily marks every token of the family, present and future, revoked.
func (m *MemoryStore) RevokeFamily(_ context.Context, familyID string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.fam[familyID]
	if f == nil {
		// Unknown (or already swept) family: remember the revocation for a
		// while anyway, so a racing CreateRefresh cannot revive it.
		m.maybeSweep(len(m.fam) >= m.max)
		if len(m.fam) >= m.max {
			return ErrStoreFull
		}
		f = &memFamily{expires: at.Add(memorySweepEvery)}
		m.fam[familyID] = f
	}
	if f.revokedAt == nil {
		t := at
		f.revokedAt = &t
	}
	for _, h := range f.hashes {
		if r := m.rt[h]; r != nil && r.RevokedAt == nil {
			t := at
			r.RevokedAt = &t
		}
	}
	return nil
}

// Deny records id as revoked until `until`.
func (m *MemoryStore) Deny(_ context.Context, id string, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(len(m.deny) >= m.max)
	if old, ok := m.deny[id]; ok {
		if until.After(old) {
			m.deny[id] = until
		}
		return nil
	}
	if len(m.deny) >= m.max {
		return ErrStoreFull
	}
	m.deny[id] = until
	return nil
}

// Denied reports whether id is revoked and its entry has not expired.
func (m *MemoryStore) Denied(_ context.Context, id string) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	until, ok := m.deny[id]
	return ok && now.Before(until), nil
}

// DenyIssuedBefore implements DenyList.
func (m *MemoryStore) DenyIssuedBefore(_ context.Context, t, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.After(m.before) {
		m.before = t
	}
	if until.After(m.beforeUntil) {
		m.beforeUntil = until
	}
	return nil
}

// IssuedBefore implements DenyList.
func (m *MemoryStore) IssuedBefore(context.Context) (time.Time, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !now.Before(m.beforeUntil) {
		return time.Time{}, nil
	}
	return m.before, nil
}

// Len returns the number of refresh records, families and deny entries
// held, expired or not (for tests and metrics).
func (m *MemoryStore) Len() (refresh, families, denied int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rt), len(m.fam), len(m.deny)
}

// Sweep drops every expired entry now.
func (m *MemoryStore) Sweep() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maybeSweep(true)
}

// maybeSweep drops expired entries when forced or a minute has passed.
// Callers hold m.mu.
func (m *MemoryStore) maybeSweep(force bool) {
	now := m.now()
	if !force && now.Sub(m.last) < memorySweepEvery {
		return
	}
	m.last = now
	for k, r := range m.rt {
		if !now.Before(r.ExpiresAt) {
			delete(m.rt, k)
		}
	}
	for id, f := range m.fam {
		live := f.hashes[:0]
		for _, h := range f.hashes {
			if m.rt[h] != nil {
				live = append(live, h)
			}
		}
		clear(f.hashes[len(live):])
		f.hashes = live
		if len(live) == 0 && !now.Before(f.expires) {
			delete(m.fam, id)
		}
	}
	for id, until := range m.deny {
		if !now.Before(until) {
			delete(m.deny, id)
		}
	}
}

// copyRecord returns r with its own Hash and time pointers.
func copyRecord(r RefreshRecord) RefreshRecord {
	r.Hash = bytes.Clone(r.Hash)
	if r.UsedAt != nil {
		t := *r.UsedAt
		r.UsedAt = &t
	}
	if r.RevokedAt != nil {
		t := *r.RevokedAt
		r.RevokedAt = &t
	}
	return r
}
