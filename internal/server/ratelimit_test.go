package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/secevent/seceventtest"
)

var rlEpoch = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// limitedChain is the global chain with a per-IP limit of 3 a minute over
// an in-memory limiter on a frozen clock, in front of a 200 handler.
func limitedChain(t *testing.T, l ratelimit.Limiter, on bool) (http.Handler, *seceventtest.Collector) {
	t.Helper()
	ev := &seceventtest.Collector{}
	now := func() time.Time { return rlEpoch }
	if l == nil {
		l = ratelimit.NewMemory(now, 0)
	}
	d := ChainDeps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Events: ev, Limiter: l, RateLimiting: on,
		IPPolicy: ratelimit.Policy{Name: "ip", Limit: 3, Window: time.Minute}, Now: now,
	}
	return Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }), Chain(d)), ev
}

func get(h http.Handler, remote, path string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = remote
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// TestIPRateLimit kills the mutation that makes the per-IP limit never
// refuse: the fourth request of a client within the window gets 429.
func TestIPRateLimit(t *testing.T) {
	h, ev := limitedChain(t, nil, true)
	for i := range 3 {
		if rec := get(h, "192.0.2.1:1000", "/v1/predict"); rec.Code != http.StatusOK {
			t.Fatalf("request %d within the limit: %d", i+1, rec.Code)
		}
	}
	rec := get(h, "192.0.2.1:1001", "/v1/predict")
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("4th request in a minute from one address: %d, want 429", rec.Code)
	}
	if rec.Header().Get("Retry-After") == "" || rec.Header().Get("RateLimit-Policy") == "" {
		t.Errorf("429 without Retry-After / RateLimit-Policy: %v", rec.Header())
	}
	events := ev.Events()
	if len(events) != 1 || events[0].Type != secevent.RateLimited || events[0].Details["scope"] != "ip" {
		t.Errorf("events = %+v, want one rate_limited event with scope ip", events)
	}
	if rec := get(h, "198.51.100.7:1000", "/v1/predict"); rec.Code != http.StatusOK {
		t.Errorf("another address shares the budget: %d", rec.Code)
	}
}

// TestIPRateLimitPerIPv6Prefix: IPv6 clients are limited per /64, so
// rotating the interface id buys no new budget.
func TestIPRateLimitPerIPv6Prefix(t *testing.T) {
	h, _ := limitedChain(t, nil, true)
	for i, a := range []string{"[2001:db8:1:2::1]:1", "[2001:db8:1:2::2]:1", "[2001:db8:1:2:ffff::3]:1"} {
		if rec := get(h, a, "/v1/predict"); rec.Code != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, rec.Code)
		}
	}
	if rec := get(h, "[2001:db8:1:2::9]:1", "/v1/predict"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("4th request from one /64: %d, want 429", rec.Code)
	}
	if rec := get(h, "[2001:db8:1:3::1]:1", "/v1/predict"); rec.Code != http.StatusOK {
		t.Errorf("another /64: %d, want 200", rec.Code)
	}
}

type brokenLimiter struct{ ratelimit.Limiter }

func (brokenLimiter) Allow(context.Context, string, ratelimit.Policy) (ratelimit.Decision, error) {
	return ratelimit.Decision{}, errors.New("redis: connection refused")
}

func TestIPRateLimitFailsClosed(t *testing.T) {
	h, _ := limitedChain(t, brokenLimiter{}, true)
	if rec := get(h, "192.0.2.1:1000", "/v1/predict"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("limiter down: %d, want 503", rec.Code)
	}
}

func TestIPRateLimitSwitchedOff(t *testing.T) {
	h, _ := limitedChain(t, brokenLimiter{}, false)
	for range 5 {
		if rec := get(h, "192.0.2.1:1000", "/v1/predict"); rec.Code != http.StatusOK {
			t.Fatalf("RATE_LIMITING off: %d, want 200", rec.Code)
		}
	}
}
