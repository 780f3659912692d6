package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent/seceventtest"
)

// Tests of the chain's guards one by one: CORS, HTTPS only, HSTS, the
// intrusion-detection block check and panic recovery.

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestCORS(t *testing.T) {
	d := ChainDeps{CORSEnabled: true, AllowedOrigins: []string{"https://app.example"}}
	serve := func(d ChainDeps, method, origin string, preflight bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/v1/predict", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if preflight {
			r.Header.Set("Access-Control-Request-Method", http.MethodPost)
		}
		rec := httptest.NewRecorder()
		corsPolicy(d.CORSEnabled, d.AllowedOrigins)(okHandler).ServeHTTP(rec, r)
		return rec
	}
	rec := serve(d, http.MethodGet, "https://app.example", false)
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example" ||
		rec.Header().Get("Access-Control-Allow-Credentials") != "true" || rec.Header().Get("Vary") != "Origin" ||
		!strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "Retry-After") {
		t.Errorf("allowed origin: %d %v", rec.Code, rec.Header())
	}
	rec = serve(d, http.MethodOptions, "https://app.example", true)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Methods") == "" ||
		rec.Header().Get("Access-Control-Max-Age") != "600" {
		t.Errorf("allowed preflight: %d %v", rec.Code, rec.Header())
	}
	for _, c := range []struct {
		name   string
		d      ChainDeps
		origin string
	}{
		{"other origin", d, "https://evil.example"},
		{"CORS off", ChainDeps{AllowedOrigins: d.AllowedOrigins}, "https://app.example"},
		{"no origin", d, ""},
	} {
		rec = serve(c.d, http.MethodGet, c.origin, false)
		if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "" || rec.Header().Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%s: %d %v", c.name, rec.Code, rec.Header())
		}
		rec = serve(c.d, http.MethodOptions, c.origin, true)
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "cors_origin_denied") || rec.Header().Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("%s preflight: %d %s", c.name, rec.Code, rec.Body)
		}
	}
	// An OPTIONS request that is not a preflight reaches the handler.
	if rec = serve(d, http.MethodOptions, "https://evil.example", false); rec.Code != 200 {
		t.Errorf("plain OPTIONS: %d", rec.Code)
	}
}

func TestRequireHTTPSAndHSTS(t *testing.T) {
	proxy := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	serve := func(d ChainDeps, path, remote, proto string, tlsOn bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.RemoteAddr = remote
		if proto != "" {
			r.Header.Set("X-Forwarded-Proto", proto)
			r.Header.Set("X-Forwarded-For", "198.51.100.1")
		}
		if tlsOn {
			r.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		chain := []Middleware{securityHeaders(d.TrustedProxies)}
		if d.HTTPSRequired {
			chain = append(chain, requireHTTPS(d.TrustedProxies))
		}
		Wrap(okHandler, chain).ServeHTTP(rec, r)
		return rec
	}
	on := ChainDeps{HTTPSRequired: true, TrustedProxies: proxy}
	for _, c := range []struct {
		name, path, remote, proto string
		tls                       bool
		d                         ChainDeps
		code                      int
		hsts                      bool
	}{
		{"plain http", "/v1/predict", "192.0.2.1:1", "", false, on, http.StatusForbidden, false},
		{"plain http, not required", "/v1/predict", "192.0.2.1:1", "", false, ChainDeps{}, 200, false},
		{"TLS here", "/v1/predict", "192.0.2.1:1", "", true, on, 200, true},
		{"TLS at a trusted proxy", "/v1/predict", "10.0.0.1:1", "https", false, on, 200, true},
		{"untrusted proxy says https", "/v1/predict", "192.0.2.1:1", "https", false, on, http.StatusForbidden, false},
		{"trusted proxy says http", "/v1/predict", "10.0.0.1:1", "http", false, on, http.StatusForbidden, false},
	} {
		rec := serve(c.d, c.path, c.remote, c.proto, c.tls)
		hsts := rec.Header().Get("Strict-Transport-Security") != ""
		if rec.Code != c.code || hsts != c.hsts {
			t.Errorf("%s: %d, HSTS %v; want %d, %v", c.name, rec.Code, hsts, c.code, c.hsts)
		}
		if c.code == http.StatusForbidden && !strings.Contains(rec.Body.String(), "https_required") {
			t.Errorf("%s: body %s", c.name, rec.Body)
		}
		if rec.Header().Get("X-Frame-Options") != "DENY" || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: security headers missing: %v", c.name, rec.Header())
		}
	}
}

