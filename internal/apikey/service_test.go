package apikey

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is an injectable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	svc   *Service
	store *fakeStore
	clock *clock
}

func newFixture(t testing.TB, cfg Config) fixture {
	t.Helper()
	st, clk := newFakeStore(), newClock()
	return fixture{svc: NewService(cfg, st, clk.Now), store: st, clock: clk}
}

func (f fixture) create(t testing.TB) (string, Key) {
	t.Helper()
	plain, k, err := f.svc.Create(context.Background(), "user-1", "laptop")
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return plain, k
}

func (f fixture) auth(t testing.TB, plain string) error {
	t.Helper()
	_, err := f.svc.Authenticate(context.Background(), plain)
	return err
}

func TestCreate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	plain, k := f.create(t)
	if err := Parse(plain); err != nil {
		t.Fatalf("Parse(created key) = %v", err)
	}
	if got, want := len(plain), len(KeyPrefix)+DefaultLength+ChecksumLength; got != want {
		t.Errorf("len(key) = %d, want %d", got, want)
	}
	if !strings.HasPrefix(k.ID, IDPrefix) || strings.Contains(plain, k.ID[len(IDPrefix):]) {
		t.Errorf("id %q: want %q prefix and no relation to the key", k.ID, IDPrefix)
	}
	if got, want := k.Prefix, plain[len(KeyPrefix):len(KeyPrefix)+DisplayLength]; got != want {
		t.Errorf("Prefix = %q, want %q", got, want)
	}
	if !bytes.Equal(k.Hash, Hash(plain)) {
		t.Error("Hash is not SHA-256 of the key")
	}
	if k.Status != StatusActive || k.Lineage != k.ID || !k.CreatedAt.Equal(f.clock.Now()) {
		t.Errorf("record = %+v, want active, own lineage, created now", k)
	}
	stored := f.store.get(k.ID)
	if !bytes.Equal(stored.Hash, k.Hash) || stored.UserID != "user-1" || stored.Name != "laptop" {
		t.Errorf("stored = %+v, want the returned record", stored)
	}
	if got := k.Display(); got != KeyPrefix+k.Prefix+"…" {
		t.Errorf("Display() = %q", got)
	}
}

func TestCreateRejectsBadLabels(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, user, label string }{
		{"empty user", "", "x"},
		{"user too long", strings.Repeat("u", MaxUserIDLength+1), "x"},
		{"name too long", "u", strings.Repeat("n", MaxNameLength+1)},
		{"invalid UTF-8", "u", "\xff"},
		{"control character", "u", "a\nb"},
		{"bidi override", "u", "a\u202eb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{})
			if _, _, err := f.svc.Create(context.Background(), tc.user, tc.label); !errors.Is(err, ErrInvalid) {
				t.Errorf("Create(%q, %q) error = %v, want ErrInvalid", tc.user, tc.label, err)
			}
			if n := f.store.totalCalls(); n != 0 {
				t.Errorf("store calls = %d, want 0", n)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	plain, created := f.create(t)
	got, err := f.svc.Authenticate(context.Background(), plain)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if got.ID != created.ID || got.UserID != "user-1" {
		t.Errorf("Authenticate = %s/%s, want %s/user-1", got.ID, got.UserID, created.ID)
	}
	other, _ := f.create(t)
	if got, err := f.svc.Authenticate(context.Background(), other); err != nil || got.ID == created.ID {
		t.Errorf("second key authenticated as %s, %v", got.ID, err)
	}
}

func TestAuthenticateMalformedMakesNoStoreCall(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	plain, _ := f.create(t)
	before := f.store.totalCalls()
	for _, tc := range malformedCases(plain) {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.svc.Authenticate(context.Background(), tc.key); !errors.Is(err, ErrMalformed) {
				t.Errorf("Authenticate(%q) error = %v, want ErrMalformed", tc.key, err)
			}
		})
	}
	if got := f.store.totalCalls(); got != before {
		t.Errorf("store calls after malformed keys = %d, want %d", got, before)
	}
}

func TestAuthenticateUnknownKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	unknown := mustGenerate(t, DefaultLength)
	for i := 1; i <= 2; i++ {
		if err := f.auth(t, unknown); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Authenticate(unknown) = %v, want ErrNotFound", err)
		}
		// "Not found" is never cached: a key created later must work at once.
		if got := f.store.Calls("KeyByHash"); got != i {
			t.Errorf("KeyByHash calls = %d, want %d", got, i)
		}
	}
}

