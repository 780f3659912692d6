package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/rbac"
)

// benchText is a typical 70-character comment.
const benchText = "I can't believe how well the interview went, I'm so happy right now!!"

var benchBody = []byte(`{"text":"` + benchText + `","taxonomy":"goemotions"}`)

// BenchmarkBareHandler is the ceiling: a plain net/http handler that decodes
// the same JSON and returns a fixed answer.
func BenchmarkBareHandler(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Text      string   `json:"text"`
			Threshold *float64 `json:"threshold"`
			Taxonomy  string   `json:"taxonomy"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad", 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"emotions":[{"emotion":"joy","confidence":0.9}],"primary_emotion":"joy","confidence":0.9}`)
	})
	runPredictBench(b, h, "")
}

// benchApp builds a real app (embedded model, SQLite, encryption, events)
// with limits high enough that the benchmark client is never throttled or
// blocked; every security step still runs.
func benchApp(b *testing.B) (*App, string) {
	env := map[string]string{
		"SAMO_DATA_DIR": b.TempDir(), "SAMO_ENV_FILE": "",
		"JWT_SECRET_KEY":      "bench-jwt-secret-0123456789-abcdefghijklmnop",
		"ENCRYPTION_KEY":      "dGhpcyBpcyAzMiBieXRlcyBvZiB0ZXN0IGtleSEhISE=",
		"RATE_LIMIT_REQUESTS": "1000000", "IP_RATE_LIMIT_REQUESTS": "1000000",
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
	ta := &testApp{App: a, t: b}
	return a, ta.key("bench", rbac.User)
}

// BenchmarkSecuredPredict is POST /v1/predict through the whole chain:
// request id, headers, CORS, block check, IP and principal rate limits, API
// key authentication, RBAC, strict decoding, validation, injection
// detection, the model, sealing and the SQLite write, events.
func BenchmarkSecuredPredict(b *testing.B) {
	a, key := benchApp(b)
	runPredictBench(b, a.Handler, key)
}

func runPredictBench(b *testing.B, h http.Handler, key string) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("POST", "/v1/predict", bytes.NewReader(benchBody))
		req.RemoteAddr = "192.0.2.10:40000"
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
