package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/alert"
	"github.com/samo-brain/samo/internal/secevent"
)

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func entry(id, group, eventID string, at time.Time) alert.Entry {
	return alert.Entry{ID: id, Kind: alert.KindEvent, Group: group, EventID: eventID, Payload: []byte(`{"id":"` + id + `"}`),
		CreatedAt: at, LastAt: at, NextAt: at}
}

func TestAlertOutboxConformance(t *testing.T) {
	t.Parallel()
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			w := 5 * time.Minute
			// First of a group: inserted.
			res, err := s.EnqueueAlert(ctx, entry("evt_1", "brute_force|ip:1", "evt_1", t0), w)
			if err != nil || res != (alert.Enqueued{ID: "evt_1"}) {
				t.Fatalf("first enqueue = %+v, %v", res, err)
			}
			// Same event again: duplicate.
			if res, err = s.EnqueueAlert(ctx, entry("evt_1", "brute_force|ip:1", "evt_1", t0), w); err != nil || !res.Duplicate || res.ID != "evt_1" {
				t.Fatalf("same event = %+v, %v; want duplicate of evt_1", res, err)
			}
			// Another event of the group before any attempt: joins.
			if res, err = s.EnqueueAlert(ctx, entry("evt_2", "brute_force|ip:1", "evt_2", t0.Add(time.Second)), w); err != nil || !res.Joined || res.ID != "evt_1" {
				t.Fatalf("second event = %+v, %v; want joined into evt_1", res, err)
			}
			// Another group: its own row.
			if res, err = s.EnqueueAlert(ctx, entry("evt_3", "brute_force|ip:2", "evt_3", t0), w); err != nil || res.ID != "evt_3" || res.Joined {
				t.Fatalf("other group = %+v, %v", res, err)
			}
			// No group, caller key, twice.
			rep := alert.Entry{ID: "report-1", Kind: alert.KindReport, Payload: []byte(`{}`), CreatedAt: t0, NextAt: t0}
			if res, _ = s.EnqueueAlert(ctx, rep, 0); res.Duplicate {
				t.Fatal("report enqueue reported duplicate")
			}
			if res, _ = s.EnqueueAlert(ctx, rep, 0); !res.Duplicate {
				t.Fatal("second report enqueue not a duplicate")
			}

			// Claim: all three due; none claimable again within the lease.
			claimed, err := s.ClaimAlerts(ctx, t0.Add(2*time.Second), time.Minute, 10)
			if err != nil || len(claimed) != 3 {
				t.Fatalf("claim = %d rows, %v; want 3", len(claimed), err)
			}
			byID := map[string]alert.Entry{}
			for _, e := range claimed {
				byID[e.ID] = e
				if e.Attempts != 1 {
					t.Errorf("%s attempts = %d, want 1", e.ID, e.Attempts)
				}
			}
			if g := byID["evt_1"]; g.Grouped != 1 || !g.LastAt.Equal(t0.Add(time.Second)) || g.Count() != 2 {
				t.Errorf("grouped row = %+v", g)
			}
			if again, _ := s.ClaimAlerts(ctx, t0.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
				t.Errorf("claimed %d rows inside the lease", len(again))
			}
			// A group row being attempted absorbs nothing: the next event
			// starts a row deferred to the end of the window.
			if res, err = s.EnqueueAlert(ctx, entry("evt_4", "brute_force|ip:1", "evt_4", t0.Add(time.Minute)), w); err != nil || res.Joined || res.ID != "evt_4" {
				t.Fatalf("event after attempt = %+v, %v", res, err)
			}
			pending, _ := s.ListAlerts(ctx, alert.Filter{State: "pending"})
			for _, e := range pending {
				if e.ID == "evt_4" && !e.NextAt.Equal(t0.Add(w)) {
					t.Errorf("follow-up next_at = %v, want end of window %v", e.NextAt, t0.Add(w))
				}
			}

			// Outcomes.
			if err := s.MarkAlertDelivered(ctx, "evt_1", 1, t0.Add(3*time.Second)); err != nil {
				t.Fatal(err)
			}
			if err := s.MarkAlertFailed(ctx, "evt_3", 1, "status 503", t0.Add(10*time.Second), false, t0.Add(3*time.Second)); err != nil {
				t.Fatal(err)
			}
			// A stale failure report (attempt 0) changes nothing.
			if err := s.MarkAlertFailed(ctx, "evt_3", 0, "stale", t0, true, t0); err != nil {
				t.Fatal(err)
			}
			if err := s.MarkAlertFailed(ctx, "report-1", 1, "timeout", t0, true, t0.Add(3*time.Second)); err != nil {
				t.Fatal(err)
			}
			all, err := s.ListAlerts(ctx, alert.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			states := map[string]string{}
			for _, e := range all {
				states[e.ID] = e.State() + ":" + e.LastError
			}
			want := map[string]string{"evt_1": "delivered:", "evt_3": "pending:status 503", "report-1": "dead:timeout", "evt_4": "pending:"}
			for id, st := range want {
				if states[id] != st {
					t.Errorf("%s = %q, want %q", id, states[id], st)
				}
			}
			stats, err := s.AlertStats(ctx)
			if err != nil || stats.Pending != 2 || stats.Delivered != 1 || stats.Dead != 1 || stats.Oldest == nil {
				t.Errorf("stats = %+v, %v", stats, err)
			}
			last, err := s.LastAlertedEventTime(ctx)
			if err != nil || !last.Equal(t0.Add(time.Minute)) {
				t.Errorf("LastAlertedEventTime = %v, %v; want %v", last, err, t0.Add(time.Minute))
			}
			// Purge removes finished rows only.
			n, err := s.PurgeAlerts(ctx, t0.Add(time.Hour))
			if err != nil || n != 2 {
				t.Errorf("purged %d, %v; want 2", n, err)
			}
			if left, _ := s.ListAlerts(ctx, alert.Filter{}); len(left) != 2 {
				t.Errorf("after purge %d rows, want 2 pending", len(left))
			}
		})
	}
}

