package seal

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Parameters of the Security Guide's Python DataEncryption, which this
// package can read but never writes.
const (
	legacySalt       = "samo_brain_salt"
	legacyIterations = 100_000
)

// Legacy import errors.
var (
	// ErrLegacyMalformed reports a stored value that is not strict padded
	// base64url of a Fernet token.
	ErrLegacyMalformed = errors.New("crypto: malformed legacy value")
	// ErrLegacyText reports a legacy plaintext that is not UTF-8, which the
	// Python code (which stored str values) could not have written.
	ErrLegacyText = errors.New("crypto: legacy plaintext is not valid UTF-8")
)

// LegacyKey derives the Fernet key that the Guide's Python DataEncryption
// derives from password: PBKDF2-HMAC-SHA256 with the fixed salt
// "samo_brain_salt", 100,000 iterations and 32 bytes of output (Python
// base64-encodes it and Fernet decodes it again, so the bytes are the key).
// Derivation costs ~100,000 HMACs: derive once per import, then call
// LegacyOpen for each value.
func LegacyKey(password []byte) (*FernetKey, error) {
	if len(password) == 0 {
		return nil, fmt.Errorf("%w: empty password", ErrMasterKey)
	}
	b, err := pbkdf2.Key(sha256.New, string(password), []byte(legacySalt), legacyIterations, fernetKeySize)
	if err != nil {
		return nil, fmt.Errorf("crypto: legacy pbkdf2: %w", err)
	}
	defer clear(b)
	return NewFernetKey(b)
}

// LegacyOpen decrypts one value stored by the Guide's DataEncryption: the
// urlsafe base64 encoding of a Fernet token (itself base64), so two strict
// decodings, then Fernet verification without a TTL. Re-seal the plaintext
// under the keyring with Keyring.Seal.
func LegacyOpen(key *FernetKey, stored string) ([]byte, error) {
	inner, err := decodePaddedURL(stored)
	if err != nil {
		return nil, ErrLegacyMalformed
	}
	pt, err := key.Decrypt(string(inner))
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(pt) {
		return nil, ErrLegacyText
	}
	return pt, nil
}

// LegacyDecrypt derives the legacy key from password and decrypts one stored
// value; see LegacyKey and LegacyOpen.
func LegacyDecrypt(password []byte, stored string) ([]byte, error) {
	k, err := LegacyKey(password)
	if err != nil {
		return nil, err
	}
	return LegacyOpen(k, stored)
}
