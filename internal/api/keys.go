package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/users"
)

// keyJSON is an API key as admins see it: metadata only, never the hash.
type keyJSON struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	User       string     `json:"user,omitempty"`
	Role       rbac.Role  `json:"role,omitempty"`
	Name       string     `json:"name"`
	Display    string     `json:"display"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsed   *time.Time `json:"last_used,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	GraceUntil *time.Time `json:"grace_until,omitempty"`
	ReplacedBy string     `json:"replaced_by,omitempty"`
}

func (a *API) keyView(r *http.Request, k apikey.Key, byID map[string]users.User) keyJSON {
	v := keyJSON{ID: k.ID, UserID: k.UserID, Name: k.Name, Display: k.Display(), Status: string(k.Status),
		CreatedAt: k.CreatedAt, LastUsed: k.LastUsed, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt,
		GraceUntil: k.GraceUntil, ReplacedBy: k.ReplacedBy}
	u, ok := byID[k.UserID]
	if !ok {
		if got, err := a.Users.UserByID(r.Context(), k.UserID); err == nil {
			u, ok = got, true
			byID[k.UserID] = got
		}
	}
	if ok {
		v.User, v.Role = u.Name, u.Role
	}
	return v
}

// listKeys pages through the keys newest first (created_at, then id), with
// the same limit/cursor contract as the other lists (a keyset query).
func (a *API) listKeys(w http.ResponseWriter, r *http.Request) error {
	q := parseQuery(r, "user_id", "limit", "cursor")
	p := apikey.KeyPage{UserID: q.get("user_id"), Limit: q.limit(50, 500)}
	p.BeforeAt, p.BeforeID = q.cursor()
	if err := q.err(); err != nil {
		return err
	}
	limit := p.Limit
	p.Limit++
	keys, err := a.Keys.ListPage(r.Context(), p)
	if err != nil {
		return storeError(err)
	}
	keys, next := page(keys, limit, func(k apikey.Key) (time.Time, string) { return k.CreatedAt, k.ID })
	byID := map[string]users.User{}
	out := make([]keyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, a.keyView(r, k, byID))
	}
	resp := map[string]any{"keys": out}
	if next != "" {
		resp["next_cursor"] = next
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (a *API) getKey(w http.ResponseWriter, r *http.Request) error {
	k, err := a.Keys.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeError(err)
	}
	writeJSON(w, http.StatusOK, a.keyView(r, k, map[string]users.User{}))
	return nil
}

// createKeyRequest is an admin's request for a new key. Role is the role of
// the user when the user does not exist yet; an existing user's role is
// never changed by creating a key.
type createKeyRequest struct {
	User string `json:"user"`
	Role string `json:"role"`
	Name string `json:"name"`
}

// createdKey is the one response that carries a key's plaintext.
type createdKey struct {
	ID   string    `json:"id"`
	Key  string    `json:"key"`
	User string    `json:"user"`
	Role rbac.Role `json:"role"`
	Name string    `json:"name,omitempty"`
	Note string    `json:"note"`
}

const shownOnce = "Store this key now: it is shown once and cannot be retrieved again."

func (a *API) createKey(w http.ResponseWriter, r *http.Request) error {
	var req createKeyRequest
	if err := decodeJSON(w, r, 4096, &req, "user", "role", "name"); err != nil {
		return err
	}
	if req.Role == "" {
		req.Role = string(rbac.RoleUser)
	}
	role, err := rbac.ParseRole(req.Role)
	if err != nil {
		return fieldProblem("role", "unknown_role", "role must be user, analyst or admin")
	}
	if len(req.Name) > 100 {
		return fieldProblem("name", "too_long", "name must be at most 100 characters")
	}
	u, _, err := users.Ensure(r.Context(), a.Users, req.User, role, a.Now())
	switch {
	case errors.Is(err, users.ErrInvalidName):
		return fieldProblem("user", "invalid_name", "user must be 1-64 letters, digits, '.', '_', '-' or '@'")
	case errors.Is(err, users.ErrRoleChange):
		return fieldProblem("role", "role_mismatch", "the user exists with a different role; roles are not changed by creating keys")
	case err != nil:
		return storeError(err)
	}
	plain, k, err := a.Keys.Create(r.Context(), u.ID, req.Name)
	if err != nil {
		return storeError(err)
	}
	a.Events.Record(r.Context(), secevent.New(r.Context(), secevent.KeyCreated, secevent.Low, a.Now(),
		map[string]string{"new_key_id": k.ID, "for_user": u.ID, "role": string(u.Role)}))
	writeJSON(w, http.StatusCreated, createdKey{ID: k.ID, Key: plain, User: u.Name, Role: u.Role, Name: k.Name, Note: shownOnce})
	return nil
}

func (a *API) revokeKey(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := a.Keys.Revoke(r.Context(), id); err != nil {
		return storeError(err)
	}
	a.Events.Record(r.Context(), secevent.New(r.Context(), secevent.KeyRevoked, secevent.Medium, a.Now(),
		map[string]string{"revoked_key_id": id}))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type rotateRequest struct {
	Grace string `json:"grace"`
}

func (a *API) rotateKey(w http.ResponseWriter, r *http.Request) error {
	var req rotateRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, 1024, &req, "grace"); err != nil {
			return err
		}
	}
	var grace time.Duration
	if req.Grace != "" {
		g, err := time.ParseDuration(req.Grace)
		if err != nil || g < 0 || g > 30*24*time.Hour {
			return fieldProblem("grace", "out_of_range", "grace must be a duration such as 24h, at most 720h")
		}
		grace = g
	}
	id := r.PathValue("id")
	plain, k, err := a.Keys.Rotate(r.Context(), id, grace)
	if err != nil {
		if errors.Is(err, apikey.ErrRotated) || errors.Is(err, apikey.ErrRevoked) {
			return problem.Errorf(http.StatusConflict, "not_rotatable", "This key was already rotated or revoked.")
		}
		return storeError(err)
	}
	u, _ := a.Users.UserByID(r.Context(), k.UserID)
	a.Events.Record(r.Context(), secevent.New(r.Context(), secevent.KeyRotated, secevent.Low, a.Now(),
		map[string]string{"old_key_id": id, "new_key_id": k.ID}))
	writeJSON(w, http.StatusCreated, createdKey{ID: k.ID, Key: plain, User: u.Name, Role: u.Role, Name: k.Name, Note: shownOnce})
	return nil
}
