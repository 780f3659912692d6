package apikey

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestRotateGrace(t *testing.T) {
	t.Parallel()
	const grace = time.Hour
	f := newFixture(t, Config{BackupCount: 3})
	oldPlain, old := f.create(t)
	mustDo(t, f.auth(t, oldPlain)) // cached now
	newPlain, nk, err := f.svc.Rotate(context.Background(), old.ID, grace)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if nk.UserID != old.UserID || nk.Name != old.Name || nk.Lineage != old.ID || nk.Generation != 1 || nk.ID == old.ID || newPlain == oldPlain {
		t.Errorf("new key %+v: want same owner, name and lineage, new id and key", nk)
	}
	stored := f.store.get(old.ID)
	if stored.ReplacedBy != nk.ID || stored.GraceUntil == nil || !stored.GraceUntil.Equal(f.clock.Now().Add(grace)) {
		t.Errorf("old record = %+v, want ReplacedBy %s and GraceUntil now+1h", stored, nk.ID)
	}
	steps := []struct {
		name     string
		advance  time.Duration
		old, new error
	}{
		{"right after rotation", 0, nil, nil},
		{"just before grace ends", grace - time.Second, nil, nil},
		{"when grace ends", time.Second, ErrExpired, nil},
		{"later", 24 * time.Hour, ErrExpired, nil},
	}
	for _, s := range steps {
		f.clock.Advance(s.advance)
		if err := f.auth(t, oldPlain); !sameErr(err, s.old) {
			t.Errorf("%s: old key: Authenticate = %v, want %v", s.name, err, s.old)
		}
		if err := f.auth(t, newPlain); !sameErr(err, s.new) {
			t.Errorf("%s: new key: Authenticate = %v, want %v", s.name, err, s.new)
		}
	}
	listed, err := f.svc.List(context.Background(), "user-1")
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[string]Status{}
	for _, k := range listed {
		statuses[k.ID] = k.Status
	}
	if statuses[old.ID] != StatusExpired || statuses[nk.ID] != StatusActive {
		t.Errorf("List statuses = %v, want old expired and new active", statuses)
	}
}

func sameErr(got, want error) bool {
	if want == nil {
		return got == nil
	}
	return errors.Is(got, want)
}

// TestRotateInvalidatesCache: the old key was cached before rotation without
// a grace end; after a 1 ns grace it must fail well within the cache TTL.
func TestRotateInvalidatesCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{BackupCount: 1, CacheTTL: time.Hour})
	plain, k := f.create(t)
	mustDo(t, f.auth(t, plain))
	if _, _, err := f.svc.Rotate(context.Background(), k.ID, time.Nanosecond); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Millisecond)
	if err := f.auth(t, plain); !errors.Is(err, ErrExpired) {
		t.Errorf("old key after its grace = %v, want ErrExpired", err)
	}
}

// TestRotateBackupCount rotates a chain many times and checks that only the
// current key and the BackupCount most recent old keys still work.
func TestRotateBackupCount(t *testing.T) {
	t.Parallel()
	for _, backups := range []int{0, 1, 2, 3} {
		t.Run(fmt.Sprintf("backups=%d", backups), func(t *testing.T) {
			f := newFixture(t, Config{BackupCount: backups})
			plain, k := f.create(t)
			chain := []string{plain}
			for range 6 {
				// The clock does not move: the chain order must not rely on
				// creation times (replicas' clocks may differ).
				p, nk, err := f.svc.Rotate(context.Background(), k.ID, 7*24*time.Hour)
				if err != nil {
					t.Fatalf("Rotate %s: %v", k.ID, err)
				}
				chain, k = append(chain, p), nk
			}
			valid := 0
			for i, p := range chain {
				err := f.auth(t, p)
				wantValid := i >= len(chain)-1-backups
				if wantValid && err != nil {
					t.Errorf("key %d of %d: Authenticate = %v, want nil", i, len(chain), err)
				}
				if !wantValid && !errors.Is(err, ErrExpired) {
					t.Errorf("key %d of %d: Authenticate = %v, want ErrExpired", i, len(chain), err)
				}
				if err == nil {
					valid++
				}
			}
			if want := backups + 1; valid != want {
				t.Errorf("valid keys = %d, want %d (current + %d backups)", valid, want, backups)
			}
		})
	}
}

func TestRotateRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(f fixture, k Key) string // returns the id to rotate
		grace time.Duration
		want  error
	}{
		{"unknown id", func(fixture, Key) string { return "key_doesnotexist" }, 0, ErrNotFound},
		{"revoked", func(f fixture, k Key) string { mustDo(t, f.svc.Revoke(context.Background(), k.ID)); return k.ID }, 0, ErrRevoked},
		{"suspended", func(f fixture, k Key) string { mustDo(t, f.svc.Suspend(context.Background(), k.ID)); return k.ID }, 0, ErrSuspended},
		{"idle expired", func(f fixture, k Key) string { f.clock.Advance(2 * time.Hour); return k.ID }, 0, ErrExpired},
		{"already rotated", func(f fixture, k Key) string {
			if _, _, err := f.svc.Rotate(context.Background(), k.ID, 0); err != nil {
				t.Fatal(err)
			}
			return k.ID
		}, 0, ErrRotated},
		{"negative grace", func(_ fixture, k Key) string { return k.ID }, -time.Second, ErrInvalid},
		{"grace too long", func(_ fixture, k Key) string { return k.ID }, MaxGrace + time.Second, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{IdleExpiry: time.Hour, BackupCount: 2})
			_, k := f.create(t)
			id := tc.setup(f, k)
			before := f.store.Calls("RotateKey")
			if _, _, err := f.svc.Rotate(context.Background(), id, tc.grace); !errors.Is(err, tc.want) {
				t.Errorf("Rotate = %v, want %v", err, tc.want)
			}
			if got := f.store.Calls("RotateKey"); got != before {
				t.Errorf("RotateKey calls = %d, want %d (refused before the store)", got, before)
			}
		})
	}
}

// TestRotateConflict: a concurrent change between the read and the write is
// reported by the store and surfaces as ErrConflict.
func TestRotateConflict(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{BackupCount: 1})
	_, k := f.create(t)
	// Another process suspends the key between the service's read and its
	// write: the store's guard must refuse the rotation.
	hooked := &hookStore{fakeStore: f.store, beforeRotate: func() { f.store.setStatus(k.ID, StatusSuspended) }}
	svc := NewService(Config{BackupCount: 1}, hooked, f.clock.Now)
	if _, _, err := svc.Rotate(context.Background(), k.ID, time.Hour); !errors.Is(err, ErrConflict) {
		t.Errorf("Rotate with a concurrent suspension = %v, want ErrConflict", err)
	}
	if got := len(f.store.keys); got != 1 {
		t.Errorf("stored keys = %d, want 1 (nothing written)", got)
	}
}

// hookStore runs beforeRotate just before RotateKey.
type hookStore struct {
	*fakeStore
	beforeRotate func()
}

func (h *hookStore) RotateKey(ctx context.Context, oldID string, newKey Key, graceUntil time.Time, backups int) error {
	h.beforeRotate()
	return h.fakeStore.RotateKey(ctx, oldID, newKey, graceUntil, backups)
}
