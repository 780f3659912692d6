package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
)

// A brute-force attempt flows through the whole operations side: the high
// event opens an incident, the admin API shows it, metrics count it.
func TestMonitoringWiredEndToEnd(t *testing.T) {
	ta := newTestApp(t, map[string]string{"METRICS_ADDR": "127.0.0.1:0", "IP_ALLOWLIST": "192.0.2.0/24"})
	admin := ta.key("sec", rbac.RoleAdmin)
	user := ta.key("u1", rbac.RoleUser)
	if rec := ta.do(http.MethodPost, "/v1/predict", user, map[string]any{"text": "a lovely morning"}); rec.Code != 200 {
		t.Fatalf("predict: %d", rec.Code)
	}
	for i := 0; i < 8; i++ { // more than 5 failed authentications: brute_force (high)
		ta.do(http.MethodGet, "/v1/predictions", "samo_wrong", nil)
	}
	var incidents struct {
		Incidents []struct{ ID, Severity, Status string } `json:"incidents"`
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && len(incidents.Incidents) == 0 {
		time.Sleep(100 * time.Millisecond) // the pipeline persists, then subscribers run
		rec := ta.do(http.MethodGet, "/v1/admin/incidents", admin, nil)
		_ = json.Unmarshal(rec.Body.Bytes(), &incidents)
	}
	if len(incidents.Incidents) == 0 {
		t.Fatal("a brute-force event opened no incident")
	}
	if rec := ta.do(http.MethodGet, "/v1/admin/security/status", admin, nil); rec.Code != 200 {
		t.Errorf("security status: %d %s", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodGet, "/v1/admin/security/events?severity=high", admin, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "brute_force") {
		t.Errorf("high events: %d %s", rec.Code, rec.Body)
	}
	if rec := ta.do(http.MethodGet, "/v1/metrics", admin, nil); rec.Code != 200 {
		t.Errorf("/v1/metrics: %d", rec.Code)
	}
	if ta.MetricsHandler == nil {
		t.Fatal("no Prometheus handler with METRICS_ADDR set")
	}
	rec := httptest.NewRecorder()
	ta.MetricsHandler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, m := range []string{"samo_predictions_total", "samo_http_requests_total", "samo_security_events_total", "samo_build_info"} {
		if !strings.Contains(body, m) {
			t.Errorf("Prometheus output lacks %s", m)
		}
	}
	if strings.Contains(body, "192.0.2.10") {
		t.Error("a client IP appears in a metric label")
	}
	for _, m := range []string{`samo_dependency_up{dependency="store"} 1`, "samo_alert_outbox_pending 0",
		`samo_db_pool_open_connections{pool="write"}`, `route="/v1/predict"`} {
		if !strings.Contains(body, m) {
			t.Errorf("Prometheus output lacks %s", m)
		}
	}
	// The metrics listener answers /metrics only.
	for _, path := range []string{"/", "/health", "/metrics/x", "/v1/predict"} {
		rec := httptest.NewRecorder()
		ta.MetricsHandler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != 404 {
			t.Errorf("metrics listener GET %s = %d, want 404", path, rec.Code)
		}
	}
}
