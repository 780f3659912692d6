package metrics

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

type fakeStore struct {
	counts []LabelCounts
	calls  int
	err    error
}

func (f *fakeStore) FeedbackCounts(context.Context, int) ([]LabelCounts, int, error) {
	f.calls++
	return f.counts, 3, f.err
}

func (f *fakeStore) EventSeverityCounts(context.Context, time.Time) (map[secevent.Severity]int, error) {
	return map[secevent.Severity]int{secevent.High: 2}, f.err
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestPrometheusExposition(t *testing.T) {
	m := New(Options{Version: "v1.2.3", GoVersion: "go1.27.3", Shed: func() int64 { return 7 },
		BlockedIPs: func(context.Context) (int, error) { return 3, nil }})
	m.ObserveRequest(http.MethodPost, "POST /v1/predict", 200, 12*time.Millisecond)
	m.ObserveRequest(http.MethodPost, "POST /v1/predict", 429, time.Millisecond)
	m.ObserveRequest("BREW", "", 404, time.Millisecond)
	m.ObservePrediction("goemotions", 3*time.Millisecond)
	m.OnEvents(context.Background(), []secevent.Event{
		{Type: secevent.AuthFailure, Severity: secevent.Medium, ClientIP: "203.0.113.5", KeyID: "key_secretid", Details: map[string]string{"reason": "unknown_key"}},
		{Type: secevent.RateLimited, Severity: secevent.Medium, ClientIP: "203.0.113.5", UserID: "usr_42", Details: map[string]string{"scope": "principal"}},
		{Type: secevent.RateLimited, Severity: secevent.Medium, ClientIP: "203.0.113.5", Details: map[string]string{"scope": "ip"}},
		{Type: "Weird Type\n", Severity: "bogus"},
	})
	out := scrape(t, m)
	for _, want := range []string{
		`samo_http_requests_total{code="200",method="POST",route="/v1/predict"} 1`,
		`samo_http_requests_total{code="429",method="POST",route="/v1/predict"} 1`,
		`samo_http_requests_total{code="404",method="OTHER",route="unmatched"} 1`,
		`samo_http_request_duration_seconds_count{route="/v1/predict"} 2`,
		`samo_security_events_total{severity="medium",type="auth_failure"} 1`,
		`samo_security_events_total{severity="unknown",type="other"} 1`,
		`samo_auth_failures_total{reason="unknown_key"} 1`,
		`samo_rate_limited_requests_total{limit="principal"} 1`,
		`samo_rate_limited_requests_total{limit="ip"} 1`,
		`samo_blocked_ips 3`,
		`samo_predictions_total{taxonomy="goemotions"} 1`,
		`samo_inference_duration_seconds_count 1`,
		`samo_events_shed_total 7`,
		`samo_build_info{go_version="go1.27.3",version="v1.2.3"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	for _, leak := range []string{"203.0.113.5", "key_secretid", "usr_42"} {
		if strings.Contains(out, leak) {
			t.Errorf("exposition carries %q in a label", leak)
		}
	}
}

// No input can add series without bound: past the cap, values are "other".
func TestLabelCardinalityCapped(t *testing.T) {
	m := New(Options{})
	for i := 0; i < 1000; i++ {
		m.OnEvents(context.Background(), []secevent.Event{{Type: secevent.AuthFailure, Severity: secevent.Low,
			Details: map[string]string{"reason": "r" + strings.Repeat("x", i%50) + string(rune('a'+i%26))}}})
	}
	mfs, _ := m.reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "samo_auth_failures_total" && len(mf.GetMetric()) > 33 {
			t.Errorf("auth failure reasons: %d series, want at most 33", len(mf.GetMetric()))
		}
	}
}

func TestLabelCleaning(t *testing.T) {
	tests := []struct{ in, route, name string }{
		{"GET /v1/predictions/{id}", "GET /v1/predictions/{id}", "other"},
		{"", "unmatched", "unspecified"},
		{"GET /v1/x?key=abc", "other", "other"},
		{"unknown_key", "unknown_key", "unknown_key"},
		{"<script>", "other", "other"},
	}
	for _, tt := range tests {
		if got := cleanRoute(tt.in); got != tt.route {
			t.Errorf("cleanRoute(%q) = %q, want %q", tt.in, got, tt.route)
		}
		if got := cleanName(tt.in, 40); got != tt.name {
			t.Errorf("cleanName(%q) = %q, want %q", tt.in, got, tt.name)
		}
	}
}

func f64(v float64) *float64 { return &v }

func eqPtr(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	d := *a - *b
	return d < 1e-9 && d > -1e-9
}

func TestComputeQuality(t *testing.T) {
	q := ComputeQuality([]LabelCounts{
		{Taxonomy: "goemotions", Emotion: "joy", TP: 3, FP: 1, FN: 2},
		{Taxonomy: "goemotions", Emotion: "anger", FP: 2},     // precision 0, recall undefined
		{Taxonomy: "goemotions", Emotion: "annoyance", FN: 1}, // precision undefined, recall 0
		{Taxonomy: "ekman", Emotion: "sadness", TP: 1, FP: 0, FN: 0},
	})
	want := map[string]struct{ p, r, f *float64 }{
		"joy":       {f64(0.75), f64(0.6), f64(2 * 0.75 * 0.6 / 1.35)},
		"anger":     {f64(0), nil, nil},
		"annoyance": {nil, f64(0), nil},
		"sadness":   {f64(1), f64(1), f64(1)},
	}
	for _, e := range q.PerEmotion {
		w := want[e.Emotion]
		if !eqPtr(e.Precision, w.p) || !eqPtr(e.Recall, w.r) || !eqPtr(e.F1, w.f) {
			t.Errorf("%s: p=%v r=%v f1=%v, want %v %v %v", e.Emotion, e.Precision, e.Recall, e.F1, w.p, w.r, w.f)
		}
	}
	if m := q.Macro["goemotions"]; !eqPtr(m.Precision, f64(0.375)) || !eqPtr(m.Recall, f64(0.3)) {
		t.Errorf("goemotions macro = p %v r %v, want 0.375 0.3", m.Precision, m.Recall)
	}
	if q.PerEmotion[0].Taxonomy != "ekman" {
		t.Errorf("per-emotion not sorted: %+v", q.PerEmotion[0])
	}
}

func TestSummary(t *testing.T) {
	st := &fakeStore{counts: []LabelCounts{{Taxonomy: "goemotions", Emotion: "joy", TP: 1}}}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	m := New(Options{Version: "v1", Store: st, Now: clock})
	m.ObserveRequest(http.MethodGet, "GET /health", 200, time.Millisecond)
	m.ObserveRequest(http.MethodGet, "GET /health", 503, time.Millisecond)
	v, err := m.Summary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	var got struct {
		Service struct {
			RequestsTotal float64            `json:"requests_total"`
			ByClass       map[string]float64 `json:"requests_by_status_class"`
		} `json:"service"`
		Security struct {
			Last24h map[string]int `json:"events_last_24h_by_severity"`
		} `json:"security"`
		Model struct {
			FeedbackCount int `json:"feedback_count"`
			PerEmotion    []struct {
				Emotion   string   `json:"emotion"`
				Precision *float64 `json:"precision"`
			} `json:"per_emotion"`
		} `json:"model"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Service.RequestsTotal != 2 || got.Service.ByClass["2xx"] != 1 || got.Service.ByClass["5xx"] != 1 {
		t.Errorf("service = %+v", got.Service)
	}
	if got.Security.Last24h["high"] != 2 || got.Model.FeedbackCount != 3 || len(got.Model.PerEmotion) != 1 || *got.Model.PerEmotion[0].Precision != 1 {
		t.Errorf("summary = %s", b)
	}
	// The quality figures are cached briefly.
	_, _ = m.Summary(context.Background())
	if st.calls != 1 {
		t.Errorf("feedback query ran %d times within the cache period, want 1", st.calls)
	}
	// A store outage degrades the summary instead of failing it.
	st.err = errors.New("down")
	now = now.Add(time.Minute)
	v, err = m.Summary(context.Background())
	if err != nil {
		t.Fatalf("summary with the store down: %v", err)
	}
	if s := v.(Summary); s.Model.Unavailable == "" || s.Security.StoreUnavailable == "" {
		t.Errorf("outage not reported: %+v", s)
	}
}

func TestHealthGauges(t *testing.T) {
	down := errors.New("down")
	m := New(Options{
		Dependencies: map[string]func(context.Context) error{
			"store": func(context.Context) error { return nil },
			"redis": func(context.Context) error { return down },
		},
		AlertBacklog: func(context.Context) (int, error) { return 4, nil },
		Breakers:     func() map[string]string { return map[string]string{"model": "half_open"} },
		Pools: func() map[string]sql.DBStats {
			return map[string]sql.DBStats{"write": {MaxOpenConnections: 1, OpenConnections: 1, InUse: 1, WaitCount: 3, WaitDuration: 1500 * time.Millisecond}}
		},
	})
	out := scrape(t, m)
	for _, want := range []string{
		`samo_dependency_up{dependency="store"} 1`,
		`samo_dependency_up{dependency="redis"} 0`,
		`samo_alert_outbox_pending 4`,
		`samo_circuit_breaker_state{state="half_open",upstream="model"} 1`,
		`samo_circuit_breaker_state{state="open",upstream="model"} 0`,
		`samo_circuit_breaker_state{state="closed",upstream="model"} 0`,
		`samo_db_pool_in_use_connections{pool="write"} 1`,
		`samo_db_pool_max_open_connections{pool="write"} 1`,
		`samo_db_pool_waits_total{pool="write"} 3`,
		`samo_db_pool_wait_seconds_total{pool="write"} 1.5`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	m = New(Options{AlertBacklog: func(context.Context) (int, error) { return 0, down }})
	if out := scrape(t, m); !strings.Contains(out, "samo_alert_outbox_pending -1") {
		t.Error("an unreadable outbox is not reported as -1")
	}
}
