package gateway

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for breaker tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestBreakerSequences(t *testing.T) {
	// Steps: "ok"/"fail"/"neutral" = an admitted call with that outcome
	// (the step fails if the call is refused), "refused" = allow must
	// refuse, "wait" = advance past the cool-down, "tick" = advance 1s.
	cases := []struct {
		name  string
		steps []string
		want  State
	}{
		{"stays closed below threshold", []string{"fail", "fail", "ok", "fail", "fail"}, Closed},
		{"opens at threshold", []string{"fail", "fail", "fail", "refused"}, Open},
		{"success resets the count", []string{"fail", "fail", "ok", "fail", "fail", "ok"}, Closed},
		{"open refuses until cool-down", []string{"fail", "fail", "fail", "tick", "refused", "tick", "refused"}, Open},
		{"probe success closes", []string{"fail", "fail", "fail", "wait", "ok", "ok"}, Closed},
		{"probe failure reopens", []string{"fail", "fail", "fail", "wait", "fail", "refused"}, Open},
		{"reopened circuit waits a full cool-down", []string{"fail", "fail", "fail", "wait", "fail", "tick", "refused", "wait", "ok"}, Closed},
		{"neutral probe leaves half-open", []string{"fail", "fail", "fail", "wait", "neutral", "ok"}, Closed},
		{"neutral calls do not count", []string{"fail", "fail", "neutral", "neutral", "ok"}, Closed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := newFakeClock()
			b := newBreaker(3, 10*time.Second, clk.Now)
			for i, s := range c.steps {
				switch s {
				case "wait":
					clk.Advance(10 * time.Second)
				case "tick":
					clk.Advance(time.Second)
				case "refused":
					if _, err := b.allow(); !errors.Is(err, ErrUnavailable) {
						t.Fatalf("step %d: allow() = %v, want ErrUnavailable", i, err)
					}
				default:
					probe, err := b.allow()
					if err != nil {
						t.Fatalf("step %d (%s): allow() = %v, want admitted", i, s, err)
					}
					b.record(probe, map[string]outcome{"ok": success, "fail": failed, "neutral": neutral}[s])
				}
			}
			if got, _ := b.current(); got != c.want {
				t.Errorf("state = %v, want %v", got, c.want)
			}
		})
	}
}

func TestBreakerHalfOpenAdmitsOneProbe(t *testing.T) {
	clk := newFakeClock()
	b := newBreaker(1, 5*time.Second, clk.Now)
	p, _ := b.allow()
	b.record(p, failed)
	clk.Advance(5 * time.Second)
	probe, err := b.allow()
	if err != nil || !probe {
		t.Fatalf("first call after cool-down: probe=%v err=%v, want the probe", probe, err)
	}
	if _, err := b.allow(); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("second call while probing: %v, want ErrUnavailable", err)
	}
	if got := RetryAfter(func() error { _, err := b.allow(); return err }()); got != time.Second {
		t.Errorf("Retry-After while probing = %v, want 1s", got)
	}
	if from, to := b.record(probe, success); from != HalfOpen || to != Closed {
		t.Errorf("probe success: %v → %v, want half_open → closed", from, to)
	}
}

func TestBreakerRetryAfter(t *testing.T) {
	cases := []struct {
		name    string
		elapsed time.Duration
		want    time.Duration
	}{
		{"just opened", 0, 10 * time.Second},
		{"partway", 7*time.Second + 500*time.Millisecond, 2500 * time.Millisecond},
		{"under a second left", 9*time.Second + 900*time.Millisecond, time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := newFakeClock()
			b := newBreaker(1, 10*time.Second, clk.Now)
			p, _ := b.allow()
			b.record(p, failed)
			clk.Advance(c.elapsed)
			_, err := b.allow()
			if got := RetryAfter(err); got != c.want {
				t.Errorf("RetryAfter = %v, want %v (err %v)", got, c.want, err)
			}
		})
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{Closed: "closed", Open: "open", HalfOpen: "half_open", State(9): "unknown"} {
		if got := s.String(); got != want {
			t.Errorf("State(%d).String() = %q, want %q", int(s), got, want)
		}
	}
}
