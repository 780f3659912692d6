package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/alert"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/problem"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/report"
	"github.com/samo-brain/samo/internal/reqctx"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/secevent/seceventtest"
	"github.com/samo-brain/samo/internal/store"
)

// asRole authenticates every request as a user of one role.
type asRole struct{ role rbac.Role }

func (a asRole) Authenticate(*http.Request) (*reqctx.Principal, error) {
	return &reqctx.Principal{UserID: "usr_" + string(a.role), UserName: "alice", Role: a.role, KeyID: "key_test", Method: "api_key"}, nil
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type secEnv struct {
	h      http.Handler
	st     *store.Store
	ids    *ids.Detector
	events *seceventtest.Collector
	clock  *testClock
}

func newSecEnv(t *testing.T, role rbac.Role) *secEnv {
	t.Helper()
	return newSecEnvBlocks(t, role, func(st *store.Store) ids.BlockStore { return st })
}

// newSecEnvBlocks is newSecEnv with the detector's block store chosen from
// the SQL store (itself, or one in process memory).
func newSecEnvBlocks(t *testing.T, role rbac.Role, blocks func(*store.Store) ids.BlockStore) *secEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "", t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &secEnv{st: st, events: &seceventtest.Collector{}, clock: &testClock{t: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)}}
	cfg := ids.DefaultConfig()
	cfg.Allowlist = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	if e.ids, err = ids.New(cfg, blocks(st), e.events, e.clock.Now); err != nil {
		t.Fatal(err)
	}
	incs := incident.NewService(incident.Deps{Store: st, Blocker: e.ids, Events: e.events, Now: e.clock.Now})
	outbox, err := alert.NewOutbox(alert.Config{URL: "https://alerts.invalid/hook"}, st, nil, nil, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	a := New(Deps{Auth: asRole{role}, Events: e.events, Now: e.clock.Now, Users: st, Security: SecurityDeps{
		Events: st, IDS: e.ids, Allowlist: cfg.Allowlist, Incidents: incs,
		Reports: report.NewBuilder(st, incs, e.clock.Now), Alerts: outbox, Shed: func() int64 { return 4 },
	}})
	if e.h, err = a.Handler(); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *secEnv) do(t *testing.T, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decoding %s: %v", rec.Body.String(), err)
	}
	return v
}

func (e *secEnv) seed(t *testing.T) {
	t.Helper()
	now := e.clock.Now()
	var es []secevent.Event
	for i, sev := range []secevent.Severity{secevent.Low, secevent.Medium, secevent.Medium, secevent.High, secevent.Critical} {
		es = append(es, secevent.Event{ID: "evt_" + string(rune('a'+i)), Type: secevent.AuthFailure, Severity: sev,
			Time: now.Add(-time.Duration(i+1) * time.Minute), ClientIP: "203.0.113.7", Details: map[string]string{"reason": "unknown_key"}})
	}
	es = append(es, secevent.Event{ID: "evt_old", Type: secevent.BruteForce, Severity: secevent.High, Time: now.Add(-2 * time.Hour), ClientIP: "198.51.100.1"})
	if err := e.st.WriteEvents(context.Background(), es); err != nil {
		t.Fatal(err)
	}
}

func TestSecurityRoutesNeedAdmin(t *testing.T) {
	e := newSecEnv(t, rbac.RoleAnalyst)
	for _, rt := range (&API{}).securityRoutes() {
		path := strings.NewReplacer("{id}", "inc_x", "{ip}", "192.0.2.1").Replace(rt.Pattern)
		if rec := e.do(t, rt.Method, path, ""); rec.Code != http.StatusForbidden {
			t.Errorf("%s %s as analyst = %d, want 403", rt.Method, path, rec.Code)
		}
	}
}

