package server

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/secevent/seceventtest"
)

// TestChainLeavesOutSwitchedOff: a step switched off by the configuration
// is not in the chain (rather than checking its switch on every request).
func TestChainLeavesOutSwitchedOff(t *testing.T) {
	off := ChainDeps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	if n := len(Chain(off)); n != 5 {
		t.Errorf("everything optional off: %d middlewares, want 5 (request info, recovery, access log, headers, preflight refusal)", n)
	}
	on := off
	on.HTTPSRequired, on.RateLimiting, on.Limiter = true, true, brokenLimiter{}
	if n := len(Chain(on)); n != 7 {
		t.Errorf("HTTPS required and rate limiting on: %d middlewares, want 7", n)
	}
	on.RateLimiting = false // a limiter without the switch is still off
	if n := len(Chain(on)); n != 6 {
		t.Errorf("rate limiting off: %d middlewares, want 6", n)
	}
	det, err := ids.New(ids.DefaultConfig(), newMemBlocks(), &seceventtest.Collector{}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	on.IDS = det
	if n := len(Chain(on)); n != 7 {
		t.Errorf("with intrusion detection: %d middlewares, want 7", n)
	}
}

// TestProbesBypassTheChain: liveness and readiness answer while the rest
// of the chain refuses everything (plain HTTP under HTTPS_REQUIRED, the
// limiter down), with a request id and the security headers; any other
// path, even one that starts like a probe's, goes through the whole chain.
func TestProbesBypassTheChain(t *testing.T) {
	d := ChainDeps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now, HTTPSRequired: true,
		RateLimiting: true, Limiter: brokenLimiter{}, IPPolicy: ratelimit.Policy{Name: "ip", Limit: 1, Window: time.Minute},
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	probed := false
	probes := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { probed = true; w.WriteHeader(http.StatusOK) })
	h := WithProbes(Wrap(ok, Chain(d)), probes, []string{"/health", "/ready"}, d)
	for _, path := range []string{"/health", "/ready"} {
		probed = false
		rec := get(h, "192.0.2.1:1000", path)
		if rec.Code != http.StatusOK || !probed {
			t.Errorf("%s: %d (probe handler called: %v), want 200 from the probe handler", path, rec.Code, probed)
		}
		if rec.Header().Get("X-Request-ID") == "" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s without request id or security headers: %v", path, rec.Header())
		}
	}
	for _, path := range []string{"/v1/predict", "/health/", "/readyz", "/ready/x"} {
		probed = false
		if rec := get(h, "192.0.2.1:1000", path); rec.Code != http.StatusForbidden || probed {
			t.Errorf("%s: %d (probe handler called: %v), want 403 https_required from the full chain", path, rec.Code, probed)
		}
	}
}
