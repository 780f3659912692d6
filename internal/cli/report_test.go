package cli

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-07-31T00:00:00Z", time.Date(2026, 7, 31, 0, 0, 0, 0, time.UTC), true},
		{"2026-07-31T02:00:00+02:00", time.Date(2026, 7, 31, 0, 0, 0, 0, time.UTC), true},
		{"24h", now.Add(-24 * time.Hour), true},
		{"90m", now.Add(-90 * time.Minute), true},
		{"7d", now.Add(-7 * 24 * time.Hour), true},
		{"0d", now, true},
		{"-1h", time.Time{}, false},
		{"+7d", time.Time{}, false},
		{"d", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"99999d", time.Time{}, false},
		{"2026-07-31", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseWhen(tt.in, now)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"24h", "7d", "2026-07-31T00:00:00Z", "-5m", "1e9d", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseWhen(s, now)
		if err == nil && !strings.Contains(s, "T") && got.After(now) {
			t.Fatalf("parseWhen(%q) = %v, after now: a duration must mean the past", s, got)
		}
	})
}

func TestReportCommand(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, "", data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	es := []secevent.Event{
		{ID: "e1", Type: secevent.AuthFailure, Severity: secevent.Medium, Time: now.Add(-time.Hour), ClientIP: "203.0.113.1", Details: map[string]string{"reason": "unknown_key"}},
		{ID: "e2", Type: secevent.AuthFailure, Severity: secevent.Medium, Time: now.Add(-2 * time.Hour), ClientIP: "203.0.113.1", Details: map[string]string{"reason": "unknown_key"}},
		{ID: "e3", Type: secevent.BruteForce, Severity: secevent.High, Time: now.Add(-3 * time.Hour), ClientIP: "203.0.113.1"},
		{ID: "e4", Type: secevent.BruteForce, Severity: secevent.High, Time: now.Add(-50 * time.Hour), ClientIP: "203.0.113.1"},
	}
	if err := st.WriteEvents(ctx, es); err != nil {
		t.Fatal(err)
	}
	st.Close()
	env := map[string]string{"SAMO_DATA_DIR": data}
	code, out, errOut := runSamo(t, env, "report", "--from", "24h", "--format", "csv")
	if code != 0 {
		t.Fatalf("samo report = %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"totals/events/": "3", "type/auth_failure/medium": "2", "top_ip/203.0.113.1/events": "3", "auth_failures/reason/unknown_key": "2"}
	for _, r := range rows {
		if key := r[0] + "/" + r[1] + "/" + r[2]; want[key] == r[3] {
			delete(want, key)
		}
	}
	if len(want) != 0 {
		t.Errorf("csv lacks %v:\n%s", want, out)
	}
	if code, out, _ := runSamo(t, env, "report", "--from", "72h", "--to", "48h"); code != 0 || !strings.Contains(out, `"events": 1`) {
		t.Errorf("72h..48h report: %d %s", code, out)
	}
	if code, out, _ := runSamo(t, env, "report", "--format", "html"); code != 0 || !strings.HasPrefix(out, "<!DOCTYPE html>") {
		t.Errorf("html report: %d %.60s", code, out)
	}
	if code, out, _ := runSamo(t, env, "report", "--json"); code != 0 || !strings.Contains(out, `"events": 3`) {
		t.Errorf("report --json: %d %s", code, out)
	}
	for _, args := range [][]string{{"--from", "yesterday"}, {"--format", "pdf"}, {"--from", "1h", "--to", "2h"}, {"extra"}, {"--json", "--format", "csv"}} {
		if code, _, _ := runSamo(t, env, append([]string{"report"}, args...)...); code != 2 {
			t.Errorf("samo report %v = %d, want 2", args, code)
		}
	}
}
