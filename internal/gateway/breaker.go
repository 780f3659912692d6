package gateway

import (
	"sync"
	"time"
)

// State is a circuit breaker state.
type State int

// The breaker states.
const (
	// Closed lets every call through and counts consecutive failures.
	Closed State = iota
	// Open refuses every call until the cool-down has passed.
	Open
	// HalfOpen lets one probe call through; its outcome closes or reopens
	// the circuit.
	HalfOpen
)

// String names the state.
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half_open"
	}
	return "unknown"
}

// outcome is what a call admitted by the breaker came to.
type outcome int

const (
	success outcome = iota
	failed
	// neutral calls say nothing about the upstream (our caller gave up);
	// they release a probe slot without changing the state.
	neutral
)

// breaker is a consecutive-failure circuit breaker: closed → open after
// threshold failures in a row → half-open (one probe) after coolDown →
// closed on the probe's success, open again on its failure.
type breaker struct {
	threshold int
	coolDown  time.Duration
	now       func() time.Time

	mu       sync.Mutex
	state    State
	failures int
	openedAt time.Time
	probing  bool // a half-open probe is in flight
}

func newBreaker(threshold int, coolDown time.Duration, now func() time.Time) *breaker {
	return &breaker{threshold: threshold, coolDown: coolDown, now: now}
}

// allow admits a call or refuses it with an *UnavailableError. probe is
// true for the one call admitted in the half-open state.
func (b *breaker) allow() (probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case Closed:
		return false, nil
	case Open:
		if wait := b.openedAt.Add(b.coolDown).Sub(b.now()); wait > 0 {
			return false, &UnavailableError{RetryAfter: atLeastSecond(wait)}
		}
		b.state = HalfOpen
	}
	if b.probing {
		return false, &UnavailableError{RetryAfter: time.Second}
	}
	b.probing = true
	return true, nil
}

// record reports the outcome of an admitted call and returns the state
// transition it caused (from == to when none).
func (b *breaker) record(probe bool, o outcome) (from, to State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	from = b.state
	if probe {
		b.probing = false
	}
	switch o {
	case success:
		b.failures = 0
		if probe || b.state == HalfOpen {
			b.state = Closed
		}
	case failed:
		b.failures++
		if probe || b.state == HalfOpen || (b.state == Closed && b.failures >= b.threshold) {
			b.state, b.openedAt = Open, b.now()
		}
	}
	return from, b.state
}

// current returns the state as callers would see it now (an open circuit
// whose cool-down has passed reads as half-open) and, when open, the time
// left.
func (b *breaker) current() (State, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == Open {
		if wait := b.openedAt.Add(b.coolDown).Sub(b.now()); wait > 0 {
			return Open, atLeastSecond(wait)
		}
		return HalfOpen, 0
	}
	return b.state, 0
}

func atLeastSecond(d time.Duration) time.Duration {
	return max(d, time.Second)
}
