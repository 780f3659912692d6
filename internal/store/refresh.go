package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/samo-brain/samo/internal/token"
)

var _ token.RefreshStore = (*Store)(nil)

// refreshColumns are the columns of a token.RefreshRecord. family_issued_at
// is 0 (the zero time) only for rows written without it by an older binary.
const refreshColumns = `hash, family_id, user_id, key_id, issued_at, expires_at, family_issued_at, used_at, revoked_at`

func scanRefresh(sc scanner) (token.RefreshRecord, error) {
	var r token.RefreshRecord
	var issued, expires, familyIssued int64
	var used, revoked sql.NullInt64
	if err := sc.Scan(&r.Hash, &r.FamilyID, &r.UserID, &r.KeyID, &issued, &expires, &familyIssued, &used, &revoked); err != nil {
		return r, err
	}
	r.IssuedAt, r.ExpiresAt, r.FamilyIssuedAt = fromNS(issued), fromNS(expires), fromNS(familyIssued)
	r.UsedAt, r.RevokedAt = fromNullNS(used), fromNullNS(revoked)
	return r, nil
}

// CreateRefresh stores a refresh token record unless its family is revoked.
func (s *Store) CreateRefresh(ctx context.Context, r token.RefreshRecord) error {
	return s.tx(ctx, func(t *txn) error {
		// Serialised with RevokeFamily, so a rotation racing a revocation
		// cannot commit a live token the revocation did not see.
		if err := t.lockName(ctx, lockRefreshFamily, r.FamilyID); err != nil {
			return err
		}
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM refresh_families WHERE family_id = ?`, r.FamilyID).Scan(&n); err != nil {
			return s.wrap(err)
		}
		if n > 0 {
			return token.ErrRefreshRevoked
		}
		_, err := t.exec(ctx, `INSERT INTO refresh_tokens (`+refreshColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Hash, r.FamilyID, r.UserID, r.KeyID, ns(r.IssuedAt), ns(r.ExpiresAt), ns(r.FamilyIssuedAt), nsPtr(r.UsedAt), nsPtr(r.RevokedAt))
		if err != nil {
			return fmt.Errorf("store: create refresh token: %w", err)
		}
		return nil
	})
}

// UseRefresh marks the token used exactly once; a second use returns the
// record with token.ErrRefreshReused.
func (s *Store) UseRefresh(ctx context.Context, hash []byte, at time.Time) (token.RefreshRecord, error) {
	var rec token.RefreshRecord
	var reused bool
	err := s.tx(ctx, func(t *txn) error {
		res, err := t.exec(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL`, ns(at), hash)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		reused = n == 0
		rec, err = scanRefresh(t.queryRow(ctx, `SELECT `+refreshColumns+` FROM refresh_tokens WHERE hash = ?`, hash))
		if err = s.wrap(err); errors.Is(err, ErrNotFound) {
			return token.ErrRefreshUnknown
		}
		return err
	})
	if err != nil {
		return token.RefreshRecord{}, err
	}
	if reused {
		return rec, token.ErrRefreshReused
	}
	return rec, nil
}

// RevokeFamily revokes every token of the family, including later ones.
func (s *Store) RevokeFamily(ctx context.Context, familyID string, at time.Time) error {
	return s.tx(ctx, func(t *txn) error {
		if err := t.lockName(ctx, lockRefreshFamily, familyID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO refresh_families (family_id, revoked_at) VALUES (?, ?) ON CONFLICT (family_id) DO NOTHING`,
			familyID, ns(at)); err != nil {
			return fmt.Errorf("store: revoke family: %w", err)
		}
		_, err := t.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`, ns(at), familyID)
		return err
	})
}

// LiveFamilies returns the families with a token neither revoked nor
// expired at now (token.RefreshStore).
func (s *Store) LiveFamilies(ctx context.Context, now time.Time) ([]string, error) {
	return s.strings(ctx, `SELECT DISTINCT family_id FROM refresh_tokens WHERE revoked_at IS NULL AND expires_at > ?`, ns(now))
}

// PurgeRefresh deletes refresh tokens that expired before before, then the
// revocation records of families revoked before before that have no token
// left (nothing can be rotated in them any more), so neither table grows
// without bound.
func (s *Store) PurgeRefresh(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.tx(ctx, func(t *txn) error {
		res, err := t.exec(ctx, `DELETE FROM refresh_tokens WHERE expires_at < ?`, ns(before))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = t.exec(ctx, `DELETE FROM refresh_families WHERE revoked_at < ?
			AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = refresh_families.family_id)`, ns(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge refresh tokens: %w", err)
	}
	return int(n), nil
}
