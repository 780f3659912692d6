package app

import (
	"net/http"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
)

// A refused authorization is a permission_denied event naming the key, the
// route and the request, stamped in UTC (ASVS V16.3.2, V16.2.1, V16.2.2).
func TestPermissionDeniedIsLogged(t *testing.T) {
	ta := newTestApp(t, nil)
	user := ta.key("pat", rbac.RoleUser)
	rec := ta.do(http.MethodGet, "/v1/admin/keys", user, nil)
	if rec.Code != 403 {
		t.Fatalf("a user listing keys: %d, want 403", rec.Code)
	}
	rid := rec.Header().Get("X-Request-ID")
	evs := ta.waitEvents(secevent.PermissionDenied, atLeast(1))
	if len(evs) != 1 {
		t.Fatalf("permission_denied events: %+v, want 1", evs)
	}
	e := evs[0]
	if e.KeyID != keyID(t, ta, user) || e.UserID == "" || e.RequestID != rid || e.Route != "GET /v1/admin/keys" || e.ClientIP == "" {
		t.Errorf("event %+v; want the key, user, request %s, route and client", e, rid)
	}
	if e.Time.Location() != time.UTC || time.Since(e.Time) > time.Minute {
		t.Errorf("event time %v; want a recent UTC time", e.Time)
	}
}

// Prometheus metrics are served only on their own listener (METRICS_ADDR),
// never by the API handler (ASVS V13.4.5).
func TestMetricsNotOnTheAPIListener(t *testing.T) {
	ta := newTestApp(t, nil)
	admin := ta.key("sec", rbac.RoleAdmin)
	for _, key := range []string{"", admin} {
		if rec := ta.do(http.MethodGet, "/metrics", key, nil); rec.Code != 404 {
			t.Errorf("GET /metrics on the API (key %v): %d, want 404", key != "", rec.Code)
		}
	}
}
