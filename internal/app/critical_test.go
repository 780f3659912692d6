package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
)

type incidentJSON struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Severity string `json:"severity"`
	Source   string `json:"source"`
	Actions  []struct {
		Action  string `json:"action"`
		Actor   string `json:"actor"`
		Outcome string `json:"outcome"`
	} `json:"actions"`
}

// waitIncident polls the admin API until an incident of type typ exists
// (events reach incidents asynchronously, through the pipeline), and
// returns it with its timeline.
func (ta *testApp) waitIncident(admin, typ string) incidentJSON {
	ta.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var list struct{ Incidents []incidentJSON }
		_ = json.Unmarshal(ta.do(http.MethodGet, "/v1/admin/incidents", admin, nil).Body.Bytes(), &list)
		for _, inc := range list.Incidents {
			if inc.Type == typ {
				var full incidentJSON
				_ = json.Unmarshal(ta.do(http.MethodGet, "/v1/admin/incidents/"+inc.ID, admin, nil).Body.Bytes(), &full)
				// opened + the playbook: critical block, suspend, alert;
				// high alert, watch.
				if n := len(full.Actions); n >= 4 || n >= 3 && full.Severity == "high" {
					return full
				}
			}
		}
	}
	ta.t.Fatalf("no %s incident with a playbook appeared", typ)
	return incidentJSON{}
}

func outcomes(inc incidentJSON) map[string]string {
	m := map[string]string{}
	for _, a := range inc.Actions {
		name, _, _ := strings.Cut(a.Action, " ")
		m[name] = a.Outcome
	}
	return m
}

