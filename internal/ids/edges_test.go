package ids

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// Validate accepts every bound itself: the minimum of each count, 1 s
// durations, DistinctKeys just under its cap, the 60 000 caps, and IPv6
// prefixes of 0 and 128 bits.
func TestConfigBoundsIncluded(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	c.RequestsPerMinute, c.ValidationRejections, c.Injections, c.AuthFailures, c.Forbidden = 1, 0, 0, 0, 0
	c.DistinctKeys, c.BruteForceFailures, c.SuspicionThreshold, c.MaxTracked, c.StatusLimit = 1, 1, 1, 1, 1
	c.Window, c.SuspicionWindow, c.OffenceMemory, c.MaxBlock, c.RefreshInterval, c.MaxStale = time.Second, time.Second, time.Second, time.Second, time.Second, time.Second
	c.BlockTTLs = []time.Duration{time.Second}
	c.IPv6PrefixLen = 0
	if err := c.Validate(); err != nil {
		t.Errorf("every lower bound: %v", err)
	}
	c = DefaultConfig()
	c.DistinctKeys, c.RequestsPerMinute, c.SuspicionThreshold, c.IPv6PrefixLen = maxDistinctKeys-1, 60_000, 60_000, 128
	if err := c.Validate(); err != nil {
		t.Errorf("every upper bound: %v", err)
	}
	for name, mutate := range map[string]func(*Config){
		"RequestsPerMinute 0":  func(c *Config) { c.RequestsPerMinute = 0 },
		"DistinctKeys at cap":  func(c *Config) { c.DistinctKeys = maxDistinctKeys },
		"RequestsPerMinute":    func(c *Config) { c.RequestsPerMinute = 60_001 },
		"SuspicionThreshold":   func(c *Config) { c.SuspicionThreshold = 60_001 },
		"Window under 1s":      func(c *Config) { c.Window = time.Second - 1 },
		"BlockTTL under 1s":    func(c *Config) { c.BlockTTLs = []time.Duration{time.Second - 1} },
		"IPv6PrefixLen -1":     func(c *Config) { c.IPv6PrefixLen = -1 },
		"IPv6PrefixLen 129":    func(c *Config) { c.IPv6PrefixLen = 129 },
		"StatusLimit 0":        func(c *Config) { c.StatusLimit = 0 },
		"ValidationRejections": func(c *Config) { c.ValidationRejections = -1 },
	} {
		c := DefaultConfig()
		mutate(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: Validate = %v, want ErrInvalidConfig", name, err)
		}
	}
	if got := DefaultConfig().MaxBlock; got != 365*24*time.Hour {
		t.Errorf("default MaxBlock %v, want a year", got)
	}
}

// The detector has the largest power of two of shards up to maxShards and
// up to MaxTracked (each shard tracks at least one subject), and splits
// MaxTracked between them.
func TestShardCount(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ maxTracked, shards int }{
		{1, 1}, {2, 2}, {3, 2}, {4, 4}, {maxShards - 1, maxShards / 2}, {maxShards, maxShards}, {100_000, maxShards},
	} {
		cfg := DefaultConfig()
		cfg.MaxTracked = c.maxTracked
		d, err := New(cfg, NewMemoryBlockStore(0), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.shards) != c.shards || d.mask != uint64(c.shards-1) {
			t.Errorf("MaxTracked %d: %d shards (mask %d), want %d", c.maxTracked, len(d.shards), d.mask, c.shards)
		}
	}
}

// countingStore counts Generation calls and fails them while down.
type countingStore struct {
	*MemoryBlockStore
	mu    sync.Mutex
	calls int
	down  bool
}

func (s *countingStore) Generation(ctx context.Context) (uint64, error) {
	s.mu.Lock()
	s.calls++
	down := s.down
	s.mu.Unlock()
	if down {
		return 0, errDown
	}
	return s.MemoryBlockStore.Generation(ctx)
}

func (s *countingStore) count() int { s.mu.Lock(); defer s.mu.Unlock(); return s.calls }

