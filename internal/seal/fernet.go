package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Fernet token layout (https://github.com/fernet/spec, version 0x80):
//
//	Version(1) ‖ Timestamp(8, big-endian seconds) ‖ IV(16) ‖ Ciphertext(16·n, n ≥ 1) ‖ HMAC(32)
const (
	fernetVersion    = 0x80
	fernetKeySize    = 32
	fernetHeaderSize = 1 + 8 + aes.BlockSize // version, timestamp, IV
	fernetMACSize    = sha256.Size           // HMAC-SHA256
	fernetMinSize    = fernetHeaderSize + aes.BlockSize + fernetMACSize
	fernetMaxSkew    = 60                    // seconds a token may be ahead of the verifier's clock
	fernetTimeOffset = 1                     // offset of the timestamp
	fernetIVOffset   = 1 + 8                 // offset of the IV
	fernetCTOffset   = 1 + 8 + aes.BlockSize // offset of the ciphertext
)

// ErrInvalidToken is the error every Fernet verification failure wraps; test
// for it with errors.Is. The specific errors below say why.
var ErrInvalidToken = errors.New("crypto: invalid fernet token")

// Specific Fernet verification failures; each wraps ErrInvalidToken.
var (
	// ErrTokenMalformed reports a token that is not strict padded base64url
	// or whose decoded length is impossible.
	ErrTokenMalformed = fmt.Errorf("%w: malformed", ErrInvalidToken)
	// ErrTokenVersion reports a version byte other than 0x80.
	ErrTokenVersion = fmt.Errorf("%w: unsupported version", ErrInvalidToken)
	// ErrTokenSignature reports an HMAC that does not verify under any key.
	ErrTokenSignature = fmt.Errorf("%w: signature mismatch", ErrInvalidToken)
	// ErrTokenExpired reports an authentic token older than the TTL.
	ErrTokenExpired = fmt.Errorf("%w: expired", ErrInvalidToken)
	// ErrTokenFuture reports an authentic token whose timestamp is more than
	// 60 seconds ahead of the verifier's clock.
	ErrTokenFuture = fmt.Errorf("%w: timestamp too far in the future", ErrInvalidToken)
	// ErrTokenPadding reports an authentic token whose plaintext padding is
	// wrong (only the key holder can produce one).
	ErrTokenPadding = fmt.Errorf("%w: bad padding", ErrInvalidToken)
)

// ErrFernetKey reports a Fernet key that is not 32 bytes of base64url.
var ErrFernetKey = errors.New("crypto: fernet key must be 32 url-safe base64-encoded bytes")

// errNegativeTTL reports a negative TTL passed to DecryptAt.
var errNegativeTTL = errors.New("crypto: fernet ttl must not be negative")

// errBeforeEpoch reports an encryption time before 1970, which Fernet cannot encode.
var errBeforeEpoch = errors.New("crypto: fernet timestamp before 1970")

// FernetKey is a Fernet key: a 128-bit HMAC-SHA256 signing key followed by a
// 128-bit AES-128-CBC encryption key. It is safe for concurrent use. Its
// String, GoString and LogValue methods never reveal the key.
type FernetKey struct {
	signing [16]byte
	block   cipher.Block
}

// GenerateFernetKey returns a new random Fernet key in the form Python's
// Fernet.generate_key emits (44 characters of padded base64url).
func GenerateFernetKey() string {
	return base64.URLEncoding.EncodeToString(randomBytes(fernetKeySize))
}

// ParseFernetKey parses a Fernet key: 32 bytes in base64url, with or without
// padding. Whitespace, the standard alphabet's '+' and '/', and non-zero
// trailing bits are refused.
func ParseFernetKey(s string) (*FernetKey, error) {
	var enc *base64.Encoding
	if !isBase64URL(s, true) {
		return nil, ErrFernetKey
	}
	if len(s) == 44 {
		enc = base64.URLEncoding.Strict()
	} else if len(s) == 43 {
		enc = base64.RawURLEncoding.Strict()
	} else {
		return nil, ErrFernetKey
	}
	b, err := enc.DecodeString(s)
	if err != nil || len(b) != fernetKeySize {
		return nil, ErrFernetKey
	}
	return NewFernetKey(b)
}

// NewFernetKey returns the Fernet key made of the 32 raw bytes b (signing key
// then encryption key). b is not retained.
func NewFernetKey(b []byte) (*FernetKey, error) {
	if len(b) != fernetKeySize {
		return nil, ErrFernetKey
	}
	k := &FernetKey{}
	copy(k.signing[:], b[:16])
	block, err := aes.NewCipher(b[16:])
	if err != nil {
		return nil, fmt.Errorf("crypto: fernet cipher: %w", err)
	}
	k.block = block
	return k, nil
}

// String returns a placeholder: a key is never printed.
func (k *FernetKey) String() string { return "[redacted]" }

// GoString returns a placeholder: a key is never printed.
func (k *FernetKey) GoString() string { return "crypto.FernetKey{[redacted]}" }

// LogValue returns a placeholder: a key is never logged.
func (k *FernetKey) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// EncryptAt returns the Fernet token of plaintext with timestamp at (whole
// seconds) and a random IV.
func (k *FernetKey) EncryptAt(plaintext []byte, at time.Time) (string, error) {
	ts, err := fernetTimestamp(at)
	if err != nil {
		return "", err
	}
	raw := k.sealRaw(nil, plaintext, ts, randomBytes(aes.BlockSize))
	return base64.URLEncoding.EncodeToString(raw), nil
}

// Decrypt verifies token and returns its plaintext without any time check,
// like Python's Fernet.decrypt(token) with no ttl.
func (k *FernetKey) Decrypt(token string) ([]byte, error) {
	raw, err := decodeToken(token)
	if err != nil {
		return nil, err
	}
	return k.openRaw(raw, nil)
}

// DecryptAt verifies token and returns its plaintext if, at time at, it is
// at most ttl old (whole seconds) and at most 60 seconds in the future, like
// Python's Fernet.decrypt_at_time(token, ttl, at).
func (k *FernetKey) DecryptAt(token string, ttl time.Duration, at time.Time) ([]byte, error) {
	tc, err := newTimeCheck(ttl, at)
	if err != nil {
		return nil, err
	}
	raw, err := decodeToken(token)
	if err != nil {
		return nil, err
	}
	return k.openRaw(raw, tc)
}

// fernetTimestamp converts at to a Fernet timestamp.
func fernetTimestamp(at time.Time) (uint64, error) {
	s := at.Unix()
	if s < 0 {
		return 0, errBeforeEpoch
	}
	return uint64(s), nil
}

// sealRaw appends to dst the binary (not base64) Fernet token of plaintext
// with timestamp ts and the 16-byte iv.
func (k *FernetKey) sealRaw(dst, plaintext []byte, ts uint64, iv []byte) []byte {
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	n := fernetHeaderSize + len(plaintext) + pad + fernetMACSize
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	tok := dst[start:]
	tok[0] = fernetVersion
	binary.BigEndian.PutUint64(tok[fernetTimeOffset:], ts)
	copy(tok[fernetIVOffset:], iv[:aes.BlockSize])
	body := tok[fernetCTOffset : n-fernetMACSize]
	copy(body, plaintext)
	for i := len(plaintext); i < len(body); i++ {
		body[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(k.block, tok[fernetIVOffset:fernetCTOffset]).CryptBlocks(body, body)
	mac := hmac.New(sha256.New, k.signing[:])
	mac.Write(tok[:n-fernetMACSize])
	mac.Sum(tok[:n-fernetMACSize])
	return dst
}

// checkRaw validates the structure of a binary token: length and version.
func checkRaw(raw []byte) error {
	if len(raw) < fernetMinSize || (len(raw)-fernetHeaderSize-fernetMACSize)%aes.BlockSize != 0 {
		return ErrTokenMalformed
	}
	if raw[0] != fernetVersion {
		return ErrTokenVersion
	}
	return nil
}

// verifyMAC reports, in constant time, whether raw's HMAC is valid under k.
// raw must have passed checkRaw.
func (k *FernetKey) verifyMAC(raw []byte) bool {
	body := len(raw) - fernetMACSize
	mac := hmac.New(sha256.New, k.signing[:])
	mac.Write(raw[:body])
	var sum [sha256.Size]byte
	return hmac.Equal(mac.Sum(sum[:0]), raw[body:])
}

// openRaw verifies and decrypts a binary token. The order is: structure,
// HMAC (constant time), then the time check (so that "expired" is only
// reported for authentic tokens), then decryption and unpadding.
func (k *FernetKey) openRaw(raw []byte, tc *timeCheck) ([]byte, error) {
	if err := checkRaw(raw); err != nil {
		return nil, err
	}
	if !k.verifyMAC(raw) {
		return nil, ErrTokenSignature
	}
	return k.decryptVerified(raw, tc)
}

// decryptVerified checks the time and decrypts a token whose HMAC verified.
func (k *FernetKey) decryptVerified(raw []byte, tc *timeCheck) ([]byte, error) {
	if err := tc.check(binary.BigEndian.Uint64(raw[fernetTimeOffset:])); err != nil {
		return nil, err
	}
	ct := raw[fernetCTOffset : len(raw)-fernetMACSize]
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(k.block, raw[fernetIVOffset:fernetCTOffset]).CryptBlocks(out, ct)
	return unpadPKCS7(out)
}

// unpadPKCS7 removes PKCS #7 padding. It checks every bound before indexing,
// so no input can make it panic.
func unpadPKCS7(b []byte) ([]byte, error) {
	if len(b) == 0 || len(b)%aes.BlockSize != 0 {
		return nil, ErrTokenPadding
	}
	pad := int(b[len(b)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, ErrTokenPadding
	}
	for _, c := range b[len(b)-pad:] {
		if int(c) != pad {
			return nil, ErrTokenPadding
		}
	}
	return b[:len(b)-pad], nil
}

// timeCheck is a TTL check at a given time, in whole seconds.
type timeCheck struct {
	ttl uint64
	now int64
}

// newTimeCheck returns the check for a TTL at time at.
func newTimeCheck(ttl time.Duration, at time.Time) (*timeCheck, error) {
	if ttl < 0 {
		return nil, errNegativeTTL
	}
	return &timeCheck{ttl: uint64(ttl / time.Second), now: at.Unix()}, nil
}

// check applies the TTL and the clock-skew rule to timestamp ts, with the
// same boundaries as Python's cryptography: expired when ts+ttl < now, too
// far ahead when now+60 < ts. A nil check accepts every timestamp. The
// arithmetic is done on differences so that no timestamp can overflow it.
func (tc *timeCheck) check(ts uint64) error {
	if tc == nil {
		return nil
	}
	if tc.now < 0 {
		// Every timestamp is at or after a pre-1970 clock.
		limit := tc.now + fernetMaxSkew
		if limit < 0 || ts > uint64(limit) {
			return ErrTokenFuture
		}
		return nil
	}
	now := uint64(tc.now)
	if ts < now && now-ts > tc.ttl {
		return ErrTokenExpired
	}
	if ts > now && ts-now > fernetMaxSkew {
		return ErrTokenFuture
	}
	return nil
}

// randomBytes returns n bytes from crypto/rand (which never fails).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// decodeToken decodes a token strictly: base64url alphabet only, padding
// exactly as Python emits it, no whitespace anywhere, no non-zero trailing
// bits.
func decodeToken(token string) ([]byte, error) {
	raw, err := decodePaddedURL(token)
	if err != nil {
		return nil, ErrTokenMalformed
	}
	return raw, nil
}

// errBase64 reports input that is not strict padded base64url.
var errBase64 = errors.New("crypto: not strict padded base64url")

// decodePaddedURL decodes strict padded base64url (RFC 4648 §5). The
// alphabet is checked first because the standard decoder skips '\r' and
// '\n'.
func decodePaddedURL(s string) ([]byte, error) {
	if len(s) == 0 || len(s)%4 != 0 || !isBase64URL(s, true) {
		return nil, errBase64
	}
	b, err := base64.URLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errBase64
	}
	return b, nil
}

// isBase64URL reports whether s consists of base64url characters, followed
// by at most two '=' when padding is allowed.
func isBase64URL(s string, padding bool) bool {
	body := s
	if padding {
		for i := 0; i < 2 && len(body) > 0 && body[len(body)-1] == '='; i++ {
			body = body[:len(body)-1]
		}
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
