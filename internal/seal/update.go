package seal

import (
	"crypto/subtle"
	"errors"
)

// ErrForeignKeyring reports an Update from a keyring with another
// derivation root: not a newer version of this keyring.
var ErrForeignKeyring = errors.New("crypto: keyring has a different root")

// Update adopts newer's keys when newer (typically unwrapped from the store
// after another process changed it) has a higher Revision. It reports
// whether k changed. Seal and Open switch atomically; values sealed under a
// key that newer no longer holds stop opening, so retire keys only once no
// stored value uses them.
func (k *Keyring) Update(newer *Keyring) (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	cur, next := k.state.Load(), newer.state.Load()
	if subtle.ConstantTimeCompare(cur.root, next.root) != 1 {
		return false, ErrForeignKeyring
	}
	if next.revision <= cur.revision {
		return false, nil
	}
	k.state.Store(next)
	return true, nil
}
