package ratelimit_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/ratelimit/ratelimittest"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	ratelimittest.Run(t, func(_ *testing.T, now func() time.Time) ratelimit.Limiter {
		return ratelimit.NewMemory(now, 1000)
	})
}

// TestMemoryBounded feeds a million distinct keys, as an attack from a
// million addresses would, and checks the key count never passes the cap.
func TestMemoryBounded(t *testing.T) {
	t.Parallel()
	const maxKeys, keys = 5000, 1_000_000
	clock := ratelimittest.NewClock(epoch)
	m := ratelimit.NewMemory(clock.Now, maxKeys)
	p := ratelimit.Policy{Name: "ip", Limit: 10, Window: time.Hour}
	ctx := context.Background()
	peak := 0
	for i := range keys {
		if _, err := m.Allow(ctx, "ip:"+strconv.Itoa(i), p); err != nil {
			t.Fatal(err)
		}
		if i%10_000 == 0 {
			peak = max(peak, m.Len())
		}
	}
	peak = max(peak, m.Len())
	if peak > maxKeys {
		t.Errorf("peak key count %d, want <= %d", peak, maxKeys)
	}
	if peak < maxKeys*9/10 {
		t.Errorf("peak key count %d, want close to the cap %d (the cap should be used, not undershot)", peak, maxKeys)
	}
}

// TestMemoryEvictsLeastRecentlyUsed checks that a key in active use survives
// a flood of new keys while idle ones are evicted.
func TestMemoryEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	clock := ratelimittest.NewClock(epoch)
	m := ratelimit.NewMemory(clock.Now, 1) // one shard, one key
	p := ratelimit.Policy{Name: "p", Limit: 2, Window: time.Hour}
	ctx := context.Background()
	mustAllow := func(key string) ratelimit.Decision {
		t.Helper()
		d, err := m.Allow(ctx, key, p)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	mustAllow("a")
	mustAllow("a")
	if d := mustAllow("a"); d.Allowed {
		t.Fatalf("a: third request allowed")
	}
	mustAllow("b") // evicts a: capacity is one key
	if got := m.Len(); got != 1 {
		t.Errorf("Len = %d, want 1", got)
	}
	if d := mustAllow("a"); !d.Allowed || d.Remaining != 1 {
		t.Errorf("a after eviction: got %+v, want a fresh log (allowed, Remaining 1)", d)
	}

	m = ratelimit.NewMemory(clock.Now, 64) // 64 shards of one key each
	if got := m.Len(); got != 0 {
		t.Fatalf("new limiter Len = %d", got)
	}
}

// TestMemoryReleasesIdleKeys checks that keys whose logs have emptied are
// dropped by later calls without any background goroutine.
func TestMemoryReleasesIdleKeys(t *testing.T) {
	t.Parallel()
	clock := ratelimittest.NewClock(epoch)
	m := ratelimit.NewMemory(clock.Now, 1) // single shard so the sweep sees every key
	p := ratelimit.Policy{Name: "p", Limit: 5, Window: time.Minute}
	ctx := context.Background()
	if _, err := m.Allow(ctx, "old", p); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if _, err := m.Peek(ctx, "other", p); err != nil {
		t.Fatal(err)
	}
	if got := m.Len(); got != 0 {
		t.Errorf("Len after the only key went idle = %d, want 0", got)
	}
}

// TestMemoryClockBackwards checks that a clock stepping back cannot make the
// limiter allow more than the limit.
func TestMemoryClockBackwards(t *testing.T) {
	t.Parallel()
	clock := ratelimittest.NewClock(epoch)
	m := ratelimit.NewMemory(clock.Now, 10)
	p := ratelimit.Policy{Name: "p", Limit: 3, Window: time.Minute}
	ctx := context.Background()
	allowed := 0
	for range 3 {
		if d, _ := m.Allow(ctx, "k", p); d.Allowed {
			allowed++
		}
		clock.Advance(-10 * time.Second)
	}
	for range 5 {
		if d, _ := m.Allow(ctx, "k", p); d.Allowed {
			allowed++
		}
	}
	if allowed != 3 {
		t.Errorf("allowed %d with a clock running backwards, want 3", allowed)
	}
}

