package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/rbac"
)

// perfApp builds a real app (embedded model, SQLite, encryption, events)
// configured as `make bench` runs samo: limits at the limiter's maximum
// (10⁶), IDS at its maximum allowance, the client on the allowlist, the
// security log on. Every middleware and check runs; nothing throttles.
func perfApp(b *testing.B) *testApp {
	env := map[string]string{
		"SAMO_DATA_DIR": b.TempDir(), "SAMO_ENV_FILE": "",
		"JWT_SECRET_KEY":      "bench-jwt-secret-0123456789-abcdefghijklmnop",
		"ENCRYPTION_KEY":      "dGhpcyBpcyAzMiBieXRlcyBvZiB0ZXN0IGtleSEhISE=",
		"RATE_LIMIT_REQUESTS": "1000000", "IP_RATE_LIMIT_REQUESTS": "1000000", "IDS_REQUESTS_PER_MINUTE": "60000",
		"IP_ALLOWLIST": "192.0.2.0/24", "SECURITY_LOGGING_ENABLED": "true",
	}
	cfg, err := config.LoadFlags(func(k string) string { return env[k] }, nil)
	if err != nil {
		b.Fatal(err)
	}
	a, err := Build(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		b.Skipf("app: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = a.Run(ctx, func(ctx context.Context) error { <-ctx.Done(); return nil }); close(done) }()
	b.Cleanup(func() { cancel(); <-done; a.Close() })
	return &testApp{App: a, t: b, h: a.Handler}
}

// BenchmarkSecuredList is `make bench` scenario 2 in process: the whole
// security chain (request id, headers, CORS, block check, IDS scoring, IP
// and principal rate limits, API-key authentication, RBAC, access log) on
// GET /v1/predictions?limit=1 over an empty store.
func BenchmarkSecuredList(b *testing.B) {
	ta := perfApp(b)
	h, key := ta.Handler, ta.key("bench", rbac.RoleUser)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/v1/predictions?limit=1", nil)
		req.RemoteAddr = "192.0.2.10:40000"
		req.Header.Set("X-API-Key", key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkSecuredChain is the security chain on a route that touches no
// storage (the admin's key-rotation status, held in memory): request id,
// headers, CORS, block check, IDS scoring, both rate limits, API-key
// authentication, RBAC and the access log, with a trivial handler.
func BenchmarkSecuredChain(b *testing.B) {
	ta := perfApp(b)
	key := ta.key("bench-admin", rbac.RoleAdmin)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/v1/admin/crypto/rotation", nil)
		req.RemoteAddr = "192.0.2.10:40000"
		req.Header.Set("X-API-Key", key)
		rec := httptest.NewRecorder()
		ta.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkPredictParallel is BenchmarkSecuredPredict from 16 goroutines
// per CPU, as concurrent clients send it: concurrent saves share commits.
func BenchmarkPredictParallel(b *testing.B) {
	ta := perfApp(b)
	h, key := ta.Handler, ta.key("bench", rbac.RoleUser)
	b.ReportAllocs()
	b.SetParallelism(16)
	cpu0 := processCPU(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := postJSON(h, "/v1/predict", key, benchBody)
			if rec.Code != http.StatusOK {
				b.Errorf("status %d: %s", rec.Code, rec.Body)
				return
			}
		}
	})
	b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}

// processCPU is the CPU time (user + system) the process has used so far:
// under concurrency, ns/op is wall time, and CPU per request is what
// bounds throughput on a busy server.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPredictBatch100 is POST /v1/predict/batch with 100 texts through
// the whole chain (make bench's batch scenario in process); texts/s is
// 100 × 10⁹ / ns/op.
func BenchmarkPredictBatch100(b *testing.B) {
	ta := perfApp(b)
	h, key := ta.Handler, ta.key("bench", rbac.RoleUser)
	texts := make([]string, 100)
	for i := range texts {
		texts[i] = benchText
	}
	body, err := json.Marshal(map[string]any{"texts": texts})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if rec := postJSON(h, "/v1/predict/batch", key, body); rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(100*float64(b.N)/b.Elapsed().Seconds(), "texts/s")
}

// postJSON sends body to path with key from the benchmarks' client address.
func postJSON(h http.Handler, path, key string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.RemoteAddr = "192.0.2.10:40000"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