// The block cache asks the store at most once per RefreshInterval, and a
// store that cannot be read is read once per check, not twice (the waiting
// refresh uses the outcome of the one that just ended).
func TestRefreshReadsStoreSparingly(t *testing.T) {
	t.Parallel()
	st := &countingStore{MemoryBlockStore: NewMemoryBlockStore(0)}
	clk := &fakeClock{t: t0}
	d, err := New(DefaultConfig(), st, nil, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	clk.Advance(time.Hour) // late in the detector's life
	for range 5 {
		if _, _, err := d.Check(ctx, ipA); err != nil {
			t.Fatal(err)
		}
		clk.Advance(d.cfg.RefreshInterval / 10)
	}
	if n := st.count(); n != 1 {
		t.Errorf("%d store reads for 5 checks within RefreshInterval, want 1", n)
	}
	clk.Advance(d.cfg.RefreshInterval)
	if _, _, err := d.Check(ctx, ipA); err != nil || st.count() != 2 {
		t.Errorf("after RefreshInterval: %d store reads, %v; want 2", st.count(), err)
	}
	// Store down, cache stale: one read per check, and the check fails closed.
	st.mu.Lock()
	st.down = true
	st.mu.Unlock()
	clk.Advance(d.cfg.MaxStale + time.Second)
	before := st.count()
	if _, _, err := d.Check(ctx, ipA); err == nil {
		t.Error("a stale cache with the store down: Check succeeded")
	}
	if n := st.count() - before; n != 1 {
		t.Errorf("a check with the store down read it %d times, want 1", n)
	}
}

// A brute-force event says "watched" for a watched subject only.
func TestBruteForceEventWatchedDetail(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	if err := f.d.Watch(context.Background(), ipB, t0.Add(time.Hour), "incident"); err != nil {
		t.Fatal(err)
	}
	f.observe(t, ipA, SignalAuthFailure, "", 6)
	f.observe(t, ipB, SignalAuthFailure, "", 6)
	var a, b *secevent.Event
	for _, e := range f.events(secevent.BruteForce) {
		switch e.ClientIP {
		case ipA.String():
			a = &e
		case ipB.String():
			b = &e
		}
	}
	if a == nil || b == nil {
		t.Fatalf("brute-force events for %v and %v missing: %+v", ipA, ipB, f.events(secevent.BruteForce))
	}
	if a.Details["watched"] != "" || b.Details["watched"] != "true" {
		t.Errorf("watched detail: unwatched %q, watched %q; want empty and true", a.Details["watched"], b.Details["watched"])
	}
}

// Late in a detector's life (its clock far from its start), a blocked
// client's refusals still give one blocked_request event per Window.
func TestBlockedRequestEventsLate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.clock.Advance(24 * time.Hour)
	if err := f.d.Block(context.Background(), ipA, time.Hour, "r", "admin"); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		f.check(t, ipA)
	}
	if n := len(f.events(secevent.BlockedRequest)); n != 1 {
		t.Errorf("%d blocked_request events for 10 refusals within a window, want 1", n)
	}
}

