package token_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/token"
	"github.com/samo-brain/samo/internal/token/tokentest"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	tokentest.RefreshStore(t, func(*testing.T) token.RefreshStore { return token.NewMemoryStoreWith(token.MemoryOptions{}) })
	tokentest.DenyList(t, func(*testing.T) token.DenyList { return token.NewMemoryStoreWith(token.MemoryOptions{}) })
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func hashOf(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func TestMemoryStoreSweepsAndBounds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &testClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := token.NewMemoryStoreWith(token.MemoryOptions{Now: clk.now, MaxEntries: 10})
	start := clk.now()
	for i := range 10 {
		r := token.RefreshRecord{Hash: hashOf(strconv.Itoa(i)), FamilyID: "f" + strconv.Itoa(i%2), IssuedAt: start, ExpiresAt: start.Add(time.Hour)}
		if err := m.CreateRefresh(ctx, r); err != nil {
			t.Fatalf("CreateRefresh %d: %v", i, err)
		}
		if err := m.Deny(ctx, "jti"+strconv.Itoa(i), start.Add(time.Hour)); err != nil {
			t.Fatalf("Deny %d: %v", i, err)
		}
	}
	// Full of live entries: fail closed.
	extra := token.RefreshRecord{Hash: hashOf("extra"), FamilyID: "f9", IssuedAt: start, ExpiresAt: start.Add(time.Hour)}
	if err := m.CreateRefresh(ctx, extra); !errors.Is(err, token.ErrStoreFull) {
		t.Errorf("CreateRefresh when full = %v, want ErrStoreFull", err)
	}
	if err := m.Deny(ctx, "jti-extra", start.Add(time.Hour)); !errors.Is(err, token.ErrStoreFull) {
		t.Errorf("Deny when full = %v, want ErrStoreFull", err)
	}
	if denied, _ := m.Denied(ctx, "jti3"); !denied {
		t.Error("Denied(jti3) = false before expiry")
	}
	// After expiry, entries no longer count and are swept on the next write.
	clk.add(time.Hour)
	if denied, _ := m.Denied(ctx, "jti3"); denied {
		t.Error("Denied(jti3) = true after its until")
	}
	if err := m.CreateRefresh(ctx, extra); err != nil {
		t.Fatalf("CreateRefresh after expiry: %v", err)
	}
	if r, f, d := m.Len(); r != 1 || f != 1 || d != 0 {
		t.Errorf("Len after sweep = %d records, %d families, %d denied; want 1, 1, 0", r, f, d)
	}
	// A revoked family is remembered while any member could still exist.
	if err := m.RevokeFamily(ctx, "f9", clk.now()); err != nil {
		t.Fatal(err)
	}
	if err := m.CreateRefresh(ctx, token.RefreshRecord{Hash: hashOf("late"), FamilyID: "f9", ExpiresAt: clk.now().Add(time.Hour)}); !errors.Is(err, token.ErrRefreshRevoked) {
		t.Errorf("CreateRefresh in revoked family = %v, want ErrRefreshRevoked", err)
	}
	clk.add(2 * time.Hour)
	m.Sweep()
	if r, f, d := m.Len(); r != 0 || f != 0 || d != 0 {
		t.Errorf("Len after everything expired = %d, %d, %d; want 0, 0, 0", r, f, d)
	}
	// Bad input.
	if err := m.CreateRefresh(ctx, token.RefreshRecord{Hash: []byte("short"), FamilyID: "f"}); !errors.Is(err, token.ErrInvalidInput) {
		t.Errorf("CreateRefresh(short hash) = %v, want ErrInvalidInput", err)
	}
	if _, err := m.UseRefresh(ctx, []byte("short"), clk.now()); !errors.Is(err, token.ErrRefreshUnknown) {
		t.Errorf("UseRefresh(short hash) = %v, want ErrRefreshUnknown", err)
	}
}

func TestMemoryStoreReturnsCopies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := token.NewMemoryStoreWith(token.MemoryOptions{})
	at := time.Now()
	r := token.RefreshRecord{Hash: hashOf("x"), FamilyID: "f", ExpiresAt: at.Add(time.Hour)}
	if err := m.CreateRefresh(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.Hash[0] ^= 0xff // the caller's slice must not be the stored one
	got, err := m.UseRefresh(ctx, hashOf("x"), at)
	if err != nil {
		t.Fatalf("UseRefresh after caller mutation: %v", err)
	}
	*got.UsedAt = time.Time{}
	again, err := m.UseRefresh(ctx, hashOf("x"), at)
	if !errors.Is(err, token.ErrRefreshReused) || again.UsedAt == nil || !again.UsedAt.Equal(at) {
		t.Errorf("stored UsedAt changed through a returned record: %+v, %v", again, err)
	}
}

// TestMemoryStoreRevokeUnknownFamilyBounded: revocations of unknown
// families are remembered, but within the entry bound; a full store sweeps
// expired entries at once before refusing.
func TestMemoryStoreRevokeUnknownFamilyBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &testClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := token.NewMemoryStoreWith(token.MemoryOptions{Now: clk.now, MaxEntries: 2})
	past := clk.now().Add(-24 * time.Hour) // remembered until past + the sweep period: already over
	if err := m.RevokeFamily(ctx, "a", past); err != nil {
		t.Fatal(err)
	}
	if err := m.RevokeFamily(ctx, "b", clk.now()); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Second)
	// Full: "a" has expired and is swept at once, making room for "c".
	if err := m.RevokeFamily(ctx, "c", clk.now()); err != nil {
		t.Fatalf("RevokeFamily with an expired entry to sweep = %v", err)
	}
	if err := m.RevokeFamily(ctx, "d", clk.now()); !errors.Is(err, token.ErrStoreFull) {
		t.Errorf("RevokeFamily when full = %v, want ErrStoreFull", err)
	}
	if err := m.RevokeFamily(ctx, "b", clk.now()); err != nil {
		t.Errorf("revoking a remembered family again when full = %v", err)
	}
	if err := m.CreateRefresh(ctx, token.RefreshRecord{Hash: hashOf("x"), FamilyID: "c", ExpiresAt: clk.now().Add(time.Hour)}); !errors.Is(err, token.ErrRefreshRevoked) {
		t.Errorf("CreateRefresh in a family revoked before it existed = %v, want ErrRefreshRevoked", err)
	}
}
