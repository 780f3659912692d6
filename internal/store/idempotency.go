package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/samo-brain/samo/internal/idempotency"
)

var _ idempotency.Store = (*Store)(nil)

// ClaimIdempotency inserts rec unless a live record holds its scope and key
// (idempotency.Store). Expired records and unfinished ones created before
// staleBefore are replaced. The insert is ON CONFLICT DO NOTHING, so of two
// replicas claiming the same key at once exactly one wins.
func (s *Store) ClaimIdempotency(ctx context.Context, rec idempotency.Record, staleBefore time.Time) (idempotency.Record, bool, error) {
	var existing idempotency.Record
	claimed := false
	err := s.tx(ctx, func(t *txn) error {
		if _, err := t.exec(ctx, `DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND (expires_at <= ? OR (status = 0 AND created_at < ?))`,
			rec.Scope, rec.Key, ns(rec.CreatedAt), ns(staleBefore)); err != nil {
			return fmt.Errorf("store: claim idempotency key: %w", err)
		}
		res, err := t.exec(ctx, `INSERT INTO idempotency_keys (scope, idem_key, fingerprint, status, created_at, expires_at)
			VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (scope, idem_key) DO NOTHING`,
			rec.Scope, rec.Key, rec.Fingerprint, ns(rec.CreatedAt), ns(rec.ExpiresAt))
		if err != nil {
			return fmt.Errorf("store: claim idempotency key: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return s.wrap(err)
		} else if n == 1 {
			claimed = true
			return nil
		}
		var created, expires int64
		var resp []byte
		existing = idempotency.Record{Scope: rec.Scope, Key: rec.Key}
		err = t.queryRow(ctx, `SELECT fingerprint, status, response, created_at, expires_at FROM idempotency_keys WHERE scope = ? AND idem_key = ?`,
			rec.Scope, rec.Key).Scan(&existing.Fingerprint, &existing.Status, &resp, &created, &expires)
		if err != nil {
			return fmt.Errorf("store: read idempotency key: %w", s.wrap(err))
		}
		existing.Response, existing.CreatedAt, existing.ExpiresAt = resp, fromNS(created), fromNS(expires)
		return nil
	})
	return existing, claimed, err
}

// CompleteIdempotency stores the sealed answer of a claimed key.
func (s *Store) CompleteIdempotency(ctx context.Context, scope, key string, status int, response []byte) error {
	res, err := s.exec(ctx, `UPDATE idempotency_keys SET status = ?, response = ? WHERE scope = ? AND idem_key = ? AND status = 0`,
		status, response, scope, key)
	if err != nil {
		return fmt.Errorf("store: complete idempotency key: %w", err)
	}
	return oneRow(res)
}

// ReleaseIdempotency deletes an unfinished key so a retry runs again.
func (s *Store) ReleaseIdempotency(ctx context.Context, scope, key string) error {
	_, err := s.exec(ctx, `DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND status = 0`, scope, key)
	if err != nil {
		return fmt.Errorf("store: release idempotency key: %w", err)
	}
	return nil
}

// PurgeIdempotency deletes keys that expired at or before now.
func (s *Store) PurgeIdempotency(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= ?`, ns(now))
	if err != nil {
		return 0, fmt.Errorf("store: purge idempotency keys: %w", err)
	}
	return res.RowsAffected()
}

// oneRow returns ErrNotFound unless res changed exactly one row.
func oneRow(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return ErrNotFound
	}
	return nil
}
