package kv

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/ids/idstest"
)

func TestBlockStoreConformance(t *testing.T) {
	testRedisURL(t) // the parent skips (fails under CI=true), not only every subtest
	idstest.RunBlockStore(t, func(t *testing.T) ids.BlockStore { return testClient(t).BlockStore(0) })
}

// TestBlockStoreBounded: a full store drops the blocks that expire soonest.
func TestBlockStoreBounded(t *testing.T) {
	ctx := context.Background()
	s := testClient(t).BlockStore(3)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 5 {
		b := ids.Block{IP: netip.MustParseAddr(fmt.Sprintf("192.0.2.%d", i+1)), Created: t0,
			Until: t0.Add(time.Duration(10-i) * time.Hour), Reason: "r", By: "admin"}
		if err := s.Block(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.List(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, b := range list {
		got[b.IP.String()] = true
	}
	// Blocks 1 and 2 end last (10 h, 9 h) and the newest (5) is kept: the
	// two that would expire soonest when room was needed went first.
	want := []string{"192.0.2.1", "192.0.2.2", "192.0.2.5"}
	if len(got) != len(want) {
		t.Errorf("kept %v, want %v", got, want)
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("kept %v, want %v", got, want)
		}
	}
}

// TestBlockSubNanosecondExpiry: expiry compares nanoseconds exactly.
func TestBlockSubSecondExpiry(t *testing.T) {
	ctx := context.Background()
	s := testClient(t).BlockStore(0)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 999_999_998, time.UTC)
	ip := netip.MustParseAddr("198.51.100.7")
	if err := s.Block(ctx, ids.Block{IP: ip, Created: t0, Until: t0.Add(time.Nanosecond), Reason: "r", By: "a"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"at creation", t0, true},
		{"at Until", t0.Add(time.Nanosecond), false},
	}
	for _, c := range cases {
		_, ok, err := s.Blocked(ctx, ip, c.at)
		if err != nil || ok != c.want {
			t.Errorf("%s: Blocked = %v, %v; want %v", c.name, ok, err, c.want)
		}
		list, _ := s.List(ctx, c.at)
		if (len(list) == 1) != c.want {
			t.Errorf("%s: List has %d blocks, want blocked=%v", c.name, len(list), c.want)
		}
	}
}
