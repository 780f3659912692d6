package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/samo-brain/samo/internal/rekey"
)

var _ rekey.Store = (*Store)(nil)

// The sealed columns a key rotation re-encrypts (rekey.Rotator.Columns).
const (
	ColumnPredictionText = "predictions.text"
	ColumnTOTPSecret     = "user_totp.secret"
)

// sealedColumn holds the fixed statements of one sealed column.
type sealedColumn struct{ count, batch, replace string }

// sealedColumns returns the statements of every sealed column; column
// names never reach SQL text from outside this table.
func sealedColumns() map[string]sealedColumn {
	return map[string]sealedColumn{
		ColumnPredictionText: {
			count:   `SELECT text_key_id, COUNT(*) FROM predictions GROUP BY text_key_id`,
			batch:   `SELECT id, text_sealed FROM predictions WHERE text_key_id <> ? AND id > ? ORDER BY id LIMIT ?`,
			replace: `UPDATE predictions SET text_sealed = ?, text_key_id = ? WHERE id = ? AND text_sealed = ?`,
		},
		ColumnTOTPSecret: {
			count:   `SELECT secret_key_id, COUNT(*) FROM user_totp GROUP BY secret_key_id`,
			batch:   `SELECT user_id, secret_sealed FROM user_totp WHERE secret_key_id <> ? AND user_id > ? ORDER BY user_id LIMIT ?`,
			replace: `UPDATE user_totp SET secret_sealed = ?, secret_key_id = ? WHERE user_id = ? AND secret_sealed = ?`,
		},
	}
}

// ErrUnknownColumn is returned for a sealed column this store does not have.
var ErrUnknownColumn = errors.New("store: unknown sealed column")

// CountSealed returns how many stored values each keyring key sealed, over
// every sealed column.
func (s *Store) CountSealed(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, c := range sealedColumns() {
		if err := s.countSealed(ctx, c.count, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) countSealed(ctx context.Context, q string, out map[string]int) error {
	rows, err := s.query(ctx, q)
	if err != nil {
		return fmt.Errorf("store: count sealed: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return s.wrap(err)
		}
		out[id] += n
	}
	return s.wrap(rows.Err())
}

// SealedBatch returns up to limit values of column not sealed under keyID,
// in row id order after afterID.
func (s *Store) SealedBatch(ctx context.Context, column, keyID, afterID string, limit int) ([]rekey.Sealed, error) {
	c, ok := sealedColumns()[column]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownColumn, column)
	}
	rows, err := s.query(ctx, c.batch, keyID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: sealed batch: %w", err)
	}
	defer rows.Close()
	var out []rekey.Sealed
	for rows.Next() {
		var v rekey.Sealed
		if err := rows.Scan(&v.ID, &v.Value); err != nil {
			return nil, s.wrap(err)
		}
		out = append(out, v)
	}
	return out, s.wrap(rows.Err())
}

// ReplaceSealed swaps one stored value of column from old to updated
// (compare-and-swap: a row changed or deleted meanwhile is left alone) and
// reports whether it was replaced.
func (s *Store) ReplaceSealed(ctx context.Context, column, id string, old, updated []byte, keyID string) (bool, error) {
	c, ok := sealedColumns()[column]
	if !ok {
		return false, fmt.Errorf("%w: %q", ErrUnknownColumn, column)
	}
	res, err := s.exec(ctx, c.replace, updated, keyID, id, old)
	if err != nil {
		return false, fmt.Errorf("store: replace sealed: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
