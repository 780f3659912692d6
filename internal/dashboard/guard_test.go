package dashboard

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/session"
	"github.com/samo-brain/samo/internal/users"
)

// guardKeys answers Check from a map; the other Keys methods are unused.
type guardKeys struct {
	Keys
	keys map[string]apikey.Key
	err  error
}

func (g guardKeys) Check(_ context.Context, id string) (apikey.Key, error) {
	if g.err != nil {
		return apikey.Key{}, g.err
	}
	k, ok := g.keys[id]
	if !ok {
		return apikey.Key{}, apikey.ErrNotFound
	}
	return k, nil
}

// guardUsers answers UserByID from a map.
type guardUsers struct {
	users.Store
	users map[string]users.User
	err   error
}

func (g guardUsers) UserByID(_ context.Context, id string) (users.User, error) {
	if g.err != nil {
		return users.User{}, g.err
	}
	u, ok := g.users[id]
	if !ok {
		return users.User{}, users.ErrNotFound
	}
	return u, nil
}

// TestRecheck: every request re-reads the session's key and user. These
// cases kill the mutations that drop the key-owner check and the role
// check (a demoted user keeping the dashboard).
func TestRecheck(t *testing.T) {
	sess := session.Session{UserID: "u-an", UserName: "ann", Role: rbac.RoleAnalyst, KeyID: "key_1", Created: time.Unix(0, 0)}
	ann := users.User{ID: "u-an", Name: "ann", Role: rbac.RoleAnalyst}
	for _, tc := range []struct {
		name    string
		keys    guardKeys
		users   guardUsers
		want    error // nil: a principal
		wantAny bool  // any non-nil error other than errSessionEnded
	}{
		{name: "valid", keys: guardKeys{keys: map[string]apikey.Key{"key_1": {ID: "key_1", UserID: "u-an"}}},
			users: guardUsers{users: map[string]users.User{"u-an": ann}}},
		{name: "key belongs to another user", want: errSessionEnded,
			keys:  guardKeys{keys: map[string]apikey.Key{"key_1": {ID: "key_1", UserID: "u-mallory"}}},
			users: guardUsers{users: map[string]users.User{"u-an": ann, "u-mallory": {ID: "u-mallory", Role: rbac.RoleAdmin}}}},
		{name: "demoted to user", want: errSessionEnded,
			keys:  guardKeys{keys: map[string]apikey.Key{"key_1": {ID: "key_1", UserID: "u-an"}}},
			users: guardUsers{users: map[string]users.User{"u-an": {ID: "u-an", Name: "ann", Role: rbac.RoleUser}}}},
		{name: "unknown role", want: errSessionEnded,
			keys:  guardKeys{keys: map[string]apikey.Key{"key_1": {ID: "key_1", UserID: "u-an"}}},
			users: guardUsers{users: map[string]users.User{"u-an": {ID: "u-an", Name: "ann", Role: "superuser"}}}},
		{name: "user deleted", want: errSessionEnded,
			keys:  guardKeys{keys: map[string]apikey.Key{"key_1": {ID: "key_1", UserID: "u-an"}}},
			users: guardUsers{users: map[string]users.User{}}},
		{name: "key deleted", want: errSessionEnded, keys: guardKeys{keys: map[string]apikey.Key{}},
			users: guardUsers{users: map[string]users.User{"u-an": ann}}},
		{name: "key revoked", want: errSessionEnded, keys: guardKeys{err: &apikey.KeyError{KeyID: "key_1", Err: apikey.ErrRevoked}},
			users: guardUsers{users: map[string]users.User{"u-an": ann}}},
		{name: "key suspended", want: errSessionEnded, keys: guardKeys{err: &apikey.KeyError{KeyID: "key_1", Err: apikey.ErrSuspended}},
			users: guardUsers{users: map[string]users.User{"u-an": ann}}},
		{name: "key expired", want: errSessionEnded, keys: guardKeys{err: &apikey.KeyError{KeyID: "key_1", Err: apikey.ErrExpired}},
			users: guardUsers{users: map[string]users.User{"u-an": ann}}},
		{name: "key store down", wantAny: true, keys: guardKeys{err: errors.New("db down")},
			users: guardUsers{users: map[string]users.User{"u-an": ann}}},
		{name: "user store down", wantAny: true,
			keys:  guardKeys{keys: map[string]apikey.Key{"key_1": {ID: "key_1", UserID: "u-an"}}},
			users: guardUsers{err: errors.New("db down")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := &Dashboard{d: Deps{Keys: tc.keys, Users: tc.users}}
			p, err := db.recheck(context.Background(), sess)
			switch {
			case tc.wantAny:
				if err == nil || errors.Is(err, errSessionEnded) || p != nil {
					t.Fatalf("got (%v, %v), want a store error (fail closed, session kept for a retry)", p, err)
				}
			case tc.want != nil:
				if !errors.Is(err, tc.want) || p != nil {
					t.Fatalf("got (%v, %v), want %v", p, err, tc.want)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if p.UserID != "u-an" || p.Role != rbac.RoleAnalyst || p.KeyID != "key_1" || p.Method != "session" {
					t.Errorf("principal = %+v", *p)
				}
			}
		})
	}
}
