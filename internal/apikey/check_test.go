package apikey

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestCheckFollowsKeyState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	st := newFakeStore()
	svc := NewService(Config{CacheTTL: time.Hour, IdleExpiry: time.Hour}, st, func() time.Time { return now })
	_, k, err := svc.Create(ctx, "u1", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Check(ctx, k.ID); err != nil {
		t.Fatalf("Check(active) = %v", err)
	}
	before := st.Calls("KeyByID")
	if _, err := svc.Check(ctx, k.ID); err != nil || st.Calls("KeyByID") != before {
		t.Errorf("second Check: err %v, store lookups %d → %d (want cached)", err, before, st.Calls("KeyByID"))
	}
	if err := svc.Suspend(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Check(ctx, k.ID); !errors.Is(err, ErrSuspended) {
		t.Errorf("Check(suspended) = %v, want ErrSuspended", err)
	}
	if _, err := svc.Check(ctx, "key_missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Check(unknown) = %v, want ErrNotFound", err)
	}
	_, k2, _ := svc.Create(ctx, "u2", "")
	now = now.Add(2 * time.Hour)
	if _, err := svc.Check(ctx, k2.ID); !errors.Is(err, ErrExpired) {
		t.Errorf("Check(idle) = %v, want ErrExpired", err)
	}
}
