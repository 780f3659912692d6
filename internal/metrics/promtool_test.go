package metrics

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// TestPromtoolCheckMetrics runs `promtool check metrics` (Prometheus's own
// linter: naming, units, help texts) on a fully populated exposition. It
// needs promtool (Debian package prometheus) and says so when skipped.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus); the exposition is not linted")
	}
	m := New(Options{Version: "v1", GoVersion: "go1.27.3", Shed: func() int64 { return 0 },
		BlockedIPs:   func(context.Context) (int, error) { return 1, nil },
		Dependencies: map[string]func(context.Context) error{"store": func(context.Context) error { return nil }},
		AlertBacklog: func(context.Context) (int, error) { return 0, nil },
		Breakers:     func() map[string]string { return map[string]string{"model": "closed"} },
		Pools:        func() map[string]sql.DBStats { return map[string]sql.DBStats{"main": {}} },
	})
	m.ObserveRequest(http.MethodGet, "GET /v1/predictions", 200, time.Millisecond)
	m.ObservePrediction("goemotions", time.Millisecond)
	m.OnEvents(context.Background(), []secevent.Event{{Type: secevent.RateLimited, Severity: secevent.Medium, Details: map[string]string{"scope": "ip"}}})
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(scrape(t, m))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || strings.TrimSpace(out.String()) != "" {
		t.Errorf("promtool check metrics: %v\n%s", err, out.String())
	}
}
