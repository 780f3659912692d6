package ids_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/ids/idstest"
)

func TestMemoryBlockStoreConformance(t *testing.T) {
	t.Parallel()
	idstest.RunBlockStore(t, func(*testing.T) ids.BlockStore { return ids.NewMemoryBlockStore(0) })
}

// TestMemoryBlockStoreBounded escalates 200,000 distinct addresses into a
// store capped at 1,000 entries and checks it never holds more, and that
// under pressure the longest-running blocks are the ones kept.
func TestMemoryBlockStoreBounded(t *testing.T) {
	t.Parallel()
	const max, n = 1000, 200_000
	s := ids.NewMemoryBlockStore(max)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	long := netip.MustParseAddr("203.0.113.200")
	if err := s.Block(ctx, ids.Block{IP: long, Until: now.Add(30 * 24 * time.Hour), Reason: "r", By: "admin", Created: now}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if _, _, err := s.Escalate(ctx, ids.Escalation{IP: ip, Now: now, TTLs: []time.Duration{time.Hour}, Memory: time.Hour, Reason: "r", By: "ids"}); err != nil {
			t.Fatal(err)
		}
		if i%1000 == 0 {
			if b, o := s.Len(); b > max || o > max {
				t.Fatalf("after %d escalations: %d blocks, %d offences; want <= %d each", i+1, b, o, max)
			}
		}
		if i%10_000 == 0 {
			now = now.Add(time.Minute)
		}
	}
	if b, o := s.Len(); b > max || o > max {
		t.Errorf("final: %d blocks, %d offences; want <= %d each", b, o, max)
	}
	if _, ok, _ := s.Blocked(ctx, long, now); !ok {
		t.Error("the 30-day block was evicted by a flood of 1-hour blocks; want soonest-expiring evicted first")
	}
}
