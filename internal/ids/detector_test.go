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

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	d     *Detector
	store *MemoryBlockStore
	rec   *secevent.Collector
	clock *fakeClock
}

func newFixture(t testing.TB, mutate func(*Config)) *fixture {
	t.Helper()
	cfg := DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	f := &fixture{store: NewMemoryBlockStore(0), rec: &secevent.Collector{}, clock: &fakeClock{t: t0}}
	d, err := New(cfg, f.store, f.rec, f.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	f.d = d
	return f
}

func (f *fixture) observe(t testing.TB, ip netip.Addr, sig Signal, key string, n int) {
	t.Helper()
	for range n {
		if err := f.d.Observe(context.Background(), ip, sig, key); err != nil {
			t.Fatalf("Observe(%v, %s): %v", ip, sig, err)
		}
	}
}

func (f *fixture) check(t testing.TB, ip netip.Addr) (Block, bool) {
	t.Helper()
	b, ok, err := f.d.Check(context.Background(), ip)
	if err != nil {
		t.Fatalf("Check(%v): %v", ip, err)
	}
	return b, ok
}

func (f *fixture) events(typ secevent.Type) []secevent.Event {
	var out []secevent.Event
	for _, e := range f.rec.Events() {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

var (
	ipA = netip.MustParseAddr("198.51.100.7")
	ipB = netip.MustParseAddr("203.0.113.9")
)

// TestSignalsBlockAtThreshold sends each signal until the default config
// blocks, checking that one signal fewer does not.
func TestSignalsBlockAtThreshold(t *testing.T) {
	same := func(int) string { return "kid_same" }
	distinct := func(i int) string { return fmt.Sprintf("kid_%d", i) }
	cycle4 := func(i int) string { return fmt.Sprintf("kid_%d", i%4) }
	cases := []struct {
		name    string
		sig     Signal
		key     func(i int) string
		blockAt int
		reason  string
	}{
		{"more than 50 requests a minute", SignalRequest, same, 50 + 10, "request_rate"},
		{"validation rejections", SignalValidationRejected, same, 5 + 10, "validation"},
		{"injection rejections score double", SignalInjection, same, 1 + 5, "injection"},
		{"403s", SignalForbidden, same, 5 + 10, "forbidden"},
		{"401s", SignalAuthFailure, same, 3 + 10, "auth_failure"},
		{"one unknown key retried", SignalUnknownKey, same, 3 + 10, "auth_failure"},
		// 3 free; the 4th key adds 1+2; every further failure adds 1.
		{"four keys cycled: only the 4th is new", SignalUnknownKey, cycle4, 4 + 7, "key_enumeration"},
		// 3 free; then 3 points per new key: 3, 6, 9, 12.
		{"key enumeration", SignalMalformedKey, distinct, 7, "key_enumeration"},
		{"unknown-key enumeration", SignalUnknownKey, distinct, 7, "key_enumeration"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			for i := 1; i <= c.blockAt; i++ {
				f.observe(t, ipA, c.sig, c.key(i), 1)
				_, blocked := f.check(t, ipA)
				if want := i == c.blockAt; blocked != want {
					t.Fatalf("after %d %s signals: blocked=%v, want %v", i, c.sig, blocked, want)
				}
			}
			b, _ := f.check(t, ipA)
			if !b.Until.Equal(t0.Add(15*time.Minute)) || b.Offence != 1 || b.By != "ids" || !strings.Contains(b.Reason, c.reason) {
				t.Errorf("block = %+v, want a 15m first offence by ids mentioning %q", b, c.reason)
			}
			if got := f.events(secevent.IPBlocked); len(got) != 1 || got[0].Severity != secevent.High || got[0].ClientIP != ipA.String() {
				t.Errorf("ip_blocked events = %+v, want one high event for %v", got, ipA)
			}
			if got := f.events(secevent.SuspiciousActivity); len(got) != 1 {
				t.Errorf("suspicious_activity events = %d, want 1 (when suspicion starts)", len(got))
			}
			if _, ok := f.check(t, ipB); ok {
				t.Error("another client is blocked too")
			}
		})
	}
}

// TestEscalationAndExpiry blocks the same client four times and checks the
// TTLs 15m, 1h, 24h, 24h and that each block ends exactly at its Until.
func TestEscalationAndExpiry(t *testing.T) {
	f := newFixture(t, nil)
	for i, ttl := range []time.Duration{15 * time.Minute, time.Hour, 24 * time.Hour, 24 * time.Hour} {
		start := f.clock.Now()
		f.observe(t, ipA, SignalInjection, "", 6)
		b, ok := f.check(t, ipA)
		if !ok || b.Offence != i+1 || !b.Until.Equal(start.Add(ttl)) {
			t.Fatalf("offence %d: got %+v blocked=%v, want until +%v", i+1, b, ok, ttl)
		}
		f.clock.Advance(ttl - time.Nanosecond)
		if _, ok := f.check(t, ipA); !ok {
			t.Errorf("offence %d: not blocked 1ns before expiry", i+1)
		}
		f.clock.Advance(time.Nanosecond)
		if _, ok := f.check(t, ipA); ok {
			t.Errorf("offence %d: still blocked at expiry", i+1)
		}
		// The score was reset by the block: two more injections after
		// expiry (2 points) do not re-block.
		f.observe(t, ipA, SignalInjection, "", 2)
		if _, ok := f.check(t, ipA); ok {
			t.Errorf("offence %d: re-blocked by 2 points after expiry; the block must reset the score", i+1)
		}
		f.clock.Advance(2 * time.Hour) // let that point and the window go
	}
}

func TestAllowlistNeverBlocked(t *testing.T) {
	allow := netip.MustParsePrefix("198.51.100.0/24")
	f := newFixture(t, func(c *Config) { c.Allowlist = []netip.Prefix{allow} })
	ctx := context.Background()
	for _, sig := range []Signal{SignalRequest, SignalInjection, SignalAuthFailure, SignalMalformedKey} {
		for i := range 200 {
			if err := f.d.Observe(ctx, ipA, sig, fmt.Sprint("k", i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, ok := f.check(t, ipA); ok {
		t.Error("allowlisted client blocked by detection")
	}
	if n := len(f.events(secevent.IPBlocked)); n != 0 {
		t.Errorf("%d ip_blocked events for an allowlisted client, want 0", n)
	}
	var notBlocked int
	for _, e := range f.events(secevent.SuspiciousActivity) {
		if e.Details["action"] == "not_blocked_allowlisted" {
			notBlocked++
		}
	}
	if notBlocked == 0 {
		t.Error("no suspicious_activity event saying the allowlisted client would have been blocked")
	}
	if len(f.events(secevent.BruteForce)) == 0 {
		t.Error("no brute_force event for an allowlisted client: the allowlist exempts from blocking, not from alerting")
	}
	if err := f.d.Block(ctx, ipA, time.Hour, "manual", "admin"); !errors.Is(err, ErrAllowlisted) {
		t.Errorf("manual Block of allowlisted client: err = %v, want ErrAllowlisted", err)
	}
	mapped := netip.AddrFrom16(ipA.As16()) // ::ffff:198.51.100.7
	if err := f.d.Block(ctx, mapped, time.Hour, "manual", "admin"); !errors.Is(err, ErrAllowlisted) {
		t.Errorf("manual Block of IPv4-mapped allowlisted client: err = %v, want ErrAllowlisted", err)
	}
	// A block written by a replica with another allowlist is not enforced.
	if err := f.store.Block(ctx, Block{IP: ipA, Until: t0.Add(time.Hour), Reason: "other replica", By: "ids", Created: t0}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	if _, ok := f.check(t, ipA); ok {
		t.Error("allowlisted client refused because of a stored block")
	}
}

// TestBruteForceOncePerWindow: more than 5 failed authentications in a
// window raise one high event; it repeats only after a window has passed
// and failures continue.
func TestBruteForceOncePerWindow(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.SuspicionThreshold = 1000 }) // isolate from blocking
	steps := []struct {
		name     string
		advance  time.Duration
		failures int
		events   int // cumulative brute_force events
	}{
		{"5 failures: not yet", 0, 5, 0},
		{"6th failure raises the event", 0, 1, 1},
		{"more failures in the same window: no repeat", 30 * time.Second, 20, 1},
		{"59s after the event: no repeat", 29 * time.Second, 1, 1},
		{"a window after the event, still failing: one more", time.Second, 5, 2},
		{"after a quiet spell, 5 failures: not yet", 10 * time.Minute, 5, 2},
		{"6th in the new window", 0, 1, 3},
	}
	for _, s := range steps {
		f.clock.Advance(s.advance)
		f.observe(t, ipA, SignalAuthFailure, "", s.failures)
		got := f.events(secevent.BruteForce)
		if len(got) != s.events {
			t.Fatalf("%s: %d brute_force events, want %d", s.name, len(got), s.events)
		}
		if len(got) > 0 && (got[len(got)-1].Severity != secevent.High || got[len(got)-1].ClientIP != ipA.String()) {
			t.Errorf("%s: event %+v, want high severity for %v", s.name, got[len(got)-1], ipA)
		}
	}
}

func TestKeyEnumerationNeverStoresKeys(t *testing.T) {
	f := newFixture(t, nil)
	keys := []string{"samo_AAAAsecretkeymaterial1", "samo_BBBBsecretkeymaterial2", "samo_CCCCsecretkeymaterial3",
		"samo_DDDDsecretkeymaterial4", "samo_EEEEsecretkeymaterial5", "samo_FFFFsecretkeymaterial6", "samo_GGGGsecretkeymaterial7"}
	for _, k := range keys {
		f.observe(t, ipA, SignalMalformedKey, k, 1)
	}
	if _, ok := f.check(t, ipA); !ok {
		t.Fatal("seven distinct malformed keys in a minute: not blocked")
	}
	for _, e := range f.rec.Events() {
		s := fmt.Sprintf("%+v", e)
		if strings.Contains(s, "secretkeymaterial") {
			t.Errorf("event %s carries key material", s)
		}
	}
	// Distinct keys spread beyond the window are not enumeration.
	g := newFixture(t, nil)
	for _, k := range keys {
		g.observe(t, ipB, SignalMalformedKey, k, 1)
		g.clock.Advance(2 * time.Minute)
	}
	if st, _ := g.d.Status(context.Background()); len(st.Suspicious) != 0 {
		t.Errorf("one bad key every 2 minutes: suspects %+v, want none", st.Suspicious)
	}
}

func TestSuspicionDecays(t *testing.T) {
	cases := []struct {
		name    string
		wait    time.Duration
		blocked bool
	}{
		{"nine points then one more within the hour", 2 * time.Minute, true},
		{"nine points forgotten after the suspicion window", 71 * time.Minute, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.observe(t, ipA, SignalRequest, "", 59) // 9 points
			f.clock.Advance(c.wait)
			f.observe(t, ipA, SignalRequest, "", 51) // 1 point
			if _, ok := f.check(t, ipA); ok != c.blocked {
				t.Errorf("blocked = %v, want %v", ok, c.blocked)
			}
		})
	}
}

func TestManualBlockUnblock(t *testing.T) {
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
		ready := d.Ready()
		if (s.want == nil) != (ready == nil) {
			t.Errorf("%s: Ready = %v, want error %v", s.name, ready, s.want != nil)
		}
		if ready != nil && s.name != "never loaded" && !errors.Is(ready, errDown) {
			t.Errorf("%s: Ready = %v, want it to wrap the store's error", s.name, ready)
		}
	}
}

func TestIPv6PrefixIsOneClient(t *testing.T) {
	f := newFixture(t, nil)
	for i := range 60 {
		ip := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0xaa, 0, 0, 0, 0, 0, byte(i >> 8), byte(i)})
		f.observe(t, ip, SignalRequest, "", 1)
	}
	cases := []struct {
		ip      string
		blocked bool
	}{
		{"2001:db8:1:2:ffff::1", true},
		{"2001:db8:1:2::", true},
		{"2001:db8:1:3::1", false},
	}
	for _, c := range cases {
		if _, ok := f.check(t, netip.MustParseAddr(c.ip)); ok != c.blocked {
			t.Errorf("Check(%s) = %v, want %v (60 requests came from 60 addresses in 2001:db8:1:2::/64)", c.ip, ok, c.blocked)
		}
	}
	ev := f.events(secevent.IPBlocked)
	if len(ev) != 1 || ev[0].Details["subject"] != "2001:db8:1:2::/64" {
		t.Errorf("ip_blocked events %+v, want one with subject 2001:db8:1:2::/64", ev)
	}
	g := newFixture(t, func(c *Config) { c.IPv6PrefixLen = 128 })
	for i := range 60 {
		ip := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i)})
		g.observe(t, ip, SignalRequest, "", 1)
	}
	if st, _ := g.d.Status(context.Background()); len(st.Blocked) != 0 || st.Tracked != 60 {
		t.Errorf("IPv6PrefixLen 128: %d blocked, %d tracked; want 0 blocked, 60 tracked", len(st.Blocked), st.Tracked)
	}
}

