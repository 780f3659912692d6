package dashboard

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/users"
)

// keyRow is an API key as the keys page shows it: metadata, never the hash.
type keyRow struct {
	apikey.Key
	Owner   string
	Role    rbac.Role
	Mine    bool // the key of the viewer's session
	Usable  bool // active (rotate and revoke offered)
	Expires *time.Time
}

type keysData struct {
	Rows  []keyRow
	Roles []rbac.Role
}

// keys lists every API key with its owner, role and lifecycle.
func (db *Dashboard) keys(w http.ResponseWriter, r *http.Request, v *viewer) error {
	keys, err := db.d.Keys.List(r.Context(), "")
	if err != nil {
		return unavailable(err)
	}
	us, err := db.d.Users.ListUsers(r.Context())
	if err != nil {
		return unavailable(err)
	}
	byID := make(map[string]users.User, len(us))
	for _, u := range us {
		byID[u.ID] = u
	}
	data := keysData{Roles: rbac.Roles()}
	// Newest first: the list is read top-down after creating a key.
	for i := len(keys) - 1; i >= 0; i-- {
		k := keys[i]
		row := keyRow{Key: k, Owner: byID[k.UserID].Name, Role: byID[k.UserID].Role, Mine: k.ID == v.p.KeyID,
			Usable: k.Status == apikey.StatusActive && k.ReplacedBy == "", Expires: k.ExpiresAt}
		if k.GraceUntil != nil && (row.Expires == nil || k.GraceUntil.Before(*row.Expires)) {
			row.Expires = k.GraceUntil
		}
		data.Rows = append(data.Rows, row)
	}
	return db.render(w, r, v, http.StatusOK, "keys", "API keys", "keys", data)
}

// createdData is the one page that shows a key's plaintext. It is the
// response to the POST itself (not stored, not redirected to), and
// Cache-Control: no-store keeps it out of the browser cache.
type createdData struct {
	Key     string
	ID      string
	Owner   string
	Role    rbac.Role
	Name    string
	Rotated string // id of the key it replaces
}

// createKey creates a key for a user, creating the user with the chosen
// role when it does not exist (an existing user's role never changes).
func (db *Dashboard) createKey(w http.ResponseWriter, r *http.Request, v *viewer) error {
	form, err := readForm(w, r, "user", "role", "name")
	if err != nil {
		return badForm(err)
	}
	back := "/dashboard/keys"
	role, err := rbac.ParseRole(form.Get("role"))
	if err != nil {
		return db.done(w, r, v, "error", "Pick a role: user, analyst or admin.", back)
	}
	name := strings.TrimSpace(form.Get("name"))
	if len(name) > 100 || (name != "" && !cleanText(name, 100, false)) {
		return db.done(w, r, v, "error", "The key name must be at most 100 printable characters.", back)
	}
	u, _, err := users.Ensure(r.Context(), db.d.Users, strings.TrimSpace(form.Get("user")), role, db.d.Now())
	switch {
	case errors.Is(err, users.ErrInvalidName):
		return db.done(w, r, v, "error", "The user name must be 1-64 letters, digits, '.', '_', '-' or '@'.", back)
	case errors.Is(err, users.ErrRoleChange):
		return db.done(w, r, v, "error", "That user exists with a different role; creating a key never changes a role.", back)
	case err != nil:
		return unavailable(err)
	}
	plain, k, err := db.d.Keys.Create(r.Context(), u.ID, name)
	if errors.Is(err, apikey.ErrInvalid) {
		return db.done(w, r, v, "error", "The key service refused the name.", back)
	} else if err != nil {
		return unavailable(err)
	}
	db.d.Events.Record(r.Context(), secevent.New(r.Context(), secevent.KeyCreated, secevent.Low, db.d.Now(),
		map[string]string{"new_key_id": k.ID, "for_user": u.ID, "role": string(u.Role), "surface": "dashboard"}))
	return db.render(w, r, v, http.StatusCreated, "keycreated", "Key created", "keys",
		createdData{Key: plain, ID: k.ID, Owner: u.Name, Role: u.Role, Name: k.Name})
}

// rotateKey replaces a key; the old one stays valid for the configured
// grace period.
func (db *Dashboard) rotateKey(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if _, err := readForm(w, r); err != nil {
		return badForm(err)
	}
	id := r.PathValue("id")
	back := "/dashboard/keys"
	if !validID(id) {
		return failf(http.StatusNotFound, "There is no such key.")
	}
	plain, k, err := db.d.Keys.Rotate(r.Context(), id, 0)
	switch {
	case errors.Is(err, apikey.ErrNotFound):
		return failf(http.StatusNotFound, "There is no such key.")
	case errors.Is(err, apikey.ErrRotated), errors.Is(err, apikey.ErrRevoked), errors.Is(err, apikey.ErrExpired),
		errors.Is(err, apikey.ErrSuspended), errors.Is(err, apikey.ErrConflict):
		return db.done(w, r, v, "error", "This key cannot be rotated: it was already rotated, revoked, suspended or has expired.", back)
	case err != nil:
		return unavailable(err)
	}
	db.d.Events.Record(r.Context(), secevent.New(r.Context(), secevent.KeyRotated, secevent.Low, db.d.Now(),
		map[string]string{"old_key_id": id, "new_key_id": k.ID, "surface": "dashboard"}))
	u, err := db.d.Users.UserByID(r.Context(), k.UserID)
	if err != nil {
		u = users.User{}
	}
	return db.render(w, r, v, http.StatusCreated, "keycreated", "Key rotated", "keys",
		createdData{Key: plain, ID: k.ID, Owner: u.Name, Role: u.Role, Name: k.Name, Rotated: id})
}

// revokeKey revokes a key for good and ends the sessions signed in with it
// (including the viewer's own, if it is that key).
func (db *Dashboard) revokeKey(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if _, err := readForm(w, r); err != nil {
		return badForm(err)
	}
	id := r.PathValue("id")
	if !validID(id) {
		return failf(http.StatusNotFound, "There is no such key.")
	}
	err := db.d.Keys.Revoke(r.Context(), id)
	switch {
	case errors.Is(err, apikey.ErrNotFound):
		return failf(http.StatusNotFound, "There is no such key.")
	case err != nil:
		return unavailable(err)
	}
	db.d.Events.Record(r.Context(), secevent.New(r.Context(), secevent.KeyRevoked, secevent.Medium, db.d.Now(),
		map[string]string{"revoked_key_id": id, "surface": "dashboard"}))
	if err := db.sessions.deleteKey(r.Context(), id); err != nil {
		// Its sessions are refused anyway: every request re-checks the key.
		db.d.Log.Error("dashboard: cannot delete a revoked key's sessions", "error", err)
	}
	if id == v.p.KeyID {
		db.clearCookie(w, r)
		http.Redirect(w, r, "/dashboard/login?m=ended", http.StatusSeeOther)
		return nil
	}
	return db.done(w, r, v, "ok", "Key "+id+" revoked.", "/dashboard/keys")
}
