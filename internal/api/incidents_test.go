package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
)

func TestIncidentLifecycleOverHTTP(t *testing.T) {
	e := newSecEnv(t, rbac.RoleAdmin)
	rec := e.do(t, http.MethodPost, "/v1/admin/incidents", `{"type":"data_exfiltration","severity":"high","description":"bulk export by key_x","source":"key:key_x"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("open: %d %s", rec.Code, rec.Body)
	}
	inc := decode[incident.Incident](t, rec)
	// Opened by the admin, then the high playbook ran (alert, watch the source).
	if inc.Status != incident.StatusOpen || len(inc.Actions) != 3 || inc.Actions[0].Actor != "admin:alice" ||
		inc.Actions[1].Actor != "playbook:high" || inc.Actions[2].Actor != "playbook:high" {
		t.Errorf("opened incident = %+v", inc)
	}
	base := "/v1/admin/incidents/" + inc.ID
	steps := []struct {
		name, method, path, body string
		code                     int
	}{
		{"add action", http.MethodPost, base + "/actions", `{"action":"rotated the key","outcome":"old key revoked"}`, 201},
		{"action without text", http.MethodPost, base + "/actions", `{"outcome":"x"}`, 400},
		{"acknowledge", http.MethodPost, base + "/acknowledge", "", 200},
		{"acknowledge twice", http.MethodPost, base + "/acknowledge", "", 409},
		{"acknowledge with a body field", http.MethodPost, base + "/acknowledge", `{"by":"mallory"}`, 400},
		{"resolve without resolution", http.MethodPost, base + "/resolve", `{}`, 400},
		{"resolve with a terminal escape", http.MethodPost, base + "/resolve", `{"resolution":"done\u001b[2J"}`, 400},
		{"resolve", http.MethodPost, base + "/resolve", `{"resolution":"key rotated, customer informed"}`, 200},
		{"resolve twice", http.MethodPost, base + "/resolve", `{"resolution":"again"}`, 409},
		{"unknown incident", http.MethodGet, "/v1/admin/incidents/inc_nope", "", 404},
		{"resolve unknown", http.MethodPost, "/v1/admin/incidents/inc_nope/resolve", `{"resolution":"x"}`, 404},
	}
	for _, s := range steps {
		if rec := e.do(t, s.method, s.path, s.body); rec.Code != s.code {
			t.Errorf("%s: %d, want %d (%s)", s.name, rec.Code, s.code, rec.Body)
		}
	}
	got := decode[incident.Incident](t, e.do(t, http.MethodGet, base, ""))
	if got.Status != incident.StatusResolved || got.Resolution != "key rotated, customer informed" || got.AcknowledgedAt == nil {
		t.Errorf("incident = %+v", got)
	}
	var actions []string
	for _, a := range got.Actions {
		actions = append(actions, a.Action)
	}
	if strings.Join(actions, ",") != "opened,alert,watch key:key_x,rotated the key,acknowledged,resolved" {
		t.Errorf("timeline = %v", actions)
	}
	// Admin actions are security events, with the admin as principal.
	var resolved []secevent.Event
	for _, ev := range e.events.Events() {
		if ev.Type == incident.EventResolved {
			resolved = append(resolved, ev)
		}
	}
	if len(resolved) != 1 || resolved[0].UserID != "usr_admin" || resolved[0].Details["incident_id"] != inc.ID {
		t.Errorf("incident_resolved events = %+v", resolved)
	}
}

func TestIncidentListAndReport(t *testing.T) {
	e := newSecEnv(t, rbac.RoleAdmin)
	var ids []string
	for _, sev := range []string{"low", "high", "critical"} {
		rec := e.do(t, http.MethodPost, "/v1/admin/incidents", `{"type":"manual","severity":"`+sev+`","description":"d"}`)
		if rec.Code != http.StatusCreated {
			t.Fatal(rec.Body)
		}
		ids = append(ids, decode[incident.Incident](t, rec).ID)
	}
	if rec := e.do(t, http.MethodPost, "/v1/admin/incidents/"+ids[0]+"/resolve", `{"resolution":"noise"}`); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	tests := []struct {
		query string
		want  int
	}{
		{"", 3},
		{"?status=open", 2},
		{"?status=open,acknowledged&severity=critical", 1},
		{"?severity=low", 1},
	}
	for _, tt := range tests {
		rec := e.do(t, http.MethodGet, "/v1/admin/incidents"+tt.query, "")
		if got := len(decode[incidentsResponse](t, rec).Incidents); rec.Code != 200 || got != tt.want {
			t.Errorf("list%s = %d (%d), want %d", tt.query, got, rec.Code, tt.want)
		}
	}
	page := decode[incidentsResponse](t, e.do(t, http.MethodGet, "/v1/admin/incidents?limit=2", ""))
	rest := decode[incidentsResponse](t, e.do(t, http.MethodGet, "/v1/admin/incidents?limit=2&cursor="+page.NextCursor, ""))
	if len(page.Incidents) != 2 || page.NextCursor == "" || len(rest.Incidents) != 1 || rest.NextCursor != "" {
		t.Errorf("pages: %d (+%q), %d (+%q)", len(page.Incidents), page.NextCursor, len(rest.Incidents), rest.NextCursor)
	}
	for _, q := range []string{"?status=closed", "?severity=urgent", "?limit=501", "?cursor=x"} {
		if rec := e.do(t, http.MethodGet, "/v1/admin/incidents"+q, ""); rec.Code != http.StatusBadRequest {
			t.Errorf("list%s = %d, want 400", q, rec.Code)
		}
	}
	e.clock.Advance(time.Minute)
	rep := decode[incident.Report](t, e.do(t, http.MethodGet, "/v1/admin/incidents/report", ""))
	if rep.Total != 3 || rep.Resolved != 1 || rep.Open != 2 || rep.TimeToResolve.Count != 1 {
		t.Errorf("report = %+v", rep)
	}
	if rec := e.do(t, http.MethodPost, "/v1/admin/incidents", `{"type":"manual","severity":"severe","description":"d"}`); rec.Code != http.StatusBadRequest ||
		!strings.Contains(rec.Body.String(), "severity must be") {
		t.Errorf("bad severity: %d %s", rec.Code, rec.Body)
	}
}
