package secevent

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"
)

type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// One source flooding a stalled pipeline fills only its share of the
// buffer: another source's events still get in, and only the flooder's
// are shed.
func TestPipelineFairShare(t *testing.T) {
	t.Parallel()
	p := NewPipeline(256, nil, nil) // not running: nothing drains
	ctx := context.Background()
	for i := range 10_000 {
		p.Record(ctx, Event{Type: InjectionDetected, Severity: Medium, ClientIP: "198.51.100.7", Details: map[string]string{"n": strconv.Itoa(i)}})
	}
	// The same client from another address of its IPv6 /64 is the same source.
	for range 100 {
		p.Record(ctx, Event{Type: InjectionDetected, Severity: Medium, ClientIP: "2001:db8::1"})
		p.Record(ctx, Event{Type: InjectionDetected, Severity: Medium, ClientIP: "2001:db8::2"})
	}
	for range 3 {
		p.Record(ctx, Event{Type: AuthFailure, Severity: Medium, ClientIP: "203.0.113.9"})
	}
	got := map[string]int{}
	for len(p.ch) > 0 {
		q := <-p.ch
		got[q.e.ClientIP]++
	}
	if got["203.0.113.9"] != 3 {
		t.Errorf("the other source's events: %d of 3 queued (a flood shed them)", got["203.0.113.9"])
	}
	if n := got["198.51.100.7"]; n != p.perShare {
		t.Errorf("the flooder holds %d slots, want its share %d", n, p.perShare)
	}
	if n := got["2001:db8::1"] + got["2001:db8::2"]; n != p.perShare {
		t.Errorf("one IPv6 /64 holds %d slots, want one share %d", n, p.perShare)
	}
	if want := int64(10_000 + 200 - 2*p.perShare); p.Shed() != want {
		t.Errorf("shed %d, want %d (only the flooders' events)", p.Shed(), want)
	}
}

// Repeated low events of one type from one source are stored once per
// minute plus one summary with the count; other sources, types and
// severities are not folded together.
func TestPipelineAggregatesLowEventsPerMinute(t *testing.T) {
	t.Parallel()
	clock := &stepClock{t: time.Date(2026, 5, 1, 10, 0, 5, 0, time.UTC)}
	sink := &memSink{}
	p := NewPipeline(1024, nil, clock.Now, sink)
	ctx := context.Background()
	for range 500 {
		p.Record(ctx, Event{Type: AuthFailure, Severity: Low, ClientIP: "192.0.2.1", RequestID: "r", Details: map[string]string{"reason": "missing"}})
	}
	p.Record(ctx, Event{Type: AuthFailure, Severity: Low, ClientIP: "192.0.2.2", Details: map[string]string{"reason": "missing"}})
	p.Record(ctx, Event{Type: AuthFailure, Severity: Low, ClientIP: "192.0.2.1", Details: map[string]string{"reason": "other"}})
	for range 4 {
		p.Record(ctx, Event{Type: AuthFailure, Severity: Medium, ClientIP: "192.0.2.1"})
	}
	if n := len(p.ch); n != 7 {
		t.Fatalf("%d events queued, want 7 (first low of each source, type and details, and the 4 medium)", n)
	}
	p.flushAggregates(clock.Now(), false) // same minute: nothing yet
	if n := len(sink.all()); n != 0 {
		t.Fatalf("%d summaries written before the minute ended", n)
	}
	clock.Set(time.Date(2026, 5, 1, 10, 1, 0, 0, time.UTC))
	p.Record(ctx, Event{Type: AuthFailure, Severity: Low, ClientIP: "192.0.2.1", Details: map[string]string{"reason": "missing"}}) // a new minute starts afresh
	p.flushAggregates(clock.Now(), false)
	sums := sink.all()
	if len(sums) != 1 {
		t.Fatalf("%d summaries, want 1: %+v", len(sums), sums)
	}
	s := sums[0]
	if s.Type != AuthFailure || s.ClientIP != "192.0.2.1" || s.Details["repeats"] != "499" || s.Details["reason"] != "missing" ||
		s.Details["window_start"] != "2026-05-01T10:00:00Z" || s.Details["first_request_id"] != "r" || s.Severity != Low {
		t.Errorf("summary = %+v", s)
	}
	if n := len(p.ch); n != 8 {
		t.Errorf("%d events queued, want 8 (the new minute's first)", n)
	}
}
