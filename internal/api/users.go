package api

import (
	"context"
	"net/http"
	"time"

	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/users"
)

// UserAdmin disables and enables users (app.UserSwitch): the change reaches
// every replica within one second.
type UserAdmin interface {
	SetDisabled(ctx context.Context, id string, disabled bool) (users.User, error)
}

// listUsers pages the users newest first (created_at, then id), with the
// limit/cursor contract of the other lists; count is the number on this
// page.
func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	q := parseQuery(r, "limit", "cursor")
	p := users.Page{Limit: q.limit(100, 1000)}
	p.BeforeAt, p.BeforeID = q.cursor()
	if err := q.err(); err != nil {
		return err
	}
	limit := p.Limit
	p.Limit++
	us, err := a.Users.ListUsersPage(r.Context(), p)
	if err != nil {
		return storeError(err)
	}
	us, next := page(us, limit, func(u users.User) (time.Time, string) { return u.CreatedAt, u.ID })
	resp := map[string]any{"users": us, "count": len(us)}
	if next != "" {
		resp["next_cursor"] = next
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (a *API) disableUser(w http.ResponseWriter, r *http.Request) error {
	return a.setDisabled(w, r, true)
}

func (a *API) enableUser(w http.ResponseWriter, r *http.Request) error {
	return a.setDisabled(w, r, false)
}

// setDisabled disables or enables the user named by the path. An admin
// cannot disable themself (the account that could undo it would be locked
// out); use another admin or the CLI.
func (a *API) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	if a.UserAdmin == nil {
		return problem.Errorf(http.StatusNotFound, "not_found", "User administration is not enabled.")
	}
	id := r.PathValue("id")
	if p, ok := reqctx.PrincipalFrom(r.Context()); ok && disabled && p.UserID == id {
		return problem.Errorf(http.StatusConflict, "cannot_disable_self", "You cannot disable your own account; ask another admin or use `samo users disable`.")
	}
	u, err := a.UserAdmin.SetDisabled(r.Context(), id, disabled)
	if err != nil {
		return storeError(err)
	}
	typ, sev := secevent.UserEnabled, secevent.Low
	if disabled {
		typ, sev = secevent.UserDisabled, secevent.Medium
	}
	a.Events.Record(r.Context(), secevent.New(r.Context(), typ, sev, a.Now(), map[string]string{"target_user_id": u.ID}))
	writeJSON(w, http.StatusOK, u)
	return nil
}
