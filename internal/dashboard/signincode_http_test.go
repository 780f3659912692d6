package dashboard_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/dashboard"
	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/secevent"
)

// TestTOTPSignIn: with a second factor the key opens no session but a
// challenge; the right code opens the session and consumes the
// challenge; a wrong code is an auth_failure event naming the user (never
// the code), and a code accepted once is refused the second time.
func TestTOTPSignIn(t *testing.T) {
	e, clk := totpEnv(t, nil)
	secret := e.enrol(e.signIn(e.admin), e.admin, clk)
	u, _ := e.app.Store.UserByName(context.Background(), "root-admin")

	// Without the challenge cookie the code page sends the browser back.
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/login/code"}); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/login?m=code" {
		t.Errorf("code page without a challenge: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	ch := e.startSignIn(e.admin)
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/login/code", cookie: ch}); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="code"`) {
		t.Errorf("code page: %d %s", rec.Code, rec.Body)
	}
	// The challenge cookie is not a session.
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: &http.Cookie{Name: "samo_session", Value: ch.Value}}); rec.Code != http.StatusSeeOther {
		t.Errorf("the challenge id as a session cookie: status %d, want a redirect to sign-in", rec.Code)
	}
	good := totpCode(t, secret, clk.now())
	bad := wrongCode(good)
	res := e.postCode(ch, bad)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusUnauthorized || sessionOf(res) != nil || !strings.Contains(string(body), "code is not valid") {
		t.Fatalf("wrong code: status %d, session %v: %s", res.StatusCode, sessionOf(res), body)
	}
	if strings.Contains(string(body), bad) {
		t.Error("the wrong code was echoed")
	}
	evs := totpEvents(t, e, secevent.AuthFailure, map[string]string{"step": "signin", "reason": "totp_invalid", "surface": "dashboard", "factor": "totp"}, 1)
	if len(evs) != 1 || evs[0].UserID != u.ID || evs[0].KeyID != e.adminID || evs[0].ClientIP == "" {
		t.Errorf("wrong code events: %+v, want one auth_failure with the user, key and address", evs)
	}
	res = e.postCode(ch, good)
	sc := sessionOf(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != dashboard.Prefix || sc == nil {
		t.Fatalf("right code: status %d Location %q session %v", res.StatusCode, res.Header.Get("Location"), sc)
	}
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: sc}); rec.Code != http.StatusOK {
		t.Errorf("overview with the new session: %d", rec.Code)
	}
	// Single use: the consumed challenge opens nothing more.
	if res := e.postCode(ch, totpCode(t, secret, clk.now().Add(mfa.Period))); sessionOf(res) != nil || res.Header.Get("Location") != "/dashboard/login?m=code" {
		t.Errorf("a used challenge: status %d Location %q session %v", res.StatusCode, res.Header.Get("Location"), sessionOf(res))
	}
	// Replay: the same code in a new sign-in, within its window.
	ch2 := e.startSignIn(e.admin)
	if res := e.postCode(ch2, good); res.StatusCode != http.StatusUnauthorized || sessionOf(res) != nil {
		t.Fatalf("replayed code: status %d session %v, want 401 and none", res.StatusCode, sessionOf(res))
	}
	if evs := totpEvents(t, e, secevent.AuthFailure, map[string]string{"reason": "totp_replayed", "step": "signin"}, 1); len(evs) != 1 {
		t.Errorf("replayed code: %d events, want 1 auth_failure with reason totp_replayed", len(evs))
	}
	for _, ev := range totpEvents(t, e, secevent.AuthFailure, nil, 0) {
		for _, v := range ev.Details {
			if v == good || v == bad {
				t.Errorf("an event carries a code: %+v", ev)
			}
		}
	}
}

// TestTOTPSignInWindow: a code of the current step or one step either
// side is accepted; two steps away is refused.
func TestTOTPSignInWindow(t *testing.T) {
	e, clk := totpEnv(t, nil)
	secret := e.enrol(e.signIn(e.analyst), e.analyst, clk)
	for _, c := range []struct {
		name   string
		offset time.Duration
		ok     bool
	}{
		{"two steps behind", -2 * mfa.Period, false},
		{"one step behind", -mfa.Period, true},
		{"current step", 0, true},
		{"one step ahead", mfa.Period, true},
		{"two steps ahead", 2 * mfa.Period, false},
	} {
		clk.add(10 * mfa.Period) // past every step used so far
		res := e.postCode(e.startSignIn(e.analyst), totpCode(t, secret, clk.now().Add(c.offset)))
		if got := sessionOf(res) != nil; got != c.ok {
			t.Errorf("%s: status %d, session %v; want session %v", c.name, res.StatusCode, got, c.ok)
		}
	}
}

