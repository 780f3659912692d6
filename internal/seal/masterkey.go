package seal

import (
	"crypto/hkdf"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
)

// PBKDF2 iteration bounds for passphrase master keys. Data written by this
// package always uses DefaultPBKDF2Iterations; headers asking for fewer than
// MinPBKDF2Iterations or more than MaxPBKDF2Iterations (a denial-of-service
// bound on untrusted headers) are refused.
const (
	DefaultPBKDF2Iterations = 600_000
	MinPBKDF2Iterations     = 600_000
	MaxPBKDF2Iterations     = 10_000_000
)

// MasterKeySize is the size of a raw master key.
const MasterKeySize = 32

// saltSize is the size of the random salt stored in every header that
// derives a key from a master key.
const saltSize = 16

// kdf identifiers stored in headers.
const (
	kdfHKDF   = 1 // raw 32-byte master key, HKDF-SHA256
	kdfPBKDF2 = 2 // passphrase, PBKDF2-HMAC-SHA256 then HKDF-SHA256
)

// Master key errors.
var (
	// ErrMasterKey reports an unusable ENCRYPTION_KEY value.
	ErrMasterKey = errors.New("crypto: invalid master key")
	// ErrWrongKey reports data that does not authenticate under the master
	// key given: the wrong key, or a corrupted header.
	ErrWrongKey = errors.New("crypto: wrong key or corrupted header")
)

// MasterKey is the key-encryption key material from ENCRYPTION_KEY: either 32
// random bytes or a passphrase. It never encrypts data itself; keys are
// derived from it with a random salt stored next to what they protect. Its
// String, GoString and LogValue methods never reveal the key.
type MasterKey struct {
	raw        []byte // MasterKeySize bytes, or nil
	passphrase []byte // non-empty, or nil
}

// GenerateMasterKey returns a new random master key encoded as an
// ENCRYPTION_KEY value (43 characters of unpadded base64url).
func GenerateMasterKey() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(MasterKeySize))
}

// ParseMasterKey interprets an ENCRYPTION_KEY value. A value that is strict
// base64 (standard or URL alphabet, padded or not) of exactly 32 bytes is a
// raw key; any other non-empty value is a passphrase. Callers reading the
// value from a file should strip its trailing newline first.
func ParseMasterKey(s string) (*MasterKey, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrMasterKey)
	}
	if raw, ok := decodeRawKey(s); ok {
		return NewMasterKey(raw)
	}
	return NewPassphraseKey([]byte(s))
}

// NewMasterKey returns a raw master key made of 32 bytes (copied).
func NewMasterKey(raw []byte) (*MasterKey, error) {
	if len(raw) != MasterKeySize {
		return nil, fmt.Errorf("%w: raw key must be %d bytes", ErrMasterKey, MasterKeySize)
	}
	return &MasterKey{raw: append([]byte(nil), raw...)}, nil
}

// NewPassphraseKey returns a master key stretched from passphrase (copied)
// with PBKDF2-HMAC-SHA256. Judging a passphrase's strength is the
// configuration's job; only the empty passphrase is refused here.
func NewPassphraseKey(passphrase []byte) (*MasterKey, error) {
	if len(passphrase) == 0 {
		return nil, fmt.Errorf("%w: empty passphrase", ErrMasterKey)
	}
	return &MasterKey{passphrase: append([]byte(nil), passphrase...)}, nil
}

// IsPassphrase reports whether m is a passphrase rather than a raw key.
func (m *MasterKey) IsPassphrase() bool { return m.passphrase != nil }

// String returns a placeholder: a key is never printed.
func (m *MasterKey) String() string { return "[redacted]" }

// GoString returns a placeholder: a key is never printed.
func (m *MasterKey) GoString() string { return "seal.MasterKey{[redacted]}" }

