package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/report"
	"github.com/samo-brain/samo/internal/secevent"
)

// seedReportEvents writes a known set: in hour 0, 3 auth failures from .1
// (reasons unknown_key ×2, expired), 1 brute force (high) from .1; in hour
// 1, 2 rate-limited from .2 with key k1 (scope principal), 1 key_created by
// an admin at .3 (not an offence), 2 events_shed (totals 5 and 7, one
// malformed). One auth failure falls after the period.
func seedReportEvents(t *testing.T, s *Store) {
	t.Helper()
	var es []secevent.Event
	add := func(typ secevent.Type, sev secevent.Severity, at time.Duration, ip, key string, details map[string]string) {
		es = append(es, secevent.Event{ID: fmt.Sprintf("e%02d", len(es)), Type: typ, Severity: sev, Time: t0.Add(at), ClientIP: ip, KeyID: key, Details: details})
	}
	add(secevent.AuthFailure, secevent.Medium, 1*time.Minute, "192.0.2.1", "", map[string]string{"reason": "unknown_key"})
	add(secevent.AuthFailure, secevent.Medium, 2*time.Minute, "192.0.2.1", "", map[string]string{"reason": "unknown_key"})
	add(secevent.AuthFailure, secevent.Medium, 3*time.Minute, "192.0.2.1", "", map[string]string{"reason": "expired"})
	add(secevent.BruteForce, secevent.High, 4*time.Minute, "192.0.2.1", "", nil)
	add(secevent.RateLimited, secevent.Medium, 61*time.Minute, "192.0.2.2", "k1", map[string]string{"scope": "principal"})
	add(secevent.RateLimited, secevent.Medium, 62*time.Minute, "192.0.2.2", "k1", map[string]string{"scope": "principal"})
	add(secevent.KeyCreated, secevent.Low, 63*time.Minute, "192.0.2.3", "kadmin", map[string]string{"new_key_id": "k9"})
	add(secevent.EventsShed, secevent.Medium, 64*time.Minute, "", "", map[string]string{"total": "5"})
	add(secevent.EventsShed, secevent.Medium, 65*time.Minute, "", "", map[string]string{"total": "7"})
	add(secevent.EventsShed, secevent.Medium, 66*time.Minute, "", "", map[string]string{"total": "x'; DROP TABLE security_events; --"})
	add(secevent.AuthFailure, secevent.Medium, 121*time.Minute, "192.0.2.9", "", map[string]string{"reason": "late"})
	if err := s.WriteEvents(context.Background(), es); err != nil {
		t.Fatal(err)
	}
}

func TestReportQueries(t *testing.T) {
	t.Parallel()
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			seedReportEvents(t, s)
			from, to := t0, t0.Add(2*time.Hour)
			tl, err := s.EventTimeline(ctx, from, to, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			want := map[report.TimelineCount]bool{
				{Bucket: 0, Type: secevent.AuthFailure, Severity: secevent.Medium, Count: 3}: true,
				{Bucket: 0, Type: secevent.BruteForce, Severity: secevent.High, Count: 1}:    true,
				{Bucket: 1, Type: secevent.RateLimited, Severity: secevent.Medium, Count: 2}: true,
				{Bucket: 1, Type: secevent.KeyCreated, Severity: secevent.Low, Count: 1}:     true,
				{Bucket: 1, Type: secevent.EventsShed, Severity: secevent.Medium, Count: 3}:  true,
			}
			if len(tl) != len(want) {
				t.Errorf("timeline has %d rows, want %d: %+v", len(tl), len(want), tl)
			}
			for _, c := range tl {
				if !want[c] {
					t.Errorf("unexpected timeline row %+v", c)
				}
			}
			ips, err := s.TopEventSources(ctx, from, to, report.SourceIP, report.OffenceTypes(), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ips) != 2 || ips[0].Source != "192.0.2.1" || ips[0].Events != 4 || ips[0].HighOrCritical != 1 ||
				!ips[0].LastSeen.Equal(t0.Add(4*time.Minute)) || ips[1].Source != "192.0.2.2" || ips[1].Events != 2 {
				t.Errorf("top IPs = %+v", ips)
			}
			keys, err := s.TopEventSources(ctx, from, to, report.SourceKey, report.OffenceTypes(), 10)
			if err != nil || len(keys) != 1 || keys[0].Source != "k1" || keys[0].Events != 2 {
				t.Errorf("top keys = %+v, %v (the admin's key_created is no offence)", keys, err)
			}
			reasons, err := s.EventDetailCounts(ctx, from, to, secevent.AuthFailure, "reason")
			if err != nil || len(reasons) != 2 || reasons["unknown_key"] != 2 || reasons["expired"] != 1 {
				t.Errorf("auth failure reasons = %v, %v", reasons, err)
			}
			if _, err := s.EventDetailCounts(ctx, from, to, secevent.AuthFailure, "reason') OR 1=1 --"); err == nil {
				t.Error("a detail key outside [a-z_] was accepted")
			}
			shed, err := s.SumEventDetail(ctx, from, to, secevent.EventsShed, "total")
			if err != nil || shed != 12 {
				t.Errorf("shed total = %d, %v; want 12", shed, err)
			}
		})
	}
}

func TestJobState(t *testing.T) {
	t.Parallel()
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if v, err := s.JobState(ctx, "j"); err != nil || v != "" {
				t.Errorf("missing job = %q, %v", v, err)
			}
			for _, v := range []string{"a", "b"} {
				if err := s.SetJobState(ctx, "j", v, t0); err != nil {
					t.Fatal(err)
				}
				if got, err := s.JobState(ctx, "j"); err != nil || got != v {
					t.Errorf("JobState = %q, %v; want %q", got, err, v)
				}
			}
		})
	}
}