func TestSecurityEventsFilterAndPage(t *testing.T) {
	e := newSecEnv(t, rbac.RoleAdmin)
	e.seed(t)
	since := url.QueryEscape(e.clock.Now().Add(-time.Hour).Format(time.RFC3339))
	tests := []struct {
		name, query string
		want        []string
	}{
		{"all, newest first", "", []string{"evt_a", "evt_b", "evt_c", "evt_d", "evt_e", "evt_old"}},
		{"severity list", "?severity=high,critical", []string{"evt_d", "evt_e", "evt_old"}},
		{"type", "?type=brute_force", []string{"evt_old"}},
		{"since", "?since=" + since, []string{"evt_a", "evt_b", "evt_c", "evt_d", "evt_e"}},
		{"ip", "?ip=198.51.100.1", []string{"evt_old"}},
		{"ip mapped form", "?ip=::ffff:198.51.100.1", []string{"evt_old"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(t, http.MethodGet, "/v1/admin/security/events"+tt.query, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var got []string
			for _, ev := range decode[eventsResponse](t, rec).Events {
				got = append(got, ev.ID)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("events = %v, want %v", got, tt.want)
			}
		})
	}
	// Paging by 4 walks every event once.
	var seen []string
	next := ""
	for page := 0; page < 5; page++ {
		q := "?limit=4"
		if next != "" {
			q += "&cursor=" + next
		}
		resp := decode[eventsResponse](t, e.do(t, http.MethodGet, "/v1/admin/security/events"+q, ""))
		for _, ev := range resp.Events {
			seen = append(seen, ev.ID)
		}
		if next = resp.NextCursor; next == "" {
			break
		}
	}
	if strings.Join(seen, ",") != "evt_a,evt_b,evt_c,evt_d,evt_e,evt_old" {
		t.Errorf("paged events = %v", seen)
	}
}

func TestSecurityEventsRejectsBadQueries(t *testing.T) {
	e := newSecEnv(t, rbac.RoleAdmin)
	tests := []struct {
		name, query string
		fields      []string
	}{
		{"severity", "?severity=urgent", []string{"severity"}},
		{"type", "?type=Auth%20Failure", []string{"type"}},
		{"time", "?since=yesterday&until=2026-13-01T00:00:00Z", []string{"since", "until"}},
		{"reversed", "?since=2026-07-02T00:00:00Z&until=2026-07-01T00:00:00Z", []string{"until"}},
		{"ip", "?ip=999.1.1.1", []string{"ip"}},
		{"limit", "?limit=0", []string{"limit"}},
		{"cursor", "?cursor=%27%20OR%201%3D1", []string{"cursor"}},
		{"unknown", "?sort=at", []string{"sort"}},
		{"repeated", "?severity=low&severity=high", []string{"severity"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(t, http.MethodGet, "/v1/admin/security/events"+tt.query, "")
			if rec.Code != http.StatusBadRequest || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
				t.Fatalf("status %d %s, want a 400 problem", rec.Code, rec.Header().Get("Content-Type"))
			}
			var got []string
			for _, f := range decode[problem.Problem](t, rec).Errors {
				got = append(got, f.Field)
			}
			for _, want := range tt.fields {
				if !strings.Contains(","+strings.Join(got, ",")+",", ","+want+",") {
					t.Errorf("fields = %v, want %s among them", got, want)
				}
			}
		})
	}
}

