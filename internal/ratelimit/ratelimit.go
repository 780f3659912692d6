package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors returned by limiters. Callers match them with errors.Is.
var (
	// ErrInvalidPolicy reports a policy that fails Validate.
	ErrInvalidPolicy = errors.New("ratelimit: invalid policy")
	// ErrInvalidKey reports an empty or over-long limiter key.
	ErrInvalidKey = errors.New("ratelimit: invalid key")
)

// Bounds on policies and keys.
const (
	// MaxLimit is the largest Policy.Limit. A sliding-window log keeps one
	// timestamp per counted request, so the limit bounds per-key memory.
	MaxLimit = 1_000_000
	// MaxWindow is the longest Policy.Window.
	MaxWindow = 31 * 24 * time.Hour
	// MaxKeyLen is the longest key, in bytes, a limiter accepts.
	MaxKeyLen = 256
	// maxNameLen is the longest policy name.
	maxNameLen = 64
)

// ProblemType is the RFC 9457 problem type the IETF RateLimit draft
// registers for a 429 answer ("quota-exceeded"); the draft's
// "violated-policies" extension member lists the policy names.
const ProblemType = "https://iana.org/assignments/http-problem-types#quota-exceeded"

// Policy is a quota: at most Limit requests in any interval of length Window,
// per key. Name identifies the policy in the RateLimit headers and partitions
// limiter state, so the same key under two policies is counted separately.
type Policy struct {
	Name   string        // 1-64 characters of A-Z a-z 0-9 _ . -
	Limit  int           // requests allowed per Window, 1..MaxLimit
	Window time.Duration // 1 s .. MaxWindow
}

// Validate reports every problem with p, joined.
func (p Policy) Validate() error {
	var errs []error
	if !validName(p.Name) {
		errs = append(errs, fmt.Errorf("%w: name must be 1-%d characters of A-Z a-z 0-9 _ . -", ErrInvalidPolicy, maxNameLen))
	}
	if p.Limit < 1 || p.Limit > MaxLimit {
		errs = append(errs, fmt.Errorf("%w: limit %d outside 1..%d", ErrInvalidPolicy, p.Limit, MaxLimit))
	}
	if p.Window < time.Second || p.Window > MaxWindow {
		errs = append(errs, fmt.Errorf("%w: window %v outside 1s..%v", ErrInvalidPolicy, p.Window, MaxWindow))
	}
	return errors.Join(errs...)
}

// valid is the allocation-free form of Validate used on the hot path.
func (p Policy) valid() bool {
	return validName(p.Name) && p.Limit >= 1 && p.Limit <= MaxLimit &&
		p.Window >= time.Second && p.Window <= MaxWindow
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > maxNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !nameChar(s[i]) {
			return false
		}
	}
	return true
}

// nameChar reports whether c may appear in a policy name: [A-Za-z0-9_.-].
func nameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
}

// Decision is the outcome of one limiter call.
type Decision struct {
	// Allowed reports whether the request may proceed. A refused request
	// consumed no quota.
	Allowed bool
	// Limit is the policy's quota.
	Limit int
	// Remaining is the quota left in the current window after this request.
	Remaining int
	// ResetAfter is how long until Remaining next grows, that is, until the
	// oldest counted request leaves the window (the draft's "effective
	// window": until then the client can use at most Remaining). For a key
	// with nothing counted it is the whole window.
	ResetAfter time.Duration
	// RetryAfter is, for a refused request, how long until a request would
	// be allowed; zero when Allowed.
	RetryAfter time.Duration
	// Warn is set on the one request that took the key past 80 % of its
	// limit; it fires at most once per window per key.
	Warn bool
}

// Limiter decides whether a request under key fits policy p.
//
// Implementations must be safe for concurrent use and exact: however many
// callers race on one key, no more than p.Limit calls to Allow succeed in any
// interval of length p.Window, and a refused call consumes nothing. Each
// method is one atomic decision, so a Redis implementation is one Lua script
// call (one round trip) per method. Keys are identifiers such as "ip:203.0.113.9"
// or "key:<key id>", never credentials.
type Limiter interface {
	// Allow counts one request against key if it fits and reports the
	// decision.
	Allow(ctx context.Context, key string, p Policy) (Decision, error)
	// Peek reports what Allow would decide now without counting anything;
	// Remaining is the quota left before the request and Warn is false.
	Peek(ctx context.Context, key string, p Policy) (Decision, error)
}
