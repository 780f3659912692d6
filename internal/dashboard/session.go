package dashboard

import (
	"context"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/session"
)

// sessions puts the dashboard's cookie values in front of its session
// store: ids are made, shape-checked and hashed here, so the store only
// ever sees their SHA-256 (package session). A cookie of the wrong shape
// names no session and never reaches the store.
type sessions struct {
	store session.Store
	now   func() time.Time
}

// create stores a new session for the principal and returns its id.
func (s *sessions) create(ctx context.Context, userID, userName string, role rbac.Role, keyID string) (string, error) {
	return s.createAt(ctx, userID, userName, role, keyID, s.now())
}

// createAt stores a new session signed in at `at` and returns its id.
func (s *sessions) createAt(ctx context.Context, userID, userName string, role rbac.Role, keyID string, at time.Time) (string, error) {
	id := session.NewID()
	err := s.store.Create(ctx, session.KeyOf(id), session.Session{UserID: userID, UserName: userName, Role: role, KeyID: keyID, Created: at, LastSeen: at})
	if err != nil {
		return "", err
	}
	return id, nil
}

// keyOf returns the store key of a cookie value, ok false when the value
// does not have a session id's shape.
func keyOf(id string) (k session.Key, ok bool) {
	if !session.ValidID(id) {
		return k, false
	}
	return session.KeyOf(id), true
}

// get returns the live session for id and marks it used.
func (s *sessions) get(ctx context.Context, id string) (session.Session, bool, error) {
	k, ok := keyOf(id)
	if !ok {
		return session.Session{}, false, nil
	}
	return s.store.Get(ctx, k)
}

// setFlash stores a one-time notice for the session's next page.
func (s *sessions) setFlash(ctx context.Context, id, msg, kind string) error {
	if k, ok := keyOf(id); ok {
		return s.store.SetFlash(ctx, k, msg, kind)
	}
	return nil
}

// takeFlash returns and clears the session's one-time notice.
func (s *sessions) takeFlash(ctx context.Context, id string) (msg, kind string, err error) {
	if k, ok := keyOf(id); ok {
		return s.store.TakeFlash(ctx, k)
	}
	return "", "", nil
}

// delete ends the session for id.
func (s *sessions) delete(ctx context.Context, id string) error {
	if k, ok := keyOf(id); ok {
		return s.store.Delete(ctx, k)
	}
	return nil
}

// deleteKey ends every session signed in with keyID.
func (s *sessions) deleteKey(ctx context.Context, keyID string) error {
	return s.store.DeleteKey(ctx, keyID)
}
