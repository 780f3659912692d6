package secevent

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestLogSink: every event becomes one JSON record with its fields and
// details, at the level of its severity; a JSON handler escapes what a
// client sent, so a detail cannot start a forged record.
func TestLogSink(t *testing.T) {
	var buf bytes.Buffer
	s := LogSink{Log: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	es := []Event{
		{ID: "evt_1", Type: AuthFailure, Severity: Low, Time: at, ClientIP: "203.0.113.7", Details: map[string]string{"reason": "unknown_key\n{\"forged\":1}"}},
		{ID: "evt_2", Type: RateLimited, Severity: Medium, Time: at, KeyID: "key_a"},
		{ID: "evt_3", Type: BruteForce, Severity: High, Time: at},
		{ID: "evt_4", Type: TokenReuse, Severity: Critical, Time: at, UserID: "usr_1", Route: "POST /v1/auth/refresh"},
	}
	if err := s.WriteEvents(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(es) {
		t.Fatalf("%d records for %d events:\n%s", len(lines), len(es), buf.String())
	}
	wantLevel := []string{"INFO", "WARN", "ERROR", "ERROR"}
	for i, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if rec["msg"] != "security_event" || rec["level"] != wantLevel[i] || rec["event_id"] != es[i].ID ||
			rec["type"] != string(es[i].Type) || rec["severity"] != string(es[i].Severity) || rec["event_time"] != "2026-12-07T03:00:00Z" {
			t.Errorf("record %d = %v", i, rec)
		}
	}
	var first struct {
		ClientIP string            `json:"client_ip"`
		Details  map[string]string `json:"details"`
	}
	_ = json.Unmarshal([]byte(lines[0]), &first)
	if first.ClientIP != "203.0.113.7" || first.Details["reason"] != es[0].Details["reason"] {
		t.Errorf("first record: %+v", first)
	}
	if strings.Contains(lines[2], "client_ip") || !strings.Contains(lines[3], `"route":"POST /v1/auth/refresh"`) {
		t.Errorf("empty fields are left out, set ones kept: %s / %s", lines[2], lines[3])
	}
}
