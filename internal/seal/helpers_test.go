package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"testing"
	"time"
)

// specKey is the key of the Fernet spec's published vectors.
const specKey = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="

// specToken is the spec's generate.json token: "hello" at specNow with IV 0..15.
const specToken = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="

// specTime parses the spec's RFC 3339 times.
func specTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return at
}

// specIV is the IV of the spec's generate.json vector: bytes 0..15.
func specIV() []byte {
	iv := make([]byte, 16)
	for i := range iv {
		iv[i] = byte(i)
	}
	return iv
}

// rawKeyBytes decodes a Fernet key with the standard library only.
func rawKeyBytes(t *testing.T, key string) []byte {
	t.Helper()
	b, err := base64.URLEncoding.DecodeString(key)
	if err != nil || len(b) != 32 {
		t.Fatalf("decode key: %v (len %d)", err, len(b))
	}
	return b
}

// handPad applies PKCS #7 padding as the spec describes it.
func handPad(msg []byte) []byte {
	n := 16 - len(msg)%16
	out := append([]byte(nil), msg...)
	for range n {
		out = append(out, byte(n))
	}
	return out
}

// handCBC encrypts already-padded data with AES-128-CBC.
func handCBC(t *testing.T, encKey, iv, padded []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(encKey)
	if err != nil {
		t.Fatal(err)
	}
	ct := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
	return ct
}

// handToken assembles a token field by field as the spec describes it:
// base64url(version ‖ timestamp ‖ iv ‖ ciphertext ‖ HMAC-SHA256(signing key,
// everything before)). It takes the ciphertext as given, so tests can sign
// tokens with deliberately wrong contents.
func handToken(signingKey []byte, version byte, ts uint64, iv, ct []byte) string {
	var b []byte
	b = append(b, version)
	b = binary.BigEndian.AppendUint64(b, ts)
	b = append(b, iv...)
	b = append(b, ct...)
	mac := hmac.New(sha256.New, signingKey)
	mac.Write(b)
	b = mac.Sum(b)
	return base64.URLEncoding.EncodeToString(b)
}

// handEncrypt builds a valid token from the spec: pad, AES-128-CBC, sign.
func handEncrypt(t *testing.T, key []byte, ts uint64, iv, msg []byte) string {
	t.Helper()
	return handToken(key[:16], 0x80, ts, iv, handCBC(t, key[16:], iv, handPad(msg)))
}

// mustFernetKey parses a Fernet key or fails the test.
func mustFernetKey(t testing.TB, s string) *FernetKey {
	t.Helper()
	k, err := ParseFernetKey(s)
	if err != nil {
		t.Fatalf("ParseFernetKey: %v", err)
	}
	return k
}

// fixedClock returns a clock that always says at.
func fixedClock(at time.Time) func() time.Time {
	return func() time.Time { return at }
}

// testEpoch returns an arbitrary fixed time used by keyring tests.
func testEpoch() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

// mustKeyring returns a new keyring using alg or fails the test.
func mustKeyring(t testing.TB, alg Algorithm) *Keyring {
	t.Helper()
	k, err := New(alg, fixedClock(testEpoch()))
	if err != nil {
		t.Fatalf("New(%s): %v", alg, err)
	}
	return k
}

// mustRawMaster returns a raw master key of 32 bytes all equal to b.
func mustRawMaster(t testing.TB, b byte) *MasterKey {
	t.Helper()
	raw := make([]byte, MasterKeySize)
	for i := range raw {
		raw[i] = b
	}
	mk, err := NewMasterKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	return mk
}
