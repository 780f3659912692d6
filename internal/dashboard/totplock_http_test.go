package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/secevent"
)

// lockedText is the start and end of the message of a locked factor.
const (
	lockedText  = "Too many wrong codes for this account. Try again after "
	lockedAfter = " UTC, or ask an admin to reset your second factor."
)

// hhmm is the end of a lock as the message gives it: rounded up to the
// minute.
func hhmm(until time.Time) string {
	u := until.UTC()
	if u.Truncate(time.Minute) != u {
		u = u.Truncate(time.Minute).Add(time.Minute)
	}
	return u.Format("15:04")
}

// lockBySignIn locks key's user with mfa.MaxUserFailures wrong codes over
// two challenges and returns the body of the last (locking) answer.
func (e *env) lockBySignIn(t *testing.T, key, bad string) string {
	t.Helper()
	n := 0
	for n < mfa.MaxUserFailures {
		ch := e.startSignIn(key)
		for range mfa.MaxFailures {
			n++
			res := e.postCode(ch, bad)
			body, _ := io.ReadAll(res.Body)
			if n < mfa.MaxUserFailures && res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong code %d: status %d, want 401", n, res.StatusCode)
			}
			if n == mfa.MaxUserFailures {
				if res.StatusCode != http.StatusTooManyRequests || sessionOf(res) != nil {
					t.Fatalf("wrong code %d: status %d, want 429 and no session", n, res.StatusCode)
				}
				return string(body)
			}
		}
	}
	return ""
}

// TestTOTPLockSignIn (ASVS V6.3.1): ten wrong codes over two challenges
// lock the user's factor: the tenth answers 429 with until when, and is a
// totp_locked event (high, naming the user and key, never the code),
// recorded once; while locked the right code opens nothing (an
// auth_failure with reason totp_locked that ends its challenge) and the
// first step creates no challenge; when the lock ends, the right code
// signs in.
func TestTOTPLockSignIn(t *testing.T) {
	e, clk := totpEnv(t, nil)
	ctx := context.Background()
	secret := e.enrol(e.signIn(e.analyst), e.analyst, clk)
	ana, _ := e.app.Store.UserByName(ctx, "ana")
	good := totpCode(t, secret, clk.now())
	bad := wrongCode(good)
	spare := e.startSignIn(e.analyst) // a challenge opened before the lock
	body := e.lockBySignIn(t, e.analyst, bad)
	until := clk.now().Add(mfa.LockPeriod)
	if !strings.Contains(body, lockedText+hhmm(until)+lockedAfter) || strings.Contains(body, bad) {
		t.Errorf("locking answer lacks %q (or echoes the code): %s", lockedText+hhmm(until)+lockedAfter, body)
	}
	evs := totpEvents(t, e, secevent.TOTPLocked, map[string]string{"failures": "10", "locked_until": until.UTC().Format(time.RFC3339),
		"surface": "dashboard", "step": "signin"}, 1)
	if len(evs) != 1 || evs[0].Severity != secevent.High || evs[0].UserID != ana.ID || evs[0].KeyID != e.analystKeyID {
		t.Fatalf("totp_locked events: %+v, want one, high, naming the analyst and key", evs)
	}

	// The right code in a challenge opened before the lock: refused.
	res := e.postCode(spare, good)
	body2, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusTooManyRequests || sessionOf(res) != nil || !strings.Contains(string(body2), lockedText+hhmm(until)) {
		t.Fatalf("the right code while locked: status %d session %v: %s", res.StatusCode, sessionOf(res), body2)
	}
	if res := e.postCode(spare, good); res.Header.Get("Location") != "/dashboard/login?m=code" {
		t.Errorf("the challenge after a locked attempt: status %d Location %q, want it ended", res.StatusCode, res.Header.Get("Location"))
	}
	if evs := totpEvents(t, e, secevent.AuthFailure, map[string]string{"reason": "totp_locked", "step": "signin", "factor": "totp"}, 1); len(evs) != 1 || evs[0].UserID != ana.ID {
		t.Errorf("auth_failure events with reason totp_locked: %+v, want one naming the analyst", evs)
	}
	if evs := totpEvents(t, e, secevent.TOTPLocked, nil, 1); len(evs) != 1 {
		t.Errorf("%d totp_locked events after a refused attempt, want still 1", len(evs))
	}

	// The first step: told at once, no challenge.
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {e.analyst}}})
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), lockedText+hhmm(until)+lockedAfter) {
		t.Errorf("first step while locked: status %d: %s", rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Value != "" {
			t.Errorf("first step while locked set cookie %s", c.Name)
		}
	}

	// After the lock, the right code signs in (and the count starts again).
	clk.add(mfa.LockPeriod)
	e.signInWithCode(e.analyst, secret, clk)
	if st, err := e.app.SecondFactor.Status(ctx, ana.ID); err != nil || st.Lock != nil {
		t.Errorf("Status after signing in: %+v, %v", st, err)
	}
}

