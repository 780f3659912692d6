package mfa_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/users"
)

// countingSealer counts how often a stored secret is opened: a code is
// checked only after its secret is opened.
type countingSealer struct {
	mfa.Sealer
	opens atomic.Int64
}

func (c *countingSealer) Open(sealed, aad []byte) ([]byte, error) {
	c.opens.Add(1)
	return c.Sealer.Open(sealed, aad)
}

// lockFixture is a fixture whose service counts secret openings, with
// f.user enrolled; it returns the secret.
func lockFixture(t *testing.T) (*fixture, *countingSealer, string) {
	t.Helper()
	f := newFixture(t)
	secret := f.enrol(t)
	cs := &countingSealer{Sealer: f.ring}
	f.svc = mfa.New(f.st, cs, f.clk.Now)
	f.clk.Add(10 * mfa.Period) // past the confirming step
	return f, cs, secret
}

// wrong returns a well-formed code that is none of the window's codes.
func (f *fixture) wrong(t *testing.T, secret string) string {
	t.Helper()
	now := f.clk.Now()
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if c != code(t, secret, now.Add(-mfa.Period)) && c != code(t, secret, now) && c != code(t, secret, now.Add(mfa.Period)) {
			return c
		}
	}
	t.Fatal("no wrong code")
	return ""
}

// asLocked returns err's *mfa.Locked, failing when it has none.
func asLocked(t *testing.T, what string, err error) *mfa.Locked {
	t.Helper()
	var lk *mfa.Locked
	if !errors.As(err, &lk) || !errors.Is(err, mfa.ErrLocked) {
		t.Fatalf("%s: %v, want a *mfa.Locked matching ErrLocked", what, err)
	}
	return lk
}

// TestLockAfterMaxUserFailures: the 10th consecutive wrong code locks the
// factor for LockPeriod and says so (its error is both the code's and the
// lock's); while locked, even the right code is refused without the secret
// being opened, at sign-in, when replacing the factor and when turning it
// off; Status shows the lock.
func TestLockAfterMaxUserFailures(t *testing.T) {
	ctx := context.Background()
	f, cs, secret := lockFixture(t)
	bad := f.wrong(t, secret)
	for i := 1; i < mfa.MaxUserFailures; i++ {
		err := f.svc.Verify(ctx, f.user.ID, bad)
		if !errors.Is(err, mfa.ErrInvalidCode) || errors.Is(err, mfa.ErrLocked) {
			t.Fatalf("wrong code %d: %v, want ErrInvalidCode and no lock", i, err)
		}
	}
	start := f.clk.Now()
	err := f.svc.Verify(ctx, f.user.ID, bad)
	lk := asLocked(t, "wrong code 10", err)
	if !errors.Is(err, mfa.ErrInvalidCode) || lk.Code == nil || lk.Failures != mfa.MaxUserFailures || !lk.Until.Equal(start.Add(mfa.LockPeriod)) {
		t.Fatalf("wrong code 10: %+v, want the code's error, 10 failures, locked until %v", lk, start.Add(mfa.LockPeriod))
	}
	if st, err := f.svc.Status(ctx, f.user.ID); err != nil || !st.Enrolled || st.Lock == nil || !st.Lock.Until.Equal(lk.Until) {
		t.Errorf("Status while locked = %+v, %v", st, err)
	}
	opened := cs.opens.Load()
	f.clk.Add(mfa.LockPeriod - time.Second)
	p, err := f.svc.Begin(f.user.ID, f.user.Name)
	if err != nil {
		t.Fatal(err)
	}
	now := f.clk.Now()
	right := code(t, secret, now)
	for name, try := range map[string]func() error{
		"sign-in":        func() error { return f.svc.Verify(ctx, f.user.ID, right) },
		"replace":        func() error { return f.svc.Confirm(ctx, f.user.ID, p.Token, right, code(t, p.Secret, now)) },
		"turn off":       func() error { return f.svc.Disable(ctx, f.user.ID, right) },
		"malformed code": func() error { return f.svc.Verify(ctx, f.user.ID, "abc") },
	} {
		err := try()
		if lk := asLocked(t, name+" while locked", err); lk.Code != nil || errors.Is(err, mfa.ErrInvalidCode) || !lk.Until.Equal(start.Add(mfa.LockPeriod)) {
			t.Errorf("%s while locked: %+v, want refused unchecked until %v", name, lk, start.Add(mfa.LockPeriod))
		}
	}
	// Replace opens the new enrolment token (not the stored secret).
	if n := cs.opens.Load() - opened; n != 1 {
		t.Errorf("%d secrets opened while locked, want only the enrolment token's", n)
	}
	if ok, _ := f.svc.Enrolled(ctx, f.user.ID); !ok {
		t.Fatal("turning off while locked removed the factor")
	}
	if e, _ := f.st.TOTP(ctx, f.user.ID); e.Failures != mfa.MaxUserFailures {
		t.Errorf("refused attempts were counted: %d failures, want %d", e.Failures, mfa.MaxUserFailures)
	}
	f.clk.Add(time.Second) // the lock ends
	if err := f.svc.Verify(ctx, f.user.ID, code(t, secret, f.clk.Now())); err != nil {
		t.Fatalf("the right code after the lock: %v", err)
	}
	if st, _ := f.svc.Status(ctx, f.user.ID); st.Lock != nil {
		t.Errorf("Status after an accepted code: %+v", st)
	}
}

