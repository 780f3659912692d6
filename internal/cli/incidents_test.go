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
	evs, err := st.ListEvents(ctx, store.EventFilter{Types: []secevent.Type{incident.EventResolved}})
	if err != nil || len(evs) != 1 || !strings.HasPrefix(evs[0].Details["by"], "cli") {
		t.Errorf("incident_resolved events = %+v, %v", evs, err)
	}
}
