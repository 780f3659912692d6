package gateway

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Every failure of the upstream is ErrUpstream wrapping a
// short reason of our own (never bytes the upstream sent); a timeout is
// also ErrTimeout. ErrUnavailable means the circuit breaker refused the call
// without contacting the upstream. ErrRejected means the upstream refused
// this text with a 4xx (the caller's request, not the upstream, is at
// fault); ErrBusy means it answered 408 or 429. Neither counts toward the
// circuit breaker.
var (
	ErrUpstream    = errors.New("gateway: upstream error")
	ErrTimeout     = fmt.Errorf("%w: timeout", ErrUpstream)
	ErrUnavailable = errors.New("gateway: upstream unavailable (circuit open)")
	ErrRejected    = errors.New("gateway: upstream rejected the text")
	ErrBusy        = errors.New("gateway: upstream busy")
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

// blame says what an unsuccessful upstream exchange says about the
// upstream, and so whether the circuit breaker counts it.
type blame int

const (
	// blameUpstream: transport failure, timeout, 5xx, redirect, malformed
	// answer. Counts toward the breaker.
	blameUpstream blame = iota
	// blameText: a 4xx that depends on what was sent (400, 403, 413, 422,
	// and any 4xx not listed below). The caller's fault: ErrRejected.
	blameText
	// blameSetup: a 4xx no text can cause (401, 404, 405, 406, 407, 410,
	// 411, 415, 426): SAMO's URL or credentials are wrong. ErrUpstream, but
	// not counted, so it never opens the circuit; Ready reports it.
	blameSetup
	// blameLoad: 408 or 429, the upstream sheds load. ErrBusy.
	blameLoad
)

// failure is an upstream failure: a reason code for events and metrics and
// the error returned to the caller.
type failure struct {
	reason string // timeout, connect, status, redirect, too_large, content_type, malformed, transport, rejected, busy
	status int    // upstream HTTP status when reason is status, redirect, rejected or busy
	blame  blame
	err    error // wraps ErrUpstream, ErrRejected or ErrBusy
}

func (f *failure) Error() string { return f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

func upstreamFailure(reason, msg string) *failure {
	return &failure{reason: reason, err: fmt.Errorf("%w: %s", ErrUpstream, msg)}
}

// statusFailure classifies a non-200 answer.
func statusFailure(status int) *failure {
	switch {
	case status >= 300 && status < 400:
		return &failure{reason: "redirect", status: status,
			err: fmt.Errorf("%w: redirect (status %d) refused", ErrUpstream, status)}
	case status == 408, status == 429:
		return &failure{reason: "busy", status: status, blame: blameLoad,
			err: fmt.Errorf("%w: status %d", ErrBusy, status)}
	case status == 401, status == 404, status == 405, status == 406, status == 407, status == 410,
		status == 411, status == 415, status == 426:
		return &failure{reason: "status", status: status, blame: blameSetup,
			err: fmt.Errorf("%w: status %d (check MODEL_BACKEND_URL and its credentials)", ErrUpstream, status)}
	case status >= 400 && status < 500:
		return &failure{reason: "rejected", status: status, blame: blameText,
			err: fmt.Errorf("%w: status %d", ErrRejected, status)}
	}
	return &failure{reason: "status", status: status, err: fmt.Errorf("%w: status %d", ErrUpstream, status)}
}
