package ratelimit

import (
	"net/http"
	"strconv"
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
	// Every request carries these, so the five values are built in one
	// buffer and assigned under their canonical names (what Header.Set
	// would compute), costing two allocations instead of a dozen.
	var buf [192]byte
	b := buf[:0]
	var ends [5]int
	b = appendSFString(b, p.Name)
	b = append(b, ";q="...)
	b = strconv.AppendInt(b, int64(p.Limit), 10)
	b = append(b, ";w="...)
	b = strconv.AppendInt(b, max(1, ceilSeconds(p.Window)), 10)
	ends[0] = len(b)
	b = appendSFString(b, p.Name)
	b = append(b, ";r="...)
	b = strconv.AppendInt(b, int64(max(0, d.Remaining)), 10)
	b = append(b, ";t="...)
	b = strconv.AppendInt(b, ceilSeconds(d.ResetAfter), 10)
	ends[1] = len(b)
	b = strconv.AppendInt(b, int64(d.Limit), 10)
	ends[2] = len(b)
	b = strconv.AppendInt(b, int64(max(0, d.Remaining)), 10)
	ends[3] = len(b)
	b = strconv.AppendInt(b, ceilSeconds(d.ResetAfter), 10)
	ends[4] = len(b)
	all := string(b)
	vals := make([]string, 5)
	start := 0
	for i, end := range ends {
		vals[i] = all[start:end]
		start = end
	}
	h["Ratelimit-Policy"] = vals[0:1:1]
	h["Ratelimit"] = vals[1:2:2]
	h["X-Ratelimit-Limit"] = vals[2:3:3]
	h["X-Ratelimit-Remaining"] = vals[3:4:4]
	h["X-Ratelimit-Reset"] = vals[4:5:5]
	if d.Allowed {
		delete(h, "Retry-After")
	} else {
		h["Retry-After"] = []string{strconv.FormatInt(max(1, ceilSeconds(d.RetryAfter)), 10)}
	}
}

// ceilSeconds rounds d up to whole seconds; negative durations count as 0.
func ceilSeconds(d time.Duration) int64 {
	return int64((max(d, 0) + time.Second - 1) / time.Second)
}

// appendSFString appends s as a Structured Fields String (RFC 9651
// §3.3.3): quoted, with '"' and '\' escaped and anything outside printable
// ASCII dropped, so no policy name can break or inject a header.
func appendSFString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' {
			b = append(b, '\\', c)
		} else if c >= 0x20 && c <= 0x7e {
			b = append(b, c)
		}
	}
	return append(b, '"')
}