func TestAuthenticateRefused(t *testing.T) {
	t.Parallel()
	const idle = time.Hour
	tests := []struct {
		name  string
		apply func(f fixture, k Key)
		want  error
	}{
		{"revoked", func(f fixture, k Key) { mustDo(t, f.svc.Revoke(context.Background(), k.ID)) }, ErrRevoked},
		{"suspended", func(f fixture, k Key) { mustDo(t, f.svc.Suspend(context.Background(), k.ID)) }, ErrSuspended},
		{"expired status", func(f fixture, k Key) { f.store.setStatus(k.ID, StatusExpired); f.svc.Invalidate(k.ID) }, ErrExpired},
		{"idle since creation and last use", func(f fixture, _ Key) { f.clock.Advance(idle + time.Second) }, ErrExpired},
		{"past ExpiresAt", func(f fixture, k Key) {
			f.store.mu.Lock()
			r := f.store.keys[k.ID]
			at := f.clock.Now()
			r.ExpiresAt = &at
			f.store.keys[k.ID] = r
			f.store.mu.Unlock()
			f.svc.Invalidate(k.ID)
		}, ErrExpired},
		{"unknown status", func(f fixture, k Key) { f.store.setStatus(k.ID, "weird"); f.svc.Invalidate(k.ID) }, ErrRevoked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{IdleExpiry: idle})
			plain, k := f.create(t)
			if err := f.auth(t, plain); err != nil {
				t.Fatalf("before: Authenticate = %v, want nil", err)
			}
			tc.apply(f, k)
			err := f.auth(t, plain)
			if !errors.Is(err, tc.want) {
				t.Fatalf("after: Authenticate = %v, want %v", err, tc.want)
			}
			var ke *KeyError
			if !errors.As(err, &ke) || ke.KeyID != k.ID || ke.UserID != k.UserID {
				t.Errorf("error %v: want *KeyError for %s", err, k.ID)
			}
			if strings.Contains(err.Error(), plain) {
				t.Error("error message contains the key")
			}
		})
	}
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestIdleExpiryCountsBatchedUses: the store has not been told about uses
// yet, but they still keep the key alive.
func TestIdleExpiryCountsBatchedUses(t *testing.T) {
	t.Parallel()
	const idle = time.Hour
	f := newFixture(t, Config{IdleExpiry: idle})
	plain, k := f.create(t)
	steps := []struct {
		name    string
		advance time.Duration
		flush   bool
		want    error
	}{
		{"used 50m after creation", 50 * time.Minute, false, nil},
		{"50m after last use (100m after creation), unflushed", 50 * time.Minute, false, nil},
		{"exactly the idle limit after last use", idle, false, nil},
		{"flushed, then used again just inside the limit", idle - time.Second, true, nil},
		{"idle limit plus a second", idle + time.Second, true, ErrExpired},
		{"still expired later", time.Minute, false, ErrExpired},
	}
	for _, s := range steps {
		f.clock.Advance(s.advance)
		if s.flush {
			mustDo(t, f.svc.Flush(context.Background()))
		}
		if err := f.auth(t, plain); !errors.Is(err, s.want) || (s.want == nil && err != nil) {
			t.Fatalf("%s: Authenticate = %v, want %v", s.name, err, s.want)
		}
	}
	if got := f.store.get(k.ID).LastUsed; got == nil {
		t.Error("stored LastUsed is nil after flushes")
	}
}

// TestIdleExpiryAfterPrune: once batched uses are written and forgotten, the
// stored LastUsed keeps the key alive.
func TestIdleExpiryAfterPrune(t *testing.T) {
	t.Parallel()
	const idle = time.Hour
	f := newFixture(t, Config{IdleExpiry: idle})
	plain, k := f.create(t)
	f.clock.Advance(50 * time.Minute)
	mustDo(t, f.auth(t, plain))
	mustDo(t, f.svc.Flush(context.Background()))
	f.clock.Advance(10 * time.Second)
	mustDo(t, f.svc.Flush(context.Background())) // prunes the written use
	if _, ok := f.svc.usage.last(k.ID); ok {
		t.Fatal("written use not pruned")
	}
	f.clock.Advance(50 * time.Minute)
	if err := f.auth(t, plain); err != nil {
		t.Errorf("Authenticate 50m after a flushed use = %v, want nil", err)
	}
}
