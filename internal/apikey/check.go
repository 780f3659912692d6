package apikey

import (
	"context"
	"errors"
	"fmt"
)

// Check reports whether key id may still be used, as Authenticate would for
// its plaintext: nil, or a *KeyError wrapping ErrRevoked, ErrSuspended or
// ErrExpired, or ErrNotFound. Bearer tokens call it on every request so a
// revoked or suspended key's tokens stop working with it. A successful check
// counts as a use of the key (idle expiry). Lookups share the cache.
func (s *Service) Check(ctx context.Context, id string) (Key, error) {
	if s.cfgErr != nil {
		return Key{}, s.cfgErr
	}
	now := s.now()
	k, ok, gen := s.cache.getByID(id, now)
	if !ok {
		var err error
		k, err = s.store.KeyByID(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return Key{}, ErrNotFound
		}
		if err != nil {
			return Key{}, fmt.Errorf("apikey: looking up key: %w", err)
		}
		k = k.clone()
		if len(k.Hash) == HashSize {
			var h [HashSize]byte
			copy(h[:], k.Hash)
			s.cache.put(h, k, now, gen)
		}
	}
	if err := s.check(k, now); err != nil {
		return Key{}, err
	}
	s.usage.record(k.ID, now)
	return k.clone(), nil
}
