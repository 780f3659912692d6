package app

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/gateway"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
)

// newGatewayApp builds an App from env like newTestApp, but without a fake
// predictor: MODEL_BACKEND_URL in extra selects gateway mode exactly as in
// production, unless opt.Predictor is set.
func newGatewayApp(t *testing.T, extra map[string]string, opt Options) *testApp {
	t.Helper()
	env := testEnv(t, extra)
	cfg, err := config.LoadFlags(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	opt.KeyringReload = 20 * time.Millisecond
	a, err := Build(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), opt)
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

// upstreamEvent waits for the upstream_error event of requestID with the
// given reason to reach the store.
func (ta *testApp) upstreamEvent(requestID, reason string) secevent.Event {
	ta.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		es, err := ta.Store.ListEvents(context.Background(), secevent.Filter{Types: []secevent.Type{secevent.UpstreamError}, Limit: 1000})
		if err != nil {
			ta.t.Fatal(err)
		}
		for _, e := range es {
			if e.Details["reason"] == reason && (requestID == "" || e.RequestID == requestID) {
				return e
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	ta.t.Fatalf("no upstream_error event with reason %q for request %q", reason, requestID)
	return secevent.Event{}
}

// recordingUpstream answers like a SAMO model server and keeps the texts
// it was sent.
type recordingUpstream struct {
	mu    sync.Mutex
	texts []string
}

func (u *recordingUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Text string `json:"text"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	u.mu.Lock()
	u.texts = append(u.texts, req.Text)
	u.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"predicted_emotion":"gratitude","probabilities":{"gratitude":0.88,"joy":0.61,"admiration":0.2,"neutral":0.05}}`)
}

func (u *recordingUpstream) seen() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.texts...)
}

