package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/users"
)

// testKeys drives apikey.Service over the real store: the apikey package's
// rules must hold end to end on every backend.
func testKeys(t *testing.T, st *Store) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	u, _, err := users.Ensure(ctx, st, "keyowner", rbac.RoleUser, now)
	if err != nil {
		t.Fatal(err)
	}
	svc := apikey.NewService(apikey.Config{BackupCount: 1, IdleExpiry: 24 * time.Hour, CacheTTL: time.Nanosecond}, st, clock)
	plain, k, err := svc.Create(ctx, u.ID, "ci")
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if got, err := svc.Authenticate(ctx, plain); err != nil || got.ID != k.ID {
		t.Fatalf("Authenticate = %v, %v", got.ID, err)
	}
	// Batched last use reaches the store.
	if err := svc.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	stored, _ := st.KeyByID(ctx, k.ID)
	if stored.LastUsed == nil || !stored.LastUsed.Equal(now) {
		t.Errorf("LastUsed = %v, want %v", stored.LastUsed, now)
	}
	// Rotate twice with one backup: the first key expires at the second rotation.
	now = now.Add(time.Minute)
	plain2, k2, err := svc.Rotate(ctx, k.ID, time.Hour)
	if err != nil {
		t.Fatalf("Rotate 1: %v", err)
	}
	if _, err := svc.Authenticate(ctx, plain); err != nil {
		t.Errorf("old key during grace: %v", err)
	}
	now = now.Add(time.Minute)
	plain3, _, err := svc.Rotate(ctx, k2.ID, time.Hour)
	if err != nil {
		t.Fatalf("Rotate 2: %v", err)
	}
	if _, err := svc.Authenticate(ctx, plain); !errors.Is(err, apikey.ErrExpired) {
		t.Errorf("first key after backup limit: err = %v, want ErrExpired", err)
	}
	if _, err := svc.Authenticate(ctx, plain2); err != nil {
		t.Errorf("second key (the one backup) refused: %v", err)
	}
	if _, _, err := svc.Rotate(ctx, k2.ID, time.Hour); err == nil {
		t.Error("rotating an already-rotated key succeeded")
	}
	// Grace ends.
	now = now.Add(2 * time.Hour)
	if _, err := svc.Authenticate(ctx, plain2); !errors.Is(err, apikey.ErrExpired) {
		t.Errorf("second key after grace: err = %v, want ErrExpired", err)
	}
	k3, err := svc.Authenticate(ctx, plain3)
	if err != nil {
		t.Fatalf("current key refused: %v", err)
	}
	// Revocation is immediate and final.
	if err := svc.Revoke(ctx, k3.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, plain3); !errors.Is(err, apikey.ErrRevoked) {
		t.Errorf("revoked key: err = %v, want ErrRevoked", err)
	}
	if err := st.UpdateKeyStatus(ctx, k3.ID, apikey.StatusActive, now); !errors.Is(err, apikey.ErrRevoked) {
		t.Errorf("reactivating a revoked key: err = %v, want ErrRevoked", err)
	}
	// Revoking again is a no-op: no error, and the first revocation time stays.
	before, err := st.KeyByID(ctx, k3.ID)
	if err != nil || before.RevokedAt == nil {
		t.Fatalf("revoked key: %+v, %v", before, err)
	}
	if err := st.UpdateKeyStatus(ctx, k3.ID, apikey.StatusRevoked, now.Add(time.Hour)); err != nil {
		t.Errorf("revoking a revoked key again: %v", err)
	}
	if after, _ := st.KeyByID(ctx, k3.ID); after.RevokedAt == nil || !after.RevokedAt.Equal(*before.RevokedAt) {
		t.Errorf("revoking again moved revoked_at from %v to %v", before.RevokedAt, after.RevokedAt)
	}
	if _, err := st.KeyByHash(ctx, []byte("nope")); !errors.Is(err, apikey.ErrNotFound) {
		t.Errorf("KeyByHash(unknown) = %v", err)
	}
	keys, err := st.ListKeys(ctx, u.ID)
	if err != nil || len(keys) != 3 {
		t.Errorf("ListKeys = %d keys, %v; want 3", len(keys), err)
	}
	testKeyEdges(t, st)
}
