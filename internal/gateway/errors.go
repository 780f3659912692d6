package gateway

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Every failure of the upstream is ErrUpstream wrapping a
// short reason of our own (never bytes the upstream sent); a timeout is
// also ErrTimeout. ErrUnavailable means the circuit breaker refused the call
// without contacting the upstream.
var (
	ErrUpstream    = errors.New("gateway: upstream error")
	ErrTimeout     = fmt.Errorf("%w: timeout", ErrUpstream)
	ErrUnavailable = errors.New("gateway: upstream unavailable (circuit open)")
	ErrConfig      = errors.New("gateway: invalid configuration")
)

// UnavailableError is returned while the circuit is open. It matches
// ErrUnavailable with errors.Is and says when a retry may succeed.
type UnavailableError struct {
	// RetryAfter is the time left until the breaker lets a probe through
	// (at least one second).
	RetryAfter time.Duration
}

// Error describes the refusal.
func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%v; retry after %v", ErrUnavailable, e.RetryAfter)
}

// Is reports whether target is ErrUnavailable.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// RetryAfter returns how long to wait before retrying a call refused with
// ErrUnavailable (0 when err is not such a refusal).
func RetryAfter(err error) time.Duration {
	var u *UnavailableError
	if errors.As(err, &u) {
		return u.RetryAfter
	}
	return 0
}

// failure is an upstream failure: a reason code for events and metrics and
// the error returned to the caller.
type failure struct {
	reason string // timeout, connect, status, redirect, too_large, content_type, malformed, transport
	status int    // upstream HTTP status when reason is status or redirect
	err    error  // wraps ErrUpstream
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func upstreamFailure(reason, msg string) *failure {
	return &failure{reason: reason, err: fmt.Errorf("%w: %s", ErrUpstream, msg)}
}
