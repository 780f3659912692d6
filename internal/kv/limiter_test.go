package kv

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/ratelimit/ratelimittest"
)

func TestLimiterConformance(t *testing.T) {
	// Checked here too, so that without Redis the parent test itself skips
	// (or fails under CI=true) instead of passing with every subtest skipped.
	testRedisURL(t)
	ratelimittest.Run(t, func(t *testing.T, now func() time.Time) ratelimit.Limiter {
		return testClient(t).Limiter(now)
	})
}

// TestLimiterSharedServerClock: two clients (two replicas) on the Redis
// server's clock share one budget.
func TestLimiterSharedServerClock(t *testing.T) {
	ctx := context.Background()
	a := testClient(t)
	b, err := Open(testRedisURL(t), Options{Prefix: a.prefix})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p := ratelimit.Policy{Name: "shared", Limit: 5, Window: time.Minute}
	la, lb := a.Limiter(nil), b.Limiter(nil)
	allowed := 0
	for i := range 10 {
		l := la
		if i%2 == 1 {
			l = lb
		}
		d, err := l.Allow(ctx, "principal:u1", p)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			allowed++
			continue
		}
		if d.RetryAfter <= 0 || d.RetryAfter > time.Minute || d.Remaining != 0 {
			t.Errorf("request %d refused with %+v; want RetryAfter in (0, 1m], Remaining 0", i+1, d)
		}
	}
	if allowed != p.Limit {
		t.Errorf("two replicas allowed %d, want %d in total", allowed, p.Limit)
	}
}

func BenchmarkRedisAllow(b *testing.B) {
	c := testClient(b)
	l := c.Limiter(nil)
	ctx := context.Background()
	p := ratelimit.Policy{Name: "bench", Limit: ratelimit.MaxLimit, Window: time.Second}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, err := l.Allow(ctx, "principal:bench"+strconv.Itoa(i%64), p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
