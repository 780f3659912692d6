package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

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

// BenchmarkSecuredPredict is `make bench` scenario 3 in process: the
// chain, strict decoding, validation, injection detection, the embedded
// model, sealing, the SQLite write and the events of POST /v1/predict.
func BenchmarkSecuredPredict(b *testing.B) {
	ta := perfApp(b)
	runPredictBench(b, ta.Handler, ta.key("bench", rbac.RoleUser))
}

func runPredictBench(b *testing.B, h http.Handler, key string) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodPost, "/v1/predict", bytes.NewReader(benchBody))
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
