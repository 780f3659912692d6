package dashboard

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/session"
)

// Sign-in challenge cookie names, with the same rules as the session
// cookie's (cookieName).
const (
	challengeCookieName       = "samo_signin"
	secureChallengeCookieName = "__Host-samo_signin"
)

// codeStep names where a code was given, in events.
type codeStep string

const (
	stepSignIn  codeStep = "signin"
	stepEnrol   codeStep = "enrol"
	stepDisable codeStep = "disable"
)

type codeData struct {
	Error string
}

func (db *Dashboard) challengeCookieName(r *http.Request) string {
	if db.isHTTPS(r) {
		return secureChallengeCookieName
	}
	return challengeCookieName
}

// setChallengeCookie sends the challenge id like a session id (HttpOnly,
// SameSite=Strict, Secure and __Host- over HTTPS), expiring with the
// challenge.
func (db *Dashboard) setChallengeCookie(w http.ResponseWriter, r *http.Request, id string) {
	// #nosec G124 -- Secure is set whenever the browser connection is HTTPS, as in setCookie
	http.SetCookie(w, &http.Cookie{Name: db.challengeCookieName(r), Value: id, Path: db.cookiePath(r), MaxAge: int(mfa.ChallengeTTL.Seconds()),
		HttpOnly: true, Secure: db.isHTTPS(r), SameSite: http.SameSiteStrictMode})
}

func (db *Dashboard) clearChallengeCookie(w http.ResponseWriter, r *http.Request) {
	// #nosec G124 -- as in setChallengeCookie; this deletes the cookie
	http.SetCookie(w, &http.Cookie{Name: db.challengeCookieName(r), Value: "", Path: db.cookiePath(r), MaxAge: -1,
		HttpOnly: true, Secure: db.isHTTPS(r), SameSite: http.SameSiteStrictMode})
}

// challenge returns the browser's live sign-in challenge and its id;
// mfa.ErrNoChallenge when there is none.
func (db *Dashboard) challenge(r *http.Request) (string, mfa.Challenge, error) {
	c, err := r.Cookie(db.challengeCookieName(r))
	if err != nil {
		return "", mfa.Challenge{}, mfa.ErrNoChallenge
	}
	ch, err := db.d.SecondFactor.Challenge(r.Context(), c.Value)
	return c.Value, ch, err
}

// restart ends the sign-in attempt and sends the browser back to the key.
func (db *Dashboard) restart(w http.ResponseWriter, r *http.Request, m string) error {
	db.clearChallengeCookie(w, r)
	http.Redirect(w, r, "/dashboard/login?m="+m, http.StatusSeeOther)
	return nil
}

// loginCodeForm asks for the code of a pending sign-in.
func (db *Dashboard) loginCodeForm(w http.ResponseWriter, r *http.Request, v *viewer) error {
	_, _, err := db.challenge(r)
	if errors.Is(err, mfa.ErrNoChallenge) {
		return db.restart(w, r, "code")
	} else if err != nil {
		return unavailable(err)
	}
	return db.render(w, r, nil, http.StatusOK, "logincode", "Sign in: code", "", codeData{})
}

// loginCode finishes a sign-in with the second factor's code. The key and
// its user are checked again (they may have been revoked or disabled
// since the first step). A wrong code is an auth_failure event, an
// intrusion-detection signal and a spent failure of the address's budget,
// like a wrong key; the fifth ends the challenge. A factor locked by the
// user's wrong codes (mfa.ErrLocked) ends it too, with 429 and when to try
// again. The right code, once, consumes the challenge and opens the
// session.
func (db *Dashboard) loginCode(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if ok, err := db.budgetLeft(r); err != nil {
		return unavailable(err)
	} else if !ok {
		return db.render(w, r, nil, http.StatusTooManyRequests, "logincode", "Sign in: code", "", codeData{Error: tooManyFailures})
	}
	form, err := readForm(w, r, "code")
	if err != nil {
		return badForm(err)
	}
	id, ch, err := db.challenge(r)
	if errors.Is(err, mfa.ErrNoChallenge) {
		return db.restart(w, r, "code")
	} else if err != nil {
		return unavailable(err)
	}
	// A sign-in started before the user's session cut-off (a second-factor
	// change since) ends like a session would.
	p, err := db.recheck(r.Context(), session.Session{UserID: ch.UserID, KeyID: ch.KeyID, Created: ch.Created})
	if errors.Is(err, errSessionEnded) {
		if err := db.d.SecondFactor.EndChallenge(r.Context(), id); err != nil && !errors.Is(err, mfa.ErrNoChallenge) {
			return unavailable(err)
		}
		return db.restart(w, r, "ended")
	} else if err != nil {
		return unavailable(err)
	}
	if info, ok := reqctx.From(r.Context()); ok {
		info.Principal = p // events name the user and key
	}
	if err := db.d.SecondFactor.Verify(r.Context(), p.UserID, form.Get("code")); err != nil {
		return db.codeRefused(w, r, id, err)
	}
	// Single use: of two requests racing with one challenge, one proceeds.
	if err := db.d.SecondFactor.EndChallenge(r.Context(), id); errors.Is(err, mfa.ErrNoChallenge) {
		return db.restart(w, r, "code")
	} else if err != nil {
		return unavailable(err)
	}
	db.clearChallengeCookie(w, r)
	return db.openSession(w, r, p)
}