func TestGatewayModeServesThroughTheSecurityLayer(t *testing.T) {
	up := &recordingUpstream{}
	srv := httptest.NewServer(up)
	defer srv.Close()
	ta := newGatewayApp(t, map[string]string{"MODEL_BACKEND_URL": srv.URL + "/predict", "MODEL_BACKEND_FORMAT": "probabilities"}, Options{})
	if ta.ModelVersion != "gateway-probabilities" {
		t.Errorf("model version = %q, want gateway-probabilities", ta.ModelVersion)
	}
	key := ta.key("gwuser", rbac.RoleUser)

	rec := ta.do(http.MethodPost, "/v1/predict", key, map[string]any{"text": "Thank you so much!"})
	if rec.Code != 200 {
		t.Fatalf("predict: %d %s", rec.Code, rec.Body)
	}
	var p struct {
		ID       string `json:"id"`
		Primary  string `json:"primary_emotion"`
		Model    string `json:"model_version"`
		Emotions []struct {
			Emotion string `json:"emotion"`
		} `json:"emotions"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &p)
	if p.Primary != "gratitude" || len(p.Emotions) != 2 || p.Model != "gateway-probabilities" {
		t.Errorf("prediction = %+v, want gratitude and joy from the upstream", p)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions/"+p.ID, key, nil); rec.Code != 200 {
		t.Errorf("stored prediction: %d %s", rec.Code, rec.Body)
	}
	rec = ta.do(http.MethodPost, "/v1/predict", key, map[string]any{"text": "Thank you so much!", "taxonomy": "ekman"})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"primary_emotion":"joy"`) {
		t.Errorf("ekman: %d %s, want joy", rec.Code, rec.Body)
	}
	rec = ta.do(http.MethodPost, "/v1/predict/batch", key, map[string]any{"texts": []string{"one", "two"}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"succeeded":2`) {
		t.Errorf("batch: %d %s", rec.Code, rec.Body)
	}
	// Nothing that fails authentication or validation reaches the upstream.
	before := len(up.seen())
	for _, c := range []struct {
		key  string
		body any
	}{
		{"", map[string]any{"text": "no key"}},
		{key, map[string]any{"text": `<img src=x onerror="alert(1)">`}},
		{key, map[string]any{"text": ""}},
		{key, map[string]any{"text": "x", "threshold": 2}},
	} {
		if rec := ta.do(http.MethodPost, "/v1/predict", c.key, c.body); rec.Code < 400 {
			t.Errorf("%v: %d, want refused", c.body, rec.Code)
		}
	}
	if got := up.seen()[before:]; len(got) != 0 {
		t.Errorf("refused requests reached the upstream: %q", got)
	}
	if rec := ta.do(http.MethodGet, "/ready", "", nil); rec.Code != 200 {
		t.Errorf("ready: %d %s", rec.Code, rec.Body)
	}
}

func TestGatewayModeUpstreamFailures(t *testing.T) {
	big := strings.Repeat("9", 10<<20)
	var redirected atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { redirected.Add(1) }))
	defer target.Close()
	cases := []struct {
		name    string
		handler http.HandlerFunc
		status  int
		code    string
		reason  string
	}{
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, 504, "upstream_timeout", "timeout"},
		{"garbage", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"emotions":[{"emotion":"<script>alert(1)</script>","confidence":7}]}`)
		}, 502, "upstream_error", "malformed"},
		{"10 MB", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"emotions":[],"pad":"`+big+`"}`)
		}, 502, "upstream_error", "too_large"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/steal", http.StatusFound)
		}, 502, "upstream_error", "redirect"},
		{"error page", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "Traceback: KeyError 'model' at /srv/app.py", 500)
		}, 502, "upstream_error", "status"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			// Only the slow upstream is meant to time out: the others get a
			// timeout a loaded machine cannot reach (sending 10 MB over
			// loopback took over 300 ms on a busy CI machine).
			timeout := "10s"
			if c.code == "upstream_timeout" {
				timeout = "300ms"
			}
			ta := newGatewayApp(t, map[string]string{"MODEL_BACKEND_URL": srv.URL, "MODEL_BACKEND_TIMEOUT": timeout}, Options{})
			key := ta.key("gw", rbac.RoleUser)
			start := time.Now()
			rec := ta.do(http.MethodPost, "/v1/predict", key, map[string]any{"text": "is anyone there?"})
			if d := time.Since(start); c.code == "upstream_timeout" && d > 5*time.Second { // ≥ 15× the timeout
				t.Errorf("the request took %v with a 300ms upstream timeout", d)
			}
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, c.status, rec.Body)
			}
			pb := problem(t, rec)
			if pb["type"] != problemType(c.code) {
				t.Errorf("type %v, want %s", pb["type"], c.code)
			}
			for _, leak := range []string{"script", "Traceback", "99999", "steal", srv.URL} {
				if strings.Contains(rec.Body.String(), leak) {
					t.Errorf("the problem quotes the upstream (%q): %s", leak, rec.Body)
				}
			}
			ev := ta.upstreamEvent(rec.Header().Get("X-Request-ID"), c.reason)
			if ev.Severity != secevent.Medium || ev.KeyID == "" {
				t.Errorf("event = %+v, want medium with the caller's key id", ev)
			}
			// A batch reports the failure per item.
			rec = ta.do(http.MethodPost, "/v1/predict/batch", key, map[string]any{"texts": []string{"one"}})
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"code":"`+c.code+`"`) {
				t.Errorf("batch: %d %s, want a per-item %s", rec.Code, rec.Body, c.code)
			}
		})
	}
	if n := redirected.Load(); n != 0 {
		t.Errorf("a redirect was followed %d times", n)
	}
}

// lateRecorder forwards events to the app's pipeline once it exists (the
// test builds the gateway before the app).
type lateRecorder struct {
	r atomic.Pointer[secevent.Pipeline]
}

func (l *lateRecorder) Record(ctx context.Context, e secevent.Event) {
	if p := l.r.Load(); p != nil {
		p.Record(ctx, e)
	}
}

