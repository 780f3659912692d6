package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
)

// Format constants. A key is KeyPrefix, then the random part (Length base62
// characters), then ChecksumLength base62 characters encoding the CRC-32
// (IEEE) of the random part, most significant digit first, zero-padded.
const (
	// KeyPrefix starts every SAMO API key; secret scanners match on it.
	KeyPrefix = "samo_"
	// DefaultLength is the random-part length used when Config.Length is 0
	// (API_KEY_LENGTH=32 in the Guide): 32 base62 characters, about 190 bits.
	DefaultLength = 32
	// MinLength is the shortest random part accepted anywhere: 30 base62
	// characters carry 178.6 bits of entropy.
	MinLength = 30
	// MaxLength is the longest random part accepted. It bounds the work Parse
	// does on untrusted input and lets keys made under an older, different
	// API_KEY_LENGTH keep parsing.
	MaxLength = 64
	// ChecksumLength is the number of base62 characters of the checksum;
	// 62^6 > 2^32, so any CRC-32 fits.
	ChecksumLength = 6
	// DisplayLength is how many characters of the random part are kept in
	// Key.Prefix so people can recognise a key in listings.
	DisplayLength = 8
	// IDPrefix starts every public key id.
	IDPrefix = "key_"
	// IDLength is the number of random base62 characters in a key id (71 bits).
	IDLength = 12

	minKeyLen = len(KeyPrefix) + MinLength + ChecksumLength
	maxKeyLen = len(KeyPrefix) + MaxLength + ChecksumLength
)

// HashSize is the length in bytes of the stored hash of a key.
const HashSize = sha256.Size

// Generate returns a new key whose random part has length base62 characters
// drawn from crypto/rand. length must be within [MinLength, MaxLength].
func Generate(length int) (string, error) {
	return generate(rand.Reader, length)
}

// Parse checks that s is a well-formed SAMO API key: the prefix, a length
// within bounds, only base62 characters, and a checksum matching the random
// part. It returns ErrMalformed otherwise. Parse never looks anything up.
//
// Apart from the length (which the presenter already knows), Parse examines
// every byte of s and combines all checks before deciding, so the time it
// takes does not depend on where a mismatch is. The checksum is compared
// with crypto/subtle.
func Parse(s string) error {
	n := len(s)
	if n < minKeyLen || n > maxKeyLen {
		return ErrMalformed
	}
	// Work on a stack copy so no allocation happens on the hot path.
	var buf [maxKeyLen]byte
	copy(buf[:], s)
	b := buf[:n]

	ok := subtle.ConstantTimeCompare(b[:len(KeyPrefix)], []byte(KeyPrefix))
	bad := 0
	for _, c := range b[len(KeyPrefix):] {
		bad |= isBase62(c) ^ 1
	}
	random := b[len(KeyPrefix) : n-ChecksumLength]
	want := checksum(random)
	ok &= subtle.ConstantTimeCompare(want[:], b[n-ChecksumLength:])
	ok &= subtle.ConstantTimeEq(int32(bad), 0)
	if ok != 1 {
		return ErrMalformed
	}
	return nil
}

// Valid reports whether s is a well-formed SAMO API key (Parse returns nil).
func Valid(s string) bool { return Parse(s) == nil }

// Hash returns the SHA-256 digest of the whole key, the only form in which a
// key is stored.
func Hash(key string) []byte {
	h := hashArray(key)
	return h[:]
}

// hashArray is Hash without the allocation when the key fits the stack
// buffer (every well-formed key does).
func hashArray(key string) [HashSize]byte {
	if len(key) <= maxKeyLen {
		var buf [maxKeyLen]byte
		n := copy(buf[:], key)
		return sha256.Sum256(buf[:n])
	}
	return sha256.Sum256([]byte(key))
}

// displayPrefix returns the first DisplayLength characters of the random
// part of a well-formed key.
func displayPrefix(key string) string {
	return key[len(KeyPrefix) : len(KeyPrefix)+DisplayLength]
}

// newID returns a fresh public key id: IDPrefix + IDLength base62 characters.
// It is independent of any key material.
func newID(r io.Reader) (string, error) {
	s, err := randomBase62(r, IDLength)
	if err != nil {
		return "", err
	}
	return IDPrefix + s, nil
}

func generate(r io.Reader, length int) (string, error) {
	if length < MinLength || length > MaxLength {
		return "", fmt.Errorf("%w: key length %d outside [%d, %d]", ErrInvalid, length, MinLength, MaxLength)
	}
	random, err := randomBase62(r, length)
	if err != nil {
		return "", err
	}
	sum := checksum([]byte(random))
	return KeyPrefix + random + string(sum[:]), nil
}

// randomBase62 draws n uniformly distributed base62 characters from r by
// rejection sampling: a byte b is used only when b < 248 (= 4 × 62), and then
// b mod 62 is uniform over the 62 digits. The 8 larger values are discarded,
// so there is no modulo bias.
func randomBase62(r io.Reader, n int) (string, error) {
	const limit = 256 - 256%62 // 248
	out := make([]byte, 0, n)
	// About 3 % of bytes are rejected; read a little extra up front.
	var buf [MaxLength + 16]byte
	for len(out) < n {
		want := min(n-len(out)+8, len(buf))
		if _, err := io.ReadFull(r, buf[:want]); err != nil {
			return "", fmt.Errorf("apikey: reading randomness: %w", err)
		}
		for _, b := range buf[:want] {
			if b < limit && len(out) < n {
				out = append(out, base62Digit(uint32(b)%62))
			}
		}
	}
	return string(out), nil
}

// checksum returns the CRC-32 (IEEE) of random as ChecksumLength base62
// digits, most significant first.
func checksum(random []byte) [ChecksumLength]byte {
	v := crc32IEEE(random)
	var out [ChecksumLength]byte
	for i := ChecksumLength - 1; i >= 0; i-- {
		out[i] = base62Digit(v % 62)
		v /= 62
	}
	return out
}

// base62Digit maps d in [0, 62) to '0'-'9', 'A'-'Z', 'a'-'z' without a
// branch or a table lookup indexed by the (secret) digit.
func base62Digit(d uint32) byte {
	c := d + '0'
	c += 7 & geMask(d, 10) // '9'+1 → 'A'
	c += 6 & geMask(d, 36) // 'Z'+1 → 'a'
	return byte(c)
}

// geMask returns all ones when x >= y and zero otherwise (x, y < 2^31).
func geMask(x, y uint32) uint32 {
	return uint32(int32(y-x-1) >> 31)
}

// isBase62 returns 1 when c is '0'-'9', 'A'-'Z' or 'a'-'z', and 0 otherwise,
// without branches.
func isBase62(c byte) int {
	x := int32(c)
	return inRange(x, '0', '9') | inRange(x, 'A', 'Z') | inRange(x, 'a', 'z')
}

// inRange returns 1 when lo <= x <= hi and 0 otherwise.
func inRange(x, lo, hi int32) int {
	return int(((x-lo)|(hi-x))>>31) + 1
}
