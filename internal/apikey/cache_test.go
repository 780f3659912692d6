package apikey

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCacheServesRepeatedLookups(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{CacheTTL: time.Second})
	plain, _ := f.create(t)
	for range 100 {
		mustDo(t, f.auth(t, plain))
	}
	if got := f.store.Calls("KeyByHash"); got != 1 {
		t.Errorf("KeyByHash calls for 100 authentications within the TTL = %d, want 1", got)
	}
	f.clock.Advance(time.Second)
	mustDo(t, f.auth(t, plain))
	if got := f.store.Calls("KeyByHash"); got != 2 {
		t.Errorf("KeyByHash calls after the TTL = %d, want 2", got)
	}
}

func TestRevocationInvalidatesCache(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		do   func(f fixture, id string) error
		want error
	}{
		{"Revoke", func(f fixture, id string) error { return f.svc.Revoke(context.Background(), id) }, ErrRevoked},
		{"Suspend", func(f fixture, id string) error { return f.svc.Suspend(context.Background(), id) }, ErrSuspended},
		{"Invalidate after another process revoked", func(f fixture, id string) error {
			f.store.setStatus(id, StatusRevoked)
			f.svc.Invalidate(id)
			return nil
		}, ErrRevoked},
		{"Purge after another process suspended", func(f fixture, id string) error {
			f.store.setStatus(id, StatusSuspended)
			f.svc.Purge()
			return nil
		}, ErrSuspended},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{CacheTTL: time.Hour})
			plain, k := f.create(t)
			mustDo(t, f.auth(t, plain)) // cached for an hour
			mustDo(t, tc.do(f, k.ID))
			if err := f.auth(t, plain); !errors.Is(err, tc.want) {
				t.Errorf("Authenticate right after %s = %v, want %v", tc.name, err, tc.want)
			}
		})
	}
}

// TestOtherProcessRevocationWithinTTL: without a notice, a revocation made
// elsewhere applies once the cached entry is CacheTTL old.
func TestOtherProcessRevocationWithinTTL(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{CacheTTL: time.Second})
	plain, k := f.create(t)
	mustDo(t, f.auth(t, plain))
	f.store.setStatus(k.ID, StatusRevoked)
	f.clock.Advance(999 * time.Millisecond)
	if err := f.auth(t, plain); err != nil {
		t.Errorf("within the TTL (cached) = %v, want nil", err)
	}
	f.clock.Advance(time.Millisecond)
	if err := f.auth(t, plain); !errors.Is(err, ErrRevoked) {
		t.Errorf("at the TTL = %v, want ErrRevoked", err)
	}
}

// TestRevokeDuringLookupIsNotCached: a lookup that read the record before a
// revocation must not cache it, or the revoked key would keep working.
func TestRevokeDuringLookupIsNotCached(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{CacheTTL: time.Hour})
	plain, k := f.create(t)
	var once sync.Once
	f.store.afterRead = func() {
		once.Do(func() { mustDo(t, f.svc.Revoke(context.Background(), k.ID)) })
	}
	_ = f.auth(t, plain) // overlaps the revocation: either answer is acceptable
	if err := f.auth(t, plain); !errors.Is(err, ErrRevoked) {
		t.Errorf("Authenticate after Revoke returned = %v, want ErrRevoked", err)
	}
}

// TestNoSuccessAfterRevokeReturns runs authentications concurrently with a
// revocation: none that starts after Revoke returned may succeed.
func TestNoSuccessAfterRevokeReturns(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{CacheTTL: time.Hour})
	plain, k := f.create(t)
	var revoked atomic.Bool
	var late atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				after := revoked.Load()
				_, err := f.svc.Authenticate(context.Background(), plain)
				if after && err == nil {
					late.Add(1)
				}
			}
		})
	}
	time.Sleep(time.Millisecond)
	mustDo(t, f.svc.Revoke(context.Background(), k.ID))
	revoked.Store(true)
	wg.Wait()
	if n := late.Load(); n != 0 {
		t.Errorf("%d authentications started after Revoke returned succeeded, want 0", n)
	}
}

func TestCacheBounded(t *testing.T) {
	t.Parallel()
	const size = 3
	f := newFixture(t, Config{CacheSize: size, CacheTTL: time.Hour})
	var keys []string
	for range 10 {
		p, _ := f.create(t)
		keys = append(keys, p)
	}
	for range 3 {
		for _, p := range keys {
			mustDo(t, f.auth(t, p))
			if n := f.svc.cache.len(); n > size {
				t.Fatalf("cache holds %d entries, want <= %d", n, size)
			}
		}
	}
	if got := f.svc.cache.len(); got != size {
		t.Errorf("cache entries = %d, want %d", got, size)
	}
}

func TestCacheReturnsCopies(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	plain, _ := f.create(t)
	k1, err := f.svc.Authenticate(context.Background(), plain)
	mustDo(t, err)
	k1.Hash[0] ^= 0xff
	k1.Status = StatusRevoked
	k2, err := f.svc.Authenticate(context.Background(), plain)
	if err != nil || k2.Status != StatusActive || k2.Hash[0] == k1.Hash[0] {
		t.Errorf("caller's changes leaked into the cache: %+v, %v", k2, err)
	}
}

// A zero CacheTTL means the default, not "no cache".
func TestCacheDefaultTTL(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	plain, _ := f.create(t)
	for range 10 {
		mustDo(t, f.auth(t, plain))
	}
	if got := f.store.Calls("KeyByHash"); got != 1 {
		t.Errorf("KeyByHash calls for 10 authentications with the default TTL = %d, want 1", got)
	}
	f.clock.Advance(DefaultCacheTTL)
	mustDo(t, f.auth(t, plain))
	if got := f.store.Calls("KeyByHash"); got != 2 {
		t.Errorf("KeyByHash calls after DefaultCacheTTL = %d, want 2", got)
	}
}
