// Package ratelimittest is the conformance suite every ratelimit.Limiter
// implementation (memory now, Redis later) must pass, plus a fake clock.
package ratelimittest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ratelimit"
)

// Clock is a manually advanced clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the current fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// NewLimiter builds a fresh, empty limiter that reads time from now.
type NewLimiter func(t *testing.T, now func() time.Time) ratelimit.Limiter

// Run runs the conformance suite against limiters built by newLimiter.
func Run(t *testing.T, newLimiter NewLimiter) {
	t.Run("ExactUnderConcurrency", func(t *testing.T) { testExact(t, newLimiter) })
	t.Run("RefusalsConsumeNothing", func(t *testing.T) { testRefusals(t, newLimiter) })
	t.Run("WindowSlides", func(t *testing.T) { testSliding(t, newLimiter) })
	t.Run("WarnOncePerWindow", func(t *testing.T) { testWarn(t, newLimiter) })
	t.Run("Peek", func(t *testing.T) { testPeek(t, newLimiter) })
	t.Run("KeysAndPoliciesIndependent", func(t *testing.T) { testIndependent(t, newLimiter) })
	t.Run("LoweredLimit", func(t *testing.T) { testLowered(t, newLimiter) })
	t.Run("InvalidInput", func(t *testing.T) { testInvalid(t, newLimiter) })
	t.Run("Decide", func(t *testing.T) { testDecide(t, newLimiter) })
}

// testDecide: ratelimit.Decide takes each check as Allow or Peek would,
// in order, whether the limiter batches them (Decider) or not.
func testDecide(t *testing.T, newLimiter NewLimiter) {
	clk := NewClock(epoch)
	l := newLimiter(t, clk.Now)
	ctx := context.Background()
	ip := ratelimit.Policy{Name: "ip", Limit: 3, Window: time.Minute}
	budget := ratelimit.Policy{Name: "authfail", Limit: 2, Window: time.Minute}
	// Spend the budget entirely, then ask for both in one call, repeatedly.
	allow(t, l, "authfail:a", budget)
	allow(t, l, "authfail:a", budget)
	checks := []ratelimit.Check{
		{Key: "ip:a", Policy: ip, Consume: true},
		{Key: "authfail:a", Policy: budget},
		{Key: "authfail:b", Policy: budget},
	}
	for i, w := range []want{{true, 2, time.Minute, 0, false}, {true, 1, time.Minute, 0, false}, {true, 0, time.Minute, 0, true}, {false, 0, time.Minute, time.Minute, false}} {
		ds, err := ratelimit.Decide(ctx, l, checks)
		if err != nil || len(ds) != len(checks) {
			t.Fatalf("Decide %d = %v, %v; want %d decisions", i, ds, err, len(checks))
		}
		check(t, fmt.Sprintf("Decide %d: ip allow", i), ds[0], w, ip.Limit)
		check(t, fmt.Sprintf("Decide %d: spent budget peek", i), ds[1], want{false, 0, time.Minute, time.Minute, false}, budget.Limit)
		check(t, fmt.Sprintf("Decide %d: fresh budget peek", i), ds[2], want{true, 2, time.Minute, 0, false}, budget.Limit)
	}
	// Peeking consumed nothing.
	check(t, "allow on the peeked key", allow(t, l, "authfail:b", budget), want{true, 1, time.Minute, 0, false}, budget.Limit)
	if _, err := ratelimit.Decide(ctx, l, []ratelimit.Check{{Key: "ip:a", Policy: ip}, {Key: "", Policy: ip}}); !errors.Is(err, ratelimit.ErrInvalidKey) {
		t.Errorf("Decide with an empty key: %v, want ErrInvalidKey", err)
	}
}

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func allow(t *testing.T, l ratelimit.Limiter, key string, p ratelimit.Policy) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), key, p)
	if err != nil {
		t.Fatalf("Allow(%q, %+v): %v", key, p, err)
	}
	return d
}