// A long block's end is remembered as the time it ends: brute force right
// after a 6-hour manual block is a resumed attack (critical).
func TestBruteForceResumedAfterLongBlock(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.observe(t, ipA, SignalAuthFailure, "", 1) // tracked
	if err := f.d.Block(context.Background(), ipA, 6*time.Hour, "r", "admin"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(6*time.Hour + time.Second)
	f.observe(t, ipA, SignalAuthFailure, "", 6)
	ev := f.events(secevent.BruteForce)
	if len(ev) != 1 || ev[0].Severity != secevent.Critical || ev[0].Details["resumed_after_block"] != "true" {
		t.Errorf("brute force right after a 6 h block: %+v, want one critical resumed event", ev)
	}
}

// ring.clear zeroes the buckets after base up to and including b, and all
// of them when b is a whole ring or more past base.
func TestRingClear(t *testing.T) {
	t.Parallel()
	full := func() ring {
		var r ring
		for b := range int64(nBuckets) {
			r.add(b, 1)
		}
		return r
	}
	for _, c := range []struct {
		base, b int64
		sum     int
	}{{6, 6, 7}, {6, 7, 6}, {6, 8, 5}, {0, nBuckets - 1, 1}, {0, nBuckets, 0}, {3, 100, 0}} {
		r := full()
		r.clear(c.base, c.b)
		if got := r.sum(); got != c.sum {
			t.Errorf("clear(%d, %d): sum %d, want %d", c.base, c.b, got, c.sum)
		}
	}
}

// keySet: a fingerprint counts for window after it was last seen, not at
// window; a full set replaces its oldest fingerprint (the first of equally
// old ones), and works the same late in the detector's life.
func TestKeySetWindowAndReplacement(t *testing.T) {
	t.Parallel()
	const w = int64(time.Minute)
	for _, base := range []int64{0, int64(1000 * time.Hour)} {
		var k keySet
		k.add(1, base, w)
		if live, isNew := k.add(2, base+w-1, w); live != 2 || !isNew {
			t.Errorf("base %d: just within the window: %d live, new %v; want 2, true", base, live, isNew)
		}
		if live, _ := k.add(3, base+w, w); live != 2 {
			t.Errorf("base %d: a window after the first: %d live, want 2 (the first expired)", base, live)
		}
	}
	// Full, with distinct times: the oldest goes.
	var k keySet
	for i := range maxDistinctKeys {
		k.add(uint64(i+1), int64(i+1), w)
	}
	k.add(100, maxDistinctKeys+1, w)
	if _, isNew := k.add(2, maxDistinctKeys+2, w); isNew {
		t.Error("the second-oldest fingerprint was replaced instead of the oldest")
	}
	if _, isNew := k.add(1, maxDistinctKeys+3, w); !isNew {
		t.Error("the oldest fingerprint was kept when the set was full")
	}
	// Full, all equally old: the first slot goes.
	k = keySet{}
	for i := range maxDistinctKeys {
		k.add(uint64(i+1), 5, w)
	}
	k.add(100, 6, w)
	if _, isNew := k.add(maxDistinctKeys, 7, w); isNew {
		t.Error("with equal times, the last fingerprint was replaced, not the first")
	}
	if _, isNew := k.add(1, 8, w); !isNew {
		t.Error("with equal times, the first fingerprint was kept")
	}
}

// Brute force is more than BruteForceFailures failures in a Window: the
// 6th raises the event, not the 5th; the next event comes a Window later
// (the bound included), also late in the detector's life.
func TestBruteForceEventEdges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.AuthFailures = 100 }) // no block in the way
	f.clock.Advance(1000 * time.Hour)
	f.observe(t, ipA, SignalAuthFailure, "", 5)
	if n := len(f.events(secevent.BruteForce)); n != 0 {
		t.Fatalf("%d brute_force events after 5 failures, want 0", n)
	}
	f.observe(t, ipA, SignalAuthFailure, "", 1)
	f.observe(t, ipA, SignalAuthFailure, "", 10)
	if n := len(f.events(secevent.BruteForce)); n != 1 {
		t.Fatalf("%d brute_force events after 16 failures in one window, want 1", n)
	}
	f.clock.Advance(f.d.cfg.Window)
	f.observe(t, ipA, SignalAuthFailure, "", 6)
	if n := len(f.events(secevent.BruteForce)); n != 2 {
		t.Errorf("%d brute_force events a Window after the first, want 2", n)
	}
}

// Points from key enumeration alone give only that reason, not the
// failures' own reason while they are within their allowance.
func TestKeyEnumerationReasonAlone(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.AuthFailures = 100 })
	for i := range 4 {
		f.observe(t, ipA, SignalUnknownKey, fmt.Sprint("kid_", i), 1)
	}
	st, err := f.d.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Suspicious) != 1 || fmt.Sprint(st.Suspicious[0].Reasons) != "[key_enumeration]" {
		t.Errorf("suspects %+v, want one with reasons [key_enumeration]", st.Suspicious)
	}
}

