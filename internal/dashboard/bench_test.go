package dashboard_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// benchEnv turns off the per-IP limits that a benchmark loop would hit.
var benchEnv = map[string]string{"ENABLE_RATE_LIMITING": "false", "IDS_BLOCK_THRESHOLD": "60000", "IDS_REQUESTS_PER_MINUTE": "60000"}

var severitiesCycle = []secevent.Severity{secevent.Low, secevent.Medium, secevent.High, secevent.Critical}

// BenchmarkOverview measures the heaviest page: tiles, the hourly chart and
// the recent-events table over a day of seeded events, through the whole
// middleware chain with a session re-check.
func BenchmarkOverview(b *testing.B) {
	e := newEnv(b, benchEnv)
	var evs []secevent.Event
	for i := range 2000 {
		evs = append(evs, secevent.Event{Type: secevent.AuthFailure, Severity: severitiesCycle[i%4],
			Time: time.Now().UTC().Add(-time.Duration(i) * 40 * time.Second), ClientIP: "203.0.113.9"})
	}
	seedEvents(b, e, evs...)
	c := e.signIn(e.analyst)
	b.ReportAllocs()
	for b.Loop() {
		if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: c}); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkStylesheet measures the cheapest request with a session: the
// lookup and key/user re-check, then the embedded stylesheet.
func BenchmarkStylesheet(b *testing.B) {
	e := newEnv(b, benchEnv)
	c := e.signIn(e.analyst)
	b.ReportAllocs()
	for b.Loop() {
		if rec := e.do(req{method: http.MethodGet, path: "/dashboard/static/app.css", cookie: c}); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
