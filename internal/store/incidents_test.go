package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/secevent"
)

func newIncident(id string, sev secevent.Severity, at time.Time) incident.Incident {
	return incident.Incident{ID: id, Type: "brute_force", Severity: sev, Description: "d", Status: incident.StatusOpen, Source: "ip:1", CreatedAt: at}
}

func TestIncidentStoreConformance(t *testing.T) {
	t.Parallel()
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			a, created, err := s.OpenOrJoinIncident(ctx, newIncident("inc_a", secevent.High, t0), []string{"ip:1"}, "e1")
			if err != nil || !created || a.ID != "inc_a" || a.EventCount != 1 {
				t.Fatalf("open = %+v, %v, %v", a, created, err)
			}
			// Same IP, with a key: joins and adds the key as a source.
			got, created, err := s.OpenOrJoinIncident(ctx, newIncident("inc_b", secevent.High, t0), []string{"ip:1", "key:k"}, "e2")
			if err != nil || created || got.ID != "inc_a" || got.EventCount != 2 {
				t.Fatalf("join by ip = %+v, %v, %v", got, created, err)
			}
			// Same key from another IP: joins through the key.
			got, created, err = s.OpenOrJoinIncident(ctx, newIncident("inc_c", secevent.High, t0), []string{"ip:2", "key:k"}, "e3")
			if err != nil || created || got.ID != "inc_a" {
				t.Fatalf("join by key = %+v, %v, %v", got, created, err)
			}
			// The same event twice is linked once.
			if got, _, _ = s.OpenOrJoinIncident(ctx, newIncident("inc_d", secevent.High, t0), []string{"ip:2"}, "e3"); got.EventCount != 3 {
				t.Errorf("relinking an event: %d events, want 3", got.EventCount)
			}
			if raised, err := s.RaiseIncidentSeverity(ctx, "inc_a", secevent.Medium); err != nil || raised {
				t.Errorf("lowering severity = %v, %v; want no change", raised, err)
			}
			if raised, err := s.RaiseIncidentSeverity(ctx, "inc_a", secevent.Critical); err != nil || !raised {
				t.Errorf("raising severity = %v, %v; want raised", raised, err)
			}
			act := incident.Action{ID: "act_1", IncidentID: "inc_a", Action: "block_ip 1", Actor: "playbook:critical", Outcome: "ok", At: t0.Add(time.Second)}
			if err := s.AddIncidentAction(ctx, act); err != nil {
				t.Fatal(err)
			}
			if err := s.AddIncidentAction(ctx, incident.Action{ID: "act_x", IncidentID: "inc_nope", Action: "x", Actor: "y", At: t0}); !errors.Is(err, incident.ErrNotFound) {
				t.Errorf("action on unknown incident = %v, want incident.ErrNotFound", err)
			}
			full, err := s.IncidentByID(ctx, "inc_a")
			if err != nil {
				t.Fatal(err)
			}
			if full.Severity != secevent.Critical || len(full.Sources) != 3 || len(full.EventIDs) != 3 || len(full.Actions) != 1 || full.Actions[0] != act {
				t.Errorf("incident = %+v", full)
			}
			if _, err := s.IncidentByID(ctx, "inc_nope"); !errors.Is(err, incident.ErrNotFound) || !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown incident = %v, want both not-found sentinels", err)
			}

			// Transitions.
			if _, err := s.SetIncidentStatus(ctx, "inc_a", incident.StatusAcknowledged, t0.Add(time.Minute), ""); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SetIncidentStatus(ctx, "inc_a", incident.StatusAcknowledged, t0.Add(time.Minute), ""); !errors.Is(err, incident.ErrTransition) {
				t.Errorf("re-acknowledge = %v, want ErrTransition", err)
			}
			res, err := s.SetIncidentStatus(ctx, "inc_a", incident.StatusResolved, t0.Add(time.Hour), "fixed")
			if err != nil || res.Status != incident.StatusResolved || res.Resolution != "fixed" || !res.ResolvedAt.Equal(t0.Add(time.Hour)) || !res.AcknowledgedAt.Equal(t0.Add(time.Minute)) {
				t.Fatalf("resolve = %+v, %v", res, err)
			}
			if _, err := s.SetIncidentStatus(ctx, "inc_a", incident.StatusOpen, t0, ""); !errors.Is(err, incident.ErrTransition) {
				t.Errorf("reopen = %v, want ErrTransition", err)
			}
			if _, err := s.SetIncidentStatus(ctx, "inc_nope", incident.StatusResolved, t0, "x"); !errors.Is(err, incident.ErrNotFound) {
				t.Errorf("resolve unknown = %v, want ErrNotFound", err)
			}
			// A resolved incident is not joined: a new one opens.
			got, created, err = s.OpenOrJoinIncident(ctx, newIncident("inc_e", secevent.High, t0.Add(2*time.Hour)), []string{"ip:1"}, "e4")
			if err != nil || !created || got.ID != "inc_e" {
				t.Fatalf("after resolution = %+v, %v, %v; want a new incident", got, created, err)
			}

			// Listing and filters.
			if err := s.CreateIncident(ctx, newIncident("inc_f", secevent.Low, t0.Add(3*time.Hour)), nil); err != nil {
				t.Fatal(err)
			}
			list, err := s.ListIncidents(ctx, incident.Filter{Statuses: []incident.Status{incident.StatusOpen}})
			if err != nil || len(list) != 2 || list[0].ID != "inc_f" || list[1].ID != "inc_e" {
				t.Errorf("open incidents = %+v, %v", list, err)
			}
			list, _ = s.ListIncidents(ctx, incident.Filter{Severities: []secevent.Severity{secevent.Critical}})
			if len(list) != 1 || list[0].ID != "inc_a" || list[0].EventCount != 3 {
				t.Errorf("critical incidents = %+v", list)
			}
			list, _ = s.ListIncidents(ctx, incident.Filter{Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)})
			if len(list) != 1 || list[0].ID != "inc_e" {
				t.Errorf("incidents in [1h,3h) = %+v", list)
			}
			page, _ := s.ListIncidents(ctx, incident.Filter{Limit: 1})
			next, _ := s.ListIncidents(ctx, incident.Filter{Limit: 5, BeforeAt: page[0].CreatedAt, BeforeID: page[0].ID})
			if len(page) != 1 || len(next) != 2 || next[0].ID != "inc_e" {
				t.Errorf("paging = %v then %v", page, next)
			}
		})
	}
}

// Replicas racing on the same source open one incident.
func TestOpenOrJoinConcurrent(t *testing.T) {
	t.Parallel()
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Go(func() {
					inc := newIncident(fmt.Sprintf("inc_%d", i), secevent.High, t0)
					if _, _, err := s.OpenOrJoinIncident(ctx, inc, []string{"ip:9"}, fmt.Sprintf("ev_%d", i)); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			list, err := s.ListIncidents(ctx, incident.Filter{})
			if err != nil || len(list) != 1 || list[0].EventCount != 8 {
				t.Errorf("incidents = %+v, %v; want one with 8 events", list, err)
			}
		})
	}
}
