// Package idstest is the conformance suite every ids.BlockStore
// implementation (memory now, SQL and Redis later) must pass.
package idstest

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ids"
)

// NewStore builds a fresh, empty store.
type NewStore func(t *testing.T) ids.BlockStore

var (
	t0   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ipA  = netip.MustParseAddr("198.51.100.1")
	ipB  = netip.MustParseAddr("2001:db8:1:2::")
	ttls = []time.Duration{15 * time.Minute, time.Hour, 24 * time.Hour}
)

// RunBlockStore runs the conformance suite against stores built by newStore.
func RunBlockStore(t *testing.T, newStore NewStore) {
	t.Run("BlockListExpire", func(t *testing.T) { testBlockList(t, newStore(t)) })
	t.Run("ReplaceAndUnblock", func(t *testing.T) { testReplaceUnblock(t, newStore(t)) })
	t.Run("EscalationSequence", func(t *testing.T) { testEscalation(t, newStore(t)) })
	t.Run("OffencesForgotten", func(t *testing.T) { testForgotten(t, newStore(t)) })
	t.Run("EscalateKeepsExistingBlock", func(t *testing.T) { testKeepsExisting(t, newStore(t)) })
	t.Run("ConcurrentEscalate", func(t *testing.T) { testConcurrent(t, newStore(t)) })
	t.Run("InvalidInput", func(t *testing.T) { testInvalid(t, newStore(t)) })
}

func gen(t *testing.T, s ids.BlockStore) uint64 {
	t.Helper()
	g, err := s.Generation(context.Background())
	if err != nil {
		t.Fatalf("Generation: %v", err)
	}
	return g
}

func blocked(t *testing.T, s ids.BlockStore, ip netip.Addr, now time.Time) (ids.Block, bool) {
	t.Helper()
	b, ok, err := s.Blocked(context.Background(), ip, now)
	if err != nil {
		t.Fatalf("Blocked(%v): %v", ip, err)
	}
	return b, ok
}

