package incident_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/alert"
	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/secevent/seceventtest"
	"github.com/samo-brain/samo/internal/store"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type blockCall struct {
	IP     netip.Addr
	Dur    time.Duration
	Reason string
	By     string
}

// fakeIDS records blocks; addresses in refuse fail like an allowlisted one.
type fakeIDS struct {
	mu     sync.Mutex
	blocks []blockCall
	refuse map[netip.Addr]error
}

func (f *fakeIDS) Block(_ context.Context, ip netip.Addr, dur time.Duration, reason, by string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.refuse[ip]; err != nil {
		return err
	}
	f.blocks = append(f.blocks, blockCall{ip, dur, reason, by})
	return nil
}

type fakeKeys struct {
	mu        sync.Mutex
	suspended []string
}

func (f *fakeKeys) Suspend(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.suspended = append(f.suspended, id)
	return nil
}

type sent struct {
	Kind, Key string
	Data      any
}

type fakeAlerts struct {
	mu      sync.Mutex
	enabled bool
	sent    []sent
}

func (f *fakeAlerts) Enabled() bool { return f.enabled }

func (f *fakeAlerts) Send(_ context.Context, kind, key string, data any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, sent{kind, key, data})
	return nil
}

type env struct {
	svc    *incident.Service
	st     *store.Store
	ids    *fakeIDS
	keys   *fakeKeys
	alerts *fakeAlerts
	events *seceventtest.Collector
	clock  *clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := store.Open(context.Background(), "", t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{st: st, ids: &fakeIDS{refuse: map[netip.Addr]error{}}, keys: &fakeKeys{}, alerts: &fakeAlerts{enabled: true},
		events: &seceventtest.Collector{}, clock: &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}}
	e.svc = incident.NewService(incident.Deps{Store: st, Blocker: e.ids, Suspender: e.keys, Alerter: e.alerts,
		Events: e.events, Now: e.clock.Now, Config: incident.Config{BlockDuration: 6 * time.Hour}})
	return e
}

