package app

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
)

const validTP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

func TestRequestIDAndTraceparentFromTrustedProxies(t *testing.T) {
	ta := newTestApp(t, map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8"})
	send := func(remote string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/health", nil)
		req.RemoteAddr = remote
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		ta.h.ServeHTTP(rec, req)
		return rec
	}
	cases := []struct {
		name, remote, id, tp string
		keepID, keepTP       bool
	}{
		{"trusted proxy", "10.1.2.3:5000", "gw-7f3a.01:x_y", validTP, true, true},
		{"untrusted client", "192.0.2.7:5000", "gw-7f3a", validTP, false, false},
		{"id too long", "10.1.2.3:5000", strings.Repeat("a", 129), validTP, false, true},
		{"id with a newline-ish byte", "10.1.2.3:5000", "abc def", "", false, false},
		{"uppercase traceparent", "10.1.2.3:5000", "ok-1", strings.ToUpper(validTP), true, false},
		{"zero trace id", "10.1.2.3:5000", "ok-2", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", true, false},
		{"version ff", "10.1.2.3:5000", "ok-3", "ff" + validTP[2:], true, false},
		{"v00 with a suffix", "10.1.2.3:5000", "ok-4", validTP + "-x", true, false},
	}
	for _, c := range cases {
		rec := send(c.remote, "X-Request-ID", c.id, "Traceparent", c.tp)
		gotID := rec.Header().Get("X-Request-ID")
		if c.keepID != (gotID == c.id) || gotID == "" {
			t.Errorf("%s: X-Request-ID = %q, keep=%v", c.name, gotID, c.keepID)
		}
		if got := rec.Header().Get("Traceparent"); (got != "") != c.keepTP || (c.keepTP && got != c.tp) {
			t.Errorf("%s: traceparent echoed = %q, keep=%v", c.name, got, c.keepTP)
		}
	}
	// The kept id is the one in problem bodies too.
	req := httptest.NewRequest(http.MethodGet, "/nope", nil)
	req.RemoteAddr = "10.1.2.3:5000"
	req.Header.Set("X-Request-ID", "corr-42")
	rec := httptest.NewRecorder()
	ta.h.ServeHTTP(rec, req)
	if p := problem(t, rec); p["request_id"] != "corr-42" {
		t.Errorf("problem request_id = %v, want corr-42", p["request_id"])
	}
}

func TestHSTSOnlyOverHTTPS(t *testing.T) {
	ta := newTestApp(t, map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8"})
	const hsts = "max-age=31536000; includeSubDomains"
	cases := []struct {
		name, remote, proto string
		tls                 bool
		want                string
	}{
		{"plain HTTP", "192.0.2.1:1", "", false, ""},
		{"plain HTTP claiming https, untrusted", "192.0.2.1:1", "https", false, ""},
		{"TLS here", "192.0.2.1:1", "", true, hsts},
		{"trusted proxy terminating TLS", "10.0.0.5:1", "https", false, hsts},
		{"trusted proxy over http", "10.0.0.5:1", "http", false, ""},
	}
	for _, c := range cases {
		req := httptest.NewRequest(http.MethodGet, "/health", nil)
		req.RemoteAddr = c.remote
		if c.proto != "" {
			req.Header.Set("X-Forwarded-Proto", c.proto)
		}
		if c.tls {
			req.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		ta.h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Strict-Transport-Security"); got != c.want {
			t.Errorf("%s: HSTS = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCompatibilityAliasesDeprecated(t *testing.T) {
	ta := newTestApp(t, nil)
	key := ta.key("dora", rbac.RoleUser)
	cases := []struct{ method, path, key, successor string }{
		{http.MethodGet, "/api/health", "", "/health"},
		{http.MethodPost, "/api/predict", key, "/v1/predict"},
		{http.MethodPost, "/api/predict", "", "/v1/predict"}, // errors too
		{http.MethodPost, "/api/predict_batch", key, "/v1/predict/batch"},
	}
	for _, c := range cases {
		var body any
		if c.method == http.MethodPost {
			if c.path == "/api/predict" {
				body = map[string]any{"text": "a fine day"}
			} else {
				body = map[string]any{"texts": []string{"a fine day"}}
			}
		}
		rec := ta.do(c.method, c.path, c.key, body)
		if rec.Header().Get("Deprecation") != "@1767225600" {
			t.Errorf("%s %s (%d): Deprecation = %q", c.method, c.path, rec.Code, rec.Header().Get("Deprecation"))
		}
		if want := "<" + c.successor + `>; rel="successor-version"`; rec.Header().Get("Link") != want {
			t.Errorf("%s %s: Link = %q, want %q", c.method, c.path, rec.Header().Get("Link"), want)
		}
	}
	if rec := ta.do(http.MethodGet, "/health", "", nil); rec.Header().Get("Deprecation") != "" {
		t.Error("/health carries Deprecation")
	}
}
