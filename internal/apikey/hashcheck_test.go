package apikey

import (
	"context"
	"errors"
	"testing"
)

// sloppyStore answers every KeyByHash with one fixed record, whatever hash
// it is asked for: a broken store (a prefix or case-folding index, a
// truncated column). Authenticate must not trust it.
type sloppyStore struct {
	*fakeStore
	k Key
}

func (s sloppyStore) KeyByHash(context.Context, []byte) (Key, error) { return s.k.clone(), nil }

// TestAuthenticateRechecksStoreHash kills the mutation that removes the
// constant-time comparison of the stored hash with the presented key's hash.
func TestAuthenticateRechecksStoreHash(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Config{})
	victim, k := f.create(t)
	other, _ := newFixture(t, Config{}).create(t) // well-formed, never stored here
	svc := NewService(Config{}, sloppyStore{fakeStore: f.store, k: k}, f.clock.Now)
	ctx := context.Background()

	if _, err := svc.Authenticate(ctx, victim); err != nil {
		t.Fatalf("the stored key itself: %v, want it accepted (the test would prove nothing)", err)
	}
	got, err := svc.Authenticate(ctx, other)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("another well-formed key answered with %s's record: got (%+v, %v), want ErrNotFound", k.ID, got.ID, err)
	}
	// A second attempt must not be served from a cache filled by the first.
	if _, err := svc.Authenticate(ctx, other); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second attempt: %v, want ErrNotFound", err)
	}
}
