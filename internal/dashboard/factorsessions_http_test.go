package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/dashboard"
	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
)

// replica returns a second dashboard over e's stores with sessions of its
// own in memory: another replica without Redis, whose sessions e's
// dashboard cannot reach.
func (e *env) replica(now func() time.Time) *env {
	e.t.Helper()
	d, err := dashboard.New(dashboard.Deps{Auth: auth.New(e.app.Keys, nil, e.app.Store, nil), Keys: e.app.Keys,
		Users: e.app.Store, EventLog: e.app.Store, Aggregates: e.app.Store, IDS: e.app.IDS, Predictions: e.app.Predictions,
		SecondFactor: e.app.SecondFactor, SessionCutoff: e.app.Store, Now: now})
	if err != nil {
		e.t.Fatal(err)
	}
	r := *e
	r.h = d.Handler()
	return &r
}

// signedIn reports whether the session cookie c still opens the overview.
func (e *env) signedIn(c *http.Cookie) bool {
	e.t.Helper()
	return e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: c}).Code == http.StatusOK
}

// signInWithCode signs key's user in with a code of secret at the
// current step and returns the session cookie; the clock then moves one
// step on, so the next code is a new one.
func (e *env) signInWithCode(key, secret string, clk *fakeClock) *http.Cookie {
	e.t.Helper()
	c := sessionOf(e.postCode(e.startSignIn(key), totpCode(e.t, secret, clk.now())))
	if c == nil {
		e.t.Fatal("sign-in with a valid code opened no session")
	}
	clk.add(mfa.Period)
	return c
}

// TestFactorChangeEndsOtherSessions (ASVS V7.4.3): enrolling, replacing
// and turning off one's second factor end every other dashboard session of
// the user (of any of their keys, on any replica) and keep the one that
// made the change, signed in again under a new id; an admin's reset ends
// all of the target's sessions. Other users' sessions are untouched, and
// each event says how many sessions this replica ended.
func TestFactorChangeEndsOtherSessions(t *testing.T) {
	e, clk := totpEnv(t, nil)
	b := e.replica(clk.now)
	key2, _ := e.key("root-admin", rbac.RoleAdmin) // a second key of the same user

	actor := e.signIn(e.admin)
	oldActor := *actor
	same, otherKey, onB := e.signIn(e.admin), e.signIn(key2), b.signIn(e.admin)
	bystander := e.signIn(e.analyst)

	secret := e.enrol(actor, e.admin, clk)
	if oldActor.Value == actor.Value || e.signedIn(&oldActor) {
		t.Error("enrolment kept the old session id of the browser that made it")
	}
	if !e.signedIn(actor) {
		t.Fatal("enrolment signed out the browser that made it")
	}
	for name, ok := range map[string]bool{"same key": e.signedIn(same), "other key": e.signedIn(otherKey), "other replica": b.signedIn(onB)} {
		if ok {
			t.Errorf("enrolment: the session of the %s is still signed in", name)
		}
	}
	if !e.signedIn(bystander) {
		t.Error("enrolment ended another user's session")
	}
	if evs := totpEvents(t, e, secevent.TOTPEnrolled, map[string]string{"replaced": "false", "sessions_ended": "2"}, 1); len(evs) != 1 {
		t.Errorf("totp_enrolled events with sessions_ended 2 (same key, other key; the other replica's is ended by the cut-off): %+v", evs)
	}

	// Replacing the factor.
	clk.add(mfa.Period)
	later := e.signInWithCode(e.admin, secret, clk)
	secret2, token2 := e.newSecret(actor)
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/confirm", cookie: actor, header: sameOrigin,
		form: url.Values{"token": {token2}, "code": {totpCode(t, secret2, clk.now())}, "current": {totpCode(t, secret, clk.now())}}})
	if c := sessionCookie(rec); rec.Code != http.StatusSeeOther || c == nil {
		t.Fatalf("replace: status %d, cookie %v: %s", rec.Code, c, rec.Body)
	} else {
		actor = c
	}
	clk.add(time.Millisecond)
	if e.signedIn(later) || !e.signedIn(actor) {
		t.Errorf("replace: other session signed in %v, own %v; want false, true", e.signedIn(later), e.signedIn(actor))
	}
	if evs := totpEvents(t, e, secevent.TOTPEnrolled, map[string]string{"replaced": "true", "sessions_ended": "1"}, 1); len(evs) != 1 {
		t.Errorf("totp_enrolled (replaced) events with sessions_ended 1: %+v", evs)
	}

	// Turning it off.
	clk.add(mfa.Period)
	later = e.signInWithCode(e.admin, secret2, clk)
	rec = e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/disable", cookie: actor, header: sameOrigin,
		form: url.Values{"code": {totpCode(t, secret2, clk.now())}}})
	if c := sessionCookie(rec); rec.Code != http.StatusSeeOther || c == nil {
		t.Fatalf("disable: status %d, cookie %v: %s", rec.Code, c, rec.Body)
	} else {
		actor = c
	}
	clk.add(time.Millisecond)
	if e.signedIn(later) || !e.signedIn(actor) {
		t.Errorf("disable: other session signed in %v, own %v; want false, true", e.signedIn(later), e.signedIn(actor))
	}
	if evs := totpEvents(t, e, secevent.TOTPDisabled, map[string]string{"sessions_ended": "1"}, 1); len(evs) != 1 {
		t.Errorf("totp_disabled events with sessions_ended 1: %+v", evs)
	}

	// An admin's reset of another user ends all of that user's sessions.
	anaSecret := e.enrol(bystander, e.analyst, clk)
	clk.add(mfa.Period)
	ana2 := e.signInWithCode(e.analyst, anaSecret, clk)
	anaOnB := b.signInWithCode(e.analyst, anaSecret, clk)
	rec = e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/reset", cookie: actor, header: sameOrigin, form: url.Values{"user": {"ana"}}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("reset: status %d: %s", rec.Code, rec.Body)
	}
	clk.add(time.Millisecond)
	if e.signedIn(bystander) || e.signedIn(ana2) || b.signedIn(anaOnB) {
		t.Errorf("reset: the target's sessions signed in: %v %v %v (other replica); want none", e.signedIn(bystander), e.signedIn(ana2), b.signedIn(anaOnB))
	}
	if !e.signedIn(actor) {
		t.Error("resetting another user's factor ended the admin's own session")
	}
	ana, _ := e.app.Store.UserByName(context.Background(), "ana")
	if evs := totpEvents(t, e, secevent.TOTPReset, map[string]string{"target_user_id": ana.ID, "sessions_ended": "2"}, 1); len(evs) != 1 {
		t.Errorf("totp_reset events with sessions_ended 2: %+v", evs)
	}
	// The key alone signs the analyst in again, and that session lasts.
	if c := e.signIn(e.analyst); !e.signedIn(c) {
		t.Error("a sign-in after the reset does not last")
	}
}
