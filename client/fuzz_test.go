package client

import (
	"testing"
	"time"
)

// FuzzParseProblem: any error body decodes without panicking, and fields
// are only ever set from the body's own members.
func FuzzParseProblem(f *testing.F) {
	f.Add([]byte(`{"type":"https://github.com/samo-brain/samo/blob/main/docs/problems.md#rate_limited","title":"Too Many Requests","status":429,"request_id":"r"}`))
	f.Add([]byte(`{"errors":[{"field":"text","code":"too_long","message":"m"}]}`))
	f.Add([]byte(`{"type":`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e := &Error{Status: 418, Title: "teapot", RequestID: "hdr"}
		parseProblem(body, e)
		if e.Status != 418 {
			t.Fatalf("status changed to %d: the HTTP status is authoritative", e.Status)
		}
		if e.Code != "" && e.Type != ProblemBase+e.Code {
			t.Fatalf("code %q not derived from type %q", e.Code, e.Type)
		}
		_ = e.Error()
	})
}

// FuzzParseRetryAfter: any header value gives a wait in [0, 24h].
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"5", "Fri, 02 Jan 2026 03:04:35 GMT", "-1", "1e9", "18446744073709551616"} {
		f.Add(s)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := parseRetryAfter(v, now); d < 0 || d > maxRetryAfter {
			t.Fatalf("parseRetryAfter(%q) = %v", v, d)
		}
	})
}
