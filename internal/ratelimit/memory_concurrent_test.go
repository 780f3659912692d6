package ratelimit_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/ratelimit/ratelimittest"
)

// TestMemoryBoundedConcurrent feeds new keys from several goroutines at
// once, with one key that all of them use, past a small cap, so that
// eviction runs while other goroutines decide. Under -race (make test) a
// shard touched outside its lock is reported; the cap holds throughout. It
// is the race-checked counterpart of internal/app's
// TestMillionClientAddresses, which runs without -race.
func TestMemoryBoundedConcurrent(t *testing.T) {
	t.Parallel()
	const maxKeys, workers, perWorker = 1000, 4, 5000
	m := ratelimit.NewMemory(ratelimittest.NewClock(epoch).Now, maxKeys)
	p := ratelimit.Policy{Name: "ip", Limit: 10, Window: time.Hour}
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				key := "ip:" + strconv.Itoa(w) + ":" + strconv.Itoa(i)
				if i%10 == 0 {
					key = "ip:shared"
				}
				if _, err := m.Allow(ctx, key, p); err != nil {
					t.Errorf("Allow(%s): %v", key, err)
					return
				}
				if i%500 == 0 {
					if n := m.Len(); n > maxKeys {
						t.Errorf("%d keys, want ≤ %d", n, maxKeys)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if n := m.Len(); n > maxKeys || n < maxKeys*9/10 {
		t.Errorf("%d keys after %d, want between %d and %d", n, workers*perWorker, maxKeys*9/10, maxKeys)
	}
}
