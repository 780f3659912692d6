package dashboard_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/dashboard"
	"github.com/samo-brain/samo/internal/mfa"
)

// endFails is a second factor whose sign-in challenges cannot be ended:
// the store fails part way through a code step.
type endFails struct{ *mfa.Service }

func (endFails) EndChallenge(context.Context, string) error { return errors.New("store down") }

// useFactor rebuilds e's dashboard on sf, with the same app behind it and
// sessions of its own, on the clock now (nil: time.Now).
func (e *env) useFactor(sf dashboard.SecondFactor, now func() time.Time) {
	e.t.Helper()
	d, err := dashboard.New(dashboard.Deps{Auth: auth.New(e.app.Keys, nil, e.app.Store, nil), Keys: e.app.Keys,
		Users: e.app.Store, EventLog: e.app.Store, Aggregates: e.app.Store, IDS: e.app.IDS, Predictions: e.app.Predictions,
		SecondFactor: sf, SessionCutoff: e.app.Store, Now: now})
	if err != nil {
		e.t.Fatal(err)
	}
	e.h = d.Handler()
}

// TestTOTPResetDuringChallenge: a second factor reset between the key and
// the code ends the challenge and sends the browser back to the key (which
// alone may now do), with no session; when the challenge cannot be ended,
// nothing opens either (503).
func TestTOTPResetDuringChallenge(t *testing.T) {
	ctx := context.Background()
	for _, broken := range []bool{false, true} {
		e, clk := totpEnv(t, nil)
		secret := e.enrol(e.signIn(e.analyst), e.analyst, clk)
		ana, err := e.app.Store.UserByName(ctx, "ana")
		if err != nil {
			t.Fatal(err)
		}
		ch := e.startSignIn(e.analyst)
		if _, err := e.app.SecondFactor.Reset(ctx, ana.ID); err != nil {
			t.Fatal(err)
		}
		if broken {
			e.useFactor(endFails{e.app.SecondFactor}, nil)
		}
		res := e.postCode(ch, totpCode(t, secret, clk.now()))
		if sessionOf(res) != nil {
			t.Fatalf("broken=%v: a code after a reset opened a session", broken)
		}
		if broken {
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("the challenge cannot be ended: status %d, want 503", res.StatusCode)
			}
			continue
		}
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard/login?m=code" {
			t.Errorf("a code after a reset: status %d Location %q, want 303 to the key", res.StatusCode, res.Header.Get("Location"))
		}
		if _, err := e.app.SecondFactor.Challenge(ctx, ch.Value); !errors.Is(err, mfa.ErrNoChallenge) {
			t.Errorf("the challenge after a code that found no factor: %v, want it ended", err)
		}
	}
}

// TestTOTPLockedChallengeEndFails: a code refused because the factor is
// locked must end its challenge; when that fails, the answer is 503, not
// the lock's message with a challenge still live.
func TestTOTPLockedChallengeEndFails(t *testing.T) {
	ctx := context.Background()
	e, clk := totpEnv(t, nil)
	secret := e.enrol(e.signIn(e.analyst), e.analyst, clk)
	good := totpCode(t, secret, clk.now())
	spare := e.startSignIn(e.analyst)
	e.lockBySignIn(t, e.analyst, wrongCode(good))
	e.useFactor(endFails{e.app.SecondFactor}, nil)
	res := e.postCode(spare, good)
	if res.StatusCode != http.StatusServiceUnavailable || sessionOf(res) != nil {
		t.Errorf("locked, and the challenge cannot be ended: status %d session %v, want 503 and none", res.StatusCode, sessionOf(res))
	}
	if _, err := e.app.SecondFactor.Challenge(ctx, spare.Value); err != nil {
		t.Errorf("the challenge the broken store could not end: %v (the fault was not injected)", err)
	}
}

// changedBeforeConfirm is a second factor on which change, when set, runs
// after the confirm page has read whether the user has one and before its
// Confirm: an admin's reset, or an enrolment in another tab, landing in
// between.
type changedBeforeConfirm struct {
	*mfa.Service
	change func(ctx context.Context, userID string) error
}

