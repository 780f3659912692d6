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

	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/secevent/seceventtest"
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
	rec   *seceventtest.Collector
	clock *fakeClock
}

func newFixture(t testing.TB, mutate func(*Config)) *fixture {
	t.Helper()
	cfg := DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	f := &fixture{store: NewMemoryBlockStore(0), rec: &seceventtest.Collector{}, clock: &fakeClock{t: t0}}
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
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

func TestIPv6PrefixIsOneClient(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

func TestObserveInputs(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

func TestPrimeReadsBlockListBeforeServing(t *testing.T) {
	t.Parallel()
	st := NewMemoryBlockStore(100)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ip := netip.MustParseAddr("198.51.100.9")
	if err := st.Block(context.Background(), Block{IP: ip, Until: now.Add(time.Hour), Reason: "r", By: "a", Created: now}); err != nil {
		t.Fatal(err)
	}
	d, err := New(DefaultConfig(), st, secevent.Discard{}, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Prime(context.Background()); err != nil {
		t.Fatalf("Prime: %v", err)
	}
	if _, blocked, err := d.Check(context.Background(), ip); !blocked || err != nil {
		t.Errorf("after Prime: blocked=%v err=%v", blocked, err)
	}
}

// gatedStore holds every Generation call until gate is closed, once armed.
type gatedStore struct {
	*MemoryBlockStore
	entered chan struct{}
	gate    chan struct{}
}

func (s *gatedStore) Generation(ctx context.Context) (uint64, error) {
	if s.gate != nil {
		s.entered <- struct{}{}
		<-s.gate
	}
	return s.MemoryBlockStore.Generation(ctx)
}

// TestIdleReplicaIsNotStale: a replica that served nothing for longer than
// MaxStale has an old cache but a healthy store. The first requests after
// the pause wait for the refresh one of them runs instead of being refused
// as stale (503), and readiness reads the store rather than report the
// idle time as an outage.
func TestIdleReplicaIsNotStale(t *testing.T) {
	t.Parallel()
	st := &gatedStore{MemoryBlockStore: NewMemoryBlockStore(100)}
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	d, err := New(DefaultConfig(), st, secevent.Discard{}, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := d.Check(ctx, ipA); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute) // idle
	if err := d.Ready(ctx); err != nil {
		t.Errorf("Ready after an idle pause with the store up: %v", err)
	}
	clock.Advance(10 * time.Minute)
	st.entered, st.gate = make(chan struct{}, 2), make(chan struct{})
	first := make(chan error, 1)
	go func() { _, _, err := d.Check(ctx, ipA); first <- err }()
	<-st.entered // the first request reads the store
	second := make(chan error, 1)
	go func() { _, _, err := d.Check(ctx, ipB); second <- err }()
	select {
	case err := <-second:
		t.Fatalf("a request during the refresh answered before it ended: %v (want it to wait for the refresh)", err)
	case <-time.After(100 * time.Millisecond): // it waits (an upper bound for it to get there, not an assertion)
	}
	close(st.gate)
	if err := <-first; err != nil {
		t.Errorf("first request after the pause: %v", err)
	}
	if err := <-second; err != nil {
		t.Errorf("concurrent request after the pause: %v", err)
	}
}
