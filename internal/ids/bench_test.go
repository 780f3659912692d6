package ids

import (
	"context"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

func benchAddrs(n int) []netip.Addr {
	out := make([]netip.Addr, n)
	for i := range out {
		out[i] = netip.AddrFrom4([4]byte{100, 64 + byte(i>>16), byte(i >> 8), byte(i)})
	}
	return out
}

// BenchmarkCheck measures the per-request blocked-IP check with 10,000
// active blocks in the cache and the wall clock.
func BenchmarkCheck(b *testing.B) {
	ctx := context.Background()
	cfg := DefaultConfig()
	d, err := New(cfg, NewMemoryBlockStore(0), nil, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	blocked := benchAddrs(10_000)
	for _, ip := range blocked {
		if err := d.Block(ctx, ip, time.Hour, "bench", "admin"); err != nil {
			b.Fatal(err)
		}
	}
	d.lastTry.Store(-int64(time.Hour)) // force a refresh so the blocks move from overlay to snapshot
	if _, _, err := d.Check(ctx, blocked[0]); err != nil {
		b.Fatal(err)
	}
	clean := netip.MustParseAddr("198.51.100.7")
	b.Run("not-blocked", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok, _ := d.Check(ctx, clean); ok {
				b.Fatal("blocked")
			}
		}
	})
	b.Run("blocked", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if _, ok, _ := d.Check(ctx, blocked[i%len(blocked)]); !ok {
				b.Fatal("not blocked")
			}
		}
	})
	b.Run("not-blocked-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				d.Check(ctx, clean)
			}
		})
	})
}

// tickClock returns a clock that moves step forward on every reading, so a
// benchmark's clients stay within their allowances however fast it runs.
func tickClock(step time.Duration) func() time.Time {
	var ticks atomic.Int64
	start := time.Now()
	return func() time.Time { return start.Add(time.Duration(ticks.Add(1)) * step) }
}

// BenchmarkObserve measures recording one request signal, the work done for
// every honest request (the clock advances 2 ms per call: 30,000 requests a
// minute across all clients, so none is scored or blocked).
func BenchmarkObserve(b *testing.B) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.RequestsPerMinute = 60_000
	now := tickClock(2 * time.Millisecond)
	b.Run("one-client", func(b *testing.B) {
		d, _ := New(cfg, NewMemoryBlockStore(0), nil, now)
		ip := netip.MustParseAddr("198.51.100.7")
		b.ReportAllocs()
		for b.Loop() {
			if err := d.Observe(ctx, ip, SignalRequest, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("100k-clients", func(b *testing.B) {
		d, _ := New(cfg, NewMemoryBlockStore(0), nil, now)
		ips := benchAddrs(100_000)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if err := d.Observe(ctx, ips[i%len(ips)], SignalRequest, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("new-clients-evicting", func(b *testing.B) {
		c := cfg
		c.MaxTracked = 10_000
		d, _ := New(c, NewMemoryBlockStore(0), nil, now)
		ips := benchAddrs(1 << 20)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if err := d.Observe(ctx, ips[i%len(ips)], SignalRequest, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		d, _ := New(cfg, NewMemoryBlockStore(0), nil, now)
		ips := benchAddrs(10_000)
		var seq atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := int(seq.Add(7919))
			for pb.Next() {
				i++
				d.Observe(ctx, ips[i%len(ips)], SignalRequest, "")
			}
		})
	})
	b.Run("malformed-key", func(b *testing.B) {
		c := cfg
		c.SuspicionThreshold = 60_000
		d, _ := New(c, NewMemoryBlockStore(0), nil, now)
		ips := benchAddrs(10_000)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			d.Observe(ctx, ips[i%len(ips)], SignalMalformedKey, "kid_abcdef")
		}
	})
}