// TestLockEscalates: each further lock of a run of consecutive failures
// doubles (15 m, 30 m, … capped at 24 h); at MaxConsecutiveFailures the
// factor stays locked until an admin's Reset, after which a new enrolment
// starts again at zero.
func TestLockEscalates(t *testing.T) {
	ctx := context.Background()
	f, _, secret := lockFixture(t)
	want := []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour, 16 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	for i, d := range want {
		var err error
		for range mfa.MaxUserFailures {
			err = f.svc.Verify(ctx, f.user.ID, f.wrong(t, secret))
		}
		lk := asLocked(t, "lock", err)
		if got := lk.Until.Sub(f.clk.Now()); got != d || lk.Failures != (i+1)*mfa.MaxUserFailures || lk.Code == nil {
			t.Fatalf("lock %d: %v after %d failures, want %v after %d", i+1, got, lk.Failures, d, (i+1)*mfa.MaxUserFailures)
		}
		f.clk.Add(d)
	}
	var err error
	for range mfa.MaxUserFailures {
		err = f.svc.Verify(ctx, f.user.ID, f.wrong(t, secret))
	}
	if lk := asLocked(t, "lock at MaxConsecutiveFailures", err); !lk.Until.IsZero() || lk.Failures != mfa.MaxConsecutiveFailures {
		t.Fatalf("lock at %d failures: %+v, want until an admin's reset", mfa.MaxConsecutiveFailures, lk)
	}
	f.clk.Add(10 * 365 * 24 * time.Hour)
	if lk := asLocked(t, "ten years later", f.svc.Verify(ctx, f.user.ID, code(t, secret, f.clk.Now()))); !lk.Until.IsZero() || lk.Code != nil {
		t.Errorf("ten years later: %+v, want still locked until reset", lk)
	}
	if ok, err := f.svc.Reset(ctx, f.user.ID); !ok || err != nil {
		t.Fatalf("Reset = %v, %v", ok, err)
	}
	secret = f.enrol(t)
	if e, err := f.st.TOTP(ctx, f.user.ID); err != nil || e.Failures != 0 || !e.LockedUntil.IsZero() {
		t.Errorf("a new enrolment after the reset: %+v, %v; want no failures and no lock", e, err)
	}
	f.clk.Add(10 * mfa.Period)
	if err := f.svc.Verify(ctx, f.user.ID, code(t, secret, f.clk.Now())); err != nil {
		t.Errorf("sign-in after reset and enrolment: %v", err)
	}
}

// TestAcceptedCodeResetsCount: the right code ends a run of failures, so
// nine wrong codes, the right one and nine more do not lock; the new
// secret's code when replacing the factor is not counted, the current
// one is.
func TestAcceptedCodeResetsCount(t *testing.T) {
	ctx := context.Background()
	f, _, secret := lockFixture(t)
	for round := range 2 {
		for range mfa.MaxUserFailures - 1 {
			if err := f.svc.Verify(ctx, f.user.ID, f.wrong(t, secret)); !errors.Is(err, mfa.ErrInvalidCode) || errors.Is(err, mfa.ErrLocked) {
				t.Fatalf("round %d: %v, want ErrInvalidCode without a lock", round, err)
			}
		}
		if err := f.svc.Verify(ctx, f.user.ID, code(t, secret, f.clk.Now())); err != nil {
			t.Fatalf("round %d: the right code: %v", round, err)
		}
		if e, _ := f.st.TOTP(ctx, f.user.ID); e.Failures != 0 || !e.LockedUntil.IsZero() {
			t.Fatalf("round %d: after the right code %d failures, lock %v", round, e.Failures, e.LockedUntil)
		}
		f.clk.Add(mfa.Period)
	}
	// Replacing: a right current code and a wrong new one leave no failure.
	p, _ := f.svc.Begin(f.user.ID, f.user.Name)
	if err := f.svc.Confirm(ctx, f.user.ID, p.Token, code(t, secret, f.clk.Now()), "000000"); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("a wrong new code: %v", err)
	}
	if e, _ := f.st.TOTP(ctx, f.user.ID); e.Failures != 0 {
		t.Errorf("the new secret's wrong code was counted: %d failures", e.Failures)
	}
	f.clk.Add(mfa.Period)
	if err := f.svc.Confirm(ctx, f.user.ID, p.Token, f.wrong(t, secret), code(t, p.Secret, f.clk.Now())); !errors.Is(err, mfa.ErrInvalidCode) {
		t.Fatalf("a wrong current code: %v", err)
	}
	if e, _ := f.st.TOTP(ctx, f.user.ID); e.Failures != 1 {
		t.Errorf("a wrong current code: %d failures, want 1", e.Failures)
	}
}

