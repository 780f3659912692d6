package seal

import (
	"crypto/aes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// errNoFernetKeys reports a MultiFernet built without keys (or with a nil key).
var errNoFernetKeys = errors.New("crypto: multi-fernet needs at least one non-nil key")

// MultiFernet is an ordered list of Fernet keys, like Python's MultiFernet:
// the first key encrypts, any key decrypts, and Rotate re-encrypts a token
// under the first key. It is safe for concurrent use.
type MultiFernet struct {
	keys []*FernetKey
}

// NewMultiFernet returns a MultiFernet over keys; keys[0] is the encryption
// key. The slice is copied.
func NewMultiFernet(keys ...*FernetKey) (*MultiFernet, error) {
	if len(keys) == 0 {
		return nil, errNoFernetKeys
	}
	for _, k := range keys {
		if k == nil {
			return nil, errNoFernetKeys
		}
	}
	return &MultiFernet{keys: append([]*FernetKey(nil), keys...)}, nil
}

// EncryptAt encrypts plaintext under the first key with timestamp at.
func (m *MultiFernet) EncryptAt(plaintext []byte, at time.Time) (string, error) {
	return m.keys[0].EncryptAt(plaintext, at)
}

// Decrypt verifies token under whichever key signed it and returns its
// plaintext without a time check.
func (m *MultiFernet) Decrypt(token string) ([]byte, error) {
	return m.decrypt(token, nil)
}

// DecryptAt is Decrypt with FernetKey.DecryptAt's TTL and clock-skew checks.
func (m *MultiFernet) DecryptAt(token string, ttl time.Duration, at time.Time) ([]byte, error) {
	tc, err := newTimeCheck(ttl, at)
	if err != nil {
		return nil, err
	}
	return m.decrypt(token, tc)
}

// Rotate decrypts token under any key (without a time check) and returns a
// new token of the same plaintext under the first key, with a fresh IV and
// the original timestamp, like Python's MultiFernet.rotate.
func (m *MultiFernet) Rotate(token string) (string, error) {
	raw, k, err := m.verify(token)
	if err != nil {
		return "", err
	}
	pt, err := k.decryptVerified(raw, nil)
	if err != nil {
		return "", err
	}
	ts := binary.BigEndian.Uint64(raw[fernetTimeOffset:])
	out := m.keys[0].sealRaw(nil, pt, ts, randomBytes(aes.BlockSize))
	return base64.URLEncoding.EncodeToString(out), nil
}

func (m *MultiFernet) decrypt(token string, tc *timeCheck) ([]byte, error) {
	raw, k, err := m.verify(token)
	if err != nil {
		return nil, err
	}
	return k.decryptVerified(raw, tc)
}

// verify decodes token and returns it with the key whose HMAC verifies it.
// Keys are tried in order; each comparison is constant time.
func (m *MultiFernet) verify(token string) ([]byte, *FernetKey, error) {
	raw, err := decodeToken(token)
	if err != nil {
		return nil, nil, err
	}
	if err := checkRaw(raw); err != nil {
		return nil, nil, err
	}
	for _, k := range m.keys {
		if k.verifyMAC(raw) {
			return raw, k, nil
		}
	}
	return nil, nil, ErrTokenSignature
}