// codeRefused answers a sign-in code that Verify refused (err): a factor
// locked by wrong codes ends the challenge (429, until when); a wrong code
// costs one of the challenge's tries, the last one ending it; a factor
// reset since the first step sends the browser back to the key; anything
// else is the second factor failing, and opens no session.
func (db *Dashboard) codeRefused(w http.ResponseWriter, r *http.Request, id string, err error) error {
	var lk *mfa.Locked
	switch {
	case errors.As(err, &lk):
		// Wrong codes locked the user's factor (this one, or earlier ones
		// from anywhere): the challenge ends.
		db.codeFailed(r, stepSignIn, err)
		if err := db.d.SecondFactor.EndChallenge(r.Context(), id); err != nil && !errors.Is(err, mfa.ErrNoChallenge) {
			return unavailable(err)
		}
		db.clearChallengeCookie(w, r)
		return db.render(w, r, nil, http.StatusTooManyRequests, "login", "Sign in", "", loginData{Error: lockedMessage(db.d.Now(), lk)})
	case errors.Is(err, mfa.ErrInvalidCode):
		db.codeFailed(r, stepSignIn, err)
		left, ferr := db.d.SecondFactor.FailChallenge(r.Context(), id)
		if ferr != nil {
			return unavailable(ferr)
		}
		if left == 0 {
			db.clearChallengeCookie(w, r)
			return db.render(w, r, nil, http.StatusUnauthorized, "login", "Sign in", "",
				loginData{Error: "Too many wrong codes. Sign in again with your key."})
		}
		return db.render(w, r, nil, http.StatusUnauthorized, "logincode", "Sign in: code", "",
			codeData{Error: "That code is not valid. " + strconv.Itoa(left) + " more tries before you must sign in again."})
	case errors.Is(err, mfa.ErrNotEnrolled):
		// Reset since the first step: start again (the key alone may now do).
		if err := db.d.SecondFactor.EndChallenge(r.Context(), id); err != nil && !errors.Is(err, mfa.ErrNoChallenge) {
			return unavailable(err)
		}
		return db.restart(w, r, "code")
	}
	return unavailable(err) // the second factor cannot be checked: no session
}

// codeReason is the reason of an auth_failure event for a code.
type codeReason string

const (
	reasonTOTPInvalid  codeReason = "totp_invalid"
	reasonTOTPReplayed codeReason = "totp_replayed"
	reasonTOTPLocked   codeReason = "totp_locked" // refused unchecked: the factor is locked
)

// codeFailed records a wrong code like a failed authentication: an
// auth_failure event naming the user and key (never the code), an
// intrusion-detection signal and one failure of the address's budget. A
// code refused because the factor is locked counts the same (reason
// totp_locked); a wrong code that set the lock is also a totp_locked
// event, of high severity so that it alerts.
func (db *Dashboard) codeFailed(r *http.Request, step codeStep, err error) {
	reason := reasonTOTPInvalid
	var lk *mfa.Locked
	if errors.As(err, &lk) && lk.Code == nil {
		reason = reasonTOTPLocked
	} else if errors.Is(err, mfa.ErrReplayed) {
		reason = reasonTOTPReplayed
	}
	db.d.Events.Record(r.Context(), secevent.New(r.Context(), secevent.AuthFailure, secevent.Medium, db.d.Now(),
		map[string]string{"reason": string(reason), "surface": "dashboard", "factor": "totp", "step": string(step)}))
	if lk != nil && lk.Code != nil {
		until := "admin_reset"
		if !lk.Until.IsZero() {
			until = lk.Until.UTC().Format(time.RFC3339)
		}
		db.d.Events.Record(r.Context(), secevent.New(r.Context(), secevent.TOTPLocked, secevent.High, db.d.Now(),
			map[string]string{"failures": strconv.Itoa(lk.Failures), "locked_until": until, "surface": "dashboard", "step": string(step)}))
	}
	info, _ := reqctx.From(r.Context())
	_ = db.d.IDS.Observe(r.Context(), info.ClientIP, ids.SignalAuthFailure, "")
	db.spendBudget(r)
}

// lockedMessage tells a user whose factor wrong codes locked when to try
// again: the end of the lock rounded up to the minute, in UTC, with the
// date when it is not today's.
func lockedMessage(now time.Time, lk *mfa.Locked) string {
	const msg = "Too many wrong codes for this account. "
	if lk.Until.IsZero() {
		return msg + "Ask an admin to reset your second factor."
	}
	until := lk.Until.UTC().Add(time.Minute - time.Nanosecond).Truncate(time.Minute)
	layout := "15:04"
	if y, m, d := now.UTC().Date(); !(until.Year() == y && until.Month() == m && until.Day() == d) {
		layout = "2006-01-02 15:04"
	}
	return msg + "Try again after " + until.Format(layout) + " UTC, or ask an admin to reset your second factor."
}
