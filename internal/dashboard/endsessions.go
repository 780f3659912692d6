package dashboard

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/session"
	"github.com/samo-brain/samo/internal/users"
)

// A change of a user's second factor ends the user's other dashboard
// sessions (ASVS V7.4.3): enrolling, replacing or turning it off ends
// every session of the user but the one that made the change; an admin's
// reset ends them all. Two things happen, in this order:
//
//  1. the user's session cut-off (users.SessionCutoff) moves to the next
//     whole millisecond, so every session signed in until now is refused
//     at its next request by recheck, wherever it is kept: this replica,
//     Redis, or another replica's memory;
//  2. the sessions this replica's store holds for each of the user's API
//     keys are deleted at once (session.EndKeys), which gives the count the
//     security event carries.
//
// The session that made a change it survives is signed in again: a new id
// (a new cookie) whose sign-in time is the cut-off itself.

// endUserSessions ends the user's sessions except keep (the zero Key: all)
// and returns how many this replica's store held, and the cut-off.
func (db *Dashboard) endUserSessions(ctx context.Context, userID string, keep session.Key) (int, time.Time, error) {
	cut := users.CutoffAfter(db.d.Now())
	if err := db.d.SessionCutoff.EndSessionsBefore(ctx, userID, cut); err != nil {
		return 0, cut, err
	}
	keys, err := db.d.Keys.List(ctx, userID)
	if err != nil {
		return 0, cut, err
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	n, err := session.EndKeys(ctx, db.sessions.store, ids, keep)
	return n, cut, err
}

// endOtherSessions ends the viewer's other sessions after they changed
// their own second factor and signs this browser in again under a new
// session id (v.sid is updated, the cookie replaced). It returns how many
// sessions ended.
func (db *Dashboard) endOtherSessions(w http.ResponseWriter, r *http.Request, v *viewer) (int, error) {
	cur, _ := keyOf(v.sid)
	n, cut, err := db.endUserSessions(r.Context(), v.p.UserID, cur)
	if err != nil {
		return n, err
	}
	sid, err := db.sessions.createAt(r.Context(), v.p.UserID, v.p.UserName, v.p.Role, v.p.KeyID, cut)
	if err != nil {
		return n, err // the old session is past the cut-off: this browser signs in again
	}
	// The old session is refused from now on anyway (its sign-in is before
	// the cut-off), so a failure to delete it changes nothing.
	_ = db.sessions.delete(r.Context(), v.sid)
	db.setCookie(w, r, sid)
	v.sid = sid
	return n, nil
}

// sessionsEnded adds the count of ended sessions to an event's details,
// and "sessions_end": "incomplete" when ending them failed part way.
func sessionsEnded(details map[string]string, n int, err error) map[string]string {
	details["sessions_ended"] = strconv.Itoa(n)
	if err != nil {
		details["sessions_end"] = "incomplete"
	}
	return details
}

// sessionsNotEnded is the page of a factor change whose sessions could not
// all be ended: the change itself is made.
func sessionsNotEnded(done string, err error) error {
	return &pageError{status: http.StatusServiceUnavailable, cause: err,
		msg: done + " But the other sessions could not all be ended: try again shortly, or end them on the Sessions page."}
}
