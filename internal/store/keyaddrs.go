package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/samo-brain/samo/internal/apikey"
)

var _ apikey.AddressStore = (*Store)(nil)

// RecordKeyAddresses upserts uses into api_key_addresses (first_seen kept,
// last_seen raised) and trims each key touched to its keep most recently
// seen addresses, in one transaction. Rows are written in key and address
// order, so concurrent replicas cannot deadlock on them.
func (s *Store) RecordKeyAddresses(ctx context.Context, uses []apikey.AddressUse, keep int) error {
	if len(uses) == 0 {
		return nil
	}
	if keep <= 0 {
		return errors.New("store: record key addresses: keep must be positive")
	}
	uses = slices.Clone(uses)
	slices.SortFunc(uses, func(a, b apikey.AddressUse) int {
		if c := strings.Compare(a.KeyID, b.KeyID); c != 0 {
			return c
		}
		return strings.Compare(a.Address, b.Address)
	})
	return s.tx(ctx, func(t *txn) error {
		for i, u := range uses {
			at := ns(u.At)
			if _, err := t.exec(ctx, `INSERT INTO api_key_addresses (key_id, address, first_seen, last_seen) VALUES (?, ?, ?, ?)
				ON CONFLICT (key_id, address) DO UPDATE SET last_seen = excluded.last_seen
				WHERE api_key_addresses.last_seen < excluded.last_seen`, u.KeyID, u.Address, at, at); err != nil {
				return fmt.Errorf("store: record key addresses: %w", err)
			}
			if i+1 < len(uses) && uses[i+1].KeyID == u.KeyID {
				continue // trim once per key, after its last row
			}
			if _, err := t.exec(ctx, `DELETE FROM api_key_addresses WHERE key_id = ? AND address NOT IN
				(SELECT address FROM api_key_addresses WHERE key_id = ? ORDER BY last_seen DESC, address LIMIT ?)`,
				u.KeyID, u.KeyID, keep); err != nil {
				return fmt.Errorf("store: trim key addresses: %w", err)
			}
		}
		return nil
	})
}

// KeyUsedFrom reports whether keyID has a recorded use from address.
func (s *Store) KeyUsedFrom(ctx context.Context, keyID, address string) (bool, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM api_key_addresses WHERE key_id = ? AND address = ?`, keyID, address).Scan(&n); err != nil {
		return false, fmt.Errorf("store: key addresses: %w", s.wrap(err))
	}
	return n > 0, nil
}
