package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/prediction"
	problemtype "github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/users"
)

// fakeModel is a deterministic predictor for HTTP tests that do not test
// the model itself.
type fakeModel struct{}

func (fakeModel) Predict(_ context.Context, text, tax string, _ *float64) (prediction.Result, error) {
	e := "joy"
	if strings.Contains(text, "terrified") {
		e = "fear"
	}
	return prediction.Result{Emotions: []prediction.Score{{Emotion: e, Confidence: 0.9}, {Emotion: "neutral", Confidence: 0.1}},
		Primary: e, Confidence: 0.9, ModelVersion: "fake-1"}, nil
}
func (fakeModel) Ready(context.Context) error { return nil }
func (fakeModel) Version() string             { return "fake-1" }
func (fakeModel) Taxonomies() map[string][]string {
	return map[string][]string{"goemotions": {"joy", "fear", "neutral", "gratitude"}, "ekman": {"joy", "fear", "neutral"}}
}

// testEnv is a minimal development configuration in a temp data dir.
func testEnv(t *testing.T, extra map[string]string) map[string]string {
	env := map[string]string{
		"SAMO_DATA_DIR":     t.TempDir(),
		"JWT_SECRET_KEY":    "test-jwt-secret-0123456789-abcdefghijklmnop",
		"ENCRYPTION_KEY":    "dGhpcyBpcyAzMiBieXRlcyBvZiB0ZXN0IGtleSEhISE=",
		"SAMO_ENV_FILE":     "",
		"RATE_LIMIT_WINDOW": "1h",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

type testApp struct {
	*App
	t       testing.TB
	h       http.Handler
	dataDir string
}

func newTestApp(t *testing.T, extra map[string]string) *testApp {
	t.Helper()
	env := testEnv(t, extra)
	cfg, err := config.LoadFlags(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	a, err := Build(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Predictor: fakeModel{}, KeyringReload: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = a.Run(ctx, func(ctx context.Context) error { <-ctx.Done(); return nil })
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	return &testApp{App: a, t: t, h: a.Handler, dataDir: env["SAMO_DATA_DIR"]}
}

// key creates a user with role and returns a new key for it.
func (ta *testApp) key(name string, role rbac.Role) string {
	ta.t.Helper()
	u, _, err := users.Ensure(context.Background(), ta.Store, name, role, time.Now())
	if err != nil {
		ta.t.Fatal(err)
	}
	plain, _, err := ta.Keys.Create(context.Background(), u.ID, "test")
	if err != nil {
		ta.t.Fatal(err)
	}
	return plain
}

// do sends a request and returns the recorded response.
func (ta *testApp) do(method, path, key string, body any, hdr ...string) *httptest.ResponseRecorder {
	ta.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "192.0.2.10:40000"
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	ta.h.ServeHTTP(rec, req)
	return rec
}

// problem decodes a problem+json body.
// problemType and problemBase are problem.Type and problem.Base (the
// problem helper below shadows the package name in these tests).
var (
	problemType = problemtype.Type
	problemBase = problemtype.Base
)

func problem(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json (status %d, body %s)", ct, rec.Code, rec.Body)
	}
	var p map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body: %v", err)
	}
	return p
}