// TestTOTPChallengeEnds: a challenge lives 5 minutes and ends after 5
// wrong codes; either way the right code then opens nothing.
func TestTOTPChallengeEnds(t *testing.T) {
	e, clk := totpEnv(t, nil)
	secret := e.enrol(e.signIn(e.admin), e.admin, clk)

	ch := e.startSignIn(e.admin)
	clk.add(mfa.ChallengeTTL - time.Second)
	if res := e.postCode(ch, totpCode(t, secret, clk.now())); sessionOf(res) == nil {
		t.Fatalf("a challenge 1 s before its end: status %d, no session", res.StatusCode)
	}
	clk.add(10 * mfa.Period)
	ch = e.startSignIn(e.admin)
	clk.add(mfa.ChallengeTTL)
	if res := e.postCode(ch, totpCode(t, secret, clk.now())); sessionOf(res) != nil || res.Header.Get("Location") != "/dashboard/login?m=code" {
		t.Errorf("an expired challenge: status %d Location %q session %v", res.StatusCode, res.Header.Get("Location"), sessionOf(res))
	}

	clk.add(10 * mfa.Period)
	ch = e.startSignIn(e.admin)
	good := totpCode(t, secret, clk.now())
	for i := 1; i <= mfa.MaxFailures; i++ {
		res := e.postCode(ch, wrongCode(good))
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: status %d", i, res.StatusCode)
		}
		if i == mfa.MaxFailures && !strings.Contains(string(body), "Too many wrong codes") {
			t.Errorf("fifth wrong code: page does not send back to the key: %s", body)
		}
	}
	if res := e.postCode(ch, good); sessionOf(res) != nil || res.Header.Get("Location") != "/dashboard/login?m=code" {
		t.Errorf("the right code after %d wrong ones: status %d session %v, want the challenge ended", mfa.MaxFailures, res.StatusCode, sessionOf(res))
	}
}

// TestTOTPFailuresSpendBudget: wrong codes spend the same per-address
// budget of failed authentications as wrong keys: once it is spent, even
// a valid key is refused with 429. (Each user's factor locks after
// mfa.MaxUserFailures wrong codes, so three users' codes spend it.)
func TestTOTPFailuresSpendBudget(t *testing.T) {
	e, clk := totpEnv(t, nil)
	third, _ := e.key("third-admin", "admin")
	failures := 0
	for _, key := range []string{e.admin, e.analyst, third} {
		good := totpCode(t, e.enrol(e.signIn(key), key, clk), clk.now())
		for i := 0; i < mfa.MaxUserFailures; i += mfa.MaxFailures {
			ch := e.startSignIn(key)
			for j := 0; j < mfa.MaxFailures; j++ {
				if res := e.postCode(ch, wrongCode(good)); res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusTooManyRequests {
					t.Fatalf("wrong code %d: status %d", failures+1, res.StatusCode)
				}
				failures++
			}
		}
	}
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {e.user}}})
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "from this address") {
		t.Errorf("a valid key after %d wrong codes: status %d, want 429 (the budget is shared)", failures, rec.Code)
	}
	if got := len(totpEvents(t, e, secevent.AuthFailure, map[string]string{"step": "signin"}, 30)); got != 30 || failures != 30 {
		t.Errorf("%d auth_failure events for %d wrong codes, want 30", got, failures)
	}
}

