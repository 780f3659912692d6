// Package users holds SAMO's accounts: a user has a unique name and one role.
// Users are created by operators (samo keys create) or admins; a request body
// can never set a role.
package users

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/samo-brain/samo/internal/randid"
	"github.com/samo-brain/samo/internal/rbac"
)

// User is an account.
type User struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      rbac.Role `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	// DisabledAt, when set, is when the user was disabled: none of the
	// user's keys, tokens, refresh tokens or dashboard sessions is accepted
	// until the user is enabled again (the keys are kept as they were).
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
	// SessionsAfter, when set, ends the user's dashboard sessions signed
	// in before it (SessionCutoff): a change of the user's second factor,
	// or signing everyone out, sets it. Not shown in listings.
	SessionsAfter *time.Time `json:"-"`
}

// Disabled reports whether u is disabled.
func (u User) Disabled() bool { return u.DisabledAt != nil }

// SessionEnded reports whether a dashboard session of u signed in at
// created has been ended by SessionsAfter.
func (u User) SessionEnded(created time.Time) bool {
	return u.SessionsAfter != nil && created.Before(*u.SessionsAfter)
}

// CutoffAfter returns the session cut-off that ends every session signed
// in up to now: the next whole millisecond, since session stores keep
// sign-in times in milliseconds (so a session signed in earlier in the
// same millisecond cannot slip through). A session the change keeps (the
// one that made it) is signed in again at the cut-off itself.
func CutoffAfter(now time.Time) time.Time {
	return now.Truncate(time.Millisecond).Add(time.Millisecond)
}

// Sentinel errors.
var (
	ErrNotFound    = errors.New("users: not found")
	ErrInvalidName = errors.New("users: name must be 1-64 characters of letters, digits, '.', '_', '-' or '@'")
	ErrRoleChange  = errors.New("users: user exists with a different role")
	ErrDisabled    = errors.New("users: user is disabled")
)

// Store persists users.
type Store interface {
	CreateUser(ctx context.Context, u User) error // ErrConflict-like error when the name exists
	UserByName(ctx context.Context, name string) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	// ListUsersPage returns one page of users, newest first.
	ListUsersPage(ctx context.Context, p Page) ([]User, error)
}

// Page selects one page of users ordered newest first (CreatedAt, then
// ID): those strictly after the position (BeforeAt, BeforeID) when
// BeforeID is set, at most Limit.
type Page struct {
	BeforeAt time.Time
	BeforeID string
	Limit    int
}

// Disabler disables and enables users.
type Disabler interface {
	// SetUserDisabled marks user id disabled since at, or enabled when at
	// is nil; ErrNotFound for an unknown id.
	SetUserDisabled(ctx context.Context, id string, at *time.Time) error
}

// SessionCutoff ends dashboard sessions by sign-in time, in the user
// records every replica and the CLI read: a session is refused from its
// next request on when it was signed in before its user's cut-off
// (User.SessionEnded), wherever it is kept (one replica's memory or
// Redis). A cut-off never moves back.
type SessionCutoff interface {
	// EndSessionsBefore sets user id's cut-off to at (unless it is
	// later already); ErrNotFound for an unknown id.
	EndSessionsBefore(ctx context.Context, id string, at time.Time) error
	// EndAllSessionsBefore does the same for every user.
	EndAllSessionsBefore(ctx context.Context, at time.Time) error
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// ValidName reports whether name is an acceptable user name.
func ValidName(name string) bool { return namePattern.MatchString(name) }

// Ensure returns the user called name, creating it with role when it does
// not exist. An existing user with another role is an error: roles change
// only through an explicit admin action, never as a side effect.
func Ensure(ctx context.Context, st Store, name string, role rbac.Role, now time.Time) (User, bool, error) {
	if !ValidName(name) {
		return User{}, false, ErrInvalidName
	}
	if !role.Valid() {
		return User{}, false, rbac.ErrUnknownRole
	}
	u, err := st.UserByName(ctx, name)
	if err == nil {
		if u.Role != role {
			return u, false, fmt.Errorf("%w (%s is %s)", ErrRoleChange, u.Name, u.Role)
		}
		return u, false, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return User{}, false, err
	}
	u = User{ID: randid.Base62("usr_"), Name: name, Role: role, CreatedAt: now.UTC()}
	if err := st.CreateUser(ctx, u); err != nil {
		// Lost a race with a concurrent creator: read the winner.
		if again, err2 := st.UserByName(ctx, name); err2 == nil && again.Role == role {
			return again, false, nil
		}
		return User{}, false, err
	}
	return u, true, nil
}