// Two workers claiming at once never get the same row.
func TestClaimAlertsConcurrent(t *testing.T) {
	t.Parallel()
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			for i := 0; i < 20; i++ {
				if _, err := s.EnqueueAlert(ctx, entry(fmt.Sprintf("a%02d", i), "", "", t0), 0); err != nil {
					t.Fatal(err)
				}
			}
			var mu sync.Mutex
			seen := map[string]int{}
			var wg sync.WaitGroup
			for w := 0; w < 4; w++ {
				wg.Go(func() {
					for {
						es, err := s.ClaimAlerts(ctx, t0, time.Minute, 3)
						if err != nil {
							t.Error(err)
							return
						}
						if len(es) == 0 {
							return
						}
						mu.Lock()
						for _, e := range es {
							seen[e.ID]++
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(seen) != 20 {
				t.Errorf("claimed %d distinct rows, want 20", len(seen))
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s claimed %d times", id, n)
				}
			}
		})
	}
}

func TestAlertableEvents(t *testing.T) {
	t.Parallel()
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			es := []secevent.Event{
				{ID: "e1", Type: secevent.BruteForce, Severity: secevent.High, Time: t0},
				{ID: "e2", Type: secevent.AuthFailure, Severity: secevent.Medium, Time: t0.Add(time.Second)},
				{ID: "e3", Type: secevent.TokenReuse, Severity: secevent.Critical, Time: t0.Add(2 * time.Second), Details: map[string]string{"k": "v"}},
				{ID: "e0", Type: secevent.BruteForce, Severity: secevent.High, Time: t0.Add(-time.Hour)},
			}
			if err := s.WriteEvents(ctx, es); err != nil {
				t.Fatal(err)
			}
			got, err := s.AlertableEvents(ctx, t0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].ID != "e1" || got[1].ID != "e3" || got[1].Details["k"] != "v" {
				t.Errorf("AlertableEvents = %+v, want e1, e3", got)
			}
		})
	}
}