// TestTrackingBounded feeds a million distinct addresses, one request each,
// and checks the tracked state never exceeds MaxTracked.
func TestTrackingBounded(t *testing.T) {
	const maxTracked, n = 10_000, 1_000_000
	f := newFixture(t, func(c *Config) { c.MaxTracked = maxTracked })
	ctx := context.Background()
	peak := 0
	for i := range n {
		ip := netip.AddrFrom4([4]byte{100, byte(i >> 16), byte(i >> 8), byte(i)})
		if err := f.d.Observe(ctx, ip, SignalRequest, ""); err != nil {
			t.Fatal(err)
		}
		if i%5000 == 0 {
			peak = max(peak, f.d.Tracked())
		}
	}
	peak = max(peak, f.d.Tracked())
	if peak > maxTracked || peak < maxTracked*9/10 {
		t.Errorf("peak tracked %d, want between %d and %d", peak, maxTracked*9/10, maxTracked)
	}
}

func TestBlockedRequestEventsOncePerWindow(t *testing.T) {
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

func TestObserveInputs(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.d.Observe(context.Background(), ipA, "sneeze", ""); !errors.Is(err, ErrUnknownSignal) {
		t.Errorf("unknown signal: err = %v, want ErrUnknownSignal", err)
	}
	if err := f.d.Observe(context.Background(), netip.Addr{}, SignalRequest, ""); err != nil {
		t.Errorf("zero address: err = %v, want ignored", err)
	}
	if _, ok, err := f.d.Check(context.Background(), netip.Addr{}); ok || err != nil {
		t.Errorf("Check(zero) = %v, %v; want false, nil", ok, err)
	}
	if f.d.Tracked() != 0 {
		t.Errorf("tracked %d after ignored input, want 0", f.d.Tracked())
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig invalid: %v", err)
	}
	c := DefaultConfig()
	c.RequestsPerMinute = 0
	c.Window = 0
	c.BlockTTLs = nil
	c.DistinctKeys = 99
	c.IPv6PrefixLen = 200
	err := c.Validate()
	for _, field := range []string{"RequestsPerMinute", "Window", "BlockTTLs", "DistinctKeys", "IPv6PrefixLen"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate error %v does not mention %s", err, field)
		}
	}
	if !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("error %v does not wrap ErrInvalidConfig", err)
	}
	if _, err := New(DefaultConfig(), nil, nil, nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("New with nil store: err = %v, want ErrInvalidConfig", err)
	}
}
