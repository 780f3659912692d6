package ids

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
)

func TestManualBlockUnblock(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := reqctx.With(context.Background(), &reqctx.Info{ClientIP: netip.MustParseAddr("192.0.2.1"), RequestID: "req-1"})
	invalid := []struct {
		name   string
		ip     netip.Addr
		dur    time.Duration
		reason string
		by     string
	}{
		{"zero address", netip.Addr{}, time.Hour, "r", "admin"},
		{"zero duration", ipA, 0, "r", "admin"},
		{"too long", ipA, 366 * 24 * time.Hour, "r", "admin"},
		{"empty reason", ipA, time.Hour, "", "admin"},
		{"newline in reason", ipA, time.Hour, "spam\n{\"type\":\"forged\"}", "admin"},
		{"escape in reason", ipA, time.Hour, "\x1b[31mred", "admin"},
		{"long reason", ipA, time.Hour, strings.Repeat("x", 201), "admin"},
		{"invalid UTF-8", ipA, time.Hour, "\xff", "admin"},
		{"empty actor", ipA, time.Hour, "r", ""},
	}
	for _, c := range invalid {
		if err := f.d.Block(ctx, c.ip, c.dur, c.reason, c.by); !errors.Is(err, ErrInvalidBlock) {
			t.Errorf("Block %s: err = %v, want ErrInvalidBlock", c.name, err)
		}
	}
	if err := f.d.Block(ctx, ipA, 2*time.Hour, "abuse report #12", "alice"); err != nil {
		t.Fatal(err)
	}
	b, ok := f.check(t, ipA)
	if !ok || !b.Until.Equal(t0.Add(2*time.Hour)) || b.By != "alice" || b.Reason != "abuse report #12" || b.Offence != 0 {
		t.Errorf("after manual block: %+v blocked=%v", b, ok)
	}
	ev := f.events(secevent.IPBlocked)
	if len(ev) != 1 || ev[0].ClientIP != ipA.String() || ev[0].Details["by"] != "alice" || ev[0].Details["actor_ip"] != "192.0.2.1" || ev[0].RequestID != "req-1" {
		t.Errorf("ip_blocked events = %+v, want one naming the blocked client, the admin and the admin's address", ev)
	}
	if err := f.d.Unblock(ctx, ipA, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.check(t, ipA); ok {
		t.Error("still blocked right after Unblock (the local cache must update at once)")
	}
	if err := f.d.Unblock(ctx, ipA, "alice"); !errors.Is(err, ErrNotBlocked) {
		t.Errorf("second Unblock: err = %v, want ErrNotBlocked", err)
	}
	if n := len(f.events(secevent.IPUnblocked)); n != 1 {
		t.Errorf("%d ip_unblocked events, want 1", n)
	}
}

func TestUnblockForgives(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	f.observe(t, ipA, SignalInjection, "", 6)
	f.clock.Advance(time.Hour)
	f.observe(t, ipA, SignalInjection, "", 6)
	if b, _ := f.check(t, ipA); b.Offence != 2 {
		t.Fatalf("offence %d, want 2", b.Offence)
	}
	f.observe(t, ipB, SignalInjection, "", 3) // unrelated suspicion survives
	if err := f.d.Unblock(ctx, ipA, "admin"); err != nil {
		t.Fatal(err)
	}
	f.observe(t, ipA, SignalInjection, "", 6)
	if b, _ := f.check(t, ipA); b.Offence != 1 || !b.Until.Equal(f.clock.Now().Add(15*time.Minute)) {
		t.Errorf("after Unblock: %+v, want a first offence again", b)
	}
}

func TestReplicasShareBlocks(t *testing.T) {
	t.Parallel()
	store := NewMemoryBlockStore(0)
	clock := &fakeClock{t: t0}
	d1, err1 := New(DefaultConfig(), store, nil, clock.Now)
	d2, err2 := New(DefaultConfig(), store, nil, clock.Now)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	blocked := func(d *Detector) bool {
		_, ok, err := d.Check(ctx, ipA)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	blocked(d2) // d2 loads its cache now
	if err := d1.Block(ctx, ipA, time.Hour, "r", "admin"); err != nil {
		t.Fatal(err)
	}
	if !blocked(d1) {
		t.Error("d1 does not see its own block at once")
	}
	if blocked(d2) {
		t.Error("d2 saw the block before its refresh interval; the test no longer shows the cache")
	}
	clock.Advance(time.Second)
	if !blocked(d2) {
		t.Error("d2 does not see d1's block after one refresh interval")
	}
	if err := d1.Unblock(ctx, ipA, "admin"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if blocked(d2) {
		t.Error("d2 still blocks after d1's unblock and a refresh interval")
	}
	// A replica's own change does not mask later changes by others: d1
	// blocks, d2 unblocks, and after a refresh d1 follows the store.
	if err := d1.Block(ctx, ipA, time.Hour, "r", "admin"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if !blocked(d1) || !blocked(d2) {
		t.Fatal("block not visible on both replicas")
	}
	if err := d2.Unblock(ctx, ipA, "admin"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if blocked(d1) {
		t.Error("d1 still blocks after d2's unblock and a refresh: its own earlier change overrides the store")
	}
	// Offences are shared: d1 causes the first, d2 the second.
	for i, d := range []*Detector{d1, d2} {
		for range 6 {
			if err := d.Observe(ctx, ipB, SignalInjection, ""); err != nil {
				t.Fatal(err)
			}
		}
		b, ok, _ := d.Check(ctx, ipB)
		if !ok || b.Offence != i+1 {
			t.Errorf("replica %d: %+v blocked=%v, want offence %d", i+1, b, ok, i+1)
		}
		clock.Advance(time.Hour)
	}
}

// flakyStore fails Generation and List while down is set.
type flakyStore struct {
	*MemoryBlockStore
	mu   sync.Mutex
	down bool
}

var errDown = errors.New("store down")

func (s *flakyStore) setDown(v bool) { s.mu.Lock(); s.down = v; s.mu.Unlock() }

func (s *flakyStore) Generation(ctx context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return 0, errDown
	}
	return s.MemoryBlockStore.Generation(ctx)
}

func TestStaleCacheFailsClosed(t *testing.T) {
	t.Parallel()
	store := &flakyStore{MemoryBlockStore: NewMemoryBlockStore(0), down: true}
	clock := &fakeClock{t: t0}
	d, err := New(DefaultConfig(), store, nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	steps := []struct {
		name    string
		advance time.Duration
		down    bool
		want    error
	}{
		{"never loaded", 0, true, ErrStale},
		{"store up", time.Second, false, nil},
		{"store down, cache fresh", time.Second, true, nil},
		{"down for MaxStale", 29 * time.Second, true, nil},
		{"down for longer than MaxStale", time.Second + time.Nanosecond, true, ErrStale},
		{"store back", time.Second, false, nil},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		store.setDown(s.down)
		_, _, err := d.Check(ctx, ipA)
		if !errors.Is(err, s.want) || (s.want == nil && err != nil) {
			t.Errorf("%s: Check err = %v, want %v", s.name, err, s.want)
		}
		ready := d.Ready(ctx)
		if (s.want == nil) != (ready == nil) {
			t.Errorf("%s: Ready = %v, want error %v", s.name, ready, s.want != nil)
		}
		if ready != nil && s.name != "never loaded" && !errors.Is(ready, errDown) {
			t.Errorf("%s: Ready = %v, want it to wrap the store's error", s.name, ready)
		}
	}
}

func TestBlockedRequestEventsOncePerWindow(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	if err := f.d.Block(context.Background(), ipA, time.Hour, "r", "admin"); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		f.check(t, ipA)
	}
	f.clock.Advance(time.Minute)
	f.check(t, ipA)
	ev := f.events(secevent.BlockedRequest)
	if len(ev) != 2 {
		t.Fatalf("%d blocked_request events for 101 refusals over two windows, want 2", len(ev))
	}
	if ev[1].Details["refused"] != "100" {
		t.Errorf("second event refused=%q, want 100 (99 suppressed + this one)", ev[1].Details["refused"])
	}
}

func TestConcurrentObserveBlocksOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for range 50 {
				if err := f.d.Observe(context.Background(), ipA, SignalRequest, ""); err != nil {
					t.Error(err)
				}
				f.d.Check(context.Background(), ipA)
			}
		})
	}
	wg.Wait()
	if n := len(f.events(secevent.IPBlocked)); n != 1 {
		t.Errorf("%d ip_blocked events from 1600 concurrent requests, want 1", n)
	}
	if _, ok := f.check(t, ipA); !ok {
		t.Error("not blocked")
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.StatusLimit = 2 })
	ctx := context.Background()
	f.observe(t, netip.MustParseAddr("192.0.2.1"), SignalRequest, "", 53)  // 3 points
	f.observe(t, netip.MustParseAddr("192.0.2.2"), SignalInjection, "", 3) // 4 points
	f.observe(t, netip.MustParseAddr("192.0.2.3"), SignalRequest, "", 51)  // 1 point
	f.observe(t, netip.MustParseAddr("192.0.2.4"), SignalRequest, "", 10)  // none
	if err := f.d.Block(ctx, ipB, 2*time.Hour, "r", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Block(ctx, ipA, time.Hour, "r", "admin"); err != nil {
		t.Fatal(err)
	}
	st, err := f.d.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range st.Suspicious {
		got = append(got, fmt.Sprintf("%v=%d%v", s.IP, s.Score, s.Reasons))
	}
	want := []string{"192.0.2.2=4[injection]", "192.0.2.1=3[request_rate]"}
	if fmt.Sprint(got) != fmt.Sprint(want) || st.SuspiciousTotal != 3 || st.Tracked != 4 || st.Threshold != 10 {
		t.Errorf("Status suspects %v total %d tracked %d threshold %d; want %v total 3 tracked 4 threshold 10",
			got, st.SuspiciousTotal, st.Tracked, st.Threshold, want)
	}
	if len(st.Blocked) != 2 || st.Blocked[0].IP != ipA || st.Blocked[1].IP != ipB {
		t.Errorf("Status blocked %+v, want ipA (1h) then ipB (2h)", st.Blocked)
	}
}