func BenchmarkAllow(b *testing.B) {
	ctx := context.Background()
	p := ratelimit.Policy{Name: "bench", Limit: 100, Window: time.Hour}
	step := p.Window / time.Duration(p.Limit)

	// steady: one key at exactly its rate, so every call expires one entry
	// and appends one (the allowed path).
	b.Run("steady", func(b *testing.B) {
		var ticks atomic.Int64
		now := func() time.Time { return epoch.Add(time.Duration(ticks.Add(1)) * step) }
		m := ratelimit.NewMemory(now, 0)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Allow(ctx, "key:k_123456", p); err != nil {
				b.Fatal(err)
			}
		}
	})
	// refused: an exhausted key hammered at one instant.
	b.Run("refused", func(b *testing.B) {
		m := ratelimit.NewMemory(func() time.Time { return epoch }, 0)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Allow(ctx, "key:k_123456", p); err != nil {
				b.Fatal(err)
			}
		}
	})
	// parallel: all cores, 10,000 keys, wall clock.
	b.Run("parallel", func(b *testing.B) {
		m := ratelimit.NewMemory(time.Now, 0)
		keys := make([]string, 10_000)
		for i := range keys {
			keys[i] = "ip:198.51." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)
		}
		var seq atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int(seq.Add(7919))
			for pb.Next() {
				i++
				if _, err := m.Allow(ctx, keys[i%len(keys)], p); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	// parallel-one-key: all cores contending on one key.
	b.Run("parallel-one-key", func(b *testing.B) {
		var ticks atomic.Int64
		now := func() time.Time { return epoch.Add(time.Duration(ticks.Add(1)) * step) }
		m := ratelimit.NewMemory(now, 0)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := m.Allow(ctx, "key:shared", p); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// TestMemoryClockBackwardsKeepsOrder: a request seen at an earlier time
// than the newest one counted is logged at the newest time, so the answer
// is the one the newest time gives.
func TestMemoryClockBackwardsKeepsOrder(t *testing.T) {
	t.Parallel()
	clock := ratelimittest.NewClock(epoch)
	m := ratelimit.NewMemory(clock.Now, 10)
	p := ratelimit.Policy{Name: "p", Limit: 3, Window: time.Minute}
	ctx := context.Background()
	m.Allow(ctx, "k", p)
	clock.Advance(30 * time.Second)
	m.Allow(ctx, "k", p)
	clock.Advance(-20 * time.Second)
	d, err := m.Allow(ctx, "k", p)
	if err != nil || !d.Allowed || d.ResetAfter != 30*time.Second {
		t.Errorf("third request with the clock 20 s back: %+v, %v; want allowed, reset after 30s", d, err)
	}
}

func TestMemoryKeyLength(t *testing.T) {
	t.Parallel()
	m := ratelimit.NewMemory(nil, 10)
	p := ratelimit.Policy{Name: "p", Limit: 3, Window: time.Minute}
	if _, err := m.Allow(context.Background(), strings.Repeat("k", ratelimit.MaxKeyLen), p); err != nil {
		t.Errorf("key of MaxKeyLen bytes: %v", err)
	}
	for _, k := range []string{"", strings.Repeat("k", ratelimit.MaxKeyLen+1)} {
		if _, err := m.Allow(context.Background(), k, p); !errors.Is(err, ratelimit.ErrInvalidKey) {
			t.Errorf("key of %d bytes: %v, want ErrInvalidKey", len(k), err)
		}
	}
}

// TestMemoryPeekEmptiedKey: a key whose counted requests have all left the
// window (but whose state is still held) peeks as a fresh key: the whole
// quota, reset after a whole window.
func TestMemoryPeekEmptiedKey(t *testing.T) {
	t.Parallel()
	clock := ratelimittest.NewClock(epoch)
	m := ratelimit.NewMemory(clock.Now, 0)
	ctx := context.Background()
	hourly := ratelimit.Policy{Name: "h", Limit: 5, Window: time.Hour}
	minutely := ratelimit.Policy{Name: "m", Limit: 5, Window: time.Minute}
	m.Allow(ctx, "k", hourly) // same key, same shard; stays the least recently used and live
	clock.Advance(time.Second)
	m.Allow(ctx, "k", minutely)
	clock.Advance(2 * time.Minute)
	d, err := m.Peek(ctx, "k", minutely)
	if err != nil || !d.Allowed || d.Remaining != 5 || d.ResetAfter != time.Minute {
		t.Errorf("Peek of an emptied key = %+v, %v; want 5 remaining, reset after 1m", d, err)
	}
}

// TestMemoryWarnOnlyWhenCrossing80: the warning goes with the request that
// takes the count past 80 % of the limit, not with later ones, even when
// the warning before has left the window.
func TestMemoryWarnOnlyWhenCrossing80(t *testing.T) {
	t.Parallel()
	clock := ratelimittest.NewClock(epoch)
	m := ratelimit.NewMemory(clock.Now, 0)
	p := ratelimit.Policy{Name: "p", Limit: 10, Window: time.Minute}
	ctx := context.Background()
	var warns []string
	allow := func(n int, label string) {
		for i := range n {
			d, err := m.Allow(ctx, "k", p)
			if err != nil || !d.Allowed {
				t.Fatalf("%s #%d: %+v, %v", label, i, d, err)
			}
			if d.Warn {
				warns = append(warns, label+"#"+strconv.Itoa(i))
			}
		}
	}
	allow(8, "t0") // 8 counted
	clock.Advance(59 * time.Second)
	allow(1, "t59")            // the 9th: past 80 %, warns
	clock.Advance(time.Second) // the first 8 leave the window
	allow(9, "t60")            // back to 9 and 10 counted within the warning's window: no new warning
	// At t=119 the t59 request has left: 9 counted, all newer than the
	// warning; the 10th request is not a crossing and must not warn.
	clock.Advance(59 * time.Second)
	d, err := m.Allow(ctx, "k", p)
	if err != nil || !d.Allowed || d.Warn {
		t.Errorf("t119: %+v, %v; want allowed without a warning", d, err)
	}
	if len(warns) != 1 || warns[0] != "t59#0" {
		t.Errorf("warnings %v, want only t59#0", warns)
	}
}
