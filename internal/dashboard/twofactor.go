package dashboard

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/mfa"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/session"
	"github.com/samo-brain/samo/internal/users"
)

type twoFactorData struct {
	Enrolled bool
	Since    time.Time
	Required bool
	Locked   string // why and until when codes are refused, if they are
}

type twoFactorNewData struct {
	Secret   string
	URI      string
	Token    string
	Enrolled bool // a current code is needed to replace the secret
	Error    string
}

// twoFactor shows whether the viewer has a second factor, with the forms
// to set it up, replace it or turn it off, and for admins to reset
// another user's.
func (db *Dashboard) twoFactor(w http.ResponseWriter, r *http.Request, v *viewer) error {
	st, err := db.d.SecondFactor.Status(r.Context(), v.p.UserID)
	if err != nil {
		return unavailable(err)
	}
	data := twoFactorData{Enrolled: st.Enrolled, Since: st.Since, Required: db.d.RequireTOTP}
	if st.Lock != nil {
		data.Locked = lockedMessage(db.d.Now(), st.Lock)
	}
	return db.render(w, r, v, http.StatusOK, "twofactor", "Two-factor sign-in", "twofactor", data)
}

// twoFactorNew shows a new secret with the form that confirms it. Nothing
// is stored: the secret travels sealed in the form (mfa.Service.Begin).
func (db *Dashboard) twoFactorNew(w http.ResponseWriter, r *http.Request, v *viewer) error {
	enrolled, err := db.d.SecondFactor.Enrolled(r.Context(), v.p.UserID)
	if err != nil {
		return unavailable(err)
	}
	p, err := db.d.SecondFactor.Begin(v.p.UserID, v.p.UserName)
	if err != nil {
		return err
	}
	return db.render(w, r, v, http.StatusOK, "twofactornew", "Set up two-factor sign-in", "twofactor",
		twoFactorNewData{Secret: p.Secret, URI: p.URI, Token: p.Token, Enrolled: enrolled})
}

// twoFactorConfirm stores the new secret once a code from it is valid (and,
// when it replaces one, a current code of the old one).
func (db *Dashboard) twoFactorConfirm(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if ok, err := db.budgetLeft(r); err != nil {
		return unavailable(err)
	} else if !ok {
		return failf(http.StatusTooManyRequests, tooManyFailures)
	}
	form, err := readForm(w, r, "token", "code", "current", "key")
	if err != nil {
		return badForm(err)
	}
	token := form.Get("token")
	enrolled, err := db.d.SecondFactor.Enrolled(r.Context(), v.p.UserID)
	if err != nil {
		return unavailable(err)
	}
	again := func(msg string) error {
		p, rerr := db.d.SecondFactor.Reveal(v.p.UserID, v.p.UserName, token)
		if rerr != nil {
			return db.done(w, r, v, "error", "That setup expired. Here is a new secret: add it again.", "/dashboard/two-factor/new")
		}
		return db.render(w, r, v, http.StatusUnauthorized, "twofactornew", "Set up two-factor sign-in", "twofactor",
			twoFactorNewData{Secret: p.Secret, URI: p.URI, Token: p.Token, Enrolled: enrolled, Error: msg})
	}
	if !enrolled {
		// Re-authentication before an authentication setting changes
		// (ASVS V7.5.1): a first enrolment takes the user's key again, so
		// a borrowed session cannot tie the account to someone else's app.
		// Replacing or turning off takes a current code instead.
		if ok, err := db.reauthenticate(r, v, strings.TrimSpace(form.Get("key"))); err != nil {
			return unavailable(err)
		} else if !ok {
			return again("That is not your API key. Nothing was changed.")
		}
	}
	// A current code is passed only when the page took it instead of the
	// key: if the factor was reset since the read above, Confirm then
	// refuses (mfa.ErrNotEnrolled) rather than enrol on a code that
	// checked nothing.
	current := ""
	if enrolled {
		current = strings.TrimSpace(form.Get("current"))
	}
	err = db.d.SecondFactor.Confirm(r.Context(), v.p.UserID, token, current, form.Get("code"))
	if err == nil {
		// A new or replaced factor ends the user's other sessions (V7.4.3).
		n, serr := db.endOtherSessions(w, r, v)
		db.d.Events.Record(r.Context(), secevent.New(r.Context(), secevent.TOTPEnrolled, secevent.Medium, db.d.Now(),
			sessionsEnded(map[string]string{"surface": "dashboard", "replaced": boolString(enrolled)}, n, serr)))
		if serr != nil {
			return sessionsNotEnded("Two-factor sign-in is on.", serr)
		}
		return db.done(w, r, v, "ok", "Two-factor sign-in is on: from now on, signing in asks for a code from your app. "+endedMessage(n), "/dashboard/two-factor")
	}
	var lk *mfa.Locked // wrong current codes locked the factor being replaced
	switch {
	case errors.Is(err, mfa.ErrEnrolmentExpired):
		return db.done(w, r, v, "error", "That setup expired. Here is a new secret: add it again.", "/dashboard/two-factor/new")
	case errors.Is(err, mfa.ErrEnrolled):
		// Enrolled since the read above (another tab): the form asks for
		// a current code now.
		enrolled = true
		return again("Give a current code of the second factor you are replacing.")
	case errors.Is(err, mfa.ErrNotEnrolled):
		// The factor being replaced was reset since the read above (by an
		// admin): this is a first enrolment now, which takes the key.
		enrolled = false
		return again("Your second factor was reset while you were replacing it: give your API key to set up this one. Nothing was changed.")
	case errors.As(err, &lk):
		db.codeFailed(r, stepEnrol, err)
		return failf(http.StatusTooManyRequests, lockedMessage(db.d.Now(), lk))
	case errors.Is(err, mfa.ErrInvalidCode):
		db.codeFailed(r, stepEnrol, err)
		return again("A code is not valid. Nothing was changed.")
	}
	return unavailable(err)
}

