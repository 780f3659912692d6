package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/reqctx"
)

// TestAccessLogLevelByStatus: 5xx lines are errors, 4xx warnings, the rest
// info, so a WARN filter shows only failing requests.
func TestAccessLogLevelByStatus(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   string
	}{
		{200, "INFO"}, {204, "INFO"}, {304, "INFO"}, {399, "INFO"}, {400, "WARN"}, {404, "WARN"}, {429, "WARN"}, {499, "WARN"}, {500, "ERROR"}, {503, "ERROR"},
	} {
		var buf bytes.Buffer
		h := accessLog(slog.New(slog.NewJSONHandler(&buf, nil)), nil, time.Now)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(tc.status) }))
		req := httptest.NewRequest(http.MethodGet, "/x", nil)
		req = req.WithContext(reqctx.With(req.Context(), &reqctx.Info{Start: time.Now(), RequestID: "r1"}))
		h.ServeHTTP(httptest.NewRecorder(), req)
		var line struct {
			Level  string `json:"level"`
			Msg    string `json:"msg"`
			Status int    `json:"status"`
		}
		if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
			t.Fatalf("status %d: %v in %q", tc.status, err, buf.String())
		}
		if line.Level != tc.want || line.Msg != "request" || line.Status != tc.status {
			t.Errorf("status %d: level %s msg %q status %d; want %s", tc.status, line.Level, line.Msg, line.Status, tc.want)
		}
	}
}
