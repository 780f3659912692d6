package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/testdep"
	"github.com/samo-brain/samo/internal/testredis"
)

// reservePostgresDB creates a database of the benchmark's own on
// SAMO_TEST_POSTGRES_URL, dropped afterwards, or skips.
func reservePostgresDB(tb testing.TB) string {
	tb.Helper()
	raw := os.Getenv("SAMO_TEST_POSTGRES_URL")
	if raw == "" {
		testdep.Missing(tb, "SAMO_TEST_POSTGRES_URL not set (make test starts a PostgreSQL)")
	}
	var r [6]byte
	if _, err := rand.Read(r[:]); err != nil {
		tb.Fatal(err)
	}
	name := "samo_bench_" + hex.EncodeToString(r[:])
	admin, err := sql.Open("pgx", raw)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		_ = admin.Close()
	})
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// scaleOutBenchApp is perfApp's configuration plus extra (DATABASE_URL,
// REDIS_URL).
func scaleOutBenchApp(b *testing.B, extra map[string]string) (*App, string) {
	env := map[string]string{
		"SAMO_DATA_DIR": b.TempDir(), "SAMO_ENV_FILE": "",
		"JWT_SECRET_KEY":      "bench-jwt-secret-0123456789-abcdefghijklmnop",
		"ENCRYPTION_KEY":      "dGhpcyBpcyAzMiBieXRlcyBvZiB0ZXN0IGtleSEhISE=",
		"RATE_LIMIT_REQUESTS": "1000000", "IP_RATE_LIMIT_REQUESTS": "1000000",
		"IP_ALLOWLIST": "192.0.2.0/24", "SECURITY_LOGGING_ENABLED": "true",
	}
	for k, v := range extra {
		env[k] = v
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
	ta := &testApp{App: a, t: b}
	return a, ta.key("bench", rbac.RoleUser)
}

// BenchmarkPredictPostgres is BenchmarkSecuredPredict with the PostgreSQL
// store: every prediction is sealed and committed to PostgreSQL before the
// 200. "serial" is one request at a time (latency); "parallel" keeps
// GOMAXPROCS×4 requests in flight (throughput, ops/s = 1e9 / ns/op).
func BenchmarkPredictPostgres(b *testing.B) {
	benchScaleOut(b, func(b *testing.B) map[string]string {
		return map[string]string{"DATABASE_URL": reservePostgresDB(b)}
	})
}

// BenchmarkPredictPostgresRedis adds Redis (rate limits, blocks, deny-list):
// the full scale-out configuration of one replica.
func BenchmarkPredictPostgresRedis(b *testing.B) {
	benchScaleOut(b, func(b *testing.B) map[string]string {
		return map[string]string{"DATABASE_URL": reservePostgresDB(b), "REDIS_URL": testredis.Reserve(b)}
	})
}

func benchScaleOut(b *testing.B, env func(*testing.B) map[string]string) {
	b.Run("serial", func(b *testing.B) {
		a, key := scaleOutBenchApp(b, env(b))
		runPredictBench(b, a.Handler, key)
	})
	b.Run("parallel", func(b *testing.B) {
		a, key := scaleOutBenchApp(b, env(b))
		// One request first: the detector's first block-list read must not
		// race (concurrent first requests get 503 until it completes).
		if code, body := predictOnce(a.Handler, key); code != http.StatusOK {
			b.Fatalf("warm-up: status %d: %s", code, body)
		}
		b.SetParallelism(4)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if code, body := predictOnce(a.Handler, key); code != http.StatusOK {
					b.Errorf("status %d: %s", code, body)
					return
				}
			}
		})
	})
}

// predictOnce sends one POST /v1/predict and returns the status and body.
func predictOnce(h http.Handler, key string) (int, string) {
	req := httptest.NewRequest(http.MethodPost, "/v1/predict", bytes.NewReader(benchBody))
	req.RemoteAddr = "192.0.2.10:40000"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}
