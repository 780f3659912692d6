package dashboard

import (
	"errors"
	"net/http"
	"strings"

	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/session"
)

// loginMessages are the fixed notices the sign-in page shows for ?m=; the
// query never supplies text of its own.
var loginMessages = map[string]string{
	"ended":     "Your session ended: its API key was revoked, suspended or expired, or your role changed.",
	"expired":   "Your session expired. Sign in again.",
	"signedout": "You are signed out.",
	"code":      "The sign-in was not finished in time or was ended. Sign in again with your key.",
}

type loginData struct {
	Notice string
	Error  string
}

func (db *Dashboard) loginForm(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if v.p != nil {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return nil
	}
	return db.render(w, r, nil, http.StatusOK, "login", "Sign in", "", loginData{Notice: loginMessages[r.URL.Query().Get("m")]})
}

// login signs in with an API key pasted into the form. Failures are
// auth_failure events and intrusion-detection signals exactly like failed
// API authentications, and spend the same per-address budget; a valid key
// whose role is user is refused with permission_denied.
func (db *Dashboard) login(w http.ResponseWriter, r *http.Request, v *viewer) error {
	info, _ := reqctx.From(r.Context())
	if ok, err := db.budgetLeft(r); err != nil {
		return unavailable(err)
	} else if !ok {
		return db.render(w, r, nil, http.StatusTooManyRequests, "login", "Sign in", "",
			loginData{Error: tooManyFailures})
	}
	form, err := readForm(w, r, "key")
	if err != nil {
		return badForm(err)
	}
	key := strings.TrimSpace(form.Get("key"))
	p, err := db.d.Auth.AuthenticateKey(r.Context(), key)
	if err != nil {
		var f *auth.Failure
		if !errors.As(err, &f) || errors.Is(f.Err, auth.ErrUnavailable) {
			return unavailable(err)
		}
		reason := f.Reason
		if key == "" {
			reason = auth.ReasonMissing
		}
		ev := secevent.New(r.Context(), secevent.AuthFailure, secevent.Medium, db.d.Now(),
			map[string]string{"reason": string(reason), "surface": "dashboard"})
		if f.KeyID != "" {
			ev.KeyID = f.KeyID
		}
		db.d.Events.Record(r.Context(), ev)
		sig := ids.SignalAuthFailure
		switch f.Reason {
		case auth.ReasonMalformedKey:
			sig = ids.SignalMalformedKey
		case auth.ReasonUnknownKey:
			sig = ids.SignalUnknownKey
		}
		_ = db.d.IDS.Observe(r.Context(), info.ClientIP, sig, f.Hint)
		db.spendBudget(r)
		return db.render(w, r, nil, http.StatusUnauthorized, "login", "Sign in", "",
			loginData{Error: "That key is not valid (malformed, unknown, revoked or expired)."})
	}
	info.Principal = p
	if p.Grace {
		db.d.Events.Record(r.Context(), secevent.New(r.Context(), secevent.PermissionDenied, secevent.Medium, db.d.Now(),
			map[string]string{"reason": "rotation_grace", "role": string(p.Role), "surface": "dashboard"}))
		return db.render(w, r, nil, http.StatusForbidden, "login", "Sign in", "",
			loginData{Error: "This key was replaced by rotation. Until its grace period ends it only serves predictions; sign in with the new key."})
	}
	if !p.Can(read) {
		db.d.Events.Record(r.Context(), secevent.New(r.Context(), secevent.PermissionDenied, secevent.Medium, db.d.Now(),
			map[string]string{"permission": string(read), "role": string(p.Role), "surface": "dashboard"}))
		_ = db.d.IDS.Observe(r.Context(), info.ClientIP, ids.SignalForbidden, "")
		return db.render(w, r, nil, http.StatusForbidden, "login", "Sign in", "",
			loginData{Error: "This key belongs to a user account. The dashboard is for admins and analysts; use the API with this key instead."})
	}
	// Any previous session of this browser ends at a new sign-in.
	if v.sid != "" {
		db.endSession(r.Context(), v.sid)
	}
	// A user with a second factor gets a challenge, not a session: the
	// session exists only once the code is accepted. A store that cannot
	// say whether the user has one fails closed. A factor that wrong codes
	// locked gets no challenge: the key holder is told at once (they know
	// the account exists already).
	tf, err := db.d.SecondFactor.Status(r.Context(), p.UserID)
	if err != nil {
		return unavailable(err)
	}
	if tf.Lock != nil {
		if v.sid != "" {
			db.clearCookie(w, r)
		}
		return db.render(w, r, nil, http.StatusTooManyRequests, "login", "Sign in", "", loginData{Error: lockedMessage(db.d.Now(), tf.Lock)})
	}
	if tf.Enrolled {
		id, err := db.d.SecondFactor.StartChallenge(r.Context(), p.UserID, p.KeyID)
		if err != nil {
			return unavailable(err)
		}
		if v.sid != "" {
			db.clearCookie(w, r)
		}
		db.setChallengeCookie(w, r, id)
		http.Redirect(w, r, "/dashboard/login/code", http.StatusSeeOther)
		return nil
	}
	return db.openSession(w, r, p)
}

// openSession creates a session for p with a fresh id (no fixation), sets
// its cookie and redirects to the overview.
func (db *Dashboard) openSession(w http.ResponseWriter, r *http.Request, p *reqctx.Principal) error {
	sid, err := db.sessions.create(r.Context(), p.UserID, p.UserName, p.Role, p.KeyID)
	if errors.Is(err, session.ErrFull) {
		return &pageError{status: http.StatusServiceUnavailable, msg: "Too many open sessions; try again later.", cause: err}
	} else if err != nil {
		return unavailable(err)
	}
	db.setCookie(w, r, sid)
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
	return nil
}

// tooManyFailures is the notice of a spent failure budget.
const tooManyFailures = "Too many failed sign-ins from this address. Try again later."

// budgetKey names the client address's budget of failed authentications,
// shared with the API (the same key and policy).
func budgetKey(r *http.Request) string {
	info, _ := reqctx.From(r.Context())
	return ids.AuthFailKey(info.ClientIP)
}

// budgetLeft reports whether the client address may still fail an
// authentication (a wrong key or a wrong code), from the budget the IP
// rate-limit step read for this request when there is one
// (ids.AuthFailBudget).
func (db *Dashboard) budgetLeft(r *http.Request) (bool, error) {
	if !db.d.RateLimiting {
		return true, nil
	}
	b, err := ids.AuthFailBudget(r.Context(), db.d.Limiter, db.d.AuthFailPolicy)
	if err != nil {
		return false, err
	}
	return !b.Exhausted, nil
}

// spendBudget counts one failed authentication against the address.
func (db *Dashboard) spendBudget(r *http.Request) {
	if db.d.RateLimiting && db.d.Limiter != nil && db.d.AuthFailPolicy.Limit > 0 {
		_, _ = db.d.Limiter.Allow(r.Context(), budgetKey(r), db.d.AuthFailPolicy)
	}
}

// logout ends the session server-side and deletes the cookie.
func (db *Dashboard) logout(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if _, err := readForm(w, r); err != nil {
		return badForm(err)
	}
	if c, err := r.Cookie(db.cookieName(r)); err == nil {
		if err := db.sessions.delete(r.Context(), c.Value); err != nil {
			return unavailable(err) // the user must know the sign-out did not happen
		}
	}
	db.clearCookie(w, r)
	http.Redirect(w, r, "/dashboard/login?m=signedout", http.StatusSeeOther)
	return nil
}
