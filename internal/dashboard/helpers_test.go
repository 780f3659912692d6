package dashboard_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/app"
	"github.com/samo-brain/samo/internal/auth"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/dashboard"
	"github.com/samo-brain/samo/internal/prediction"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/users"
)

// fakeModel is a deterministic predictor: the dashboard tests are about
// the web surface, not the model.
type fakeModel struct{}

func (fakeModel) Predict(_ context.Context, text, _ string, _ *float64) (prediction.Result, error) {
	e := "joy"
	switch {
	case strings.Contains(text, "terrified"):
		e = "fear"
	case strings.Contains(text, "angry"):
		e = "anger"
	}
	return prediction.Result{Emotions: []prediction.Score{{Emotion: e, Confidence: 0.9}, {Emotion: "neutral", Confidence: 0.1}},
		Primary: e, Confidence: 0.9, ModelVersion: "fake-1"}, nil
}
func (fakeModel) Ready(context.Context) error { return nil }
func (fakeModel) Version() string             { return "fake-1" }
func (fakeModel) Taxonomies() map[string][]string {
	return map[string][]string{"goemotions": {"joy", "fear", "anger", "neutral"}, "ekman": {"joy", "fear", "anger", "neutral"}}
}

// env is a fully built SAMO instance with an admin, an analyst and a user.
type env struct {
	t                     testing.TB
	app                   *app.App
	h                     http.Handler
	admin, analyst, user  string
	adminID, analystKeyID string
}

func newEnv(t testing.TB, extra map[string]string) *env {
	t.Helper()
	return buildEnv(t, extra, nil)
}

// fakeClock is a settable clock for timeout tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newEnvClock(t testing.TB, c *fakeClock) *env {
	t.Helper()
	return buildEnv(t, nil, c.now)
}

func buildEnv(t testing.TB, extra map[string]string, now func() time.Time) *env {
	t.Helper()
	vars := map[string]string{
		"SAMO_DATA_DIR":  t.TempDir(),
		"JWT_SECRET_KEY": "test-jwt-secret-0123456789-abcdefghijklmnop",
		"ENCRYPTION_KEY": "dGhpcyBpcyAzMiBieXRlcyBvZiB0ZXN0IGtleSEhISE=",
		"SAMO_ENV_FILE":  "",
	}
	for k, v := range extra {
		vars[k] = v
	}
	cfg, err := config.LoadFlags(func(k string) string { return vars[k] }, nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	a, err := app.Build(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)),
		app.Options{Predictor: fakeModel{}, KeyringReload: 50 * time.Millisecond, Now: now})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = a.Run(ctx, func(ctx context.Context) error { <-ctx.Done(); return nil })
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done; _ = a.Close() })
	e := &env{t: t, app: a, h: a.Handler}
	e.admin, e.adminID = e.key("root-admin", rbac.RoleAdmin)
	e.analyst, e.analystKeyID = e.key("ana", rbac.RoleAnalyst)
	e.user, _ = e.key("uma", rbac.RoleUser)
	return e
}

// key creates a user with role (if needed) and a new key; it returns the
// plaintext and the key id.
func (e *env) key(name string, role rbac.Role) (string, string) {
	e.t.Helper()
	u, _, err := users.Ensure(context.Background(), e.app.Store, name, role, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	plain, k, err := e.app.Keys.Create(context.Background(), u.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return plain, k.ID
}

// routes returns the dashboard's route table (built with the same code the
// app mounts).
func (e *env) routes() []dashboard.Route {
	e.t.Helper()
	d, err := dashboard.New(dashboard.Deps{Auth: auth.New(e.app.Keys, nil, e.app.Store, nil), Keys: e.app.Keys,
		Users: e.app.Store, EventLog: e.app.Store, Aggregates: e.app.Store, IDS: e.app.IDS, Predictions: e.app.Predictions, SecondFactor: e.app.SecondFactor, SessionCutoff: e.app.Store})
	if err != nil {
		e.t.Fatal(err)
	}
	return d.Routes()
}

// req describes one request to the app.
type req struct {
	method, path string
	cookie       *http.Cookie
	form         url.Values
	remote       string
	header       map[string]string
	tls          bool
}

func (e *env) do(r req) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	}
	target := r.path
	if r.tls {
		target = "https://samo.test" + r.path
	}
	hr := httptest.NewRequest(r.method, target, body)
	hr.RemoteAddr = "192.0.2.10:40000"
	if r.remote != "" {
		hr.RemoteAddr = r.remote
	}
	if r.form != nil {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if r.cookie != nil {
		hr.AddCookie(r.cookie)
	}
	for k, v := range r.header {
		for _, line := range strings.Split(v, "\n") { // "\n" separates header lines
			hr.Header.Add(k, line)
		}
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, hr)
	return rec
}

// signIn posts key to the sign-in form and returns the session cookie.
func (e *env) signIn(key string) *http.Cookie {
	e.t.Helper()
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {key}}})
	if rec.Code != http.StatusSeeOther {
		e.t.Fatalf("sign-in: status %d, want 303; body %s", rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == "samo_session" && c.Value != "" {
			return c
		}
	}
	e.t.Fatalf("sign-in set no session cookie: %v", rec.Header().Values("Set-Cookie"))
	return nil
}

// asPrincipal returns a context authenticated as the user of key.
func (e *env) asPrincipal(key string) context.Context {
	e.t.Helper()
	p, err := auth.New(e.app.Keys, nil, e.app.Store, nil).AuthenticateKey(context.Background(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	return reqctx.With(context.Background(), &reqctx.Info{RequestID: "seed", Principal: p})
}

// concrete replaces the path parameters of a route pattern.
func concrete(pattern string) string {
	p := strings.ReplaceAll(pattern, "{$}", "")
	p = strings.ReplaceAll(p, "{id}", "x1")
	return p
}