func (f *changedBeforeConfirm) Confirm(ctx context.Context, userID, token, current, code string) error {
	if f.change != nil {
		if err := f.change(ctx, userID); err != nil {
			return err
		}
	}
	return f.Service.Confirm(ctx, userID, token, current, code)
}

// TestTOTPConfirmFactorChangedMeanwhile: replacing a factor that an admin
// resets between the confirm page's read and Confirm enrols nothing on the
// current code alone; the page asks for the API key instead, with the same
// new secret, and enrols it with the key. The other way round, a first
// enrolment that finds a factor enrolled meanwhile asks for its current
// code.
func TestTOTPConfirmFactorChangedMeanwhile(t *testing.T) {
	ctx := context.Background()
	e, clk := totpEnv(t, nil)
	sf := &changedBeforeConfirm{Service: e.app.SecondFactor}
	e.useFactor(sf, clk.now) // one dashboard throughout: its sessions are its own
	c := e.signIn(e.analyst)
	old := e.enrol(c, e.analyst, clk)
	ana, err := e.app.Store.UserByName(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	confirm := func(form url.Values) *httptest.ResponseRecorder {
		return e.do(req{method: http.MethodPost, path: "/dashboard/two-factor/confirm", cookie: c, header: sameOrigin, form: form})
	}
	asks := func(what, body, field string) {
		t.Helper()
		for _, f := range []string{"key", "current"} {
			if has := strings.Contains(body, `name="`+f+`"`); has != (f == field) {
				t.Errorf("%s: the form has a %s field: %v, want %v", what, f, has, f == field)
			}
		}
	}

	clk.add(10 * mfa.Period)
	secret, token := e.newSecret(c) // asks for a current code
	newCode := totpCode(t, secret, clk.now())
	sf.change = func(ctx context.Context, userID string) error {
		_, err := e.app.SecondFactor.Reset(ctx, userID)
		return err
	}
	rec := confirm(url.Values{"token": {token}, "current": {totpCode(t, old, clk.now())}, "code": {newCode}})
	sf.change = nil
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "was reset while you were replacing it") {
		t.Fatalf("replacing a factor reset meanwhile: status %d (Location %q), want 401 saying so: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	asks("replacing a factor reset meanwhile", rec.Body.String(), "key")
	if ok, err := e.app.SecondFactor.Enrolled(ctx, ana.ID); ok || err != nil {
		t.Fatalf("replacing a factor reset meanwhile enrolled the new one on the current code alone (%v, %v)", ok, err)
	}
	if tk := tokenRe.FindStringSubmatch(rec.Body.String()); tk == nil || tk[1] != token {
		t.Fatalf("the form asking for the key carries token %v, want the same new secret's", tk)
	}
	// A current code posted with the key is not passed on: the page asked
	// for the key, so this is a first enrolment.
	rec = confirm(url.Values{"token": {token}, "key": {e.analyst}, "current": {"123456"}, "code": {newCode}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("the same secret with the key: status %d: %s", rec.Code, rec.Body)
	}
	c = sessionCookie(rec)
	clk.add(time.Millisecond)
	if ok, err := e.app.SecondFactor.Enrolled(ctx, ana.ID); !ok || err != nil {
		t.Fatalf("the same secret with the key: enrolled %v, %v", ok, err)
	}

	// The other way round: no factor when the page reads, one by Confirm.
	if _, err := e.app.SecondFactor.Reset(ctx, ana.ID); err != nil {
		t.Fatal(err)
	}
	clk.add(10 * mfa.Period)
	secret, token = e.newSecret(c) // asks for the key
	sf.change = func(ctx context.Context, userID string) error {
		p, err := e.app.SecondFactor.Begin(userID, "ana")
		if err != nil {
			return err
		}
		return e.app.SecondFactor.Confirm(ctx, userID, p.Token, "", totpCode(t, p.Secret, clk.now().Add(-mfa.Period)))
	}
	rec = confirm(url.Values{"token": {token}, "key": {e.analyst}, "code": {totpCode(t, secret, clk.now())}})
	sf.change = nil
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "current code") {
		t.Fatalf("a first enrolment that finds a factor: status %d (Location %q), want 401 asking for its current code: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	asks("a first enrolment that finds a factor", rec.Body.String(), "current")
}
