package apikey

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestOnChange: revocation, suspension and rotation announce the change
// (for other replicas' caches), failures to announce do not fail the
// change, and an announced change can be applied to another Service's
// cache with Invalidate and InvalidateLineage.
func TestOnChange(t *testing.T) {
	t.Parallel()
	type call struct{ id, lineage string }
	var calls []call
	var hookErr error
	cfg := Config{BackupCount: 2, CacheTTL: time.Hour, OnChange: func(_ context.Context, id, lineage string) error {
		calls = append(calls, call{id, lineage})
		return hookErr
	}}
	f := newFixture(t, cfg)
	// A second Service over the same store plays another replica with a
	// long cache TTL: only notices can make it see changes early.
	other := NewService(Config{BackupCount: 2, CacheTTL: time.Hour}, f.store, f.clock.Now)
	ctx := context.Background()

	plainA, a := f.create(t)
	plainB, b := f.create(t)
	for _, p := range []string{plainA, plainB} {
		if _, err := other.Authenticate(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	apply := func() {
		for _, c := range calls {
			other.Invalidate(c.id)
			if c.lineage != "" {
				other.InvalidateLineage(c.lineage)
			}
		}
		calls = nil
	}

	if err := f.svc.Revoke(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0] != (call{a.ID, ""}) {
		t.Errorf("after Revoke: calls %v, want [{%s }]", calls, a.ID)
	}
	if _, err := other.Authenticate(ctx, plainA); err != nil {
		t.Errorf("other replica before the notice: %v (the test needs the stale cache)", err)
	}
	apply()
	if _, err := other.Authenticate(ctx, plainA); !errors.Is(err, ErrRevoked) {
		t.Errorf("other replica after the notice: err = %v, want ErrRevoked", err)
	}

	// Rotation announces the old key with its lineage; a failing hook is
	// logged, not returned.
	hookErr = errors.New("redis down")
	newPlain, nb, err := f.svc.Rotate(ctx, b.ID, time.Minute)
	if err != nil {
		t.Fatalf("Rotate with a failing hook: %v", err)
	}
	if len(calls) != 1 || calls[0] != (call{b.ID, b.ID}) {
		t.Errorf("after Rotate: calls %v, want [{%s %s}]", calls, b.ID, b.ID)
	}
	apply()
	hookErr = nil
	if _, err := other.Authenticate(ctx, newPlain); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Suspend(ctx, nb.ID); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0] != (call{nb.ID, ""}) {
		t.Errorf("after Suspend: calls %v, want [{%s }]", calls, nb.ID)
	}
	apply()
	if _, err := other.Authenticate(ctx, newPlain); !errors.Is(err, ErrSuspended) {
		t.Errorf("suspended key on the other replica: err = %v, want ErrSuspended", err)
	}

	// A change that fails is not announced.
	if err := f.svc.Revoke(ctx, "key_missing000"); err == nil {
		t.Fatal("Revoke(missing) succeeded")
	}
	if len(calls) != 0 {
		t.Errorf("failed Revoke announced: %v", calls)
	}
}
