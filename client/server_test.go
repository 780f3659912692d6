package client_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/users"
)

// standInModel is a deterministic predictor, so the examples' output does
// not depend on a trained model.
type standInModel struct{}

func (standInModel) Predict(_ context.Context, text, tax string, _ *float64) (prediction.Result, error) {
	scores := []prediction.Score{{Emotion: "joy", Confidence: 0.91}, {Emotion: "excitement", Confidence: 0.64}}
	switch {
	case strings.Contains(text, "scared"):
		scores = []prediction.Score{{Emotion: "fear", Confidence: 0.87}, {Emotion: "nervousness", Confidence: 0.55}}
	case strings.Contains(text, "thank"):
		scores = []prediction.Score{{Emotion: "gratitude", Confidence: 0.95}}
	}
	if tax == "ekman" {
		scores = scores[:1]
		if scores[0].Emotion != "fear" {
			scores[0].Emotion = "joy"
		}
	}
	return prediction.Result{Emotions: scores, Primary: scores[0].Emotion, Confidence: scores[0].Confidence, ModelVersion: "stand-in-1"}, nil
}
func (standInModel) Ready(context.Context) error { return nil }
func (standInModel) Version() string             { return "stand-in-1" }
func (standInModel) Taxonomies() map[string][]string {
	return map[string][]string{
		"goemotions": {"joy", "excitement", "fear", "nervousness", "gratitude", "neutral"},
		"ekman":      {"joy", "fear", "neutral"},
	}
}

// server is a real SAMO (every middleware, SQLite in a temp dir) served
// over loopback HTTP.
type server struct {
	URL string
	app *app.App
	srv *httptest.Server
	dir string
	run context.CancelFunc
	end chan struct{}
}

// startServer builds and starts a server; extra overrides environment
// variables (with MODEL_BACKEND_URL the server runs in gateway mode instead
// of using the stand-in model). Call Close when done.
func startServer(extra map[string]string) (*server, error) {
	dir, err := os.MkdirTemp("", "samo-client-example-")
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		"SAMO_DATA_DIR":  dir,
		"SAMO_ENV_FILE":  "",
		"JWT_SECRET_KEY": "client-jwt-secret-4f9a1c7e2b8d6035-qrstuvwxyz",
		"ENCRYPTION_KEY": "dGhpcyBpcyAzMiBieXRlcyBvZiB0ZXN0IGtleSEhISE=",
	}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := config.LoadFlags(func(k string) string { return env[k] }, nil)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	opt := app.Options{Predictor: standInModel{}}
	if env["MODEL_BACKEND_URL"] != "" {
		opt.Predictor = nil // gateway mode, built from the environment as in production
	}
	a, err := app.Build(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), opt)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &server{app: a, dir: dir, end: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	s.run = cancel
	go func() {
		_ = a.Run(ctx, func(ctx context.Context) error { <-ctx.Done(); return nil })
		close(s.end)
	}()
	s.srv = httptest.NewServer(a.Handler)
	s.URL = s.srv.URL
	return s, nil
}

// key creates user name with role (if new) and returns a fresh API key.
func (s *server) key(name string, role rbac.Role) (string, error) {
	u, _, err := users.Ensure(context.Background(), s.app.Store, name, role, time.Now())
	if err != nil {
		return "", err
	}
	plain, _, err := s.app.Keys.Create(context.Background(), u.ID, "example")
	return plain, err
}

// Close stops the server and removes its data.
func (s *server) Close() {
	s.srv.Close()
	s.run()
	<-s.end
	s.app.Close()
	os.RemoveAll(s.dir)
}

// mustStart starts a server with an admin key, or panics (examples have no
// *testing.T).
func mustStart(extra map[string]string) (*server, string) {
	s, err := startServer(extra)
	if err != nil {
		panic(err)
	}
	admin, err := s.key("admin", rbac.RoleAdmin)
	if err != nil {
		s.Close()
		panic(err)
	}
	return s, admin
}
