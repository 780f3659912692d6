package app

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
)

// waitEvents polls the store until ok accepts the stored events of type
// typ (or 10 s pass) and returns the last listing.
func (ta *testApp) waitEvents(typ secevent.Type, ok func([]secevent.Event) bool) []secevent.Event {
	ta.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		es, err := ta.Store.ListEvents(context.Background(), secevent.Filter{Types: []secevent.Type{typ}, Limit: 10000})
		if err != nil {
			ta.t.Fatal(err)
		}
		if ok(es) || time.Now().After(deadline) {
			return es
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A parameter refused by the API (threshold 1.5, an unknown taxonomy, a bad
// query parameter) is an invalid_parameter event naming it, low as in the
// Guide; a rejected text stays a validation_rejected event, not both.
func TestInvalidParameterEvents(t *testing.T) {
	ta := newTestApp(t, nil)
	key := ta.key("param", rbac.RoleUser)
	cases := []struct {
		name, method, path string
		body               any
		param              string
	}{
		{"threshold", http.MethodPost, "/v1/predict", map[string]any{"text": "a fine day", "threshold": 1.5}, "threshold"},
		{"taxonomy", http.MethodPost, "/v1/predict", map[string]any{"text": "a fine day", "taxonomy": "plutchik"}, "taxonomy"},
		{"batch threshold", http.MethodPost, "/v1/predict/batch", map[string]any{"texts": []string{"a"}, "threshold": "high"}, "threshold"},
		{"list limit", http.MethodGet, "/v1/predictions?limit=1000", nil, "limit"},
	}
	for _, c := range cases {
		if rec := ta.do(c.method, c.path, key, c.body); rec.Code != 400 {
			t.Fatalf("%s: status %d, want 400 (%s)", c.name, rec.Code, rec.Body)
		}
	}
	if rec := ta.do(http.MethodPost, "/v1/predict", key, map[string]any{"text": ""}); rec.Code != 400 {
		t.Fatalf("empty text: status %d, want 400", rec.Code)
	}
	es := ta.waitEvents(secevent.InvalidParameter, func(es []secevent.Event) bool { return len(es) >= len(cases) })
	got := map[string]int{}
	for _, e := range es {
		if e.Severity != secevent.Low {
			t.Errorf("invalid_parameter severity %s, want low", e.Severity)
		}
		if e.RequestID == "" {
			t.Errorf("invalid_parameter event without request id: %+v", e)
		}
		got[e.Details["parameter"]]++
	}
	for _, c := range cases {
		if got[c.param] == 0 {
			t.Errorf("%s: no invalid_parameter event for %q (got %v)", c.name, c.param, got)
		}
	}
	if got["text"] != 0 {
		t.Errorf("a rejected text was also recorded as invalid_parameter: %v", got)
	}
	if len(es) != len(cases) {
		t.Errorf("%d invalid_parameter events, want %d", len(es), len(cases))
	}
}

// The 80 % rate-limit warning is medium, as in the Guide.
func TestRateLimitWarningIsMedium(t *testing.T) {
	ta := newTestApp(t, map[string]string{"RATE_LIMIT_REQUESTS": "5"})
	key := ta.key("busy", rbac.RoleUser)
	for range 5 {
		if rec := ta.do(http.MethodGet, "/v1/predictions", key, nil); rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
	}
	es := ta.waitEvents(secevent.RateLimitWarning, func(es []secevent.Event) bool { return len(es) > 0 })
	if len(es) == 0 {
		t.Fatal("no rate_limit_warning event after 5 of 5 requests")
	}
	for _, e := range es {
		if e.Severity != secevent.Medium {
			t.Errorf("rate_limit_warning severity %s, want medium", e.Severity)
		}
	}
}

// SECURITY_EVENT_RETENTION: the hourly retention job deletes security
// events older than the retention and keeps the rest; 0 keeps everything.
func TestSecurityEventRetention(t *testing.T) {
	for _, c := range []struct {
		retention string
		wantGone  bool
	}{{"", true}, {"0", false}} { // "" = the default, 90 days
		extra := map[string]string{}
		if c.retention != "" {
			extra["SECURITY_EVENT_RETENTION"] = c.retention
		}
		ta := newTestApp(t, extra)
		now := time.Now()
		old := secevent.Event{ID: "evt_old_" + c.retention, Type: secevent.AuthFailure, Severity: secevent.Low, Time: now.Add(-91 * 24 * time.Hour), ClientIP: "192.0.2.77"}
		recent := secevent.Event{ID: "evt_recent_" + c.retention, Type: secevent.AuthFailure, Severity: secevent.Low, Time: now.Add(-89 * 24 * time.Hour), ClientIP: "192.0.2.77"}
		if err := ta.Store.WriteEvents(context.Background(), []secevent.Event{old, recent}); err != nil {
			t.Fatal(err)
		}
		ta.purgeEvents(context.Background(), now)
		es, err := ta.Store.ListEvents(context.Background(), secevent.Filter{ClientIP: "192.0.2.77", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, e := range es {
			ids[e.ID] = true
		}
		if ids[old.ID] == c.wantGone || !ids[recent.ID] {
			t.Errorf("retention %q: stored %v; want the 91-day-old event gone=%v and the 89-day-old one kept", c.retention, ids, c.wantGone)
		}
	}
}
