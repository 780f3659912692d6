package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Wrapped keyring layout (version 1):
//
//	magic "SAMOKR" ‖ version(1) = 0x01 ‖ kdf(1) ‖ iterations(4) ‖ salt(16) ‖ nonce(12) ‖ AES-256-GCM(JSON keyring)
//
// The whole header is the GCM additional data. The key-encryption key is
// HKDF-Expand(prk, "samo keyring kek v1") where prk comes from the master key,
// the KDF parameters and the salt (MasterKey.prk).
const (
	wrapMagic      = "SAMOKR"
	wrapVersion    = 1
	wrapHeaderSize = len(wrapMagic) + 1 + kdfParamsSize + gcmNonceSize
	wrapInfo       = "samo keyring kek v1"
	keyringFormat  = 1
)

// ErrKeyringFormat reports bytes that are not a wrapped keyring this package
// can read.
var ErrKeyringFormat = errors.New("crypto: malformed wrapped keyring")

// keyringJSON is the plaintext inside a wrapped keyring.
type keyringJSON struct {
	Format   int       `json:"format"`
	Revision uint64    `json:"revision"`
	Active   string    `json:"active"`
	Root     []byte    `json:"root"`
	Keys     []keyJSON `json:"keys"`
}

type keyJSON struct {
	ID        string    `json:"id"`
	Algorithm Algorithm `json:"alg"`
	Created   time.Time `json:"created"`
	Material  []byte    `json:"key"`
}

// Wrap serialises the keyring and encrypts it under a key derived from mk
// with a fresh random salt. The result holds every key's material and is
// safe to store anywhere mk is not.
func (k *Keyring) Wrap(mk *MasterKey) ([]byte, error) {
	return wrapState(k.state.Load(), mk)
}

// Unwrap decrypts a keyring wrapped by Wrap. A wrong master key (or any
// change to the blob) gives ErrWrongKey. now is the new keyring's clock.
func Unwrap(blob []byte, mk *MasterKey, now func() time.Time) (*Keyring, error) {
	if now == nil {
		return nil, errNilClock
	}
	s, err := unwrapState(blob, mk)
	if err != nil {
		return nil, err
	}
	k := &Keyring{now: now}
	k.state.Store(s)
	return k, nil
}

func wrapState(s *ringState, mk *MasterKey) ([]byte, error) {
	if mk == nil {
		return nil, fmt.Errorf("%w: nil", ErrMasterKey)
	}
	doc := keyringJSON{Format: keyringFormat, Revision: s.revision, Active: s.active.id, Root: s.root}
	for _, d := range s.keys {
		doc.Keys = append(doc.Keys, keyJSON{ID: d.id, Algorithm: d.alg, Created: d.created, Material: d.material})
	}
	plain, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("crypto: encode keyring: %w", err)
	}
	defer clear(plain)
	return wrapPlain(plain, mk)
}

// wrapPlain encrypts a serialised keyring under a key derived from mk.
func wrapPlain(plain []byte, mk *MasterKey) ([]byte, error) {
	p := mk.newParams()
	header := make([]byte, 0, wrapHeaderSize)
	header = append(header, wrapMagic...)
	header = append(header, wrapVersion)
	header = p.append(header)
	header = append(header, randomBytes(gcmNonceSize)...)
	aead, err := wrapAEAD(mk, p)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(header), len(header)+len(plain)+gcmTagSize)
	copy(out, header)
	return aead.Seal(out, header[len(header)-gcmNonceSize:], plain, header), nil
}

func unwrapState(blob []byte, mk *MasterKey) (*ringState, error) {
	if mk == nil {
		return nil, fmt.Errorf("%w: nil", ErrMasterKey)
	}
	if len(blob) < wrapHeaderSize+gcmTagSize || string(blob[:len(wrapMagic)]) != wrapMagic {
		return nil, ErrKeyringFormat
	}
	if v := blob[len(wrapMagic)]; v != wrapVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrKeyringFormat, v)
	}
	p, err := parseKDFParams(blob[len(wrapMagic)+1:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyringFormat, err)
	}
	aead, err := wrapAEAD(mk, p)
	if err != nil {
		return nil, err
	}
	header := blob[:wrapHeaderSize]
	plain, err := aead.Open(nil, header[wrapHeaderSize-gcmNonceSize:], blob[wrapHeaderSize:], header)
	if err != nil {
		return nil, ErrWrongKey
	}
	defer clear(plain)
	return decodeKeyring(plain)
}

// wrapAEAD returns the AES-256-GCM cipher keyed by the key-encryption key.
func wrapAEAD(mk *MasterKey, p kdfParams) (cipher.AEAD, error) {
	prk, err := mk.prk(p)
	if err != nil {
		return nil, err
	}
	kek, err := expand(prk, wrapInfo)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("crypto: kek cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// decodeKeyring parses and validates the keyring document strictly: no
// unknown fields, no trailing data, unique valid ids, known algorithms,
// 32-byte keys and root, and an active key that exists.
func decodeKeyring(plain []byte) (*ringState, error) {
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	var doc keyringJSON
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyringFormat, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data", ErrKeyringFormat)
	}
	defer func() {
		for _, kj := range doc.Keys {
			clear(kj.Material)
		}
	}()
	if doc.Format != keyringFormat {
		return nil, fmt.Errorf("%w: unknown format %d", ErrKeyringFormat, doc.Format)
	}
	if len(doc.Root) != 32 {
		return nil, fmt.Errorf("%w: bad derivation root", ErrKeyringFormat)
	}
	if len(doc.Keys) == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrKeyringFormat)
	}
	s := &ringState{root: append([]byte(nil), doc.Root...), revision: doc.Revision}
	clear(doc.Root)
	for _, kj := range doc.Keys {
		if s.lookup(kj.ID) != nil {
			return nil, fmt.Errorf("%w: duplicate key id %q", ErrKeyringFormat, kj.ID)
		}
		d, err := newDEK(kj.ID, kj.Algorithm, kj.Created, kj.Material)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKeyringFormat, err)
		}
		s.keys = append(s.keys, d)
	}
	if s.active = s.lookup(doc.Active); s.active == nil {
		return nil, fmt.Errorf("%w: active key %q missing", ErrKeyringFormat, doc.Active)
	}
	return s, nil
}
