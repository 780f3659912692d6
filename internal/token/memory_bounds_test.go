package token_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/token"
)

// A full MemoryStore sweeps expired entries at once, without waiting for the
// once-a-minute sweep, so expired entries never make it refuse a write.
func TestMemoryStoreSweepsWhenFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &testClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	start := clk.now()
	m := token.NewMemoryStoreWith(token.MemoryOptions{Now: clk.now, MaxEntries: 2})
	for i, fam := range []string{"a", "b"} {
		r := token.RefreshRecord{Hash: hashOf(fam), FamilyID: fam, IssuedAt: start, ExpiresAt: start.Add(30 * time.Second)}
		if err := m.CreateRefresh(ctx, r); err != nil {
			t.Fatalf("CreateRefresh %d: %v", i, err)
		}
	}
	clk.add(40 * time.Second) // both expired; the periodic sweep is not due
	if err := m.CreateRefresh(ctx, token.RefreshRecord{Hash: hashOf("c"), FamilyID: "c", ExpiresAt: clk.now().Add(time.Hour)}); err != nil {
		t.Errorf("CreateRefresh into a store full of expired records: %v", err)
	}

	// The same for the families that revocations of unknown families add
	// (remembered for a minute after the given time).
	clk = &testClock{t: start}
	m = token.NewMemoryStoreWith(token.MemoryOptions{Now: clk.now, MaxEntries: 2})
	for _, fam := range []string{"x", "y"} {
		if err := m.RevokeFamily(ctx, fam, start.Add(-30*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	clk.add(40 * time.Second)
	if err := m.RevokeFamily(ctx, "z", clk.now()); err != nil {
		t.Errorf("RevokeFamily into a store full of expired families: %v", err)
	}
}

// The family map is bounded too: a full one refuses a new family's token
// but takes another token of a family it holds.
func TestMemoryStoreFamilyBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &testClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := token.NewMemoryStoreWith(token.MemoryOptions{Now: clk.now, MaxEntries: 2})
	for _, fam := range []string{"x", "y"} {
		if err := m.RevokeFamily(ctx, fam, clk.now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.CreateRefresh(ctx, token.RefreshRecord{Hash: hashOf("z"), FamilyID: "z", ExpiresAt: clk.now().Add(time.Hour)}); !errors.Is(err, token.ErrStoreFull) {
		t.Errorf("a new family with the family map full: %v, want ErrStoreFull", err)
	}
	m = token.NewMemoryStoreWith(token.MemoryOptions{Now: clk.now, MaxEntries: 2})
	if err := m.CreateRefresh(ctx, token.RefreshRecord{Hash: hashOf("a1"), FamilyID: "a", ExpiresAt: clk.now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := m.RevokeFamily(ctx, "y", clk.now()); err != nil {
		t.Fatal(err)
	}
	if err := m.CreateRefresh(ctx, token.RefreshRecord{Hash: hashOf("a2"), FamilyID: "a", ExpiresAt: clk.now().Add(time.Hour)}); err != nil {
		t.Errorf("another token of a held family with the family map full: %v", err)
	}
}

// The deny-list sweeps when full as well, and every write sweeps once a
// minute has passed since the last sweep, the minute included.
func TestMemoryStoreDenySweeps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &testClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	start := clk.now()
	m := token.NewMemoryStoreWith(token.MemoryOptions{Now: clk.now, MaxEntries: 2})
	for _, id := range []string{"j1", "j2"} {
		if err := m.Deny(ctx, id, start.Add(30*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	clk.add(40 * time.Second)
	if err := m.Deny(ctx, "j3", clk.now().Add(time.Hour)); err != nil {
		t.Errorf("Deny into a deny-list full of expired entries: %v", err)
	}
	if _, _, d := m.Len(); d != 1 {
		t.Errorf("%d deny entries after the sweep, want 1", d)
	}

	clk = &testClock{t: start}
	m = token.NewMemoryStoreWith(token.MemoryOptions{Now: clk.now, MaxEntries: 10})
	if err := m.Deny(ctx, "j1", start.Add(time.Second)); err != nil { // sweeps (first write)
		t.Fatal(err)
	}
	clk.add(time.Minute)
	if err := m.Deny(ctx, "j2", clk.now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, d := m.Len(); d != 1 {
		t.Errorf("a write a minute after the last sweep left %d deny entries, want 1 (j1 swept)", d)
	}
}
