package users

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
)

type memStore struct{ byName map[string]User }

func (m *memStore) CreateUser(_ context.Context, u User) error {
	if _, ok := m.byName[u.Name]; ok {
		return errors.New("conflict")
	}
	m.byName[u.Name] = u
	return nil
}
func (m *memStore) UserByName(_ context.Context, n string) (User, error) {
	if u, ok := m.byName[n]; ok {
		return u, nil
	}
	return User{}, ErrNotFound
}
func (m *memStore) UserByID(_ context.Context, id string) (User, error) {
	for _, u := range m.byName {
		if u.ID == id {
			return u, nil
		}
	}
	return User{}, ErrNotFound
}
func (m *memStore) ListUsers(context.Context) ([]User, error) { return nil, nil }
func (m *memStore) ListUsersPage(context.Context, Page) ([]User, error) {
	return nil, nil
}

func TestEnsure(t *testing.T) {
	ctx := context.Background()
	st := &memStore{byName: map[string]User{}}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u, created, err := Ensure(ctx, st, "alice", rbac.RoleUser, now)
	if err != nil || !created || u.Role != rbac.RoleUser || !strings.HasPrefix(u.ID, "usr_") {
		t.Fatalf("first Ensure = %+v, %v, %v", u, created, err)
	}
	again, created, err := Ensure(ctx, st, "alice", rbac.RoleUser, now)
	if err != nil || created || again.ID != u.ID {
		t.Fatalf("second Ensure = %+v, %v, %v; want same user, not created", again, created, err)
	}
	if _, _, err := Ensure(ctx, st, "alice", rbac.RoleAdmin, now); !errors.Is(err, ErrRoleChange) {
		t.Fatalf("Ensure with another role: err = %v, want ErrRoleChange", err)
	}
	for _, bad := range []string{"", "a b", strings.Repeat("x", 65), "<script>", "ünï"} {
		if _, _, err := Ensure(ctx, st, bad, rbac.RoleUser, now); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Ensure(%q) err = %v, want ErrInvalidName", bad, err)
		}
	}
	if _, _, err := Ensure(ctx, st, "bob", "root", now); !errors.Is(err, rbac.ErrUnknownRole) {
		t.Errorf("Ensure with role root: err = %v", err)
	}
}