// clock is a settable clock for the breaker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestGatewayModeDeadUpstreamOpensTheCircuit(t *testing.T) {
	up := &recordingUpstream{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // dead: connection refused
	events, clk := &lateRecorder{}, &clock{t: time.Now()}
	g, err := gateway.New(gateway.Config{URL: "http://" + addr + "/predict", Format: gateway.FormatProbabilities,
		FailureThreshold: 5, CoolDown: 10 * time.Second, Events: events, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ta := newGatewayApp(t, nil, Options{Predictor: g})
	events.r.Store(ta.Events)
	key := ta.key("gwdead", rbac.RoleUser)

	for i := range 5 {
		rec := ta.do(http.MethodPost, "/v1/predict", key, map[string]any{"text": "hello"})
		if rec.Code != 502 {
			t.Fatalf("call %d: %d %s, want 502", i, rec.Code, rec.Body)
		}
	}
	ta.upstreamEvent("", "connect")
	if open := ta.upstreamEvent("", "circuit_open"); open.Severity != secevent.High {
		t.Errorf("circuit_open event severity %s, want high", open.Severity)
	}
	// Open: fast 503s with Retry-After, for single and batch requests, and
	// the instance reports not ready.
	for _, c := range []struct {
		path string
		body any
	}{
		{"/v1/predict", map[string]any{"text": "hello"}},
		{"/v1/predict/batch", map[string]any{"texts": []string{"a", "b"}}},
	} {
		rec := ta.do(http.MethodPost, c.path, key, c.body)
		if rec.Code != 503 || rec.Header().Get("Retry-After") != "10" {
			t.Fatalf("%s while open: %d Retry-After %q (%s), want 503 after 10s", c.path, rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
		if pb := problem(t, rec); pb["type"] != problemType("upstream_unavailable") {
			t.Errorf("%s: type %v, want upstream_unavailable", c.path, pb["type"])
		}
	}
	if rec := ta.do(http.MethodGet, "/ready", "", nil); rec.Code != 503 {
		t.Errorf("ready while open: %d, want 503", rec.Code)
	}
	// The upstream comes back on the same address; after the cool-down the
	// next request is the probe and closes the circuit.
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	srv := &http.Server{Handler: up, ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	if rec := ta.do(http.MethodPost, "/v1/predict", key, map[string]any{"text": "hello"}); rec.Code != 503 {
		t.Errorf("before the cool-down: %d, want still 503", rec.Code)
	}
	if n := len(up.seen()); n != 0 {
		t.Errorf("the open circuit let %d requests through", n)
	}
	clk.Advance(10 * time.Second)
	if rec := ta.do(http.MethodPost, "/v1/predict", key, map[string]any{"text": "hello again"}); rec.Code != 200 {
		t.Fatalf("after recovery: %d %s, want 200", rec.Code, rec.Body)
	}
	if g.State() != gateway.Closed {
		t.Errorf("breaker %v after a good probe, want closed", g.State())
	}
	ta.upstreamEvent("", "circuit_closed")
	if rec := ta.do(http.MethodGet, "/ready", "", nil); rec.Code != 200 {
		t.Errorf("ready after recovery: %d %s", rec.Code, rec.Body)
	}
}

// TestGatewayModeBackendCAFile: an https model server whose certificate a
// private CA signed is reached when BACKEND_CA_FILE holds that CA, and
// refused (502, a tls upstream error) without it.
func TestGatewayModeBackendCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(&recordingUpstream{})
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, trusted := range []bool{true, false} {
		env := map[string]string{"MODEL_BACKEND_URL": srv.URL + "/predict", "MODEL_BACKEND_FORMAT": "probabilities"}
		if trusted {
			env["BACKEND_CA_FILE"] = ca
		}
		ta := newGatewayApp(t, env, Options{})
		key := ta.key("gwtls", rbac.RoleUser)
		rec := ta.do(http.MethodPost, "/v1/predict", key, map[string]any{"text": "Thank you so much!"})
		switch {
		case trusted && rec.Code != http.StatusOK:
			t.Errorf("with BACKEND_CA_FILE: %d %s, want 200", rec.Code, rec.Body)
		case !trusted && rec.Code != http.StatusBadGateway:
			t.Errorf("without BACKEND_CA_FILE: %d %s, want 502 (certificate not trusted)", rec.Code, rec.Body)
		}
	}
}
