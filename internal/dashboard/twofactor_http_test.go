package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/secevent"
)

// totpEnv is an env on a settable clock, started in the middle of a time
// step so that one step either side is exactly one Period away.
func totpEnv(t *testing.T, extra map[string]string) (*env, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: time.Now().UTC().Truncate(mfa.Period).Add(mfa.Period / 2)}
	vars := map[string]string{"IDS_BLOCK_THRESHOLD": "60000", "IDS_REQUESTS_PER_MINUTE": "60000"}
	for k, v := range extra {
		vars[k] = v
	}
	return buildEnv(t, vars, clk.now), clk
}

func totpCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := mfa.Code(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode returns a well-formed code that is not any of good.
func wrongCode(good ...string) string {
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		bad := true
		for _, g := range good {
			bad = bad && c != g
		}
		if bad {
			return c
		}
	}
	return "444444"
}

var (
	secretRe = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
	tokenRe  = regexp.MustCompile(`name="token" value="([A-Za-z0-9_-]+)"`)
)

// newSecret opens the enrolment page and returns its secret and token.
func (e *env) newSecret(c *http.Cookie) (secret, token string) {
	e.t.Helper()
	rec := e.do(req{method: http.MethodGet, path: "/dashboard/two-factor/new", cookie: c})
	s, tk := secretRe.FindStringSubmatch(rec.Body.String()), tokenRe.FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusOK || s == nil || tk == nil {
		e.t.Fatalf("enrolment page: status %d, secret %v, token %v: %s", rec.Code, s, tk, rec.Body)
	}
	return s[1], tk[1]
}

// enrol enrols the session's user (whose key is key) with a code of the
// previous step (so the current step stays unused) and returns the secret.
func (e *env) enrol(c *http.Cookie, key string, clk *fakeClock) string {
	e.t.Helper()
	secret, token := e.newSecret(c)
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/confirm", cookie: c, header: sameOrigin,
		form: url.Values{"token": {token}, "key": {key}, "code": {totpCode(e.t, secret, clk.now().Add(-mfa.Period))}}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/two-factor" {
		e.t.Fatalf("confirm: status %d Location %q: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	// The change signed this browser in again under a new session id: c
	// becomes the new cookie. Other sessions signed in until this
	// millisecond are ended; the clock moves past it.
	nc := sessionCookie(rec)
	if nc == nil || nc.Value == c.Value {
		e.t.Fatalf("confirm kept the session id: %v", rec.Header().Values("Set-Cookie"))
	}
	*c = *nc
	clk.add(time.Millisecond)
	return secret
}

// startSignIn posts key and returns the challenge cookie of the code step.
func (e *env) startSignIn(key string) *http.Cookie {
	e.t.Helper()
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {key}}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/login/code" {
		e.t.Fatalf("first step: status %d Location %q, want 303 to /dashboard/login/code: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	var ch *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if strings.HasSuffix(c.Name, "samo_session") && c.Value != "" {
			e.t.Fatal("the first step opened a session")
		}
		if c.Name == "samo_signin" {
			ch = c
		}
	}
	if ch == nil || len(ch.Value) != 43 || !ch.HttpOnly || ch.SameSite != http.SameSiteStrictMode || ch.MaxAge != 300 {
		e.t.Fatalf("challenge cookie %+v, want a 43-character id, HttpOnly, SameSite=Strict, Max-Age 300", ch)
	}
	return ch
}

// postCode posts code with the challenge cookie.
func (e *env) postCode(ch *http.Cookie, code string) *http.Response {
	e.t.Helper()
	return e.do(req{method: http.MethodPost, path: "/dashboard/login/code", cookie: ch, form: url.Values{"code": {code}}}).Result()
}

func sessionOf(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == "samo_session" && c.Value != "" {
			return c
		}
	}
	return nil
}

