package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
)

// ErrKeyringChanged is returned by SwapKeyring when another process changed
// the keyring first.
var ErrKeyringChanged = errors.New("store: keyring changed concurrently")

// Keyring returns the wrapped keyring, or ErrNotFound before the first start.
func (s *Store) Keyring(ctx context.Context) ([]byte, error) {
	var b []byte
	err := s.wrap(s.w.QueryRowContext(ctx, s.rebind(`SELECT wrapped FROM keyring WHERE id = 1`)).Scan(&b))
	return b, err
}

// InitKeyring stores wrapped unless a keyring exists, and returns the stored
// one: concurrent first starts of several replicas agree on one keyring.
func (s *Store) InitKeyring(ctx context.Context, wrapped []byte) ([]byte, error) {
	if _, err := s.exec(ctx, `INSERT INTO keyring (id, wrapped, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING`,
		wrapped, ns(s.now())); err != nil {
		return nil, fmt.Errorf("store: init keyring: %w", err)
	}
	return s.Keyring(ctx)
}

// SwapKeyring replaces the wrapped keyring old with updated, failing with
// ErrKeyringChanged if the stored value is no longer old.
func (s *Store) SwapKeyring(ctx context.Context, old, updated []byte) error {
	return s.tx(ctx, func(t *txn) error {
		var cur []byte
		if err := s.wrap(t.queryRow(ctx, `SELECT wrapped FROM keyring WHERE id = 1`+s.forUpdate()).Scan(&cur)); err != nil {
			return err
		}
		if !bytes.Equal(cur, old) {
			return ErrKeyringChanged
		}
		_, err := t.exec(ctx, `UPDATE keyring SET wrapped = ?, updated_at = ? WHERE id = 1`, updated, ns(s.now()))
		return err
	})
}
