package kv

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samo-brain/samo/internal/ratelimit"
)

// roundTrips counts the commands and pipelines a client sends.
type roundTrips struct{ cmds, pipelines atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.cmds.Add(1); return next(ctx, cmd) }
}
func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.pipelines.Add(1); return next(ctx, cmds) }
}

// TestDecideOneRoundTrip: the checks of one Decide reach Redis as one
// pipeline, and after Redis lost its scripts (SCRIPT FLUSH, a restart)
// Decide loads them again and answers, counting each Allow once.
func TestDecideOneRoundTrip(t *testing.T) {
	ctx := context.Background()
	c := testClient(t)
	h := &roundTrips{}
	c.rdb.AddHook(h)
	l := c.Limiter(nil)
	p := ratelimit.Policy{Name: "ip", Limit: 10, Window: time.Minute}
	checks := []ratelimit.Check{{Key: "ip:a", Policy: p, Consume: true}, {Key: "authfail:a", Policy: p}, {Key: "principal:u", Policy: p, Consume: true}}
	if _, err := l.Decide(ctx, checks); err != nil {
		t.Fatal(err)
	}
	h.cmds.Store(0)
	h.pipelines.Store(0)
	ds, err := l.Decide(ctx, checks)
	if err != nil {
		t.Fatal(err)
	}
	if n, m := h.pipelines.Load(), h.cmds.Load(); n != 1 || m != 0 {
		t.Errorf("one Decide of %d checks sent %d pipelines and %d single commands, want 1 and 0", len(checks), n, m)
	}
	if ds[0].Remaining != 8 || ds[1].Remaining != 10 || ds[2].Remaining != 8 {
		t.Errorf("decisions %+v: want 8, 10 (peeked) and 8 remaining", ds)
	}
	if err := c.rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	ds, err = l.Decide(ctx, checks)
	if err != nil {
		t.Fatalf("Decide after SCRIPT FLUSH: %v", err)
	}
	if ds[0].Remaining != 7 || ds[2].Remaining != 7 {
		t.Errorf("after SCRIPT FLUSH: %+v; want each Allow counted once (7 remaining)", ds)
	}
}

// TestFailOpenDecide: with the shared limiter down, Decide falls back to
// the local one for all its checks.
func TestFailOpenDecide(t *testing.T) {
	ctx := context.Background()
	p := ratelimit.Policy{Name: "p", Limit: 1, Window: time.Minute}
	f := FailOpen(deadClient(t).Limiter(nil), ratelimit.NewMemory(nil, 0), nil)
	checks := []ratelimit.Check{{Key: "a", Policy: p, Consume: true}, {Key: "b", Policy: p}}
	for i, want := range []bool{true, false} {
		ds, err := f.Decide(ctx, checks)
		if err != nil || ds[0].Allowed != want || !ds[1].Allowed {
			t.Errorf("Decide %d = %+v, %v; want a allowed=%v and b's budget untouched", i, ds, err, want)
		}
	}
	if !f.Degraded() {
		t.Error("not degraded with the shared limiter down")
	}
}