// totpEvents waits for want events of typ whose details match and
// returns them.
func totpEvents(t *testing.T, e *env, typ secevent.Type, details map[string]string, want int) []secevent.Event {
	t.Helper()
	var got []secevent.Event
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		evs, err := e.app.Store.ListEvents(context.Background(), secevent.Filter{Types: []secevent.Type{typ}, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
	next:
		for _, ev := range evs {
			for k, v := range details {
				if ev.Details[k] != v {
					continue next
				}
			}
			got = append(got, ev)
		}
		if len(got) >= want {
			break
		}
	}
	return got
}

// TestTOTPEnrolment: a first enrolment needs the user's key again
// (re-authentication); a wrong confirming code stores nothing (and is an
// auth_failure event); the right one turns the factor on, records
// totp_enrolled, and the secret is never shown again; replacing it needs a
// current code of the old secret.
func TestTOTPEnrolment(t *testing.T) {
	e, clk := totpEnv(t, nil)
	c := e.signIn(e.admin)
	ctx := context.Background()
	rec := e.do(req{method: http.MethodGet, path: "/dashboard/two-factor", cookie: c})
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "twofactor-setup") {
		t.Fatalf("two-factor page: %d %s", rec.Code, rec.Body)
	}
	secret, token := e.newSecret(c)
	page := e.do(req{method: http.MethodGet, path: "/dashboard/two-factor/new", cookie: c}).Body.String()
	if !strings.Contains(page, "otpauth://totp/SAMO:root-admin?") || strings.Contains(page, "<script") {
		t.Errorf("enrolment page lacks the otpauth URI as text, or has script: %s", page)
	}
	good := totpCode(t, secret, clk.now())
	// A first enrolment re-authenticates with the user's key: none, another
	// user's or a garbage one is refused, and nothing is stored.
	for _, k := range []string{"", e.analyst, "samo_nope"} {
		rec = e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/confirm", cookie: c, header: sameOrigin,
			form: url.Values{"token": {token}, "key": {k}, "code": {good}}})
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "not your API key") {
			t.Errorf("enrolment with key %.8q: status %d, want 401: %s", k, rec.Code, rec.Body)
		}
	}
	if evs := totpEvents(t, e, secevent.AuthFailure, map[string]string{"step": "reauthenticate"}, 3); len(evs) != 3 {
		t.Errorf("enrolment with a wrong key: %d auth_failure events, want 3", len(evs))
	}
	rec = e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/confirm", cookie: c, header: sameOrigin,
		form: url.Values{"token": {token}, "key": {e.admin}, "code": {wrongCode(good)}}})
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "not valid") {
		t.Fatalf("wrong confirming code: status %d, want 401 with a message: %s", rec.Code, rec.Body)
	}
	u, _ := e.app.Store.UserByName(ctx, "root-admin")
	if ok, err := e.app.SecondFactor.Enrolled(ctx, u.ID); ok || err != nil {
		t.Fatalf("after a wrong confirming code: enrolled %v, %v; want nothing stored", ok, err)
	}
	if evs := totpEvents(t, e, secevent.AuthFailure, map[string]string{"step": "enrol", "reason": "totp_invalid", "surface": "dashboard"}, 1); len(evs) != 1 || evs[0].UserID != u.ID {
		t.Errorf("wrong enrolment code events: %+v, want one auth_failure naming the user", evs)
	}
	// A forged token (the user picking their own secret) is refused.
	rec = e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/confirm", cookie: c, header: sameOrigin,
		form: url.Values{"token": {"AAAA" + token[4:]}, "key": {e.admin}, "code": {good}}})
	if ok, _ := e.app.SecondFactor.Enrolled(ctx, u.ID); ok || rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/two-factor/new" {
		t.Fatalf("forged token: status %d Location %q enrolled %v, want a redirect to a new secret", rec.Code, rec.Header().Get("Location"), ok)
	}
	rec = e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/confirm", cookie: c, header: sameOrigin,
		form: url.Values{"token": {token}, "key": {e.admin}, "code": {good}}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("right code: status %d: %s", rec.Code, rec.Body)
	}
	c = sessionCookie(rec) // signed in again under a new id
	clk.add(time.Millisecond)
	if ok, err := e.app.SecondFactor.Enrolled(ctx, u.ID); !ok || err != nil {
		t.Fatalf("after the right code: enrolled %v, %v", ok, err)
	}
	if evs := totpEvents(t, e, secevent.TOTPEnrolled, map[string]string{"replaced": "false"}, 1); len(evs) != 1 || evs[0].UserID != u.ID {
		t.Errorf("totp_enrolled events: %+v", evs)
	}
	rec = e.do(req{method: http.MethodGet, path: "/dashboard/two-factor", cookie: c})
	if !strings.Contains(rec.Body.String(), "since") || strings.Contains(rec.Body.String(), secret) {
		t.Errorf("status page after enrolment (shows the secret again?): %s", rec.Body)
	}
	// Replacing it needs a current code of the old secret.
	clk.add(10 * mfa.Period)
	secret2, token2 := e.newSecret(c)
	newCode := totpCode(t, secret2, clk.now())
	rec = e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/confirm", cookie: c, header: sameOrigin,
		form: url.Values{"token": {token2}, "code": {newCode}}})
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("re-enrolment without the current code: status %d, want 401", rec.Code)
	}
	rec = e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/confirm", cookie: c, header: sameOrigin,
		form: url.Values{"token": {token2}, "code": {newCode}, "current": {totpCode(t, secret, clk.now())}}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("re-enrolment: status %d: %s", rec.Code, rec.Body)
	}
	if evs := totpEvents(t, e, secevent.TOTPEnrolled, map[string]string{"replaced": "true"}, 1); len(evs) != 1 {
		t.Errorf("re-enrolment events: %+v", evs)
	}
	for _, ev := range totpEvents(t, e, secevent.AuthFailure, nil, 0) {
		for _, v := range ev.Details {
			if v == good || v == newCode || strings.Contains(v, secret) {
				t.Errorf("an event carries a code or the secret: %+v", ev)
			}
		}
	}
}

