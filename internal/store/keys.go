package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
)

var _ apikey.Store = (*Store)(nil)

const keyColumns = `id, user_id, name, hash, prefix, status, lineage, created_at, last_used, expires_at, revoked_at, grace_until, replaced_by, generation`

func scanKey(sc scanner) (apikey.Key, error) {
	var k apikey.Key
	var status string
	var created int64
	var lastUsed, expires, revoked, grace sql.NullInt64
	err := sc.Scan(&k.ID, &k.UserID, &k.Name, &k.Hash, &k.Prefix, &status, &k.Lineage, &created,
		&lastUsed, &expires, &revoked, &grace, &k.ReplacedBy, &k.Generation)
	if err != nil {
		return k, err
	}
	k.Status, k.CreatedAt = apikey.Status(status), fromNS(created)
	k.LastUsed, k.ExpiresAt, k.RevokedAt, k.GraceUntil = fromNullNS(lastUsed), fromNullNS(expires), fromNullNS(revoked), fromNullNS(grace)
	return k, nil
}

func insertKey(ctx context.Context, t *txn, k apikey.Key) error {
	lineage := k.Lineage
	if lineage == "" {
		lineage = k.ID
	}
	_, err := t.exec(ctx, `INSERT INTO api_keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.UserID, k.Name, k.Hash, k.Prefix, string(k.Status), lineage, ns(k.CreatedAt),
		nsPtr(k.LastUsed), nsPtr(k.ExpiresAt), nsPtr(k.RevokedAt), nsPtr(k.GraceUntil), k.ReplacedBy, k.Generation)
	if err != nil {
		return fmt.Errorf("store: create key: %w", err)
	}
	return nil
}

// CreateKey inserts k.
func (s *Store) CreateKey(ctx context.Context, k apikey.Key) error {
	return s.tx(ctx, func(t *txn) error { return insertKey(ctx, t, k) })
}

// KeyByHash returns the key with this hash.
func (s *Store) KeyByHash(ctx context.Context, hash []byte) (apikey.Key, error) {
	return s.key(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE hash = ?`, hash)
}