// TestTOTPFailuresFeedIDS: wrong codes are intrusion-detection signals:
// an address that keeps guessing, user after user, is blocked.
func TestTOTPFailuresFeedIDS(t *testing.T) {
	clk := &fakeClock{t: time.Now().UTC().Truncate(mfa.Period).Add(mfa.Period / 2)}
	e := buildEnv(t, nil, clk.now)
	var keys []string
	for i := range 6 {
		k, _ := e.key("guessed-"+strconv.Itoa(i), "analyst")
		keys = append(keys, k)
	}
	attacker := "198.51.100.88:1"
	stopped := false
	for _, key := range keys {
		secret := e.enrol(e.signIn(key), key, clk)
		good := totpCode(t, secret, clk.now())
		for round := 0; round < 2 && !stopped; round++ {
			rec := e.do(req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {key}}, remote: attacker})
			var ch *http.Cookie
			for _, c := range rec.Result().Cookies() {
				if c.Name == "samo_signin" {
					ch = c
				}
			}
			if ch == nil {
				stopped = true
				break
			}
			for i := 0; i < mfa.MaxFailures; i++ {
				r := e.do(req{method: http.MethodPost, path: "/dashboard/login/code", cookie: ch, remote: attacker, form: url.Values{"code": {wrongCode(good)}}})
				if r.Code == http.StatusForbidden || (r.Code == http.StatusTooManyRequests && strings.Contains(r.Body.String(), "from this address")) {
					stopped = true
					break
				}
			}
		}
	}
	if _, blocked, _ := e.app.IDS.Check(context.Background(), mustAddr(t, "198.51.100.88")); !blocked {
		t.Errorf("after repeated wrong codes (stopped %v) the address is not blocked by intrusion detection", stopped)
	}
}

// brokenFactor is a second factor whose store cannot answer.
type brokenFactor struct{ *mfa.Service }

func (brokenFactor) Enrolled(context.Context, string) (bool, error) {
	return false, errors.New("store down")
}

func (brokenFactor) Status(context.Context, string) (mfa.Status, error) {
	return mfa.Status{}, errors.New("store down")
}

func (brokenFactor) Verify(context.Context, string, string) error { return errors.New("store down") }

// TestTOTPFailsClosed: when whether a user has a second factor cannot be
// read, the sign-in opens no session (503), and the required policy lets
// no page through.
func TestTOTPFailsClosed(t *testing.T) {
	for _, required := range []bool{false, true} {
		e, _ := totpEnv(t, nil)
		d, err := dashboard.New(dashboard.Deps{Auth: auth.New(e.app.Keys, nil, e.app.Store, nil), Keys: e.app.Keys,
			Users: e.app.Store, EventLog: e.app.Store, Aggregates: e.app.Store, IDS: e.app.IDS, Predictions: e.app.Predictions,
			SecondFactor: brokenFactor{e.app.SecondFactor}, SessionCutoff: e.app.Store, RequireTOTP: required})
		if err != nil {
			t.Fatal(err)
		}
		e.h = d.Handler()
		rec := e.do(req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {e.admin}}})
		if rec.Code != http.StatusServiceUnavailable || len(rec.Result().Cookies()) != 0 {
			t.Errorf("required=%v: sign-in with the second factor unreadable: status %d cookies %v, want 503 and none", required, rec.Code, rec.Result().Cookies())
		}
	}
	// A challenge whose code cannot be checked opens no session.
	e, clk := totpEnv(t, nil)
	e.enrol(e.signIn(e.admin), e.admin, clk)
	ch := e.startSignIn(e.admin)
	d, err := dashboard.New(dashboard.Deps{Auth: auth.New(e.app.Keys, nil, e.app.Store, nil), Keys: e.app.Keys,
		Users: e.app.Store, EventLog: e.app.Store, Aggregates: e.app.Store, IDS: e.app.IDS, Predictions: e.app.Predictions,
		SecondFactor: brokenFactor{e.app.SecondFactor}, SessionCutoff: e.app.Store})
	if err != nil {
		t.Fatal(err)
	}
	e.h = d.Handler()
	if res := e.postCode(ch, "123456"); res.StatusCode != http.StatusServiceUnavailable || sessionOf(res) != nil {
		t.Errorf("code step with the second factor unreadable: status %d session %v, want 503 and none", res.StatusCode, sessionOf(res))
	}
}

// TestTOTPKeyRevokedDuringChallenge: the key is checked again at the code
// step, so a key revoked (or a user disabled) after the first step opens
// no session even with the right code.
func TestTOTPKeyRevokedDuringChallenge(t *testing.T) {
	e, clk := totpEnv(t, nil)
	key, keyID := e.key("second-admin", "admin")
	secret := e.enrol(e.signIn(key), key, clk)
	ch := e.startSignIn(key)
	if err := e.app.Keys.Revoke(context.Background(), keyID); err != nil {
		t.Fatal(err)
	}
	res := e.postCode(ch, totpCode(t, secret, clk.now()))
	if sessionOf(res) != nil || res.Header.Get("Location") != "/dashboard/login?m=ended" {
		t.Errorf("code step after the key was revoked: status %d Location %q session %v", res.StatusCode, res.Header.Get("Location"), sessionOf(res))
	}
}