func TestSecurityStatus(t *testing.T) {
	e := newSecEnv(t, rbac.RoleAdmin)
	e.seed(t)
	if rec := e.do(t, http.MethodPost, "/v1/admin/ip-blocks", `{"ip":"203.0.113.7","duration":"1h","reason":"probing"}`); rec.Code != http.StatusCreated {
		t.Fatalf("block: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(t, http.MethodPost, "/v1/admin/incidents", `{"type":"manual","severity":"critical","description":"look"}`); rec.Code != http.StatusCreated {
		t.Fatalf("open incident: %d %s", rec.Code, rec.Body)
	}
	rec := e.do(t, http.MethodGet, "/v1/admin/security/status", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	s := decode[statusResponse](t, rec)
	if len(s.Blocked) != 1 || s.Blocked[0].IP.String() != "203.0.113.7" {
		t.Errorf("blocked = %+v", s.Blocked)
	}
	wantHour := map[secevent.Severity]int{secevent.Low: 1, secevent.Medium: 2, secevent.High: 1, secevent.Critical: 1}
	for sev, n := range wantHour {
		if s.EventsLastHour[sev] != n {
			t.Errorf("events last hour %s = %d, want %d", sev, s.EventsLastHour[sev], n)
		}
	}
	if s.OpenIncidents.Total != 1 || s.OpenIncidents.BySeverity[secevent.Critical] != 1 || s.EventsShed != 4 ||
		len(s.Allowlist) != 1 || s.Alerts == nil || !s.Alerts.Enabled || len(s.Unavailable) != 0 {
		t.Errorf("status = %+v", s)
	}
}

func TestIPBlocksLifecycle(t *testing.T) {
	e := newSecEnv(t, rbac.RoleAdmin)
	rec := e.do(t, http.MethodPost, "/v1/admin/ip-blocks", `{"ip":"2001:db8::1","duration":"30m","reason":"credential stuffing"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("block: %d %s", rec.Code, rec.Body)
	}
	list := decode[struct {
		Blocks []ids.Block `json:"blocks"`
	}](t, e.do(t, http.MethodGet, "/v1/admin/ip-blocks", ""))
	if len(list.Blocks) != 1 || list.Blocks[0].By != "admin:alice" || list.Blocks[0].Reason != "credential stuffing" {
		t.Fatalf("blocks = %+v", list.Blocks)
	}
	if rec := e.do(t, http.MethodDelete, "/v1/admin/ip-blocks/2001:db8::1", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("unblock: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(t, http.MethodDelete, "/v1/admin/ip-blocks/2001:db8::1", ""); rec.Code != http.StatusNotFound {
		t.Errorf("second unblock = %d, want 404", rec.Code)
	}
	if e.events.Count(secevent.IPBlocked) != 1 || e.events.Count(secevent.IPUnblocked) != 1 {
		t.Errorf("events: %d ip_blocked, %d ip_unblocked; want 1 and 1", e.events.Count(secevent.IPBlocked), e.events.Count(secevent.IPUnblocked))
	}
	tests := []struct {
		name, body string
		code       int
		fields     int
	}{
		{"everything wrong", `{"ip":"nope","duration":"forever","reason":""}`, 400, 3},
		{"forged reason", `{"ip":"192.0.2.1","duration":"1h","reason":"ok\n{\"type\":\"ip_unblocked\"}"}`, 400, 1},
		{"too long", `{"ip":"192.0.2.1","duration":"9000h","reason":"x"}`, 400, 1},
		{"allowlisted", `{"ip":"10.1.2.3","duration":"1h","reason":"x"}`, 409, 0},
		{"unknown field", `{"ip":"192.0.2.1","duration":"1h","reason":"x","by":"someone else"}`, 400, 1},
	}
	for _, tt := range tests {
		rec := e.do(t, http.MethodPost, "/v1/admin/ip-blocks", tt.body)
		if rec.Code != tt.code {
			t.Errorf("%s: status %d, want %d (%s)", tt.name, rec.Code, tt.code, rec.Body)
			continue
		}
		if n := len(decode[problem.Problem](t, rec).Errors); n != tt.fields {
			t.Errorf("%s: %d field errors, want %d", tt.name, n, tt.fields)
		}
	}
	if rec := e.do(t, http.MethodDelete, "/v1/admin/ip-blocks/not-an-ip", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("unblock of a non-address = %d, want 400", rec.Code)
	}
}

func TestSecurityReportFormats(t *testing.T) {
	e := newSecEnv(t, rbac.RoleAdmin)
	e.seed(t)
	tests := []struct {
		format, ctype, contains string
	}{
		{"", "application/json", `"events": 6`},
		{"json", "application/json", `"top_ips"`},
		{"csv", "text/csv; charset=utf-8", "totals,events,,6"},
		{"html", "text/html; charset=utf-8", "<svg"},
	}
	for _, tt := range tests {
		rec := e.do(t, http.MethodGet, "/v1/admin/security/report?format="+tt.format, "")
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != tt.ctype || !strings.Contains(rec.Body.String(), tt.contains) {
			t.Errorf("format %q: %d %q, body lacks %q", tt.format, rec.Code, rec.Header().Get("Content-Type"), tt.contains)
		}
		if tt.format == "html" && rec.Header().Get("Content-Security-Policy") != report.ContentSecurityPolicy() {
			t.Errorf("HTML report CSP = %q", rec.Header().Get("Content-Security-Policy"))
		}
	}
	for _, q := range []string{"?format=pdf", "?from=2026-07-02T00:00:00Z&to=2026-07-01T00:00:00Z", "?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "?to=now"} {
		if rec := e.do(t, http.MethodGet, "/v1/admin/security/report"+q, ""); rec.Code != http.StatusBadRequest {
			t.Errorf("report%s = %d, want 400", q, rec.Code)
		}
	}
}

func TestSecurityAlerts(t *testing.T) {
	e := newSecEnv(t, rbac.RoleAdmin)
	ctx := context.Background()
	if _, err := e.st.EnqueueAlert(ctx, alert.Entry{ID: "evt_1", Kind: alert.KindEvent, Payload: []byte(`{"secret":"payload"}`),
		CreatedAt: e.clock.Now(), NextAt: e.clock.Now()}, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.st.MarkAlertFailed(ctx, "evt_1", 0, "alert: receiver refused delivery: status 503", e.clock.Now(), false, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	rec := e.do(t, http.MethodGet, "/v1/admin/security/alerts?state=pending", "")
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "payload") {
		t.Fatalf("alerts: %d %s (payload must not be listed)", rec.Code, rec.Body)
	}
	got := decode[struct {
		Enabled bool `json:"enabled"`
		Alerts  []struct {
			ID        string `json:"id"`
			State     string `json:"state"`
			LastError string `json:"last_error"`
		} `json:"alerts"`
	}](t, rec)
	if !got.Enabled || len(got.Alerts) != 1 || got.Alerts[0].State != "pending" || !strings.Contains(got.Alerts[0].LastError, "503") {
		t.Errorf("alerts = %+v", got)
	}
	if rec := e.do(t, http.MethodGet, "/v1/admin/security/alerts?state=lost", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("bad state = %d, want 400", rec.Code)
	}
}

// End to end: a hostile detail recorded through the pipeline lands as one
// escaped JSON line in the security log and comes back intact from the API.
func TestLogForgingEndToEnd(t *testing.T) {
	e := newSecEnv(t, rbac.RoleAdmin)
	path := filepath.Join(t.TempDir(), "security.log")
	jl, err := secevent.OpenJSONLog(path)
	if err != nil {
		t.Fatal(err)
	}
	p := secevent.NewPipeline(16, nil, e.clock.Now, e.st, jl)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	forged := "x\n{\"type\":\"admin_login\",\"severity\":\"low\"}\r\n\x1b[2J\u2028"
	p.Record(ctx, secevent.Event{ID: "evt_forge", Type: secevent.InjectionDetected, Severity: secevent.Medium,
		Time: e.clock.Now(), Details: map[string]string{"class": forged}})
	cancel()
	<-done
	jl.Close()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0
	for sc := bufio.NewScanner(f); sc.Scan(); lines++ {
		if strings.ContainsAny(sc.Text(), "\r\x1b\u2028") || !json.Valid(sc.Bytes()) {
			t.Errorf("log line %q is not one escaped JSON record", sc.Text())
		}
	}
	if lines != 1 {
		t.Errorf("log has %d lines, want 1", lines)
	}
	evs := decode[eventsResponse](t, e.do(t, http.MethodGet, "/v1/admin/security/events?type=injection_detected", "")).Events
	if len(evs) != 1 || evs[0].Details["class"] != forged {
		t.Errorf("API returned %+v, want the detail intact", evs)
	}
}

// FuzzDecodeCursor: any cursor a client sends is either refused or decodes
// to a position that encodes back to itself.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(time.Unix(1_700_000_000, 5), "evt_abc"))
	f.Add("")
	f.Add("MTcwMDAwMDAwMDAwMDAwMDAwMC4")
	f.Add("%27%20OR%201%3D1")
	f.Fuzz(func(t *testing.T, s string) {
		at, id, ok := decodeCursor(s)
		if !ok {
			return
		}
		if back := encodeCursor(at, id); back != s {
			at2, id2, ok2 := decodeCursor(back)
			if !ok2 || !at2.Equal(at) || id2 != id {
				t.Fatalf("cursor %q decodes to (%v, %q) which does not round-trip", s, at, id)
			}
		}
	})
}
