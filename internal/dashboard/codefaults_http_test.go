package dashboard_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/dashboard"
	"github.com/samo-brain/samo/internal/mfa"
)

// endFails is a second factor whose sign-in challenges cannot be ended:
// the store fails part way through a code step.
type endFails struct{ *mfa.Service }

func (endFails) EndChallenge(context.Context, string) error { return errors.New("store down") }

// useFactor rebuilds e's dashboard on sf, with the same app behind it.
func (e *env) useFactor(sf dashboard.SecondFactor) {
	e.t.Helper()
	d, err := dashboard.New(dashboard.Deps{Auth: auth.New(e.app.Keys, nil, e.app.Store, nil), Keys: e.app.Keys,
		Users: e.app.Store, EventLog: e.app.Store, Aggregates: e.app.Store, IDS: e.app.IDS, Predictions: e.app.Predictions,
		SecondFactor: sf, SessionCutoff: e.app.Store})
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
			e.useFactor(endFails{e.app.SecondFactor})
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
	e.useFactor(endFails{e.app.SecondFactor})
	res := e.postCode(spare, good)
	if res.StatusCode != http.StatusServiceUnavailable || sessionOf(res) != nil {
		t.Errorf("locked, and the challenge cannot be ended: status %d session %v, want 503 and none", res.StatusCode, sessionOf(res))
	}
	if _, err := e.app.SecondFactor.Challenge(ctx, spare.Value); err != nil {
		t.Errorf("the challenge the broken store could not end: %v (the fault was not injected)", err)
	}
}