// TestReplayedAndMalformedCodesCount: a replayed code, an empty one and
// ones of the wrong shape are attempts like any wrong code.
func TestReplayedAndMalformedCodesCount(t *testing.T) {
	ctx := context.Background()
	f, _, secret := lockFixture(t)
	used := code(t, secret, f.clk.Now())
	if err := f.svc.Verify(ctx, f.user.ID, used); err != nil {
		t.Fatal(err)
	}
	attempts := []string{used, "", "abc", "12345", "1234567", "١٢٣٤٥٦", used, "      ", "12 34 5x"}
	for _, c := range attempts {
		if err := f.svc.Verify(ctx, f.user.ID, c); !errors.Is(err, mfa.ErrInvalidCode) || errors.Is(err, mfa.ErrLocked) {
			t.Fatalf("Verify(%q) = %v, want ErrInvalidCode", c, err)
		}
	}
	err := f.svc.Verify(ctx, f.user.ID, used) // the 10th: replayed
	if lk := asLocked(t, "10th attempt", err); !errors.Is(err, mfa.ErrReplayed) || lk.Failures != mfa.MaxUserFailures {
		t.Errorf("10th attempt (replayed): %+v, want ErrReplayed with the lock", lk)
	}
}

// TestParallelGuessesCheckAtMostMaxUserFailures: 50 wrong codes at once
// (as from many browsers and replicas) open the secret, and so check a
// code, at most MaxUserFailures times; exactly one reports the new lock.
func TestParallelGuessesCheckAtMostMaxUserFailures(t *testing.T) {
	ctx := context.Background()
	f, cs, secret := lockFixture(t)
	bad := f.wrong(t, secret)
	var wg sync.WaitGroup
	var setLock, refused, other atomic.Int64
	for range 50 {
		wg.Go(func() {
			err := f.svc.Verify(ctx, f.user.ID, bad)
			var lk *mfa.Locked
			switch {
			case errors.As(err, &lk) && lk.Code != nil:
				setLock.Add(1)
			case errors.As(err, &lk):
				refused.Add(1)
			case errors.Is(err, mfa.ErrInvalidCode):
			default:
				other.Add(1)
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := cs.opens.Load(); n > mfa.MaxUserFailures {
		t.Errorf("%d of 50 parallel guesses were checked, want at most %d", n, mfa.MaxUserFailures)
	}
	if setLock.Load() != 1 || refused.Load() != 50-mfa.MaxUserFailures {
		t.Errorf("%d guesses set the lock and %d were refused, want 1 and %d", setLock.Load(), refused.Load(), 50-mfa.MaxUserFailures)
	}
}

// readCountingStore counts the reads of a stored enrolment: TOTP, and
// ReserveTOTP (which reads it to count an attempt).
type readCountingStore struct {
	mfa.Store
	totp, reserve int
}

func (s *readCountingStore) TOTP(ctx context.Context, userID string) (mfa.Enrolment, error) {
	s.totp++
	return s.Store.TOTP(ctx, userID)
}

func (s *readCountingStore) ReserveTOTP(ctx context.Context, userID string, now time.Time, lock func(int) time.Time) (mfa.Enrolment, bool, error) {
	s.reserve++
	return s.Store.ReserveTOTP(ctx, userID, now, lock)
}

// TestConfirmReadsEnrolmentOnce: Confirm reads the stored enrolment once
// whatever it finds (with a current code only through ReserveTOTP, so the
// attempt is counted in the same read), and still refuses a replacement
// without a valid current code, counting a wrong one.
func TestConfirmReadsEnrolmentOnce(t *testing.T) {
	ctx := context.Background()
	f, _, secret := lockFixture(t)
	rs := &readCountingStore{Store: f.st}
	f.svc = mfa.New(rs, f.ring, f.clk.Now)
	third, _, err := users.Ensure(ctx, f.st, "cy", rbac.RoleAnalyst, f.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name         string
		user         string
		current      func() string
		want         error // errors.Is; nil: accepted
		totp, reserv int   // reads expected
		failures     int   // f.user's failures after it
	}{
		{"replace without a current code", f.user.ID, func() string { return "" }, mfa.ErrEnrolled, 1, 0, 0},
		{"replace with a wrong current code", f.user.ID, func() string { return f.wrong(t, secret) }, mfa.ErrInvalidCode, 0, 1, 1},
		{"replace with the current code", f.user.ID, func() string { return code(t, secret, f.clk.Now()) }, nil, 0, 1, 0},
		{"first enrolment", f.other.ID, func() string { return "" }, nil, 1, 0, 0},
		{"current code given without a factor is refused", third.ID, func() string { return "123456" }, mfa.ErrNotEnrolled, 0, 1, 0},
	}
	for _, c := range cases {
		f.clk.Add(mfa.Period)
		p, err := f.svc.Begin(c.user, "name")
		if err != nil {
			t.Fatal(err)
		}
		rs.totp, rs.reserve = 0, 0
		current := c.current()
		err = f.svc.Confirm(ctx, c.user, p.Token, current, code(t, p.Secret, f.clk.Now()))
		if !errors.Is(err, c.want) || c.want == nil && err != nil {
			t.Errorf("%s: Confirm = %v, want %v", c.name, err, c.want)
		}
		if rs.totp != c.totp || rs.reserve != c.reserv {
			t.Errorf("%s: %d TOTP and %d ReserveTOTP reads, want %d and %d", c.name, rs.totp, rs.reserve, c.totp, c.reserv)
		}
		if c.user == f.user.ID {
			if e, _ := f.st.TOTP(ctx, f.user.ID); e.Failures != c.failures {
				t.Errorf("%s: %d failures, want %d", c.name, e.Failures, c.failures)
			}
		}
		if c.want == nil {
			if e, err := f.st.TOTP(ctx, c.user); err != nil || e.LastStep != mfa.Step(f.clk.Now()) {
				t.Errorf("%s: stored enrolment %+v, %v; want the new secret at this step", c.name, e, err)
			}
		}
		if c.user == third.ID {
			if _, err := f.st.TOTP(ctx, third.ID); !errors.Is(err, mfa.ErrNotEnrolled) {
				t.Errorf("%s: stored enrolment: %v, want ErrNotEnrolled (nothing enrolled)", c.name, err)
			}
		}
	}
}

// resetBeforeReserve is a store whose enrolment an admin resets just
// before ReserveTOTP reads it: after the caller of Confirm looked (and
// so chose a current code over the API key), before Confirm looks.
type resetBeforeReserve struct{ mfa.Store }

func (s resetBeforeReserve) ReserveTOTP(ctx context.Context, userID string, now time.Time, lock func(int) time.Time) (mfa.Enrolment, bool, error) {
	if _, err := s.Store.DeleteTOTP(ctx, userID); err != nil {
		return mfa.Enrolment{}, false, err
	}
	return s.Store.ReserveTOTP(ctx, userID, now, lock)
}

// TestConfirmFactorResetMeanwhile: a current code given for a factor
// that was reset since the caller saw it fails closed, whatever the code:
// ErrNotEnrolled, and no new factor is enrolled (the code checked nothing,
// and the caller did not ask for the API key).
func TestConfirmFactorResetMeanwhile(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		current func(f *fixture, secret string) string
	}{
		{"the old factor's current code", func(f *fixture, secret string) string { return code(t, secret, f.clk.Now()) }},
		{"a wrong code of the old factor", func(f *fixture, secret string) string { return f.wrong(t, secret) }},
	}
	for _, c := range cases {
		f, _, secret := lockFixture(t)
		if ok, err := f.svc.Enrolled(ctx, f.user.ID); !ok || err != nil {
			t.Fatalf("%s: the caller's read: enrolled %v, %v; want true", c.name, ok, err)
		}
		f.svc = mfa.New(resetBeforeReserve{f.st}, f.ring, f.clk.Now)
		p, err := f.svc.Begin(f.user.ID, f.user.Name)
		if err != nil {
			t.Fatal(err)
		}
		err = f.svc.Confirm(ctx, f.user.ID, p.Token, c.current(f, secret), code(t, p.Secret, f.clk.Now()))
		if !errors.Is(err, mfa.ErrNotEnrolled) {
			t.Errorf("%s: Confirm = %v, want ErrNotEnrolled", c.name, err)
		}
		if _, err := f.st.TOTP(ctx, f.user.ID); !errors.Is(err, mfa.ErrNotEnrolled) {
			t.Errorf("%s: stored enrolment: %v, want ErrNotEnrolled (a new factor was enrolled)", c.name, err)
		}
	}
}