// want checks the fields of d that the step specifies.
type want struct {
	allowed    bool
	remaining  int
	resetAfter time.Duration
	retryAfter time.Duration
	warn       bool
}

func check(t *testing.T, step string, d ratelimit.Decision, w want, limit int) {
	t.Helper()
	got := want{d.Allowed, d.Remaining, d.ResetAfter, d.RetryAfter, d.Warn}
	if got != w || d.Limit != limit {
		t.Errorf("%s: got %+v limit %d, want %+v limit %d", step, got, d.Limit, w, limit)
	}
}

func testExact(t *testing.T, newLimiter NewLimiter) {
	const limit, workers, perWorker = 100, 64, 8
	clock := NewClock(epoch)
	l := newLimiter(t, clock.Now)
	p := ratelimit.Policy{Name: "exact", Limit: limit, Window: time.Hour}

	var (
		mu        sync.Mutex
		allowed   int
		warns     int
		remaining = map[int]int{}
		bad       []string
	)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range perWorker {
				d, err := l.Allow(context.Background(), "client", p)
				mu.Lock()
				switch {
				case err != nil:
					bad = append(bad, err.Error())
				case d.Allowed:
					allowed++
					remaining[d.Remaining]++
					if d.RetryAfter != 0 {
						bad = append(bad, fmt.Sprintf("allowed with RetryAfter %v", d.RetryAfter))
					}
				default:
					if d.Remaining != 0 || d.RetryAfter != time.Hour || d.ResetAfter != time.Hour {
						bad = append(bad, fmt.Sprintf("refused: got %+v, want Remaining 0, RetryAfter and ResetAfter 1h", d))
					}
				}
				if d.Warn {
					warns++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, b := range bad {
		t.Error(b)
	}
	if allowed != limit {
		t.Errorf("allowed %d of %d concurrent requests, want exactly %d", allowed, workers*perWorker, limit)
	}
	for r := range limit {
		if remaining[r] != 1 {
			t.Errorf("Remaining=%d reported %d times, want once (each allowed request gets its own slot)", r, remaining[r])
		}
	}
	if warns != 1 {
		t.Errorf("Warn fired %d times, want 1", warns)
	}
	check(t, "request N+1", allow(t, l, "client", p), want{retryAfter: time.Hour, resetAfter: time.Hour}, limit)
}

func testRefusals(t *testing.T, newLimiter NewLimiter) {
	clock := NewClock(epoch)
	l := newLimiter(t, clock.Now)
	p := ratelimit.Policy{Name: "refusals", Limit: 3, Window: 10 * time.Second}
	for i := range 3 {
		if d := allow(t, l, "k", p); !d.Allowed {
			t.Fatalf("request %d refused, want allowed", i+1)
		}
	}
	for s := 1; s < 10; s++ {
		clock.Advance(time.Second)
		for range 20 {
			d := allow(t, l, "k", p)
			check(t, fmt.Sprintf("refusal at +%ds", s), d, want{retryAfter: time.Duration(10-s) * time.Second, resetAfter: time.Duration(10-s) * time.Second}, 3)
		}
	}
	clock.Advance(time.Second) // +10 s: the three counted requests leave the window
	for i := range 3 {
		check(t, fmt.Sprintf("after window, request %d", i+1), allow(t, l, "k", p),
			want{allowed: true, remaining: 2 - i, resetAfter: 10 * time.Second, warn: i == 2}, 3)
	}
}

func testSliding(t *testing.T, newLimiter NewLimiter) {
	clock := NewClock(epoch)
	l := newLimiter(t, clock.Now)
	p := ratelimit.Policy{Name: "slide", Limit: 3, Window: 10 * time.Second}
	steps := []struct {
		name    string
		advance time.Duration
		want    want
	}{
		{"t=0 first", 0, want{allowed: true, remaining: 2, resetAfter: 10 * time.Second}},
		{"t=4 second", 4 * time.Second, want{allowed: true, remaining: 1, resetAfter: 6 * time.Second}},
		{"t=8 third crosses 80%", 4 * time.Second, want{allowed: true, remaining: 0, resetAfter: 2 * time.Second, warn: true}},
		{"t=9 refused until t=10", time.Second, want{retryAfter: time.Second, resetAfter: time.Second}},
		{"t=9.999 still refused", 999 * time.Millisecond, want{retryAfter: time.Millisecond, resetAfter: time.Millisecond}},
		{"t=10 first left the window", time.Millisecond, want{allowed: true, remaining: 0, resetAfter: 4 * time.Second}},
		{"t=11 refused until t=14", time.Second, want{retryAfter: 3 * time.Second, resetAfter: 3 * time.Second}},
		{"t=14 second left", 3 * time.Second, want{allowed: true, remaining: 0, resetAfter: 4 * time.Second}},
		{"t=40 everything left", 26 * time.Second, want{allowed: true, remaining: 2, resetAfter: 10 * time.Second}},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		check(t, s.name, allow(t, l, "k", p), s.want, 3)
	}
}

func testWarn(t *testing.T, newLimiter NewLimiter) {
	cases := []struct {
		limit, warnAt int // warnAt: the 1-based request that passes 80 %
	}{
		{1, 1}, {2, 2}, {4, 4}, {5, 5}, {10, 9}, {100, 81}, {101, 81},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("limit=%d", c.limit), func(t *testing.T) {
			clock := NewClock(epoch)
			l := newLimiter(t, clock.Now)
			p := ratelimit.Policy{Name: "warn", Limit: c.limit, Window: time.Minute}
			for window := range 2 {
				var got []int
				for i := 1; i <= c.limit+3; i++ {
					if allow(t, l, "k", p).Warn {
						got = append(got, i)
					}
				}
				if len(got) != 1 || got[0] != c.warnAt {
					t.Errorf("window %d: Warn on requests %v, want only on %d", window, got, c.warnAt)
				}
				clock.Advance(time.Minute)
			}
		})
	}

	// Hovering around 80 %: the count drops below the threshold as old
	// requests leave and crosses it again, but the warning is suppressed
	// until a full window has passed since it fired.
	clock := NewClock(epoch)
	l := newLimiter(t, clock.Now)
	p := ratelimit.Policy{Name: "hover", Limit: 10, Window: time.Minute}
	steps := []struct {
		name     string
		advance  time.Duration
		requests int
		warns    int
	}{
		{"t=0 eight requests, 80 % reached not passed", 0, 8, 0},
		{"t=30 ninth passes 80 %", 30 * time.Second, 1, 1},
		{"t=60 eight left, eight more re-cross within the window", 30 * time.Second, 8, 0},
		{"t=89 still within a window of the warning", 29 * time.Second, 0, 0},
		{"t=90 the t=30 request left; re-crossing a window after the warning", time.Second, 1, 1},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		warns := 0
		for range s.requests {
			d := allow(t, l, "k", p)
			if !d.Allowed {
				t.Fatalf("%s: refused %+v, want allowed", s.name, d)
			}
			if d.Warn {
				warns++
			}
		}
		if warns != s.warns {
			t.Errorf("%s: %d warnings, want %d", s.name, warns, s.warns)
		}
	}
}

func testPeek(t *testing.T, newLimiter NewLimiter) {
	clock := NewClock(epoch)
	l := newLimiter(t, clock.Now)
	p := ratelimit.Policy{Name: "peek", Limit: 2, Window: 10 * time.Second}
	peek := func(step string, w want) {
		t.Helper()
		d, err := l.Peek(context.Background(), "k", p)
		if err != nil {
			t.Fatalf("%s: Peek: %v", step, err)
		}
		check(t, step, d, w, 2)
	}
	for range 5 {
		peek("fresh key", want{allowed: true, remaining: 2, resetAfter: 10 * time.Second})
	}
	allow(t, l, "k", p)
	clock.Advance(3 * time.Second)
	peek("one used", want{allowed: true, remaining: 1, resetAfter: 7 * time.Second})
	allow(t, l, "k", p)
	peek("exhausted", want{retryAfter: 7 * time.Second, resetAfter: 7 * time.Second})
	clock.Advance(7 * time.Second)
	peek("first left", want{allowed: true, remaining: 1, resetAfter: 3 * time.Second})
}

func testIndependent(t *testing.T, newLimiter NewLimiter) {
	clock := NewClock(epoch)
	l := newLimiter(t, clock.Now)
	a := ratelimit.Policy{Name: "a", Limit: 2, Window: time.Minute}
	b := ratelimit.Policy{Name: "b", Limit: 2, Window: time.Minute}
	for range 2 {
		allow(t, l, "k1", a)
	}
	if allow(t, l, "k1", a).Allowed {
		t.Error("k1 under a: third request allowed, want refused")
	}
	if d := allow(t, l, "k2", a); !d.Allowed || d.Remaining != 1 {
		t.Errorf("k2 under a: got %+v, want allowed with Remaining 1", d)
	}
	if d := allow(t, l, "k1", b); !d.Allowed || d.Remaining != 1 {
		t.Errorf("k1 under b: got %+v, want allowed with Remaining 1", d)
	}
}

func testLowered(t *testing.T, newLimiter NewLimiter) {
	clock := NewClock(epoch)
	l := newLimiter(t, clock.Now)
	p := ratelimit.Policy{Name: "lower", Limit: 5, Window: 10 * time.Second}
	for range 5 {
		allow(t, l, "k", p)
		clock.Advance(time.Second)
	} // requests at t=0..4, now t=5
	p.Limit = 3
	// Five counted against a limit of three: a slot frees when the third
	// oldest (t=2) leaves at t=12.
	check(t, "lowered", allow(t, l, "k", p), want{retryAfter: 7 * time.Second, resetAfter: 7 * time.Second}, 3)
	clock.Advance(7 * time.Second)
	check(t, "t=12", allow(t, l, "k", p), want{allowed: true, remaining: 0, resetAfter: time.Second}, 3)
}

func testInvalid(t *testing.T, newLimiter NewLimiter) {
	clock := NewClock(epoch)
	l := newLimiter(t, clock.Now)
	ok := ratelimit.Policy{Name: "ok", Limit: 1, Window: time.Second}
	cases := []struct {
		name string
		key  string
		p    ratelimit.Policy
		want error
	}{
		{"empty key", "", ok, ratelimit.ErrInvalidKey},
		{"long key", string(make([]byte, ratelimit.MaxKeyLen+1)), ok, ratelimit.ErrInvalidKey},
		{"zero limit", "k", ratelimit.Policy{Name: "p", Window: time.Second}, ratelimit.ErrInvalidPolicy},
		{"huge limit", "k", ratelimit.Policy{Name: "p", Limit: ratelimit.MaxLimit + 1, Window: time.Second}, ratelimit.ErrInvalidPolicy},
		{"sub-second window", "k", ratelimit.Policy{Name: "p", Limit: 1, Window: time.Millisecond}, ratelimit.ErrInvalidPolicy},
		{"empty name", "k", ratelimit.Policy{Limit: 1, Window: time.Second}, ratelimit.ErrInvalidPolicy},
		{"quote in name", "k", ratelimit.Policy{Name: `a"b`, Limit: 1, Window: time.Second}, ratelimit.ErrInvalidPolicy},
		{"newline in name", "k", ratelimit.Policy{Name: "a\r\nX-Evil: 1", Limit: 1, Window: time.Second}, ratelimit.ErrInvalidPolicy},
	}
	for _, c := range cases {
		for _, op := range []struct {
			name string
			f    func(context.Context, string, ratelimit.Policy) (ratelimit.Decision, error)
		}{{"Allow", l.Allow}, {"Peek", l.Peek}} {
			d, err := op.f(context.Background(), c.key, c.p)
			if !errors.Is(err, c.want) || d.Allowed {
				t.Errorf("%s %s: got %+v, %v; want not allowed, %v", op.name, c.name, d, err, c.want)
			}
		}
	}
}