// TestTOTPRequiredPolicy: with DASHBOARD_REQUIRE_TOTP a signed-in user
// without a second factor reaches only the enrolment pages (and sign-out)
// until enrolled, and cannot turn it off afterwards.
func TestTOTPRequiredPolicy(t *testing.T) {
	e, clk := totpEnv(t, map[string]string{"DASHBOARD_REQUIRE_TOTP": "true"})
	c := e.signIn(e.admin)
	for _, p := range []string{"/dashboard/", "/dashboard/events", "/dashboard/keys", "/dashboard/sessions"} {
		rec := e.do(req{method: http.MethodGet, path: p, cookie: c})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/two-factor" {
			t.Errorf("GET %s before enrolment: status %d Location %q, want 303 to /dashboard/two-factor", p, rec.Code, rec.Header().Get("Location"))
		}
	}
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/offenders/block", cookie: c, header: sameOrigin,
		form: url.Values{"ip": {"203.0.113.9"}, "duration": {"1h"}, "reason": {"policy test"}}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/two-factor" {
		t.Errorf("POST block before enrolment: status %d Location %q", rec.Code, rec.Header().Get("Location"))
	}
	if _, blocked, _ := e.app.IDS.Check(context.Background(), mustAddr(t, "203.0.113.9")); blocked {
		t.Error("an admin action ran before enrolment")
	}
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/two-factor", cookie: c}); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "requires a second factor") {
		t.Errorf("enrolment page: status %d: %s", rec.Code, rec.Body)
	}
	secret := e.enrol(c, e.admin, clk)
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: c}); rec.Code != http.StatusOK {
		t.Errorf("overview after enrolment: status %d, want 200", rec.Code)
	}
	rec = e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/disable", cookie: c, header: sameOrigin,
		form: url.Values{"code": {totpCode(t, secret, clk.now())}}})
	if rec.Code != http.StatusForbidden {
		t.Errorf("disable while required: status %d, want 403", rec.Code)
	}
	if rec := e.do(req{method: http.MethodPost, path: "/dashboard/logout", cookie: c, header: sameOrigin, form: url.Values{}}); rec.Code != http.StatusSeeOther {
		t.Errorf("sign-out: status %d", rec.Code)
	}
}

