package incident_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/secevent"
)

// bruteForce is the IDS's brute_force event from addr during a request to
// route.
func bruteForce(id, addr, route string, at time.Time) secevent.Event {
	return secevent.Event{ID: id, Type: secevent.BruteForce, Severity: secevent.High, Time: at,
		ClientIP: addr, Route: route, Details: map[string]string{"failures": "6"}}
}

// TestCampaignFromManyAddressesIsOneIncident is issue 16's sixth finding:
// brute force from five IPv6 /64s against one route is one incident with
// one alert; another type, another route, or the same attack after a pause
// of more than two windows open their own.
func TestCampaignFromManyAddressesIsOneIncident(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	const route = "POST /v1/predict"
	for i := range 5 {
		e.clock.Advance(30 * time.Second)
		e.svc.OnEvents(ctx, []secevent.Event{bruteForce(fmt.Sprintf("evt_bf%d", i), fmt.Sprintf("2001:db8:%x::", i+1), route, e.clock.Now())})
	}
	inc := e.only(t)
	if inc.EventCount != 5 {
		t.Errorf("campaign incident has %d events, want 5", inc.EventCount)
	}
	if len(e.alerts.sent) != 1 {
		t.Errorf("%d alerts for one campaign, want 1", len(e.alerts.sent))
	}
	ips := 0
	for _, s := range inc.Sources {
		if len(s) > 3 && s[:3] == "ip:" {
			ips++
		}
	}
	if ips != 5 {
		t.Errorf("incident sources %v: want all five addresses listed", inc.Sources)
	}
	// A campaign keeps joining across a window boundary while its events
	// keep coming (less than one window apart).
	e.clock.Advance(4 * time.Minute)
	e.svc.OnEvents(ctx, []secevent.Event{bruteForce("evt_bf_late", "2001:db8:99::", route, e.clock.Now())})
	if inc = e.only(t); inc.EventCount != 6 {
		t.Errorf("a campaign event four minutes later opened a new incident (%d events in the first)", inc.EventCount)
	}

	// Different attacks stay apart: another route, another type.
	e.svc.OnEvents(ctx, []secevent.Event{
		bruteForce("evt_other_route", "2001:db8:42::", "POST /v1/auth/token", e.clock.Now()),
		{ID: "evt_reuse", Type: secevent.TokenReuse, Severity: secevent.High, Time: e.clock.Now(), UserID: "usr_z", Route: route},
	})
	list, err := e.svc.List(ctx, incident.Filter{})
	if err != nil || len(list) != 3 {
		t.Fatalf("incidents = %d (%v), want 3: the campaign, the other route, the other type", len(list), err)
	}
	// The same attack after a long pause is a new incident and a new alert.
	e.clock.Advance(11 * time.Minute)
	e.svc.OnEvents(ctx, []secevent.Event{bruteForce("evt_bf_next", "2001:db8:77::", route, e.clock.Now())})
	if list, _ = e.svc.List(ctx, incident.Filter{}); len(list) != 4 {
		t.Errorf("incidents after an 11-minute pause = %d, want 4", len(list))
	}
	if len(e.alerts.sent) != 4 {
		t.Errorf("alerts = %d, want 4 (one per incident)", len(e.alerts.sent))
	}
}

// TestCampaignCriticalJoinStillBlocks: grouping never spares an address
// from the critical playbook's block.
func TestCampaignCriticalJoinStillBlocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	for i, addr := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		ev := bruteForce(fmt.Sprintf("evt_c%d", i), addr, "POST /v1/predict", e.clock.Now())
		ev.Severity = secevent.Critical
		e.svc.OnEvents(ctx, []secevent.Event{ev})
	}
	e.only(t)
	if len(e.ids.blocks) != 3 {
		t.Fatalf("blocks = %+v, want all three addresses", e.ids.blocks)
	}
	for i, b := range e.ids.blocks {
		if want := netip.MustParseAddr(fmt.Sprintf("203.0.113.%d", i+1)); b.IP != want {
			t.Errorf("block %d = %s, want %s", i, b.IP, want)
		}
	}
	if len(e.alerts.sent) != 1 {
		t.Errorf("alerts = %d, want 1", len(e.alerts.sent))
	}
}

func TestCampaignSources(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 4, 1, 9, 7, 30, 0, time.UTC)
	e := secevent.Event{Type: secevent.BruteForce, Route: "POST /v1/predict", ClientIP: "192.0.2.1"}
	got := incident.CampaignSources(e, at)
	want := []string{
		fmt.Sprintf("campaign:brute_force|route:POST /v1/predict|%d", time.Date(2026, 4, 1, 9, 5, 0, 0, time.UTC).Unix()),
		fmt.Sprintf("campaign:brute_force|route:POST /v1/predict|%d", time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC).Unix()),
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("CampaignSources = %q, want %q", got, want)
	}
	e.KeyID = "key_a"
	if got := incident.CampaignSources(e, at); got[0][:len("campaign:brute_force|key:key_a|")] != "campaign:brute_force|key:key_a|" {
		t.Errorf("with a key: %q, want the key as target", got)
	}
}