// The first reuse of a refresh token in a live family is critical: the
// incident playbook suspends the key; the presenter's address is not
// blocked (it may be the victim).
func TestRefreshReuseIsCriticalOverHTTP(t *testing.T) {
	ta := newTestApp(t, nil)
	admin := ta.key("sec", rbac.RoleAdmin)
	key := ta.key("tess", rbac.RoleUser)
	p := decodePair(t, ta.doFrom("198.51.100.20", http.MethodPost, "/v1/auth/token", key, nil))
	decodePair(t, ta.doFrom("198.51.100.20", http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": p.RefreshToken}))
	if rec := ta.doFrom("198.51.100.20", http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": p.RefreshToken}); rec.Code != 401 {
		t.Fatalf("reuse: %d", rec.Code)
	}
	inc := ta.waitIncident(admin, string(secevent.TokenReuse))
	got := outcomes(inc)
	if inc.Severity != "critical" || !strings.HasPrefix(got["suspend_key"], "ok") || !strings.HasPrefix(got["block_ip"], "skipped") {
		t.Errorf("incident %s %s, timeline %v; want critical, key suspended, no block", inc.Severity, inc.Source, got)
	}
	if rec := ta.doFrom("198.51.100.20", http.MethodGet, "/v1/predictions", key, nil); rec.Code != 401 {
		t.Errorf("the suspended key: %d, want 401", rec.Code)
	}
	other := ta.key("ola", rbac.RoleUser)
	if rec := ta.doFrom("198.51.100.20", http.MethodGet, "/v1/predictions", other, nil); rec.Code != 200 {
		t.Errorf("another key from the presenter's address: %d, want 200 (not blocked)", rec.Code)
	}
	evs, err := ta.Store.ListEvents(context.Background(), eventFilter(secevent.TokenReuse))
	if err != nil || len(evs) != 1 || evs[0].Severity != secevent.Critical || evs[0].ClientIP != "" || evs[0].Details["presenter_ip"] != "198.51.100.20" {
		t.Errorf("token_reuse events %+v, %v", evs, err)
	}
}

// A stored ciphertext changed in the database is refused on read and
// raises a critical ciphertext_tampered event naming the record, whose
// incident alerts without blocking the reader.
func TestTamperedCiphertextIsCriticalOverHTTP(t *testing.T) {
	ta := newTestApp(t, nil)
	admin := ta.key("sec", rbac.RoleAdmin)
	key := ta.key("ivy", rbac.RoleUser)
	rec := ta.do(http.MethodPost, "/v1/predict", key, map[string]any{"text": "a calm evening"})
	var p struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != 200 {
		t.Fatalf("predict: %d %s", rec.Code, rec.Body)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(ta.dataDir, "samo.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sealed []byte
	if err := db.QueryRow(`SELECT text_sealed FROM predictions WHERE id = ?`, p.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := db.Exec(`UPDATE predictions SET text_sealed = ? WHERE id = ?`, sealed, p.ID); err != nil {
		t.Fatal(err)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions/"+p.ID, key, nil); rec.Code != 500 || strings.Contains(rec.Body.String(), "authentication") {
		t.Errorf("reading the tampered record: %d %s; want a plain 500", rec.Code, rec.Body)
	}
	inc := ta.waitIncident(admin, string(secevent.CiphertextTampered))
	got := outcomes(inc)
	if inc.Severity != "critical" || inc.Source != "type:ciphertext_tampered" || !strings.HasPrefix(got["block_ip"], "skipped") || !strings.HasPrefix(got["suspend_key"], "skipped") {
		t.Errorf("incident %s %s, timeline %v", inc.Severity, inc.Source, got)
	}
	evs, _ := ta.Store.ListEvents(context.Background(), eventFilter(secevent.CiphertextTampered))
	if len(evs) != 1 || evs[0].Details["prediction_id"] != p.ID {
		t.Errorf("ciphertext_tampered events %+v", evs)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions", key, nil); rec.Code == 200 && strings.Contains(rec.Body.String(), "calm") {
		t.Error("the tampered text was shown")
	}
}

// Brute force resuming right after its block ended is critical, and the
// critical playbook blocks the address for 24 hours.
func TestBruteForceAfterBlockIsCriticalOverHTTP(t *testing.T) {
	clk := &clock{t: time.Now()}
	ta := newGatewayApp(t, nil, Options{Predictor: fakeModel{}, Now: clk.Now})
	admin := ta.key("sec", rbac.RoleAdmin)
	const attacker = "203.0.113.66"
	for range 13 { // > 5 failures: brute_force (high); 10 points: blocked 15 min
		ta.doFrom(attacker, http.MethodGet, "/v1/predictions", "samo_wrong", nil)
	}
	if rec := ta.doFrom(attacker, http.MethodGet, "/v1/metrics", "", nil); rec.Code != 403 {
		t.Fatalf("after 13 failures: %d, want 403 (blocked)", rec.Code)
	}
	first := ta.waitIncident(admin, string(secevent.BruteForce))
	if first.Severity != "high" {
		t.Fatalf("first brute force incident is %s, want high", first.Severity)
	}
	if rec := ta.do(http.MethodPost, "/v1/admin/incidents/"+first.ID+"/resolve", admin, map[string]string{"resolution": "blocked automatically"}); rec.Code != 200 {
		t.Fatalf("resolve: %d %s", rec.Code, rec.Body)
	}
	clk.Advance(16 * time.Minute)
	for deadline := time.Now().Add(5 * time.Second); ta.doFrom(attacker, http.MethodGet, "/v1/metrics", "", nil).Code == 403 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond) // the block list refreshes on the fake clock
		clk.Advance(time.Second)
	}
	for range 6 {
		ta.doFrom(attacker, http.MethodGet, "/v1/predictions", "samo_wrong", nil)
	}
	var crit incidentJSON
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && len(crit.Actions) < 4; time.Sleep(20 * time.Millisecond) {
		var list struct{ Incidents []incidentJSON }
		_ = json.Unmarshal(ta.do(http.MethodGet, "/v1/admin/incidents", admin, nil).Body.Bytes(), &list)
		for _, inc := range list.Incidents {
			if inc.Severity == "critical" {
				_ = json.Unmarshal(ta.do(http.MethodGet, "/v1/admin/incidents/"+inc.ID, admin, nil).Body.Bytes(), &crit)
			}
		}
	}
	if got := outcomes(crit); crit.ID == "" || !strings.HasPrefix(got["block_ip"], "ok") {
		t.Fatalf("critical incident %+v; want the critical playbook's 24 h block", crit)
	}
	b, blocked, _ := ta.IDS.Check(context.Background(), mustParseAddr(t, attacker))
	if !blocked || b.Until.Sub(clk.Now()) < 23*time.Hour {
		t.Errorf("block after resumed brute force: %+v %v; want about 24 h", b, blocked)
	}
}

// Incidents opened through the API run their severity's playbook: a
// critical one blocks the source address, a high one watches it, and a
// watched address is blocked after half the injections another may send.
func TestManualIncidentPlaybooksOverHTTP(t *testing.T) {
	ta := newTestApp(t, nil)
	admin := ta.key("sec", rbac.RoleAdmin)
	user := ta.key("uli", rbac.RoleUser)
	open := func(sev, source string) incidentJSON {
		rec := ta.do(http.MethodPost, "/v1/admin/incidents", admin, map[string]string{"type": "manual_report", "severity": sev,
			"description": "reported by the support team", "source": source})
		var inc incidentJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &inc); err != nil || rec.Code != 201 {
			t.Fatalf("open %s: %d %s", sev, rec.Code, rec.Body)
		}
		return inc
	}
	crit := open("critical", "ip:203.0.113.77")
	if got := outcomes(crit); !strings.HasPrefix(got["block_ip"], "ok") || !strings.HasPrefix(got["suspend_key"], "skipped") {
		t.Errorf("critical timeline %v", got)
	}
	if rec := ta.doFrom("203.0.113.77", http.MethodGet, "/v1/metrics", "", nil); rec.Code != 403 {
		t.Errorf("source of the critical incident: %d, want 403", rec.Code)
	}
	high := open("high", "ip:198.51.100.88")
	if got := outcomes(high); !strings.HasPrefix(got["watch"], "ok") {
		t.Errorf("high timeline %v; want the watch applied", got)
	}
	inject := map[string]any{"text": "<script>alert(1)</script>"}
	for range 3 {
		ta.doFrom("198.51.100.88", http.MethodPost, "/v1/predict", user, inject)
		ta.doFrom("198.51.100.89", http.MethodPost, "/v1/predict", user, inject)
	}
	if rec := ta.doFrom("198.51.100.88", http.MethodGet, "/v1/metrics", "", nil); rec.Code != 403 {
		t.Errorf("watched address after 3 injections: %d, want 403 (blocked)", rec.Code)
	}
	if rec := ta.doFrom("198.51.100.89", http.MethodGet, "/v1/metrics", "", nil); rec.Code != 401 {
		t.Errorf("unwatched address after 3 injections: %d, want 401 (not blocked, no key)", rec.Code)
	}
	keyed := open("critical", "key:"+keyID(t, ta, user))
	if got := outcomes(keyed); !strings.HasPrefix(got["suspend_key"], "ok") {
		t.Errorf("critical key timeline %v", got)
	}
	if rec := ta.doFrom("192.0.2.99", http.MethodGet, "/v1/predictions", user, nil); rec.Code != 401 {
		t.Errorf("the suspended key: %d, want 401", rec.Code)
	}
}

func eventFilter(typ secevent.Type) secevent.Filter {
	return secevent.Filter{Types: []secevent.Type{typ}, Limit: 100}
}

func mustParseAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func keyID(t *testing.T, ta *testApp, key string) string {
	t.Helper()
	k, err := ta.Keys.Authenticate(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}