// KeyByID returns the key with this id.
func (s *Store) KeyByID(ctx context.Context, id string) (apikey.Key, error) {
	return s.key(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = ?`, id)
}

func (s *Store) key(ctx context.Context, q string, arg any) (apikey.Key, error) {
	k, err := scanKey(s.queryRow(ctx, q, arg))
	if err = s.wrap(err); errors.Is(err, ErrNotFound) {
		return k, apikey.ErrNotFound
	}
	return k, err
}

// ListKeys returns the keys of userID ("" = all), oldest first.
func (s *Store) ListKeys(ctx context.Context, userID string) ([]apikey.Key, error) {
	q, args := `SELECT `+keyColumns+` FROM api_keys`, []any{}
	if userID != "" {
		q, args = q+` WHERE user_id = ?`, append(args, userID)
	}
	return s.listKeys(ctx, q+` ORDER BY created_at, id`, args...)
}

// ListKeysPage returns one page of keys, newest first (created_at, then
// id), with a keyset query after p's position; p.Limit is 1..1000, else 100.
func (s *Store) ListKeysPage(ctx context.Context, p apikey.KeyPage) ([]apikey.Key, error) {
	if p.Limit <= 0 || p.Limit > 1000 {
		p.Limit = 100
	}
	var conds []string
	var args []any
	if p.UserID != "" {
		conds, args = append(conds, `user_id = ?`), append(args, p.UserID)
	}
	if p.BeforeID != "" {
		at := ns(p.BeforeAt)
		conds, args = append(conds, `(created_at < ? OR (created_at = ? AND id < ?))`), append(args, at, at, p.BeforeID)
	}
	q := `SELECT ` + keyColumns + ` FROM api_keys`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	return s.listKeys(ctx, q+` ORDER BY created_at DESC, id DESC LIMIT `+strconv.Itoa(p.Limit), args...)
}

func (s *Store) listKeys(ctx context.Context, q string, args ...any) ([]apikey.Key, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list keys: %w", err)
	}
	defer rows.Close()
	var out []apikey.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, s.wrap(err)
		}
		out = append(out, k)
	}
	return out, s.wrap(rows.Err())
}

// UpdateKeyStatus changes a key's status; revoked and expired are final.
func (s *Store) UpdateKeyStatus(ctx context.Context, id string, status apikey.Status, at time.Time) error {
	if !status.Valid() {
		return fmt.Errorf("%w: status %q", apikey.ErrInvalid, status)
	}
	return s.tx(ctx, func(t *txn) error {
		var cur string
		err := s.wrap(t.queryRow(ctx, `SELECT status FROM api_keys WHERE id = ?`+s.forUpdate(), id).Scan(&cur))
		if errors.Is(err, ErrNotFound) {
			return apikey.ErrNotFound
		}
		if err != nil {
			return err
		}
		switch apikey.Status(cur) {
		case status:
			if status == apikey.StatusRevoked || status == apikey.StatusExpired {
				return nil
			}
		case apikey.StatusRevoked:
			return apikey.ErrRevoked
		case apikey.StatusExpired:
			return apikey.ErrExpired
		}
		var revokedAt any
		switch status {
		case apikey.StatusRevoked, apikey.StatusSuspended:
			revokedAt = ns(at)
		case apikey.StatusExpired:
			_, err := t.exec(ctx, `UPDATE api_keys SET status = ?, expires_at = COALESCE(expires_at, ?) WHERE id = ?`, string(status), ns(at), id)
			return err
		}
		_, err = t.exec(ctx, `UPDATE api_keys SET status = ?, revoked_at = ? WHERE id = ?`, string(status), revokedAt, id)
		return err
	})
}

// RotateKey inserts newKey, puts the old key in grace and prunes the
// lineage to `backups` previous keys, atomically.
func (s *Store) RotateKey(ctx context.Context, oldID string, newKey apikey.Key, graceUntil time.Time, backups int) error {
	return s.tx(ctx, func(t *txn) error {
		// The row lock orders a rotation after a concurrent revocation, so a
		// revoked key can never be rotated into a live one.
		old, err := scanKey(t.queryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = ?`+s.forUpdate(), oldID))
		if err = s.wrap(err); errors.Is(err, ErrNotFound) {
			return apikey.ErrNotFound
		}
		if err != nil {
			return err
		}
		if old.Status != apikey.StatusActive || old.ReplacedBy != "" {
			return apikey.ErrConflict
		}
		if newKey.Lineage == "" {
			newKey.Lineage = old.Lineage
		}
		if err := insertKey(ctx, t, newKey); err != nil {
			return err
		}
		res, err := t.exec(ctx, `UPDATE api_keys SET grace_until = ?, replaced_by = ? WHERE id = ? AND replaced_by = ''`, ns(graceUntil), newKey.ID, oldID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apikey.ErrConflict
		}
		created := ns(newKey.CreatedAt)
		// Keys whose grace already ended expire now.
		if _, err := t.exec(ctx, `UPDATE api_keys SET status = 'expired', expires_at = ?
			WHERE lineage = ? AND id <> ? AND status = 'active' AND grace_until IS NOT NULL AND grace_until <= ?`,
			created, newKey.Lineage, newKey.ID, created); err != nil {
			return err
		}
		// Keep only the `backups` newest previous keys.
		rows, err := t.query(ctx, `SELECT id FROM api_keys WHERE lineage = ? AND id <> ? AND status = 'active'
			ORDER BY generation DESC, created_at DESC, id DESC`, newKey.Lineage, newKey.ID)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				_ = rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if backups < 0 {
			backups = 0
		}
		for i := backups; i < len(ids); i++ {
			if _, err := t.exec(ctx, `UPDATE api_keys SET status = 'expired', expires_at = ? WHERE id = ?`, created, ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// TouchKeys records last uses; a stored later time is never moved back.
func (s *Store) TouchKeys(ctx context.Context, lastUsed map[string]time.Time) error {
	if len(lastUsed) == 0 {
		return nil
	}
	return s.tx(ctx, func(t *txn) error {
		for id, at := range lastUsed {
			if _, err := t.exec(ctx, `UPDATE api_keys SET last_used = ? WHERE id = ? AND (last_used IS NULL OR last_used < ?)`,
				ns(at), id, ns(at)); err != nil {
				return fmt.Errorf("store: touch keys: %w", err)
			}
		}
		return nil
	})
}
