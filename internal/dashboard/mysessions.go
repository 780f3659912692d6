package dashboard

import (
	"net/http"
	"slices"
	"time"

	"github.com/samo-brain/samo/internal/session"
)

// sessionRow is one line of the "Your sessions" page.
type sessionRow struct {
	Ref      string // the store key in hexadecimal (the SHA-256 of the id, never the id)
	Created  time.Time
	LastSeen time.Time
	Current  bool
}

// mySessions lists the sessions signed in with the viewer's API key (each
// browser that signed in with it), the current one marked.
func (db *Dashboard) mySessions(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ls, err := db.sessions.store.ListKey(r.Context(), v.p.KeyID)
	if err != nil {
		return unavailable(err)
	}
	cur, _ := keyOf(v.sid)
	rows := make([]sessionRow, 0, len(ls))
	for _, l := range ls {
		rows = append(rows, sessionRow{Ref: l.Key.String(), Created: l.Created, LastSeen: l.LastSeen, Current: l.Key == cur})
	}
	return db.render(w, r, v, http.StatusOK, "sessions", "Your sessions", "sessions", rows)
}

// endMySession ends one session of the viewer's API key, named by its
// ref; ending the current one signs this browser out. A ref that is not
// one of the key's live sessions is "no such session", whoever's it is.
func (db *Dashboard) endMySession(w http.ResponseWriter, r *http.Request, v *viewer) error {
	form, err := readForm(w, r, "ref")
	if err != nil {
		return badForm(err)
	}
	k, ok := session.ParseKey(form.Get("ref"))
	if !ok {
		return failf(http.StatusNotFound, "There is no such session.")
	}
	ls, err := db.sessions.store.ListKey(r.Context(), v.p.KeyID)
	if err != nil {
		return unavailable(err)
	}
	if !slices.ContainsFunc(ls, func(l session.Listed) bool { return l.Key == k }) {
		return failf(http.StatusNotFound, "There is no such session.")
	}
	if err := db.sessions.store.Delete(r.Context(), k); err != nil {
		return unavailable(err) // the user must know the session was not ended
	}
	if cur, _ := keyOf(v.sid); cur == k {
		db.clearCookie(w, r)
		http.Redirect(w, r, "/dashboard/login?m=signedout", http.StatusSeeOther)
		return nil
	}
	return db.done(w, r, v, "ok", "Session ended: that browser must sign in again.", "/dashboard/sessions")
}