// LogValue returns a placeholder: a key is never logged.
func (m *MasterKey) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// decodeRawKey decodes s as 32 bytes of strict base64 in any of the four
// common forms. The alphabet check runs first because the standard decoder
// skips '\r' and '\n'.
func decodeRawKey(s string) ([]byte, bool) {
	if len(s) != 43 && len(s) != 44 {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			return nil, false
		}
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding.Strict(), base64.RawStdEncoding.Strict(),
		base64.URLEncoding.Strict(), base64.RawURLEncoding.Strict(),
	} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == MasterKeySize {
			return b, true
		}
	}
	return nil, false
}

// kdfParams are the header fields that, with a master key, determine a
// derived key: the KDF, its iteration count and the salt.
type kdfParams struct {
	kdf        byte
	iterations uint32
	salt       [saltSize]byte
}

// kdfParamsSize is the encoded size of kdfParams.
const kdfParamsSize = 1 + 4 + saltSize

// newParams returns fresh parameters for m: a random salt and, for a
// passphrase, the default iteration count.
func (m *MasterKey) newParams() kdfParams {
	p := kdfParams{kdf: kdfHKDF}
	if m.IsPassphrase() {
		p.kdf, p.iterations = kdfPBKDF2, DefaultPBKDF2Iterations
	}
	copy(p.salt[:], randomBytes(saltSize))
	return p
}

// append appends the encoding of p: kdf(1) ‖ iterations(4, big-endian) ‖ salt(16).
func (p kdfParams) append(b []byte) []byte {
	b = append(b, p.kdf)
	b = binary.BigEndian.AppendUint32(b, p.iterations)
	return append(b, p.salt[:]...)
}

// parseKDFParams decodes and validates kdfParamsSize bytes.
func parseKDFParams(b []byte) (kdfParams, error) {
	var p kdfParams
	if len(b) < kdfParamsSize {
		return p, errors.New("short kdf parameters")
	}
	p.kdf = b[0]
	p.iterations = binary.BigEndian.Uint32(b[1:5])
	copy(p.salt[:], b[5:kdfParamsSize])
	isHKDF := p.kdf == kdfHKDF && p.iterations == 0
	isPBKDF2 := p.kdf == kdfPBKDF2 && p.iterations >= MinPBKDF2Iterations && p.iterations <= MaxPBKDF2Iterations
	if !isHKDF && !isPBKDF2 {
		return p, fmt.Errorf("unsupported kdf %d with %d iterations", p.kdf, p.iterations)
	}
	return p, nil
}

// prk returns the HKDF pseudorandom key for m under p, from which purpose
// keys are expanded. A raw key goes straight into HKDF-Extract; a passphrase
// is first stretched with PBKDF2-HMAC-SHA256. A mismatch between m's kind and
// p's KDF is ErrWrongKey, found before any expensive work.
func (m *MasterKey) prk(p kdfParams) ([]byte, error) {
	var secret []byte
	if p.kdf == kdfHKDF && !m.IsPassphrase() {
		secret = m.raw
	} else if p.kdf == kdfPBKDF2 && m.IsPassphrase() {
		s, err := pbkdf2.Key(sha256.New, string(m.passphrase), p.salt[:], int(p.iterations), 32)
		if err != nil {
			return nil, fmt.Errorf("crypto: pbkdf2: %w", err)
		}
		secret = s
	} else if p.kdf == kdfPBKDF2 {
		return nil, fmt.Errorf("%w: data is protected by a passphrase, not a raw key", ErrWrongKey)
	} else {
		return nil, fmt.Errorf("%w: data is protected by a raw key, not a passphrase", ErrWrongKey)
	}
	prk, err := hkdf.Extract(sha256.New, secret, p.salt[:])
	if err != nil {
		return nil, fmt.Errorf("crypto: hkdf: %w", err)
	}
	return prk, nil
}

// expand derives a 32-byte key for purpose info from a pseudorandom key.
func expand(prk []byte, info string) ([]byte, error) {
	k, err := hkdf.Expand(sha256.New, prk, info, 32)
	if err != nil {
		return nil, fmt.Errorf("crypto: hkdf: %w", err)
	}
	return k, nil
}
