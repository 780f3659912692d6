package ratelimit

import "context"

// Check is one decision for Decide: Allow when Consume is set, else Peek.
type Check struct {
	Key     string
	Policy  Policy
	Consume bool
}

// Decider is a Limiter that takes several decisions in one call: the
// Redis limiter sends them in one round trip. Each decision is exactly the
// one Allow or Peek would take at that moment, in order; the checks are
// not atomic together (a decision on one key never depends on another).
type Decider interface {
	Decide(ctx context.Context, checks []Check) ([]Decision, error)
}

// Decide takes checks through l, in one call when l is a Decider and one
// by one otherwise. It returns one Decision per check, or the first error.
func Decide(ctx context.Context, l Limiter, checks []Check) ([]Decision, error) {
	if d, ok := l.(Decider); ok {
		return d.Decide(ctx, checks)
	}
	out := make([]Decision, len(checks))
	for i, c := range checks {
		var err error
		if c.Consume {
			out[i], err = l.Allow(ctx, c.Key, c.Policy)
		} else {
			out[i], err = l.Peek(ctx, c.Key, c.Policy)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