func (e *env) only(t *testing.T) incident.Incident {
	t.Helper()
	list, err := e.svc.List(context.Background(), incident.Filter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("incidents = %v, %v; want exactly one", list, err)
	}
	inc, err := e.svc.Get(context.Background(), list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func actionOutcomes(inc incident.Incident) map[string]string {
	out := map[string]string{}
	for _, a := range inc.Actions {
		name, _, _ := strings.Cut(a.Action, " ")
		out[name] = a.Outcome
	}
	return out
}

func TestAlertKindMatchesOutbox(t *testing.T) {
	t.Parallel()
	if incident.AlertKind != alert.KindIncident {
		t.Errorf("incident.AlertKind = %q, alert.KindIncident = %q", incident.AlertKind, alert.KindIncident)
	}
}

// A critical event blocks the source IP, suspends the key and alerts, and
// records each action with its outcome.
func TestCriticalPlaybook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	ev := secevent.Event{ID: "evt_c1", Type: secevent.TokenReuse, Severity: secevent.Critical, Time: e.clock.Now(),
		ClientIP: "203.0.113.9", KeyID: "key_abc", UserID: "usr_1"}
	e.svc.OnEvents(ctx, []secevent.Event{ev})

	inc := e.only(t)
	if inc.Severity != secevent.Critical || inc.Status != incident.StatusOpen || inc.Type != string(secevent.TokenReuse) {
		t.Errorf("incident = %+v", inc)
	}
	if len(inc.EventIDs) != 1 || inc.EventIDs[0] != "evt_c1" {
		t.Errorf("linked events = %v, want [evt_c1]", inc.EventIDs)
	}
	wantBlock := blockCall{netip.MustParseAddr("203.0.113.9"), 6 * time.Hour, "incident " + inc.ID + ": token_reuse", incident.ActorPlaybookCritical}
	if len(e.ids.blocks) != 1 || e.ids.blocks[0] != wantBlock {
		t.Errorf("blocks = %+v, want [%+v]", e.ids.blocks, wantBlock)
	}
	if len(e.keys.suspended) != 1 || e.keys.suspended[0] != "key_abc" {
		t.Errorf("suspended = %v, want [key_abc]", e.keys.suspended)
	}
	if len(e.alerts.sent) != 1 || e.alerts.sent[0].Key != "incident:"+inc.ID+":opened" || e.alerts.sent[0].Kind != incident.AlertKind {
		t.Fatalf("alerts = %+v", e.alerts.sent)
	}
	notice := e.alerts.sent[0].Data.(incident.Notice)
	if len(notice.Actions) != 2 {
		t.Errorf("alert carries %d earlier actions, want 2 (block, suspend)", len(notice.Actions))
	}
	got := actionOutcomes(inc)
	for name, prefix := range map[string]string{"opened": "from event evt_c1", "block_ip": "ok:", "suspend_key": "ok:", "alert": "ok:"} {
		if !strings.HasPrefix(got[name], prefix) {
			t.Errorf("action %s outcome %q, want prefix %q", name, got[name], prefix)
		}
	}
	for _, a := range inc.Actions {
		if a.At.IsZero() || a.Actor == "" {
			t.Errorf("action %+v lacks time or actor", a)
		}
	}
	if n := e.events.Count(secevent.KeySuspended); n != 1 {
		t.Errorf("key_suspended events = %d, want 1", n)
	}
}

// A high event alerts and puts the source under watch; further events
// from the same IP or the same key join the incident, and a critical one
// escalates it and runs the critical playbook.
func TestHighPlaybookJoinAndEscalate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	e.svc.OnEvents(ctx, []secevent.Event{
		{ID: "evt_h1", Type: secevent.BruteForce, Severity: secevent.High, ClientIP: "198.51.100.4"},
		{ID: "evt_m1", Type: secevent.AuthFailure, Severity: secevent.Medium, ClientIP: "198.51.100.4"}, // below high: ignored
	})
	inc := e.only(t)
	got := actionOutcomes(inc)
	if !strings.HasPrefix(got["alert"], "ok:") || !strings.HasPrefix(got["watch"], "recorded:") {
		t.Errorf("high playbook outcomes = %v", got)
	}
	if len(e.ids.blocks) != 0 || len(e.keys.suspended) != 0 {
		t.Errorf("high playbook blocked or suspended: %v %v", e.ids.blocks, e.keys.suspended)
	}

	e.clock.Advance(time.Minute)
	e.svc.OnEvents(ctx, []secevent.Event{
		{ID: "evt_h2", Type: secevent.TokenReuse, Severity: secevent.High, ClientIP: "198.51.100.4", KeyID: "key_x"},
		{ID: "evt_h3", Type: secevent.TokenReuse, Severity: secevent.High, ClientIP: "192.0.2.200", KeyID: "key_x"}, // same key, other IP
	})
	inc = e.only(t)
	if inc.EventCount != 3 || inc.Severity != secevent.High {
		t.Fatalf("after joins: %d events, severity %s; want 3, high", inc.EventCount, inc.Severity)
	}
	if len(e.alerts.sent) != 1 {
		t.Errorf("joining events alerted again: %d alerts", len(e.alerts.sent))
	}

	e.svc.OnEvents(ctx, []secevent.Event{{ID: "evt_c", Type: secevent.BruteForce, Severity: secevent.Critical, ClientIP: "192.0.2.200", KeyID: "key_x"}})
	inc = e.only(t)
	if inc.Severity != secevent.Critical || inc.EventCount != 4 {
		t.Errorf("after critical join: severity %s, %d events; want critical, 4", inc.Severity, inc.EventCount)
	}
	if len(e.ids.blocks) != 1 || e.ids.blocks[0].IP != netip.MustParseAddr("192.0.2.200") {
		t.Errorf("escalation blocks = %+v", e.ids.blocks)
	}
	if len(e.alerts.sent) != 2 || e.alerts.sent[1].Key != "incident:"+inc.ID+":escalated" {
		t.Errorf("escalation alerts = %+v", e.alerts.sent)
	}
	if !strings.HasPrefix(actionOutcomes(inc)["escalated"], "by event evt_c") {
		t.Errorf("escalation not on the timeline: %+v", inc.Actions)
	}
}

