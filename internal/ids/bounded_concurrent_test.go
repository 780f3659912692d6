package ids

import (
	"context"
	"net/netip"
	"sync"
	"testing"
)

// TestTrackingBoundedConcurrent fills a small detector from several
// goroutines at once, each with its own stream of new addresses and all
// with one shared address, so that eviction (which reuses the evicted
// client's state) runs while other goroutines observe and check. Under
// -race (make test) a track touched outside its shard's lock is reported;
// the bound holds throughout. It is the race-checked counterpart of
// internal/app's TestMillionClientAddresses, which runs without -race.
func TestTrackingBoundedConcurrent(t *testing.T) {
	t.Parallel()
	const maxTracked, workers, perWorker = 1000, 4, 5000
	f := newFixture(t, func(c *Config) { c.MaxTracked = maxTracked })
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				ip := netip.AddrFrom4([4]byte{100, byte(w), byte(i >> 8), byte(i)})
				if i%10 == 0 {
					ip = ipA
				}
				if err := f.d.Observe(ctx, ip, SignalRequest, ""); err != nil {
					t.Errorf("Observe(%v): %v", ip, err)
					return
				}
				if _, _, err := f.d.Check(ctx, ip); err != nil {
					t.Errorf("Check(%v): %v", ip, err)
					return
				}
				if i%500 == 0 {
					if n := f.d.Tracked(); n > maxTracked {
						t.Errorf("tracked %d, want ≤ %d", n, maxTracked)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if n := f.d.Tracked(); n > maxTracked || n < maxTracked*9/10 {
		t.Errorf("tracked %d after %d addresses, want between %d and %d", n, workers*perWorker, maxTracked*9/10, maxTracked)
	}
}
