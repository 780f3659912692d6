package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/users"
)

var (
	_ users.Store         = (*Store)(nil)
	_ users.Disabler      = (*Store)(nil)
	_ users.SessionCutoff = (*Store)(nil)
)

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
	return s.user(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name)
}

// UserByID returns the user with id, or users.ErrNotFound.
func (s *Store) UserByID(ctx context.Context, id string) (users.User, error) {
	return s.user(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id)
}

func (s *Store) user(ctx context.Context, q string, arg string) (users.User, error) {
	var u users.User
	var role string
	var created int64
	var disabled, after sql.NullInt64
	err := s.wrap(s.queryRow(ctx, q, arg).Scan(&u.ID, &u.Name, &role, &created, &disabled, &after))
	if errors.Is(err, ErrNotFound) {
		return users.User{}, users.ErrNotFound
	}
	if err != nil {
		return users.User{}, fmt.Errorf("store: user: %w", err)
	}
	u.Role, u.CreatedAt, u.DisabledAt, u.SessionsAfter = rbac.Role(role), fromNS(created), disabledAt(disabled), disabledAt(after)
	return u, nil
}

// ListUsers returns every user ordered by name.
func (s *Store) ListUsers(ctx context.Context) ([]users.User, error) {
	return s.listUsers(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
}

// ListUsersPage returns one page of users, newest first (created_at, then
// id): those after p's position, at most p.Limit (1..1000, else 100). The
// position is bound as parameters and only narrows the listing.
func (s *Store) ListUsersPage(ctx context.Context, p users.Page) ([]users.User, error) {
	if p.Limit <= 0 || p.Limit > 1000 {
		p.Limit = 100
	}
	q, args := `SELECT `+userColumns+` FROM users`, []any{}
	if p.BeforeID != "" {
		at := ns(p.BeforeAt)
		q, args = q+` WHERE (created_at < ? OR (created_at = ? AND id < ?))`, append(args, at, at, p.BeforeID)
	}
	return s.listUsers(ctx, q+` ORDER BY created_at DESC, id DESC LIMIT `+strconv.Itoa(p.Limit), args...)
}

const userColumns = `id, name, role, created_at, disabled_at, sessions_after`

func (s *Store) listUsers(ctx context.Context, q string, args ...any) ([]users.User, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var out []users.User
	for rows.Next() {
		var u users.User
		var role string
		var created int64
		var disabled, after sql.NullInt64
		if err := rows.Scan(&u.ID, &u.Name, &role, &created, &disabled, &after); err != nil {
			return nil, s.wrap(err)
		}
		u.Role, u.CreatedAt, u.DisabledAt, u.SessionsAfter = rbac.Role(role), fromNS(created), disabledAt(disabled), disabledAt(after)
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

// SetUserDisabled marks user id disabled since at, or enabled when at is
// nil. It returns users.ErrNotFound for an unknown id. Disabling an already
// disabled user keeps the first time.
func (s *Store) SetUserDisabled(ctx context.Context, id string, at *time.Time) error {
	var res sql.Result
	var err error
	if at == nil {
		res, err = s.exec(ctx, `UPDATE users SET disabled_at = NULL WHERE id = ?`, id)
	} else {
		res, err = s.exec(ctx, `UPDATE users SET disabled_at = COALESCE(disabled_at, ?) WHERE id = ?`, ns(*at), id)
	}
	if err != nil {
		return fmt.Errorf("store: set user disabled: %w", s.wrap(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return users.ErrNotFound
	}
	return nil
}

// EndSessionsBefore sets user id's dashboard-session cut-off to at, unless
// it is later already; users.ErrNotFound for an unknown id.
func (s *Store) EndSessionsBefore(ctx context.Context, id string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE users SET sessions_after = CASE WHEN sessions_after IS NULL OR sessions_after < ? THEN ? ELSE sessions_after END WHERE id = ?`,
		ns(at), ns(at), id)
	if err != nil {
		return fmt.Errorf("store: end sessions: %w", s.wrap(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return users.ErrNotFound
	}
	return nil
}

// EndAllSessionsBefore sets every user's dashboard-session cut-off to at,
// unless it is later already.
func (s *Store) EndAllSessionsBefore(ctx context.Context, at time.Time) error {
	_, err := s.exec(ctx, `UPDATE users SET sessions_after = ? WHERE sessions_after IS NULL OR sessions_after < ?`, ns(at), ns(at))
	if err != nil {
		return fmt.Errorf("store: end all sessions: %w", s.wrap(err))
	}
	return nil
}

// disabledAt reads a nullable time column (disabled_at, sessions_after).
func disabledAt(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromNS(v.Int64)
	return &t
}
