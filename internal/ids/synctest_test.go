package ids

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/secevent/seceventtest"
)

// TestBlockLifecycleRealClock runs a block's life on the real time.Now
// inside a synctest bubble, where sleeping advances a fake clock instantly.
func TestBlockLifecycleRealClock(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rec := &seceventtest.Collector{}
		d, err := New(DefaultConfig(), NewMemoryBlockStore(0), rec, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		blocked := func() bool {
			_, ok, err := d.Check(ctx, ipA)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		for i, ttl := range []time.Duration{15 * time.Minute, time.Hour, 24 * time.Hour} {
			for range 6 {
				if err := d.Observe(ctx, ipA, SignalInjection, ""); err != nil {
					t.Fatal(err)
				}
			}
			if !blocked() {
				t.Fatalf("offence %d: not blocked", i+1)
			}
			time.Sleep(ttl - time.Second)
			if !blocked() {
				t.Errorf("offence %d: unblocked a second early", i+1)
			}
			time.Sleep(time.Second)
			if blocked() {
				t.Errorf("offence %d: still blocked after %v", i+1, ttl)
			}
		}
		if n := rec.Count(secevent.IPBlocked); n != 3 {
			t.Errorf("%d ip_blocked events, want 3", n)
		}
	})
}
