package store

import (
	"context"
	"fmt"

	"github.com/samo-brain/samo/internal/rekey"
)

var _ rekey.Store = (*Store)(nil)

// CountSealed returns how many stored texts each keyring key sealed.
func (s *Store) CountSealed(ctx context.Context) (map[string]int, error) {
	rows, err := s.query(ctx, `SELECT text_key_id, COUNT(*) FROM predictions GROUP BY text_key_id`)
	if err != nil {
		return nil, fmt.Errorf("store: count sealed: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, s.wrap(err)
		}
		out[id] = n
	}
	return out, s.wrap(rows.Err())
}

// SealedBatch returns up to limit stored texts not sealed under keyID, in id
// order after afterID.
func (s *Store) SealedBatch(ctx context.Context, keyID, afterID string, limit int) ([]rekey.Sealed, error) {
	rows, err := s.query(ctx, `SELECT id, text_sealed FROM predictions WHERE text_key_id <> ? AND id > ? ORDER BY id LIMIT ?`, keyID, afterID, limit)
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

// ReplaceSealed swaps one stored text from old to updated (compare-and-swap:
// a row changed or deleted meanwhile is left alone) and reports whether it
// was replaced.
func (s *Store) ReplaceSealed(ctx context.Context, id string, old, updated []byte, keyID string) (bool, error) {
	res, err := s.exec(ctx, `UPDATE predictions SET text_sealed = ?, text_key_id = ? WHERE id = ? AND text_sealed = ?`, updated, keyID, id, old)
	if err != nil {
		return false, fmt.Errorf("store: replace sealed: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
