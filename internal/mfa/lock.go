package mfa

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// The per-account limit on wrong codes (ASVS V6.3.1, NIST SP 800-63B
// §5.2.2), whatever challenge, page or address they come from.
const (
	// MaxUserFailures is the run of consecutive failed code attempts
	// after which the user's factor locks (the 10th, 20th, … failure).
	MaxUserFailures = 10
	// LockPeriod is the first lock of a run of consecutive failures; each
	// further lock of the run doubles it.
	LockPeriod = 15 * time.Minute
	// MaxLockPeriod caps a timed lock.
	MaxLockPeriod = 24 * time.Hour
	// MaxConsecutiveFailures ends the run: at this many consecutive
	// failures the factor stays locked until an admin resets it (NIST's
	// "no more than 100"; the timed locks before it take about 80 hours).
	MaxConsecutiveFailures = 10 * MaxUserFailures
)

// ErrLocked: too many consecutive wrong codes locked the user's factor;
// no code of it is checked until the lock ends (or an admin resets it).
// Errors that match it are *Locked, which says until when.
var ErrLocked = errors.New("mfa: second factor locked by wrong codes")

// Locked is the error of a code attempt on a locked factor
// (errors.Is(err, ErrLocked) holds).
type Locked struct {
	// Until is when codes are checked again; the zero time when only an
	// admin's reset ends the lock (MaxConsecutiveFailures).
	Until time.Time
	// Failures is the count of consecutive failed attempts.
	Failures int
	// Code is nil when the attempt was refused without its code being
	// checked (the factor was locked already). When this attempt's wrong
	// code set the lock it is that code's error (ErrInvalidCode or
	// ErrReplayed, which errors.Is then matches too): the caller reports
	// the new lock once.
	Code error
}

func (e *Locked) Error() string {
	until := "an admin's reset"
	if !e.Until.IsZero() {
		until = e.Until.UTC().Format(time.RFC3339)
	}
	if e.Code != nil {
		return fmt.Sprintf("%v; locked until %s after %d wrong codes", e.Code, until, e.Failures)
	}
	return fmt.Sprintf("%v until %s (%d wrong codes)", ErrLocked, until, e.Failures)
}

// Is matches ErrLocked.
func (e *Locked) Is(target error) bool { return target == ErrLocked }

// Unwrap returns the code's own error, if this attempt checked one.
func (e *Locked) Unwrap() error { return e.Code }

// untilReset is the stored lock of MaxConsecutiveFailures: the latest
// time the store keeps (2262), which no clock reaches.
func untilReset() time.Time { return time.Unix(0, math.MaxInt64).UTC() }

// lockAfter returns the lock that n consecutive failures set at now: the
// zero time (none) unless n is a multiple of MaxUserFailures; LockPeriod
// doubled for each earlier lock of the run, at most MaxLockPeriod; and
// untilReset from MaxConsecutiveFailures on.
func lockAfter(now time.Time, n int) time.Time {
	if n <= 0 || n%MaxUserFailures != 0 {
		return time.Time{}
	}
	if n >= MaxConsecutiveFailures {
		return untilReset()
	}
	d := LockPeriod
	for i := 1; i < n/MaxUserFailures && d < MaxLockPeriod; i++ {
		d *= 2
	}
	return now.Add(min(d, MaxLockPeriod)).UTC()
}

// locked returns the *Locked of an enrolment whose lock runs past now.
func locked(e Enrolment, code error) *Locked {
	l := &Locked{Until: e.LockedUntil, Failures: e.Failures, Code: code}
	if !e.LockedUntil.Before(untilReset()) {
		l.Until = time.Time{}
	}
	return l
}

// reserve counts one attempt at a code of the user's stored secret before
// the code is checked, in one store transaction, so that parallel guesses
// on any replicas cannot check more than MaxUserFailures codes between
// locks. It returns the enrolment to check the code against, or a
// *Locked when the factor is locked (the code must not be checked).
func (s *Service) reserve(ctx context.Context, userID string) (Enrolment, error) {
	now := s.now()
	e, counted, err := s.store.ReserveTOTP(ctx, userID, now, func(n int) time.Time { return lockAfter(now, n) })
	if err != nil {
		return Enrolment{}, err
	}
	if !counted {
		return Enrolment{}, locked(e, nil)
	}
	return e, nil
}

// Status is a user's second factor as pages show it.
type Status struct {
	Enrolled bool
	Since    time.Time // when the user enrolled
	// Lock is set while wrong codes lock the factor (its Code is nil).
	Lock *Locked
}

// Status returns whether the user has a second factor, since when, and
// whether wrong codes lock it now, without counting an attempt.
func (s *Service) Status(ctx context.Context, userID string) (Status, error) {
	e, err := s.store.TOTP(ctx, userID)
	if errors.Is(err, ErrNotEnrolled) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, err
	}
	st := Status{Enrolled: true, Since: e.EnrolledAt}
	if e.LockedUntil.After(s.now()) {
		st.Lock = locked(e, nil)
	}
	return st, nil
}