// reauthenticate checks that key is a valid key of the viewer's user (not
// one in its rotation grace). A wrong key is a failed authentication like
// a wrong sign-in: an auth_failure event, an intrusion signal and one
// failure of the address's budget. err means the check could not be made.
func (db *Dashboard) reauthenticate(r *http.Request, v *viewer, key string) (bool, error) {
	p, err := db.d.Auth.AuthenticateKey(r.Context(), key)
	var f *auth.Failure
	if err != nil && (!errors.As(err, &f) || errors.Is(f.Err, auth.ErrUnavailable)) {
		return false, err
	}
	if err == nil && p.UserID == v.p.UserID && !p.Grace {
		return true, nil
	}
	reason := "other_user"
	if f != nil {
		reason = string(f.Reason)
	}
	db.d.Events.Record(r.Context(), secevent.New(r.Context(), secevent.AuthFailure, secevent.Medium, db.d.Now(),
		map[string]string{"reason": reason, "surface": "dashboard", "step": "reauthenticate"}))
	info, _ := reqctx.From(r.Context())
	_ = db.d.IDS.Observe(r.Context(), info.ClientIP, ids.SignalAuthFailure, "")
	db.spendBudget(r)
	return false, nil
}

// twoFactorDisable turns the viewer's second factor off after a valid
// current code; refused while DASHBOARD_REQUIRE_TOTP holds.
func (db *Dashboard) twoFactorDisable(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if db.d.RequireTOTP {
		return failf(http.StatusForbidden, "Two-factor sign-in is required here (DASHBOARD_REQUIRE_TOTP): it cannot be turned off, only replaced.")
	}
	if ok, err := db.budgetLeft(r); err != nil {
		return unavailable(err)
	} else if !ok {
		return failf(http.StatusTooManyRequests, tooManyFailures)
	}
	form, err := readForm(w, r, "code")
	if err != nil {
		return badForm(err)
	}
	err = db.d.SecondFactor.Disable(r.Context(), v.p.UserID, form.Get("code"))
	if err == nil {
		n, serr := db.endOtherSessions(w, r, v)
		db.d.Events.Record(r.Context(), secevent.New(r.Context(), secevent.TOTPDisabled, secevent.Medium, db.d.Now(),
			sessionsEnded(map[string]string{"surface": "dashboard"}, n, serr)))
		if serr != nil {
			return sessionsNotEnded("Two-factor sign-in is off.", serr)
		}
		return db.done(w, r, v, "ok", "Two-factor sign-in is off: your key alone signs you in. "+endedMessage(n), "/dashboard/two-factor")
	}
	var lk *mfa.Locked
	switch {
	case errors.Is(err, mfa.ErrNotEnrolled):
		return db.done(w, r, v, "error", "Two-factor sign-in is not on.", "/dashboard/two-factor")
	case errors.As(err, &lk):
		db.codeFailed(r, stepDisable, err)
		return failf(http.StatusTooManyRequests, lockedMessage(db.d.Now(), lk))
	case errors.Is(err, mfa.ErrInvalidCode):
		db.codeFailed(r, stepDisable, err)
		return db.done(w, r, v, "error", "That code is not valid: two-factor sign-in is still on.", "/dashboard/two-factor")
	}
	return unavailable(err)
}

// twoFactorReset removes another user's second factor (an admin helping
// someone who lost their device). An admin's own needs a code: Turn off.
func (db *Dashboard) twoFactorReset(w http.ResponseWriter, r *http.Request, v *viewer) error {
	form, err := readForm(w, r, "user")
	if err != nil {
		return badForm(err)
	}
	name := strings.TrimSpace(form.Get("user"))
	if !users.ValidName(name) {
		return db.done(w, r, v, "error", "That is not a user name.", "/dashboard/two-factor")
	}
	u, err := db.d.Users.UserByName(r.Context(), name)
	if errors.Is(err, users.ErrNotFound) {
		return db.done(w, r, v, "error", "There is no such user.", "/dashboard/two-factor")
	} else if err != nil {
		return unavailable(err)
	}
	if u.ID == v.p.UserID {
		return db.done(w, r, v, "error", "Your own second factor is turned off with a current code, not reset.", "/dashboard/two-factor")
	}
	had, err := db.d.SecondFactor.Reset(r.Context(), u.ID)
	if err != nil {
		return unavailable(err)
	}
	if !had {
		return db.done(w, r, v, "error", u.Name+" has no second factor.", "/dashboard/two-factor")
	}
	// A reset ends every session of the user, not only the others: the
	// admin is not one of them (V7.4.3).
	n, _, serr := db.endUserSessions(r.Context(), u.ID, session.Key{})
	db.d.Events.Record(r.Context(), secevent.New(r.Context(), secevent.TOTPReset, secevent.Medium, db.d.Now(),
		sessionsEnded(map[string]string{"surface": "dashboard", "target_user_id": u.ID}, n, serr)))
	if serr != nil {
		return sessionsNotEnded("The second factor of "+u.Name+" is reset.", serr)
	}
	return db.done(w, r, v, "ok", "The second factor of "+u.Name+" is reset: they sign in with their key and set it up again. "+
		"Their dashboard sessions are ended ("+strconv.Itoa(n)+").", "/dashboard/two-factor")
}

// endedMessage tells the viewer what their factor change did to their
// other sessions.
func endedMessage(n int) string {
	switch n {
	case 0:
		return "Any other session of yours is ended."
	case 1:
		return "Your other session is ended."
	}
	return "Your " + strconv.Itoa(n) + " other sessions are ended."
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
