package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/store"
)

func TestIncidentsCommand(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, "", data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := incident.NewService(incident.Deps{Store: st})
	svc.OnEvents(ctx, []secevent.Event{{ID: "evt_1", Type: secevent.BruteForce, Severity: secevent.High, ClientIP: "198.51.100.9"}})
	list, err := svc.List(ctx, incident.Filter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("seeded incidents = %v, %v", list, err)
	}
	id := list[0].ID
	st.Close()
	env := map[string]string{"SAMO_DATA_DIR": data}

	code, out, errOut := runSamo(t, env, "incidents", "list")
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "ip:198.51.100.9") {
		t.Fatalf("list = %d %q %q", code, out, errOut)
	}
	code, out, _ = runSamo(t, env, "incidents", "show", id, "--json")
	var inc incident.Incident
	if err := json.Unmarshal([]byte(out), &inc); code != 0 || err != nil || inc.ID != id || len(inc.Actions) == 0 {
		t.Fatalf("show --json = %d %v %+v", code, err, inc)
	}
	if code, out, _ = runSamo(t, env, "incidents", "show", id); code != 0 || !strings.Contains(out, "timeline:") {
		t.Errorf("show = %d %q", code, out)
	}
	steps := []struct {
		args []string
		code int
	}{
		{[]string{"resolve", id}, 2},                  // no resolution
		{[]string{"resolve", "--resolution", "x"}, 2}, // no id
		{[]string{"acknowledge", id}, 0},
		{[]string{"resolve", id, "--resolution", "blocked at the edge"}, 0},
		{[]string{"resolve", id, "--resolution", "again"}, 1}, // resolved is final
		{[]string{"show", "inc_missing"}, 1},
		{[]string{"list", "--status", "closed"}, 2},
		{[]string{"purge"}, 2},
	}
	for _, s := range steps {
		if code, _, errOut := runSamo(t, env, append([]string{"incidents"}, s.args...)...); code != s.code {
			t.Errorf("samo incidents %v = %d, want %d (%s)", s.args, code, s.code, errOut)
		}
	}
	code, out, _ = runSamo(t, env, "incidents", "list", "--status", "resolved", "--json")
	var resolved []incident.Incident
	if err := json.Unmarshal([]byte(out), &resolved); code != 0 || err != nil || len(resolved) != 1 || resolved[0].Resolution != "blocked at the edge" {
		t.Errorf("resolved list = %d %v %+v", code, err, resolved)
	}
	if code, out, _ = runSamo(t, env, "incidents", "list"); code != 0 || strings.Contains(out, id) {
		t.Errorf("open list still shows the resolved incident: %q", out)
	}
	// The resolution was recorded as a security event.
	st, err = store.Open(ctx, "", data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.ListEvents(ctx, secevent.Filter{Types: []secevent.Type{incident.EventResolved}})
	if err != nil || len(evs) != 1 || evs[0].Details["by"] != actor() {
		t.Errorf("incident_resolved events = %+v, %v", evs, err)
	}
}

// `samo incidents open` runs the severity's playbook like the API: a
// critical incident blocks its source address in the shared store.
func TestIncidentsOpenRunsPlaybook(t *testing.T) {
	data := t.TempDir()
	st, err := store.Open(context.Background(), "", data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	env := map[string]string{"SAMO_DATA_DIR": data}
	code, out, errOut := runSamo(t, env, "incidents", "open", "--type", "stolen_laptop", "--severity", "critical",
		"--description", "an admin laptop was stolen", "--source", "ip:203.0.113.5", "--json")
	var inc incident.Incident
	if err := json.Unmarshal([]byte(out), &inc); code != 0 || err != nil {
		t.Fatalf("open = %d %v %q %q", code, err, out, errOut)
	}
	outcome := map[string]string{}
	for _, a := range inc.Actions {
		name, _, _ := strings.Cut(a.Action, " ")
		outcome[name] = a.Outcome
	}
	if !strings.HasPrefix(outcome["block_ip"], "ok") || !strings.HasPrefix(outcome["alert"], "skipped") {
		t.Errorf("timeline %v; want the block applied and the alert skipped (no webhook)", outcome)
	}
	if code, out, _ := runSamo(t, env, "ip", "list"); code != 0 || !strings.Contains(out, "203.0.113.5") {
		t.Errorf("ip list after a critical incident = %d %q; want the source blocked", code, out)
	}
	for _, bad := range [][]string{
		{"open", "--type", "x", "--severity", "urgent", "--description", "d"},
		{"open", "--type", "x", "--severity", "high"},
	} {
		if code, _, _ := runSamo(t, env, append([]string{"incidents"}, bad...)...); code != 2 {
			t.Errorf("samo incidents %v = %d, want 2", bad, code)
		}
	}
}
