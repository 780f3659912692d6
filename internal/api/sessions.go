package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/secevent"
)

// SessionAdmin ends every session at once (app.sessionEnder).
type SessionAdmin interface {
	// EndAll revokes every access token issued so far and every
	// refresh-token family, and ends every dashboard session; it returns how many families it
	// revoked. On error part of it may be done: running it again finishes.
	EndAll(ctx context.Context) (families int, err error)
}

// endAllSessions signs everyone out: the incident-response action for a
// suspected compromise of tokens or browsers. API keys keep working
// (revoke or rotate them for that), so the admin calling it with a key is
// not locked out; a bearer token of the caller's is revoked like every
// other.
func (a *API) endAllSessions(w http.ResponseWriter, r *http.Request) error {
	if a.SessionAdmin == nil {
		return problem.Errorf(http.StatusNotFound, "not_found", "Session administration is not enabled.")
	}
	n, err := a.SessionAdmin.EndAll(r.Context())
	details := map[string]string{"refresh_families": strconv.Itoa(n)}
	if err != nil {
		details["complete"] = "false"
	}
	a.Events.Record(r.Context(), secevent.New(r.Context(), secevent.SessionsRevoked, secevent.Medium, a.Now(), details))
	if err != nil {
		return problem.Unavailable("Session revocation", err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"refresh_families_revoked": n, "dashboard_sessions_ended": true})
	return nil
}