// TestTOTPDisableNeedsCode: turning the factor off takes a current code; a
// wrong one is an auth_failure event and changes nothing.
func TestTOTPDisableNeedsCode(t *testing.T) {
	e, clk := totpEnv(t, nil)
	c := e.signIn(e.analyst)
	secret := e.enrol(c, e.analyst, clk)
	ctx := context.Background()
	u, _ := e.app.Store.UserByName(ctx, "ana")
	good := totpCode(t, secret, clk.now())
	for _, code := range []string{"", wrongCode(good)} {
		rec := e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/disable", cookie: c, header: sameOrigin, form: url.Values{"code": {code}}})
		if rec.Code != http.StatusSeeOther {
			t.Errorf("disable with %q: status %d", code, rec.Code)
		}
		if ok, _ := e.app.SecondFactor.Enrolled(ctx, u.ID); !ok {
			t.Fatalf("disable with %q turned the factor off", code)
		}
	}
	if evs := totpEvents(t, e, secevent.AuthFailure, map[string]string{"step": "disable"}, 2); len(evs) != 2 {
		t.Errorf("wrong disable codes: %d auth_failure events, want 2", len(evs))
	}
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/disable", cookie: c, header: sameOrigin, form: url.Values{"code": {good}}})
	if ok, _ := e.app.SecondFactor.Enrolled(ctx, u.ID); ok || rec.Code != http.StatusSeeOther {
		t.Fatalf("disable with a current code: status %d, still enrolled %v", rec.Code, ok)
	}
	if evs := totpEvents(t, e, secevent.TOTPDisabled, nil, 1); len(evs) != 1 || evs[0].UserID != u.ID {
		t.Errorf("totp_disabled events: %+v", evs)
	}
	// The key alone signs in again.
	e.signIn(e.analyst)
}

// TestTOTPAdminReset: an admin resets another user's second factor
// (totp_reset naming the target); an analyst cannot, nor can an admin
// reset their own without a code.
func TestTOTPAdminReset(t *testing.T) {
	e, clk := totpEnv(t, nil)
	ctx := context.Background()
	ac := e.signIn(e.analyst)
	e.enrol(ac, e.analyst, clk)
	ana, _ := e.app.Store.UserByName(ctx, "ana")
	if rec := e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/reset", cookie: ac, header: sameOrigin, form: url.Values{"user": {"ana"}}}); rec.Code != http.StatusForbidden {
		t.Errorf("analyst reset: status %d, want 403", rec.Code)
	}
	c := e.signIn(e.admin)
	e.enrol(c, e.admin, clk)
	admin, _ := e.app.Store.UserByName(ctx, "root-admin")
	for _, name := range []string{"root-admin", "nobody", "<bad>"} {
		e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/reset", cookie: c, header: sameOrigin, form: url.Values{"user": {name}}})
	}
	if ok, _ := e.app.SecondFactor.Enrolled(ctx, admin.ID); !ok {
		t.Error("an admin reset their own second factor without a code")
	}
	if ok, _ := e.app.SecondFactor.Enrolled(ctx, ana.ID); !ok {
		t.Fatal("the analyst lost the second factor before the reset")
	}
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/reset", cookie: c, header: sameOrigin, form: url.Values{"user": {"ana"}}})
	if ok, _ := e.app.SecondFactor.Enrolled(ctx, ana.ID); ok || rec.Code != http.StatusSeeOther {
		t.Fatalf("admin reset: status %d, still enrolled %v", rec.Code, ok)
	}
	if evs := totpEvents(t, e, secevent.TOTPReset, map[string]string{"target_user_id": ana.ID}, 1); len(evs) != 1 || evs[0].UserID != admin.ID {
		t.Errorf("totp_reset events: %+v, want one by the admin naming the analyst", evs)
	}
	// Again: the analyst has no second factor now, so nothing is reset or
	// recorded.
	if rec := e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/reset", cookie: c, header: sameOrigin, form: url.Values{"user": {"ana"}}}); rec.Code != http.StatusSeeOther {
		t.Errorf("resetting a user without a second factor: status %d, want 303", rec.Code)
	}
	if evs := totpEvents(t, e, secevent.TOTPReset, map[string]string{"target_user_id": ana.ID}, 1); len(evs) != 1 {
		t.Errorf("%d totp_reset events after resetting a user without a second factor, want still 1", len(evs))
	}
	e.signIn(e.analyst) // the key alone signs in again
}
