package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Algorithm is the algorithm of a data-encryption key, as named by
// ENCRYPTION_ALGORITHM.
type Algorithm string

// The algorithms a keyring key can use.
const (
	// AES256GCM seals with AES-256-GCM and a random 96-bit nonce (the default).
	AES256GCM Algorithm = "AES-256-GCM"
	// Fernet seals with a Fernet token plus an HMAC binding the associated data.
	Fernet Algorithm = "Fernet"
)

// Algorithm codes stored in sealed values.
const (
	algCodeAES256GCM = 1
	algCodeFernet    = 2
)

// Keyring errors.
var (
	// ErrAlgorithm reports an algorithm name or code this package does not know.
	ErrAlgorithm = errors.New("crypto: unsupported algorithm")
	// ErrUnknownKey reports a key id that is not in the keyring.
	ErrUnknownKey = errors.New("crypto: unknown key id")
	// ErrActiveKey reports an attempt to remove the active key.
	ErrActiveKey = errors.New("crypto: cannot remove the active key")
	// errNilClock reports a keyring constructed without a clock.
	errNilClock = errors.New("crypto: keyring needs a clock")
)

// ParseAlgorithm parses an ENCRYPTION_ALGORITHM value, ignoring case. The
// empty string selects the default, AES256GCM.
func ParseAlgorithm(s string) (Algorithm, error) {
	if s == "" || strings.EqualFold(s, string(AES256GCM)) {
		return AES256GCM, nil
	}
	if strings.EqualFold(s, string(Fernet)) {
		return Fernet, nil
	}
	return "", fmt.Errorf("%w %q (want %s or %s)", ErrAlgorithm, s, AES256GCM, Fernet)
}

// code returns the byte that identifies a in sealed values.
func (a Algorithm) code() (byte, error) {
	switch a {
	case AES256GCM:
		return algCodeAES256GCM, nil
	case Fernet:
		return algCodeFernet, nil
	}
	return 0, fmt.Errorf("%w %q", ErrAlgorithm, string(a))
}

// KeyInfo describes a data-encryption key without its material.
type KeyInfo struct {
	// ID is the short identifier stored in every value the key seals.
	ID string
	// Algorithm is how the key seals.
	Algorithm Algorithm
	// Created is when the key was added to the keyring.
	Created time.Time
	// Active reports whether the key seals new values.
	Active bool
}

// dek is one data-encryption key with its ready-to-use ciphers. It is
// immutable once built.
type dek struct {
	id       string
	alg      Algorithm
	algCode  byte
	created  time.Time
	material []byte
	aead     cipher.AEAD // AES256GCM
	fernet   *FernetKey  // Fernet
	aadKey   []byte      // Fernet: HMAC key binding the associated data
}

// dekSize is the size of every data-encryption key's material.
const dekSize = 32

// newDEK builds a key from its material.
func newDEK(id string, alg Algorithm, created time.Time, material []byte) (*dek, error) {
	code, err := alg.code()
	if err != nil {
		return nil, err
	}
	if !validKeyID(id) {
		return nil, fmt.Errorf("crypto: invalid key id %q", id)
	}
	if len(material) != dekSize {
		return nil, fmt.Errorf("crypto: key %s: material must be %d bytes", id, dekSize)
	}
	d := &dek{id: id, alg: alg, algCode: code, created: created.UTC(), material: append([]byte(nil), material...)}
	switch alg {
	case AES256GCM:
		block, err := aes.NewCipher(d.material)
		if err != nil {
			return nil, fmt.Errorf("crypto: key %s: %w", id, err)
		}
		if d.aead, err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("crypto: key %s: %w", id, err)
		}
	case Fernet:
		if d.fernet, err = NewFernetKey(d.material); err != nil {
			return nil, fmt.Errorf("crypto: key %s: %w", id, err)
		}
		d.aadKey = hkdfExpand32(d.material, "samo keyring fernet aad v1")
	}
	return d, nil
}

func (d *dek) info(active bool) KeyInfo {
	return KeyInfo{ID: d.id, Algorithm: d.alg, Created: d.created, Active: active}
}

// maxKeyIDLen bounds key ids so that they fit the one-byte length in sealed values.
const maxKeyIDLen = 32

