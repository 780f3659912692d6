package ratelimit

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SetHeaders writes the rate-limit response fields for decision d under
// policy p, replacing earlier values:
//
//	RateLimit-Policy: "name";q=<limit>;w=<window seconds>
//	RateLimit: "name";r=<remaining>;t=<seconds until quota next grows>
//	X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (delta seconds)
//	Retry-After: <seconds> (only when d refused the request)
//
// The first two follow draft-ietf-httpapi-ratelimit-headers-11 (the policy
// identifier is a Structured Fields String). Seconds are rounded up so a
// client that waits as told is never early; on a refusal t equals
// Retry-After, as the draft asks.
func SetHeaders(h http.Header, p Policy, d Decision) {
	name := sfString(p.Name)
	remaining := strconv.Itoa(max(0, d.Remaining))
	reset := strconv.FormatInt(ceilSeconds(d.ResetAfter), 10)
	h.Set("RateLimit-Policy", name+";q="+strconv.Itoa(p.Limit)+";w="+strconv.FormatInt(max(1, ceilSeconds(p.Window)), 10))
	h.Set("RateLimit", name+";r="+remaining+";t="+reset)
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("X-RateLimit-Remaining", remaining)
	h.Set("X-RateLimit-Reset", reset)
	if d.Allowed {
		h.Del("Retry-After")
	} else {
		h.Set("Retry-After", strconv.FormatInt(max(1, ceilSeconds(d.RetryAfter)), 10))
	}
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

// sfString renders s as a Structured Fields String (RFC 9651 §3.3.3):
// quoted, with '"' and '\' escaped and anything outside printable ASCII
// dropped, so no policy name can break or inject a header.
func sfString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x20 && c <= 0x7e:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