// failingBlocks is a block store that cannot be read.
type failingBlocks struct{ ids.BlockStore }

func (failingBlocks) Generation(context.Context) (uint64, error) {
	return 0, errors.New("store down")
}

func TestBlockCheck(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st := newMemBlocks()
	blocked := netip.MustParseAddr("192.0.2.66")
	if err := st.Block(context.Background(), ids.Block{IP: blocked, Until: now.Add(time.Hour), Reason: "test", By: "admin", Created: now}); err != nil {
		t.Fatal(err)
	}
	det, err := ids.New(ids.DefaultConfig(), st, &seceventtest.Collector{}, clock)
	if err != nil {
		t.Fatal(err)
	}
	broken, err := ids.New(ids.DefaultConfig(), failingBlocks{st}, &seceventtest.Collector{}, clock)
	if err != nil {
		t.Fatal(err)
	}
	serve := func(det *ids.Detector, ip, path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r = r.WithContext(reqctx.With(r.Context(), &reqctx.Info{ClientIP: netip.MustParseAddr(ip)}))
		rec := httptest.NewRecorder()
		blockCheck(det, quietLog())(okHandler).ServeHTTP(rec, r)
		return rec
	}
	rec := serve(det, "192.0.2.66", "/v1/predict")
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "ip_blocked") || rec.Header().Get("Retry-After") == "" {
		t.Errorf("blocked address: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	if rec = serve(det, "192.0.2.67", "/v1/predict"); rec.Code != 200 {
		t.Errorf("other address: %d", rec.Code)
	}
	if rec = serve(broken, "192.0.2.67", "/v1/predict"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("unreadable block list: %d, want 503 (fail closed)", rec.Code)
	}
	// Every passing request is observed: past RequestsPerMinute the client
	// is blocked.
	for i := range ids.DefaultConfig().RequestsPerMinute * 4 {
		if rec = serve(det, "192.0.2.70", "/v1/predict"); rec.Code != 200 {
			if rec.Code != http.StatusForbidden {
				t.Fatalf("request %d: %d", i, rec.Code)
			}
			return
		}
	}
	t.Error("requests were not counted by intrusion detection")
}

func TestRecoverPanic(t *testing.T) {
	var logged strings.Builder
	d := ChainDeps{Log: slog.New(slog.NewTextHandler(&logged, nil))}
	h := recoverPanic(d.Log)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "boom") || !strings.Contains(logged.String(), "boom") {
		t.Errorf("panic: %d %s; log %s", rec.Code, rec.Body, logged.String())
	}
	abort := recoverPanic(d.Log)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("ErrAbortHandler recovered as %v, want re-panicked", v)
		}
	}()
	abort.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
}

type observed struct {
	route  string
	status int
}

type observer struct{ got []observed }

func (o *observer) ObserveRequest(_, route string, status int, _ time.Duration) {
	o.got = append(o.got, observed{route, status})
}

func TestAccessLogRecordsWhatWasSent(t *testing.T) {
	var buf strings.Builder
	obs := &observer{}
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	d := ChainDeps{Log: slog.New(slog.NewJSONHandler(&buf, nil)), Now: func() time.Time { return start.Add(1500 * time.Microsecond) }, Metrics: obs}
	h := accessLog(d.Log, d.Metrics, d.Now)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := reqctx.From(r.Context())
		if r.URL.Path == "/routed" {
			info.Route = "/routed"
			info.Principal = &reqctx.Principal{KeyID: "key_1", UserID: "usr_1"}
			w.WriteHeader(http.StatusCreated)
			w.WriteHeader(http.StatusInternalServerError) // ignored, like net/http does
		}
		_, _ = w.Write([]byte("hello"))
	}))
	for _, path := range []string{"/routed", "/other"} {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r = r.WithContext(reqctx.With(r.Context(), &reqctx.Info{Start: start, RequestID: "r1"}))
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	want := []observed{{"/routed", http.StatusCreated}, {"unmatched", http.StatusOK}}
	if len(obs.got) != 2 || obs.got[0] != want[0] || obs.got[1] != want[1] {
		t.Errorf("observed %v, want %v", obs.got, want)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"key_id":"key_1"`) || !strings.Contains(lines[0], `"bytes":5`) ||
		!strings.Contains(lines[0], `"duration_ms":1.5`) ||
		strings.Contains(lines[1], "key_id") {
		t.Errorf("log lines %q", lines)
	}
}