// TestTOTPLockAdminReset: an admin's reset ends the lock (the user signs
// in with their key and enrols again, starting with no failures).
func TestTOTPLockAdminReset(t *testing.T) {
	e, clk := totpEnv(t, nil)
	ctx := context.Background()
	secret := e.enrol(e.signIn(e.analyst), e.analyst, clk)
	e.lockBySignIn(t, e.analyst, wrongCode(totpCode(t, secret, clk.now())))
	ac := e.signIn(e.admin)
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/reset", cookie: ac, header: sameOrigin, form: url.Values{"user": {"ana"}}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("admin reset: status %d", rec.Code)
	}
	clk.add(time.Millisecond) // past the reset's session cut-off
	c := e.signIn(e.analyst)  // the key alone, at once
	secret = e.enrol(c, e.analyst, clk)
	ana, _ := e.app.Store.UserByName(ctx, "ana")
	if e, err := e.app.Store.TOTP(ctx, ana.ID); err != nil || e.Failures != 0 || !e.LockedUntil.IsZero() {
		t.Errorf("after the reset and a new enrolment: %+v, %v", e, err)
	}
	e.signInWithCode(e.analyst, secret, clk)
}

// TestTOTPLockReplaceAndDisable: the current codes that turning the factor
// off and replacing it take count like sign-in codes: the tenth wrong one
// locks (429, a totp_locked event with its step), and then even the right
// code neither turns it off nor replaces it; the two-factor page says
// until when.
func TestTOTPLockReplaceAndDisable(t *testing.T) {
	e, clk := totpEnv(t, nil)
	ctx := context.Background()
	c := e.signIn(e.analyst)
	secret := e.enrol(c, e.analyst, clk)
	ana, _ := e.app.Store.UserByName(ctx, "ana")
	good := totpCode(t, secret, clk.now())
	disable := func(code string) *http.Response {
		return e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/disable", cookie: c, header: sameOrigin, form: url.Values{"code": {code}}}).Result()
	}
	for i := 1; i < mfa.MaxUserFailures; i++ {
		if res := disable(wrongCode(good)); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("wrong code %d: status %d", i, res.StatusCode)
		}
	}
	res := disable(wrongCode(good))
	body, _ := io.ReadAll(res.Body)
	until := clk.now().Add(mfa.LockPeriod)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), lockedText+hhmm(until)+lockedAfter) {
		t.Fatalf("wrong code %d: status %d: %s", mfa.MaxUserFailures, res.StatusCode, body)
	}
	if evs := totpEvents(t, e, secevent.TOTPLocked, map[string]string{"step": "disable", "failures": strconv.Itoa(mfa.MaxUserFailures)}, 1); len(evs) != 1 || evs[0].UserID != ana.ID {
		t.Errorf("totp_locked events: %+v", evs)
	}
	if res := disable(good); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right code while locked: status %d, want 429", res.StatusCode)
	}
	if ok, _ := e.app.SecondFactor.Enrolled(ctx, ana.ID); !ok {
		t.Fatal("the right code turned a locked factor off")
	}
	newSecret, token := e.newSecret(c)
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/confirm", cookie: c, header: sameOrigin,
		form: url.Values{"token": {token}, "current": {good}, "code": {totpCode(t, newSecret, clk.now())}}})
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), lockedText+hhmm(until)+lockedAfter) {
		t.Errorf("replace with the right current code while locked: status %d: %s", rec.Code, rec.Body)
	}
	if evs := totpEvents(t, e, secevent.AuthFailure, map[string]string{"reason": "totp_locked"}, 2); len(evs) != 2 {
		t.Errorf("%d auth_failure events with reason totp_locked, want 2 (disable, enrol)", len(evs))
	}
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/two-factor", cookie: c}); !strings.Contains(rec.Body.String(), lockedText+hhmm(until)) {
		t.Errorf("the two-factor page does not show the lock: %s", rec.Body)
	}
	if evs := totpEvents(t, e, secevent.TOTPLocked, nil, 1); len(evs) != 1 {
		t.Errorf("%d totp_locked events, want 1", len(evs))
	}
}
