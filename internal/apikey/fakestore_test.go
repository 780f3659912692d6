package apikey

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// fakeStore is an in-memory Store that follows the documented contract and
// counts calls per method.
type fakeStore struct {
	mu    sync.Mutex
	keys  map[string]Key // by id
	calls map[string]int
	// touches records every TouchKeys batch.
	touches []map[string]time.Time
	// failTouch makes TouchKeys fail.
	failTouch bool
	// afterRead, when set, runs inside KeyByHash after the record is read
	// and before it is returned (without the lock held).
	afterRead func()
}

var _ Store = (*fakeStore)(nil)

func newFakeStore() *fakeStore {
	return &fakeStore{keys: make(map[string]Key), calls: make(map[string]int)}
}

func (f *fakeStore) count(method string) {
	f.mu.Lock()
	f.calls[method]++
	f.mu.Unlock()
}

// Calls returns how many times method was called.
func (f *fakeStore) Calls(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// totalCalls returns the number of calls of every method.
func (f *fakeStore) totalCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

func (f *fakeStore) CreateKey(_ context.Context, k Key) error {
	f.count("CreateKey")
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.insertLocked(k)
}

func (f *fakeStore) insertLocked(k Key) error {
	if _, ok := f.keys[k.ID]; ok {
		return fmt.Errorf("fake: duplicate id %s", k.ID)
	}
	for _, o := range f.keys {
		if bytes.Equal(o.Hash, k.Hash) {
			return errors.New("fake: duplicate hash")
		}
	}
	f.keys[k.ID] = k.clone()
	return nil
}

func (f *fakeStore) KeyByHash(_ context.Context, hash []byte) (Key, error) {
	f.count("KeyByHash")
	f.mu.Lock()
	var found *Key
	for _, k := range f.keys {
		if bytes.Equal(k.Hash, hash) {
			c := k.clone()
			found = &c
			break
		}
	}
	hook := f.afterRead
	f.mu.Unlock()
	if found == nil {
		return Key{}, ErrNotFound
	}
	if hook != nil {
		hook()
	}
	return *found, nil
}

func (f *fakeStore) KeyByID(_ context.Context, id string) (Key, error) {
	f.count("KeyByID")
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.keys[id]
	if !ok {
		return Key{}, fmt.Errorf("fake: key %s: %w", id, ErrNotFound)
	}
	return k.clone(), nil
}

func (f *fakeStore) ListKeysPage(ctx context.Context, p KeyPage) ([]Key, error) {
	all, _ := f.ListKeys(ctx, p.UserID)
	slices.Reverse(all)
	var out []Key
	for _, k := range all {
		if p.BeforeID == "" || k.CreatedAt.Before(p.BeforeAt) || k.CreatedAt.Equal(p.BeforeAt) && k.ID < p.BeforeID {
			out = append(out, k)
		}
	}
	return out[:min(len(out), p.Limit)], nil
}

func (f *fakeStore) ListKeys(_ context.Context, userID string) ([]Key, error) {
	f.count("ListKeys")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Key
	for _, k := range f.keys {
		if userID == "" || k.UserID == userID {
			out = append(out, k.clone())
		}
	}
	slices.SortFunc(out, func(a, b Key) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (f *fakeStore) UpdateKeyStatus(_ context.Context, id string, status Status, at time.Time) error {
	f.count("UpdateKeyStatus")
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.keys[id]
	if !ok {
		return ErrNotFound
	}
	if k.Status == StatusRevoked || k.Status == StatusExpired {
		if k.Status == status {
			return nil
		}
		if k.Status == StatusRevoked {
			return ErrRevoked
		}
		return ErrExpired
	}
	k.Status = status
	if status == StatusRevoked || status == StatusSuspended {
		k.RevokedAt = &at
	}
	f.keys[id] = k
	return nil
}

func (f *fakeStore) RotateKey(_ context.Context, oldID string, newKey Key, graceUntil time.Time, backups int) error {
	f.count("RotateKey")
	f.mu.Lock()
	defer f.mu.Unlock()
	old, ok := f.keys[oldID]
	if !ok {
		return ErrNotFound
	}
	if old.Status != StatusActive || old.ReplacedBy != "" {
		return ErrConflict
	}
	if err := f.insertLocked(newKey); err != nil {
		return err
	}
	old.GraceUntil, old.ReplacedBy = &graceUntil, newKey.ID
	f.keys[oldID] = old

	at := newKey.CreatedAt
	var live []Key
	for _, k := range f.keys {
		if k.lineage() != newKey.Lineage || k.ID == newKey.ID || k.Status != StatusActive {
			continue
		}
		if k.GraceUntil != nil && !k.GraceUntil.After(at) {
			f.expireLocked(k, at)
			continue
		}
		live = append(live, k)
	}
	slices.SortFunc(live, func(a, b Key) int { // newest first
		return cmp.Compare(b.Generation, a.Generation)
	})
	for i, k := range live {
		if i >= backups {
			f.expireLocked(k, at)
		}
	}
	return nil
}

func (f *fakeStore) expireLocked(k Key, at time.Time) {
	k.Status, k.ExpiresAt = StatusExpired, &at
	f.keys[k.ID] = k
}

func (f *fakeStore) TouchKeys(_ context.Context, lastUsed map[string]time.Time) error {
	f.count("TouchKeys")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failTouch {
		return errors.New("fake: database unavailable")
	}
	batch := make(map[string]time.Time, len(lastUsed))
	for id, t := range lastUsed {
		batch[id] = t
		k, ok := f.keys[id]
		if !ok {
			continue
		}
		if k.LastUsed == nil || t.After(*k.LastUsed) {
			k.LastUsed = &t
			f.keys[id] = k
		}
	}
	f.touches = append(f.touches, batch)
	return nil
}

// setStatus changes a record directly, as another process would.
func (f *fakeStore) setStatus(id string, st Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := f.keys[id]
	k.Status = st
	f.keys[id] = k
}

// get returns the stored record.
func (f *fakeStore) get(id string) Key {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keys[id].clone()
}

// Touches returns the recorded TouchKeys batches.
func (f *fakeStore) Touches() []map[string]time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.touches)
}
