package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/reqctx"
)

// TestAccessLogNamesThePrincipal: every authenticated request's line names
// the key and user that authenticated (successful authentications are
// logged; failures are auth_failure events), and the line carries the
// route pattern, never the path's values or the query string (search
// words, anything a client put in a URL).
func TestAccessLogNamesThePrincipal(t *testing.T) {
	var buf bytes.Buffer
	h := accessLog(slog.New(slog.NewJSONHandler(&buf, nil)), nil, time.Now)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := reqctx.From(r.Context())
		info.Route = "GET /v1/predictions"
		info.Principal = &reqctx.Principal{UserID: "usr_1", KeyID: "key_1", Method: "api_key"}
	}))
	req := httptest.NewRequest(http.MethodGet, "/v1/predictions?q=divorce", nil)
	req = req.WithContext(reqctx.With(req.Context(), &reqctx.Info{Start: time.Now(), RequestID: "r1"}))
	h.ServeHTTP(httptest.NewRecorder(), req)
	var line struct {
		Route     string `json:"route"`
		KeyID     string `json:"key_id"`
		UserID    string `json:"user_id"`
		RequestID string `json:"request_id"`
	}
	raw := buf.String()
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%v in %q", err, raw)
	}
	if line.KeyID != "key_1" || line.UserID != "usr_1" || line.RequestID != "r1" || line.Route != "GET /v1/predictions" {
		t.Errorf("access log line %s; want key_1, usr_1, r1 and the route pattern", raw)
	}
	if strings.Contains(raw, "divorce") {
		t.Errorf("the query string reached the access log: %s", raw)
	}
}
