package ids

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/reqctx"
)

// peekLimiter records the calls made to it and answers Peek with dec/err.
type peekLimiter struct {
	dec    ratelimit.Decision
	err    error
	peeks  []string // keys peeked
	allows int
}

func (l *peekLimiter) Allow(context.Context, string, ratelimit.Policy) (ratelimit.Decision, error) {
	l.allows++
	return l.dec, l.err
}

func (l *peekLimiter) Peek(_ context.Context, key string, _ ratelimit.Policy) (ratelimit.Decision, error) {
	l.peeks = append(l.peeks, key)
	return l.dec, l.err
}

func TestAuthFailBudget(t *testing.T) {
	t.Parallel()
	policy := ratelimit.Policy{Name: "auth_failures", Limit: 30, Window: 15 * time.Minute}
	addr := netip.MustParseAddr("2001:db8::1")
	errDown := errors.New("limiter down")
	withInfo := func(info *reqctx.Info) context.Context { return reqctx.With(context.Background(), info) }
	cases := []struct {
		name      string
		ctx       context.Context
		nilLimit  bool
		policy    ratelimit.Policy
		dec       ratelimit.Decision
		err       error
		want      reqctx.Budget
		wantErr   error
		wantPeeks []string
	}{
		{"no limiter: no budget", withInfo(&reqctx.Info{ClientIP: addr}), true, policy,
			ratelimit.Decision{}, nil, reqctx.Budget{}, nil, nil},
		{"no limit: no budget, limiter untouched", withInfo(&reqctx.Info{ClientIP: addr}), false, ratelimit.Policy{Name: "auth_failures"},
			ratelimit.Decision{}, nil, reqctx.Budget{}, nil, nil},
		{"reading of the IP step is reused", withInfo(&reqctx.Info{ClientIP: addr, AuthFailBudget: &reqctx.Budget{Exhausted: true, RetryAfter: time.Minute}}), false, policy,
			ratelimit.Decision{Allowed: true}, nil, reqctx.Budget{Exhausted: true, RetryAfter: time.Minute}, nil, nil},
		{"budget left: peeked under the address's key", withInfo(&reqctx.Info{ClientIP: addr}), false, policy,
			ratelimit.Decision{Allowed: true, Remaining: 3}, nil, reqctx.Budget{}, nil, []string{AuthFailKey(addr)}},
		{"budget spent: exhausted with retry", withInfo(&reqctx.Info{ClientIP: addr}), false, policy,
			ratelimit.Decision{RetryAfter: 42 * time.Second}, nil, reqctx.Budget{Exhausted: true, RetryAfter: 42 * time.Second}, nil, []string{AuthFailKey(addr)}},
		{"no request info: the zero address's key", context.Background(), false, policy,
			ratelimit.Decision{}, nil, reqctx.Budget{Exhausted: true}, nil, []string{AuthFailKey(netip.Addr{})}},
		{"limiter error", withInfo(&reqctx.Info{ClientIP: addr}), false, policy,
			ratelimit.Decision{Allowed: true}, errDown, reqctx.Budget{}, errDown, []string{AuthFailKey(addr)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stub := &peekLimiter{dec: c.dec, err: c.err}
			var l ratelimit.Limiter = stub
			if c.nilLimit {
				l = nil
			}
			got, err := AuthFailBudget(c.ctx, l, c.policy)
			if got != c.want || !errors.Is(err, c.wantErr) {
				t.Errorf("AuthFailBudget = %+v, %v; want %+v, %v", got, err, c.want, c.wantErr)
			}
			if stub.allows != 0 {
				t.Errorf("Allow called %d times; reading the budget must never spend it", stub.allows)
			}
			if len(stub.peeks) != len(c.wantPeeks) || len(c.wantPeeks) > 0 && stub.peeks[0] != c.wantPeeks[0] {
				t.Errorf("peeked %q, want %q", stub.peeks, c.wantPeeks)
			}
		})
	}
}

// TestAuthFailBudgetMemory: with a real limiter, failures spent with Allow
// under AuthFailKey exhaust the budget AuthFailBudget reads, for the whole
// IPv6 /64, and reading it spends nothing.
func TestAuthFailBudgetMemory(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := ratelimit.NewMemory(func() time.Time { return now }, 100)
	policy := ratelimit.Policy{Name: "auth_failures", Limit: 3, Window: time.Minute}
	ctx := reqctx.With(context.Background(), &reqctx.Info{ClientIP: netip.MustParseAddr("2001:db8::1")})
	for i := 0; i < 10; i++ { // reading never spends
		if b, err := AuthFailBudget(ctx, l, policy); err != nil || b.Exhausted {
			t.Fatalf("read %d before any failure: %+v, %v", i, b, err)
		}
	}
	for i := 0; i < policy.Limit; i++ {
		if _, err := l.Allow(ctx, AuthFailKey(netip.MustParseAddr("2001:db8::2")), policy); err != nil {
			t.Fatal(err)
		}
	}
	b, err := AuthFailBudget(ctx, l, policy)
	if err != nil || !b.Exhausted || b.RetryAfter != time.Minute {
		t.Errorf("after %d failures in the same /64: %+v, %v; want exhausted, retry after 1m", policy.Limit, b, err)
	}
}