// A subject first seen late in the detector's life has its counts roll off
// after a Window (and a bucket) and its score after a SuspicionWindow,
// like any other.
func TestCountsRollOffLate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.clock.Advance(1000*time.Hour + 7*time.Second)
	allow := f.d.cfg.AuthFailures
	f.observe(t, ipA, SignalAuthFailure, "", allow) // within the allowance
	f.clock.Advance(2 * f.d.cfg.Window)             // the ring spans 7/6 of a Window
	f.observe(t, ipA, SignalAuthFailure, "", allow)
	if n := f.suspects(t); n != 0 {
		t.Fatalf("%d suspects after two windows each within the allowance, want 0", n)
	}
	f.observe(t, ipB, SignalAuthFailure, "", allow+1) // one point
	if n := f.suspects(t); n != 1 {
		t.Fatalf("%d suspects after one excess failure, want 1", n)
	}
	f.clock.Advance(2 * f.d.cfg.SuspicionWindow)
	f.observe(t, ipB, SignalRequest, "", 1) // seen again: its state advances
	if n := f.suspects(t); n != 0 {
		t.Errorf("%d suspects a SuspicionWindow later, want 0 (score rolled off)", n)
	}
}

// suspects returns how many clients the detector lists as suspicious.
func (f *fixture) suspects(t *testing.T) int {
	t.Helper()
	st, err := f.d.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(st.Suspicious)
}

// TestCountsRollOffEarly is TestCountsRollOffLate for a subject first seen
// in the detector's first second: its first buckets are numbered from the
// time it was first seen, so its counts and score roll off as anyone's.
func TestCountsRollOffEarly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.clock.Advance(500 * time.Millisecond)
	allow := f.d.cfg.AuthFailures
	f.observe(t, ipA, SignalAuthFailure, "", allow)
	f.observe(t, ipB, SignalAuthFailure, "", allow+1) // one point
	f.clock.Advance(2 * f.d.cfg.SuspicionWindow)      // also two Windows
	f.observe(t, ipA, SignalAuthFailure, "", allow)
	f.observe(t, ipB, SignalRequest, "", 1)
	if n := f.suspects(t); n != 0 {
		t.Errorf("%d suspects, want 0 (the first failures and the point rolled off)", n)
	}
}

// The tracker's LRU: a subject looked up again moves to the front, so a
// full shard evicts the least recently seen one.
func TestTrackShardLRU(t *testing.T) {
	t.Parallel()
	r := compile(DefaultConfig())
	var s trackShard
	s.init(2)
	s.get(ipA, &r, 0, true)
	s.get(ipB, &r, 0, true)
	s.get(ipA, &r, 0, false) // touch A
	ipC := netip.MustParseAddr("192.0.2.77")
	s.get(ipC, &r, 0, true)
	if s.m[ipA] == nil || s.m[ipB] != nil || s.m[ipC] == nil {
		t.Errorf("after touching A and adding C to a full shard: A %v, B %v, C %v; want B evicted",
			s.m[ipA] != nil, s.m[ipB] != nil, s.m[ipC] != nil)
	}
}

// Brute force is a resumed attack from the moment a block ends up to
// ResumeWindow after it, both bounds included, and not after an Unblock
// (which says the block was a mistake).
func TestBruteForceResumeBounds(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		after   time.Duration // after the block's start
		unblock bool
		want    secevent.Severity
	}{
		{"at the block's end", time.Hour, false, secevent.Critical},
		{"ResumeWindow after it", time.Hour + time.Hour, false, secevent.Critical},
		{"a second later", 2*time.Hour + time.Second, false, secevent.High},
		{"after an unblock", time.Hour, true, secevent.High},
	} {
		f := newFixture(t, func(c *Config) { c.AuthFailures = 100 })
		f.observe(t, ipA, SignalAuthFailure, "", 1) // tracked
		if err := f.d.Block(context.Background(), ipA, time.Hour, "r", "admin"); err != nil {
			t.Fatal(err)
		}
		if c.unblock {
			if err := f.d.Unblock(context.Background(), ipA, "admin"); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Advance(c.after)
		f.observe(t, ipA, SignalAuthFailure, "", 6)
		if ev := f.events(secevent.BruteForce); len(ev) != 1 || ev[0].Severity != c.want {
			t.Errorf("%s: brute_force events %+v, want one %v", c.name, ev, c.want)
		}
	}
}
