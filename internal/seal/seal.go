package seal

import (
	"crypto/aes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Sealed value layout (version 1):
//
//	version(1) = 0x01 ‖ algorithm(1) ‖ len(keyID)(1) ‖ keyID
//	AES-256-GCM: nonce(12) ‖ ciphertext ‖ tag(16)
//	             GCM additional data = header ‖ caller's AAD
//	Fernet:      binary Fernet token ‖ HMAC-SHA256(aadKey, header ‖ len(token)(8) ‖ token ‖ caller's AAD)
const (
	sealVersion   = 1
	gcmNonceSize  = 12
	gcmTagSize    = 16
	sealMACSize   = sha256.Size
	sealHeaderMin = 3
)

// Errors from Open and KeyID.
var (
	// ErrMalformed reports bytes that are not a sealed value of a known version.
	ErrMalformed = errors.New("crypto: malformed sealed value")
	// ErrAuth reports a sealed value that does not authenticate: it was
	// tampered with, or moved to another row, column or table (its AAD differs).
	ErrAuth = errors.New("crypto: sealed value failed authentication")
)

// AAD returns associated data that binds a sealed value to the table, column
// and row it is stored in, so that it cannot be copied or swapped into
// another place. Each field is length-prefixed (4 bytes, big-endian) after a
// format byte, so different triples never encode alike.
func AAD(table, column, rowID string) []byte {
	b := make([]byte, 0, 1+12+len(table)+len(column)+len(rowID))
	b = append(b, 1)
	for _, f := range [...]string{table, column, rowID} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// appendSealHeader appends the header of a value sealed under d.
func appendSealHeader(b []byte, d *dek) []byte {
	b = append(b, sealVersion, d.algCode, byte(len(d.id)))
	return append(b, d.id...)
}

// parseSealHeader returns the length of sealed's header, its algorithm code
// and its key id (aliasing sealed).
func parseSealHeader(sealed []byte) (n int, alg byte, id []byte, err error) {
	if len(sealed) < sealHeaderMin {
		return 0, 0, nil, ErrMalformed
	}
	if sealed[0] != sealVersion {
		return 0, 0, nil, fmt.Errorf("%w: unknown version %d", ErrMalformed, sealed[0])
	}
	idLen := int(sealed[2])
	n = sealHeaderMin + idLen
	if len(sealed) < n {
		return 0, 0, nil, ErrMalformed
	}
	id = sealed[sealHeaderMin:n]
	if !validKeyID(string(id)) {
		return 0, 0, nil, fmt.Errorf("%w: bad key id", ErrMalformed)
	}
	return n, sealed[1], id, nil
}

// KeyID returns the id of the key that sealed a value, without opening it, so
// that a rotation job can find values still under an old key.
func KeyID(sealed []byte) (string, error) {
	_, _, id, err := parseSealHeader(sealed)
	return string(id), err
}

// Seal encrypts plaintext under the active key, binding it to aad (use AAD).
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	d := k.state.Load().active
	switch d.alg {
	case AES256GCM:
		h := sealHeaderMin + len(d.id)
		out := make([]byte, h+gcmNonceSize, h+gcmNonceSize+len(plaintext)+gcmTagSize)
		appendSealHeader(out[:0], d)
		nonce := out[h : h+gcmNonceSize]
		rand.Read(nonce) // never fails

		return d.aead.Seal(out, nonce, plaintext, gcmAAD(out[:h], aad)), nil // #nosec G407 -- nonce is 96 random bits from crypto/rand, filled above
	case Fernet:
		ts, err := fernetTimestamp(k.now())
		if err != nil {
			return nil, err
		}
		out := appendSealHeader(nil, d)
		h := len(out)
		out = d.fernet.sealRaw(out, plaintext, ts, randomBytes(aes.BlockSize))
		return fernetBind(out, d, out[:h], out[h:], aad), nil
	}
	return nil, fmt.Errorf("%w %q", ErrAlgorithm, string(d.alg))
}

// Open authenticates and decrypts a value sealed by Seal under any key in
// the keyring, with the same aad.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	h, alg, id, err := parseSealHeader(sealed)
	if err != nil {
		return nil, err
	}
	d := k.state.Load().lookupBytes(id)
	if d == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, id)
	}
	if alg != d.algCode {
		return nil, fmt.Errorf("%w: algorithm does not match key %s", ErrMalformed, id)
	}
	body := sealed[h:]
	switch d.alg {
	case AES256GCM:
		if len(body) < gcmNonceSize+gcmTagSize {
			return nil, ErrMalformed
		}
		pt, err := d.aead.Open(nil, body[:gcmNonceSize], body[gcmNonceSize:], gcmAAD(sealed[:h], aad))
		if err != nil {
			return nil, ErrAuth
		}
		return pt, nil
	case Fernet:
		if len(body) < fernetMinSize+sealMACSize {
			return nil, ErrMalformed
		}
		token := body[:len(body)-sealMACSize]
		want := fernetBind(nil, d, sealed[:h], token, aad)
		if !hmac.Equal(want, body[len(body)-sealMACSize:]) {
			return nil, ErrAuth
		}
		pt, err := d.fernet.openRaw(token, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrAuth, err)
		}
		return pt, nil
	}
	return nil, fmt.Errorf("%w %q", ErrAlgorithm, string(d.alg))
}

// Reseal returns sealed re-encrypted under the active key, and true, unless
// it is already under the active key, in which case it returns sealed
// unchanged and false. A rotation job calls it on every stored value.
func (k *Keyring) Reseal(sealed, aad []byte) ([]byte, bool, error) {
	id, err := KeyID(sealed)
	if err != nil {
		return nil, false, err
	}
	if id == k.state.Load().active.id {
		return sealed, false, nil
	}
	pt, err := k.Open(sealed, aad)
	if err != nil {
		return nil, false, err
	}
	out, err := k.Seal(pt, aad)
	clear(pt)
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// gcmAAD returns the GCM additional data: the sealed header, which is
// self-delimiting, followed by the caller's AAD.
func gcmAAD(header, aad []byte) []byte {
	b := make([]byte, 0, len(header)+len(aad))
	return append(append(b, header...), aad...)
}

// fernetBind appends to dst the HMAC that binds a Fernet token to its header
// and to the caller's AAD. The token length is included so that the
// token/AAD boundary is unambiguous.
func fernetBind(dst []byte, d *dek, header, token, aad []byte) []byte {
	mac := hmac.New(sha256.New, d.aadKey)
	mac.Write(header)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(token)))
	mac.Write(n[:])
	mac.Write(token)
	mac.Write(aad)
	return mac.Sum(dst)
}
