package kv

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/samo-brain/samo/internal/ratelimit"
)

// FailOpenLimiter is the REDIS_FAIL_OPEN=true rate limiter: it asks the
// shared limiter and, only when that fails with ErrUnavailable, decides with
// a local (per-replica) limiter instead of refusing the request. While
// degraded, each replica enforces the policy on its own, so the fleet admits
// up to replicas × limit. Nothing else fails open: authentication, token
// revocation and IP blocks keep failing closed.
type FailOpenLimiter struct {
	shared, local ratelimit.Limiter
	onChange      func(degraded bool, cause error)
	degraded      atomic.Bool
}

var (
	_ ratelimit.Limiter = (*FailOpenLimiter)(nil)
	_ ratelimit.Decider = (*FailOpenLimiter)(nil)
)

// FailOpen returns a FailOpenLimiter. onChange (optional) is called once
// when decisions switch to the local limiter, with the cause, and once when
// the shared limiter answers again, so the switch is logged once per outage
// rather than per request.
func FailOpen(shared, local ratelimit.Limiter, onChange func(degraded bool, cause error)) *FailOpenLimiter {
	return &FailOpenLimiter{shared: shared, local: local, onChange: onChange}
}

// Allow implements ratelimit.Limiter.
func (f *FailOpenLimiter) Allow(ctx context.Context, key string, p ratelimit.Policy) (ratelimit.Decision, error) {
	d, err := f.shared.Allow(ctx, key, p)
	if f.fallback(err) {
		return f.local.Allow(ctx, key, p)
	}
	return d, err
}

// Peek implements ratelimit.Limiter.
func (f *FailOpenLimiter) Peek(ctx context.Context, key string, p ratelimit.Policy) (ratelimit.Decision, error) {
	d, err := f.shared.Peek(ctx, key, p)
	if f.fallback(err) {
		return f.local.Peek(ctx, key, p)
	}
	return d, err
}

// Decide implements ratelimit.Decider: the shared limiter takes all the
// checks (in one round trip) or, when it is unavailable, the local one.
func (f *FailOpenLimiter) Decide(ctx context.Context, checks []ratelimit.Check) ([]ratelimit.Decision, error) {
	ds, err := ratelimit.Decide(ctx, f.shared, checks)
	if f.fallback(err) {
		return ratelimit.Decide(ctx, f.local, checks)
	}
	return ds, err
}

// Degraded reports whether the last decision was made locally.
func (f *FailOpenLimiter) Degraded() bool { return f.degraded.Load() }

// fallback records the shared limiter's health and reports whether the
// local limiter must decide.
func (f *FailOpenLimiter) fallback(err error) bool {
	down := errors.Is(err, ErrUnavailable)
	if (down || err == nil) && f.degraded.CompareAndSwap(!down, down) && f.onChange != nil {
		f.onChange(down, err)
	}
	return down
}
