package alert

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of Standard Webhooks (https://www.standardwebhooks.com).
const (
	HeaderID             = "webhook-id"
	HeaderTimestamp      = "webhook-timestamp"
	HeaderSignature      = "webhook-signature"
	HeaderIdempotencyKey = "Idempotency-Key"
)

// DefaultTolerance is how far a webhook-timestamp may be from the
// receiver's clock in Verify when the caller passes 0.
const DefaultTolerance = 5 * time.Minute

// secretPrefix marks a Standard Webhooks secret whose key is base64 encoded.
const secretPrefix = "whsec_"

// Verification errors.
var (
	// ErrMissingHeaders reports a request without the three webhook headers.
	ErrMissingHeaders = errors.New("alert: missing webhook headers")
	// ErrMalformedHeaders reports a webhook-id or webhook-timestamp that does
	// not parse.
	ErrMalformedHeaders = errors.New("alert: malformed webhook headers")
	// ErrTimestamp reports a webhook-timestamp outside the tolerance
	// (a replay or a badly wrong clock).
	ErrTimestamp = errors.New("alert: webhook timestamp outside tolerance")
	// ErrSignature reports that no v1 signature matches.
	ErrSignature = errors.New("alert: signature mismatch")
)

// signingKey returns the HMAC key for a configured secret: a "whsec_"
// secret is base64 of the key (Standard Webhooks); anything else is used as
// is. An undecodable whsec_ value is used as is, so a typo cannot silently
// yield an empty key.
func signingKey(secret []byte) []byte {
	s := string(secret)
	if rest, ok := strings.CutPrefix(s, secretPrefix); ok {
		if k, err := base64.StdEncoding.DecodeString(rest); err == nil && len(k) > 0 {
			return k
		}
	}
	return secret
}

// Sign returns the webhook-signature value for a message: "v1," followed by
// the base64 HMAC-SHA256, under secret, of id "." unix-seconds "." body.
func Sign(secret []byte, id string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(mac(signingKey(secret), id, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(key []byte, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// SetHeaders sets webhook-id, webhook-timestamp, Idempotency-Key and, when
// secret is not empty, webhook-signature on h.
func SetHeaders(h http.Header, secret []byte, id string, ts time.Time, body []byte) {
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderIdempotencyKey, id)
	if len(secret) > 0 {
		h.Set(HeaderSignature, Sign(secret, id, ts, body))
	}
}

// Verify checks a delivery as a receiver should, before trusting the body:
// the three headers are present, webhook-timestamp is within tolerance of
// now (DefaultTolerance when tolerance <= 0), and one of the space-separated
// "v1,<base64>" entries of webhook-signature equals the HMAC-SHA256 of
// id.timestamp.body under secret, compared in constant time. Receivers
// should then deduplicate on webhook-id: delivery is at least once.
//
//	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
//	if err := alert.Verify(secret, r.Header, body, time.Now(), 0); err != nil {
//		http.Error(w, "bad signature", http.StatusUnauthorized)
//		return
//	}
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	id, ts, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || ts == "" || sigs == "" || len(secret) == 0 {
		return ErrMissingHeaders
	}
	if len(id) > 256 || strings.ContainsAny(id, " .\r\n\t") {
		return ErrMalformedHeaders
	}
	sec, ok := parseUnix(ts)
	if !ok {
		return ErrMalformedHeaders
	}
	if d := now.Unix() - sec; d > int64(tolerance/time.Second) || -d > int64(tolerance/time.Second) {
		return ErrTimestamp
	}
	want := mac(signingKey(secret), id, ts, body)
	for _, s := range strings.Fields(sigs) {
		ver, b64, ok := strings.Cut(s, ",")
		if !ok || ver != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrSignature
}

// parseUnix parses 1 to 12 ASCII digits (no sign, no spaces).
func parseUnix(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 12 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}