// Failures and missing capabilities are recorded as outcomes, not hidden.
func TestPlaybookRecordsFailuresAndSkips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	e.alerts.enabled = false
	e.ids.refuse[netip.MustParseAddr("10.0.0.1")] = errors.New("ids: address is allowlisted")
	e.svc.OnEvents(ctx, []secevent.Event{{ID: "evt_1", Type: secevent.BruteForce, Severity: secevent.Critical, ClientIP: "10.0.0.1"}})
	got := actionOutcomes(e.only(t))
	want := map[string]string{
		"block_ip":    "failed: ids: address is allowlisted",
		"suspend_key": "skipped: the event names no API key",
		"alert":       "skipped: no alert webhook configured",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s outcome = %q, want %q", k, got[k], v)
		}
	}
}

func TestLifecycleAndReport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	start := e.clock.Now()
	open := func(sev secevent.Severity) incident.Incident {
		inc, err := e.svc.Open(ctx, incident.OpenRequest{Type: "manual_review", Severity: sev, Description: "suspicious export\nby analyst"}, "alice")
		if err != nil {
			t.Fatal(err)
		}
		return inc
	}
	a := open(secevent.High)
	b := open(secevent.Critical)
	c := open(secevent.Low)
	e.clock.Advance(10 * time.Minute)
	if _, err := e.svc.Acknowledge(ctx, a.ID, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Acknowledge(ctx, a.ID, "alice"); !errors.Is(err, incident.ErrTransition) {
		t.Errorf("second acknowledge = %v, want ErrTransition", err)
	}
	e.clock.Advance(20 * time.Minute)
	if _, err := e.svc.Acknowledge(ctx, b.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Resolve(ctx, a.ID, "alice", "credential rotated"); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Minute)
	got, err := e.svc.Resolve(ctx, b.ID, "bob", "false positive")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != incident.StatusResolved || got.Resolution != "false positive" || got.ResolvedAt == nil {
		t.Errorf("resolved incident = %+v", got)
	}
	if _, err := e.svc.Resolve(ctx, b.ID, "bob", "again"); !errors.Is(err, incident.ErrTransition) {
		t.Errorf("resolving twice = %v, want ErrTransition", err)
	}
	if _, err := e.svc.Resolve(ctx, "inc_missing", "bob", "x"); !errors.Is(err, incident.ErrNotFound) {
		t.Errorf("resolving unknown = %v, want ErrNotFound", err)
	}
	if _, err := e.svc.AddAction(ctx, c.ID, "called the customer", "carol", "no answer"); err != nil {
		t.Fatal(err)
	}
	r, err := e.svc.Report(ctx, start, e.clock.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// a: acked at 10m, resolved at 30m; b: acked at 30m, resolved at 60m.
	checks := []struct {
		name      string
		got, want float64
	}{
		{"total", float64(r.Total), 3},
		{"open", float64(r.Open), 1},
		{"resolved", float64(r.Resolved), 2},
		{"critical", float64(r.BySeverity[secevent.Critical]), 1},
		{"ack count", float64(r.TimeToAcknowledge.Count), 2},
		{"ack mean", r.TimeToAcknowledge.MeanSeconds, 20 * 60},
		{"ack median", r.TimeToAcknowledge.MedianSeconds, 20 * 60},
		{"resolve mean", r.TimeToResolve.MeanSeconds, 45 * 60},
		{"resolve max", r.TimeToResolve.MaxSeconds, 60 * 60},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("report %s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if n := e.events.Count(incident.EventResolved); n != 2 {
		t.Errorf("incident_resolved events = %d, want 2", n)
	}
}

func TestOpenValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name string
		req  incident.OpenRequest
	}{
		{"bad type", incident.OpenRequest{Type: "Bad Type", Severity: secevent.High, Description: "x"}},
		{"bad severity", incident.OpenRequest{Type: "x", Severity: "urgent", Description: "x"}},
		{"empty description", incident.OpenRequest{Type: "x", Severity: secevent.High}},
		{"control character", incident.OpenRequest{Type: "x", Severity: secevent.High, Description: "a\x1b[2Jb"}},
		{"bidi override", incident.OpenRequest{Type: "x", Severity: secevent.High, Description: "a\u202eb"}},
		{"forged log line", incident.OpenRequest{Type: "x", Severity: secevent.High, Description: "ok", Source: "ip:1\r\n{\"type\":\"fake\"}"}},
	}
	for _, tt := range tests {
		if _, err := e.svc.Open(context.Background(), tt.req, "alice"); !errors.Is(err, incident.ErrInvalid) {
			t.Errorf("%s: Open = %v, want ErrInvalid", tt.name, err)
		}
	}
}
