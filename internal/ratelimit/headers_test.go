package ratelimit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/ratelimit/ratelimittest"
)

// TestNPlusOneHeaders drives a limiter to its limit and checks the exact
// header set written for the last allowed and the first refused request.
func TestNPlusOneHeaders(t *testing.T) {
	t.Parallel()
	clock := ratelimittest.NewClock(epoch)
	m := ratelimit.NewMemory(clock.Now, 0)
	p := ratelimit.Policy{Name: "default", Limit: 100, Window: time.Hour}
	ctx := context.Background()
	var last ratelimit.Decision
	for i := range 100 {
		d, err := m.Allow(ctx, "key:k_1", p)
		if err != nil || !d.Allowed {
			t.Fatalf("request %d: %+v, %v; want allowed", i+1, d, err)
		}
		last = d
		if i == 0 {
			clock.Advance(20 * time.Minute) // the first request leaves the window at 60 min
		}
	}
	refused, err := m.Allow(ctx, "key:k_1", p)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		d    ratelimit.Decision
		want map[string]string
	}{
		{"request 100", last, map[string]string{
			"Ratelimit-Policy":      `"default";q=100;w=3600`,
			"Ratelimit":             `"default";r=0;t=2400`,
			"X-Ratelimit-Limit":     "100",
			"X-Ratelimit-Remaining": "0",
			"X-Ratelimit-Reset":     "2400",
			"Retry-After":           "",
		}},
		{"request 101", refused, map[string]string{
			"Ratelimit-Policy":      `"default";q=100;w=3600`,
			"Ratelimit":             `"default";r=0;t=2400`,
			"X-Ratelimit-Limit":     "100",
			"X-Ratelimit-Remaining": "0",
			"X-Ratelimit-Reset":     "2400",
			"Retry-After":           "2400",
		}},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		rec.Header().Set("Retry-After", "stale") // must be replaced or removed
		ratelimit.SetHeaders(rec.Header(), p, c.d)
		for name, want := range c.want {
			if got := rec.Header().Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", c.name, name, got, want)
			}
		}
		if n := len(rec.Header()); n != len(c.want)-boolInt(c.want["Retry-After"] == "") {
			t.Errorf("%s: %d header fields %v, want exactly the rate-limit set", c.name, n, rec.Header())
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestSetHeadersRounding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                   string
		window                 time.Duration
		d                      ratelimit.Decision
		policy, rl, retryAfter string
	}{
		{"sub-second reset rounds up", time.Minute,
			ratelimit.Decision{Allowed: true, Limit: 5, Remaining: 3, ResetAfter: 1500 * time.Millisecond},
			`"p";q=5;w=60`, `"p";r=3;t=2`, ""},
		{"tiny retry is at least one second", time.Minute,
			ratelimit.Decision{Limit: 5, ResetAfter: time.Nanosecond, RetryAfter: time.Nanosecond},
			`"p";q=5;w=60`, `"p";r=0;t=1`, "1"},
		{"zero retry still says one second", time.Minute,
			ratelimit.Decision{Limit: 5},
			`"p";q=5;w=60`, `"p";r=0;t=0`, "1"},
		{"fractional window rounds up", 1500 * time.Millisecond,
			ratelimit.Decision{Allowed: true, Limit: 5, Remaining: 4, ResetAfter: 1500 * time.Millisecond},
			`"p";q=5;w=2`, `"p";r=4;t=2`, ""},
		{"negative remaining shows zero", time.Minute,
			ratelimit.Decision{Limit: 5, Remaining: -3, RetryAfter: 61 * time.Second, ResetAfter: 61 * time.Second},
			`"p";q=5;w=60`, `"p";r=0;t=61`, "61"},
	}
	for _, c := range cases {
		h := http.Header{}
		p := ratelimit.Policy{Name: "p", Limit: 5, Window: c.window}
		ratelimit.SetHeaders(h, p, c.d)
		got := [3]string{h.Get("RateLimit-Policy"), h.Get("RateLimit"), h.Get("Retry-After")}
		want := [3]string{c.policy, c.rl, c.retryAfter}
		if got != want {
			t.Errorf("%s: got %q, want %q", c.name, got, want)
		}
	}
}

// FuzzSetHeaders checks that no policy name, valid or not, can produce a
// header value with control characters or an unterminated string.
func FuzzSetHeaders(f *testing.F) {
	for _, s := range []string{"default", ";", `a"b`, `a\b`, "a\r\nSet-Cookie: x=1", "\x00\x7f\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		h := http.Header{}
		ratelimit.SetHeaders(h, ratelimit.Policy{Name: name, Limit: 1, Window: time.Second}, ratelimit.Decision{Limit: 1})
		for _, field := range []string{"RateLimit-Policy", "RateLimit"} {
			v := h.Get(field)
			for i := 0; i < len(v); i++ {
				if v[i] < 0x20 || v[i] > 0x7e {
					t.Fatalf("%s = %q contains byte %#x", field, v, v[i])
				}
			}
			rest, ok := skipSFString(v)
			if !ok || !strings.HasPrefix(rest, ";q=") && !strings.HasPrefix(rest, ";r=") {
				t.Fatalf("%s = %q: policy id is not a well-formed sf-string followed by parameters", field, v)
			}
		}
	})
}

// skipSFString is an independent reader of RFC 9651 sf-string syntax: it
// consumes one string at the start of v and returns what follows.
func skipSFString(v string) (string, bool) {
	if len(v) == 0 || v[0] != '"' {
		return "", false
	}
	for i := 1; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
			if i >= len(v) || (v[i] != '"' && v[i] != '\\') {
				return "", false
			}
		case '"':
			return v[i+1:], true
		}
	}
	return "", false
}

func ExampleSetHeaders() {
	h := http.Header{}
	p := ratelimit.Policy{Name: "default", Limit: 100, Window: time.Hour}
	d := ratelimit.Decision{Allowed: true, Limit: 100, Remaining: 42, ResetAfter: 30 * time.Minute}
	ratelimit.SetHeaders(h, p, d)
	for _, k := range []string{"RateLimit-Policy", "RateLimit", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		fmt.Printf("%s: %s\n", k, h.Get(k))
	}
	// Output:
	// RateLimit-Policy: "default";q=100;w=3600
	// RateLimit: "default";r=42;t=1800
	// X-RateLimit-Limit: 100
	// X-RateLimit-Remaining: 42
	// X-RateLimit-Reset: 1800
}
