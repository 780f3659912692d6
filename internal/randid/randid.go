// Package randid makes the random identifiers and opaque tokens SAMO hands
// out (request, event, incident, alert and session ids, token ids, refresh
// tokens, lock tokens): bytes from crypto/rand, base64url without padding,
// after a prefix that names the kind.
//
//	id := randid.New("evt_", 12) // "evt_" and 16 characters, 96 random bits
//
// Ids that clients see in URLs and that sort by creation time use base62
// instead: Base62 (user ids) and Timed (prediction ids, which sort by their
// creation time). API keys have their own format (package apikey).
package randid

import (
	"crypto/rand"
	"encoding/base64"
)

// New returns prefix followed by n random bytes, base64url-encoded without
// padding (4 characters for every 3 bytes, rounded up). crypto/rand.Read
// never fails: since Go 1.24 the process crashes instead.
func New(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Valid reports whether s has the exact shape of New("", n): the length of
// n bytes in base64url without padding, every character of that alphabet.
// It checks characters itself because base64's decoder skips '\r' and
// '\n', so decoding alone would let them through.
func Valid(s string, n int) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(n) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
