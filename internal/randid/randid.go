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