// validKeyID reports whether id is 1 to 32 characters of [A-Za-z0-9_-], so
// that it can be printed and logged safely.
func validKeyID(id string) bool {
	if len(id) == 0 || len(id) > maxKeyIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ringState is an immutable snapshot of a keyring. Readers load it without
// locking; writers copy it, change the copy and publish it.
type ringState struct {
	keys     []*dek // in order of creation
	active   *dek
	root     []byte // secret from which DeriveKey derives purpose keys
	revision uint64
}

// lookup returns the key with the given id, or nil. Keyrings hold a handful
// of keys, so a scan beats a map.
func (s *ringState) lookup(id string) *dek {
	for _, d := range s.keys {
		if d.id == id {
			return d
		}
	}
	return nil
}

// lookupBytes is lookup for an id still in its sealed value (no allocation).
func (s *ringState) lookupBytes(id []byte) *dek {
	for _, d := range s.keys {
		if d.id == string(id) {
			return d
		}
	}
	return nil
}

// clone returns a copy of s that can be modified, with the revision bumped.
func (s *ringState) clone() *ringState {
	c := *s
	c.keys = append([]*dek(nil), s.keys...)
	c.revision++
	return &c
}

// Keyring holds the data-encryption keys: exactly one active key seals, every
// key opens. It is safe for concurrent use; Seal and Open never wait for a
// rotation. Create one with New or Unwrap (the zero value is not usable);
// persist it with Wrap.
type Keyring struct {
	mu    sync.Mutex // serialises changes
	state atomic.Pointer[ringState]
	now   func() time.Time
}

// New returns a keyring with a fresh derivation root and one fresh active
// key using alg. now is the clock used for key creation times and Fernet
// timestamps.
func New(alg Algorithm, now func() time.Time) (*Keyring, error) {
	if now == nil {
		return nil, errNilClock
	}
	d, err := newDEK(newKeyID(nil), alg, now(), randomBytes(dekSize))
	if err != nil {
		return nil, err
	}
	k := &Keyring{now: now}
	k.state.Store(&ringState{keys: []*dek{d}, active: d, root: randomBytes(32), revision: 1})
	return k, nil
}

// newKeyID returns a random 8-hex-character id not used in s (which may be nil).
func newKeyID(s *ringState) string {
	for {
		id := hex.EncodeToString(randomBytes(4))
		if s == nil || s.lookup(id) == nil {
			return id
		}
	}
}

// AddKey adds a fresh key using alg and returns its id. The new key does not
// become active: in a multi-replica deployment every replica must be able to
// open values under a key before any replica seals with it (see SetActive).
func (k *Keyring) AddKey(alg Algorithm) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.state.Load().clone()
	d, err := newDEK(newKeyID(s), alg, k.now(), randomBytes(dekSize))
	if err != nil {
		return "", err
	}
	s.keys = append(s.keys, d)
	k.state.Store(s)
	return d.id, nil
}

// SetActive makes the key id the one that seals new values.
func (k *Keyring) SetActive(id string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.state.Load()
	d := s.lookup(id)
	if d == nil {
		return fmt.Errorf("%w %q", ErrUnknownKey, id)
	}
	if d == s.active {
		return nil
	}
	s = s.clone()
	s.active = d
	k.state.Store(s)
	return nil
}

// RemoveKey deletes key id, after which values sealed under it can no longer
// be opened. Only remove a key once no stored value uses it. The active key
// cannot be removed.
func (k *Keyring) RemoveKey(id string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.state.Load()
	d := s.lookup(id)
	if d == nil {
		return fmt.Errorf("%w %q", ErrUnknownKey, id)
	}
	if d == s.active {
		return ErrActiveKey
	}
	s = s.clone()
	keys := s.keys[:0]
	for _, e := range s.keys {
		if e != d {
			keys = append(keys, e)
		}
	}
	s.keys = keys
	k.state.Store(s)
	return nil
}

// Active describes the key that seals new values.
func (k *Keyring) Active() KeyInfo {
	return k.state.Load().active.info(true)
}

// Keys describes every key, oldest first. It never returns key material.
func (k *Keyring) Keys() []KeyInfo {
	s := k.state.Load()
	out := make([]KeyInfo, len(s.keys))
	for i, d := range s.keys {
		out[i] = d.info(d == s.active)
	}
	return out
}

// Revision returns a number that grows with every change to the keyring
// (AddKey, SetActive, RemoveKey) and is kept by Wrap. Storing it next to the
// wrapped keyring lets replicas notice a new keyring and lets the writer
// refuse to overwrite a newer one.
func (k *Keyring) Revision() uint64 {
	return k.state.Load().revision
}

// DeriveKey returns a 32-byte key for purpose (e.g. "blind-index",
// "pseudonym"), derived with HKDF-SHA256 from a random root secret held in
// the keyring. The result is stable across data-key rotation (AddKey,
// SetActive, RemoveKey) and across master-key rotation (Wrap under a new key); different
// purposes give independent keys.
func (k *Keyring) DeriveKey(purpose string) []byte {
	return hkdfExpand32(k.state.Load().root, "samo keyring derive v1: "+purpose)
}

// hkdfExpand32 is HKDF-Expand(SHA-256, prk, info, 32), which is the single
// block T(1) = HMAC-SHA256(prk, info ‖ 0x01) of RFC 5869 §2.3; written out
// because it cannot fail. prk must be a uniformly random key.
func hkdfExpand32(prk []byte, info string) []byte {
	mac := hmac.New(sha256.New, prk)
	mac.Write([]byte(info))
	mac.Write([]byte{1})
	return mac.Sum(nil)
}
