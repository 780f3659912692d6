package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/users"
)

var _ users.Store = (*Store)(nil)

// CreateUser inserts u; a taken name is ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u users.User) error {
	_, err := s.exec(ctx, `INSERT INTO users (id, name, role, created_at) VALUES (?, ?, ?, ?)`,
		u.ID, u.Name, string(u.Role), ns(u.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: create user: %w", err)
	}
	return nil
}

// UserByName returns the user called name, or users.ErrNotFound.
func (s *Store) UserByName(ctx context.Context, name string) (users.User, error) {
	return s.user(ctx, `SELECT id, name, role, created_at FROM users WHERE name = ?`, name)
}

// UserByID returns the user with id, or users.ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id string) (users.User, error) {
	return s.user(ctx, `SELECT id, name, role, created_at FROM users WHERE id = ?`, id)
}

func (s *Store) user(ctx context.Context, q string, arg string) (users.User, error) {
	var u users.User
	var role string
	var created int64
	err := s.wrap(s.queryRow(ctx, q, arg).Scan(&u.ID, &u.Name, &role, &created))
	if errors.Is(err, ErrNotFound) {
		return users.User{}, users.ErrNotFound
	}
	if err != nil {
		return users.User{}, fmt.Errorf("store: user: %w", err)
	}
	u.Role, u.CreatedAt = rbac.Role(role), fromNS(created)
	return u, nil
}

// ListUsers returns every user ordered by name.
func (s *Store) ListUsers(ctx context.Context) ([]users.User, error) {
	rows, err := s.query(ctx, `SELECT id, name, role, created_at FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var out []users.User
	for rows.Next() {
		var u users.User
		var role string
		var created int64
		if err := rows.Scan(&u.ID, &u.Name, &role, &created); err != nil {
			return nil, s.wrap(err)
		}
		u.Role, u.CreatedAt = rbac.Role(role), fromNS(created)
		out = append(out, u)
	}
	return out, s.wrap(rows.Err())
}

// CountUsers returns the number of users (used to detect an empty store).
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, s.wrap(err)
}