func listed(t *testing.T, s ids.BlockStore, now time.Time) []netip.Addr {
	t.Helper()
	bs, err := s.List(context.Background(), now)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var out []netip.Addr
	for _, b := range bs {
		out = append(out, b.IP)
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

func sameBlock(a, b ids.Block) bool {
	return a.IP == b.IP && a.Until.Equal(b.Until) && a.Created.Equal(b.Created) &&
		a.Reason == b.Reason && a.By == b.By && a.Offence == b.Offence
}

func escalate(t *testing.T, s ids.BlockStore, ip netip.Addr, now time.Time) (ids.Block, bool) {
	t.Helper()
	b, added, err := s.Escalate(context.Background(), ids.Escalation{
		IP: ip, Now: now, TTLs: ttls, Memory: 7 * 24 * time.Hour, Reason: "automatic: test", By: "ids",
	})
	if err != nil {
		t.Fatalf("Escalate(%v): %v", ip, err)
	}
	return b, added
}

func testBlockList(t *testing.T, s ids.BlockStore) {
	ctx := context.Background()
	g0 := gen(t, s)
	a := ids.Block{IP: ipA, Until: t0.Add(time.Hour), Reason: "manual", By: "alice", Created: t0}
	b := ids.Block{IP: ipB, Until: t0.Add(2 * time.Hour), Reason: "manual", By: "bob", Created: t0}
	for _, x := range []ids.Block{a, b} {
		if err := s.Block(ctx, x); err != nil {
			t.Fatalf("Block(%v): %v", x.IP, err)
		}
	}
	if g := gen(t, s); g == g0 {
		t.Errorf("Generation unchanged (%d) after two blocks", g)
	}
	if got, ok := blocked(t, s, ipA, t0); !ok || !sameBlock(got, a) {
		t.Errorf("Blocked(a) = %+v, %v; want %+v", got, ok, a)
	}
	cases := []struct {
		name string
		at   time.Time
		want []netip.Addr
	}{
		{"both active", t0, []netip.Addr{ipA, ipB}},
		{"just before a expires", t0.Add(time.Hour - time.Nanosecond), []netip.Addr{ipA, ipB}},
		{"a expired at its Until", t0.Add(time.Hour), []netip.Addr{ipB}},
		{"all expired", t0.Add(2 * time.Hour), nil},
	}
	for _, c := range cases {
		if got := listed(t, s, c.at); !slices.Equal(got, c.want) {
			t.Errorf("%s: List = %v, want %v", c.name, got, c.want)
		}
		_, okA := blocked(t, s, ipA, c.at)
		if wantA := slices.Contains(c.want, ipA); okA != wantA {
			t.Errorf("%s: Blocked(a) = %v, want %v", c.name, okA, wantA)
		}
	}
}

func testReplaceUnblock(t *testing.T, s ids.BlockStore) {
	ctx := context.Background()
	first := ids.Block{IP: ipA, Until: t0.Add(time.Hour), Reason: "first", By: "alice", Created: t0}
	second := ids.Block{IP: ipA, Until: t0.Add(10 * time.Minute), Reason: "second", By: "bob", Created: t0.Add(time.Minute)}
	if err := s.Block(ctx, first); err != nil {
		t.Fatal(err)
	}
	g := gen(t, s)
	if err := s.Block(ctx, second); err != nil {
		t.Fatal(err)
	}
	if gen(t, s) == g {
		t.Error("Generation unchanged after replacing a block")
	}
	if got, ok := blocked(t, s, ipA, t0.Add(time.Minute)); !ok || !sameBlock(got, second) {
		t.Errorf("after replace: %+v, %v; want %+v", got, ok, second)
	}
	if _, ok := blocked(t, s, ipA, t0.Add(30*time.Minute)); ok {
		t.Error("replacement with a shorter Until still blocks after it")
	}
	g = gen(t, s)
	if had, err := s.Unblock(ctx, ipA); err != nil || !had {
		t.Errorf("Unblock = %v, %v; want true, nil", had, err)
	}
	if gen(t, s) == g {
		t.Error("Generation unchanged after Unblock")
	}
	if _, ok := blocked(t, s, ipA, t0); ok {
		t.Error("still blocked after Unblock")
	}
	if had, err := s.Unblock(ctx, ipA); err != nil || had {
		t.Errorf("second Unblock = %v, %v; want false, nil", had, err)
	}
}

func testEscalation(t *testing.T, s ids.BlockStore) {
	now := t0
	want := []struct {
		ttl     time.Duration
		offence int
	}{{15 * time.Minute, 1}, {time.Hour, 2}, {24 * time.Hour, 3}, {24 * time.Hour, 4}}
	for _, w := range want {
		g := gen(t, s)
		b, added := escalate(t, s, ipA, now)
		if !added || b.Offence != w.offence || !b.Until.Equal(now.Add(w.ttl)) || !b.Created.Equal(now) || b.By != "ids" {
			t.Fatalf("offence %d: got %+v added=%v; want offence %d until +%v", w.offence, b, added, w.offence, w.ttl)
		}
		if gen(t, s) == g {
			t.Errorf("offence %d: Generation unchanged", w.offence)
		}
		if _, ok := blocked(t, s, ipA, now.Add(w.ttl-time.Second)); !ok {
			t.Errorf("offence %d: not blocked a second before expiry", w.offence)
		}
		now = now.Add(w.ttl) // expired
		if _, ok := blocked(t, s, ipA, now); ok {
			t.Errorf("offence %d: still blocked at expiry", w.offence)
		}
	}
	// Offences are per address.
	if b, _ := escalate(t, s, ipB, now); b.Offence != 1 || !b.Until.Equal(now.Add(15*time.Minute)) {
		t.Errorf("other address: got %+v, want a first offence", b)
	}
	// Unblock forgives.
	if _, err := s.Unblock(context.Background(), ipA); err != nil {
		t.Fatal(err)
	}
	if b, _ := escalate(t, s, ipA, now); b.Offence != 1 {
		t.Errorf("after Unblock: offence %d, want 1", b.Offence)
	}
}

func testForgotten(t *testing.T, s ids.BlockStore) {
	b1, _ := escalate(t, s, ipA, t0)
	// Memory is 7 days from the last offence: just inside it, escalation
	// continues; a full memory after the last offence, it starts over.
	b2, _ := escalate(t, s, ipA, b1.Created.Add(7*24*time.Hour-time.Second))
	if b2.Offence != 2 {
		t.Errorf("inside memory: offence %d, want 2", b2.Offence)
	}
	b3, _ := escalate(t, s, ipA, b2.Created.Add(7*24*time.Hour))
	if b3.Offence != 1 || !b3.Until.Equal(b3.Created.Add(15*time.Minute)) {
		t.Errorf("after memory: got %+v, want offence 1 for 15m", b3)
	}
}

func testKeepsExisting(t *testing.T, s ids.BlockStore) {
	first, added := escalate(t, s, ipA, t0)
	if !added {
		t.Fatal("first Escalate not added")
	}
	g := gen(t, s)
	again, added := escalate(t, s, ipA, t0.Add(time.Minute))
	if added || !sameBlock(again, first) {
		t.Errorf("Escalate while blocked: %+v added=%v; want the existing %+v, not added", again, added, first)
	}
	if gen(t, s) != g {
		t.Error("Generation moved on an Escalate that changed nothing")
	}
	next, _ := escalate(t, s, ipA, first.Until)
	if next.Offence != 2 {
		t.Errorf("after expiry: offence %d, want 2 (the refused Escalate must not count)", next.Offence)
	}
	manual := ids.Block{IP: ipB, Until: t0.Add(48 * time.Hour), Reason: "manual", By: "alice", Created: t0}
	if err := s.Block(context.Background(), manual); err != nil {
		t.Fatal(err)
	}
	if got, added := escalate(t, s, ipB, t0.Add(time.Hour)); added || !sameBlock(got, manual) {
		t.Errorf("Escalate over a manual block: %+v added=%v; want the manual block kept", got, added)
	}
}

func testConcurrent(t *testing.T, s ids.BlockStore) {
	const n = 64
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		added int
		until = map[time.Time]int{}
	)
	for range n {
		wg.Go(func() {
			b, a, err := s.Escalate(context.Background(), ids.Escalation{IP: ipA, Now: t0, TTLs: ttls, Memory: time.Hour, Reason: "r", By: "ids"})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("Escalate: %v", err)
				return
			}
			if a {
				added++
			}
			until[b.Until]++
		})
	}
	wg.Wait()
	if added != 1 || len(until) != 1 {
		t.Errorf("%d concurrent Escalates: %d added, Until values %v; want exactly one added and one block", n, added, until)
	}
}

func testInvalid(t *testing.T, s ids.BlockStore) {
	ctx := context.Background()
	if _, _, err := s.Escalate(ctx, ids.Escalation{Now: t0, TTLs: ttls}); err == nil {
		t.Error("Escalate with a zero address succeeded")
	}
	if err := s.Block(ctx, ids.Block{Until: t0.Add(time.Hour)}); err == nil {
		t.Error("Block with a zero address succeeded")
	}
	if _, ok := blocked(t, s, netip.Addr{}, t0); ok {
		t.Error("zero address reported blocked")
	}
}
