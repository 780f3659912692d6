package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/apikey"
	"github.com/samo-brain/samo/internal/dashboard"
	"github.com/samo-brain/samo/internal/secevent"
)

// sameOrigin marks a request as a browser's same-origin form post.
var sameOrigin = map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}

// noIDS keeps intrusion detection from blocking the test client while a
// test deliberately provokes refusals.
var noIDS = map[string]string{"IDS_BLOCK_THRESHOLD": "60000", "IDS_REQUESTS_PER_MINUTE": "60000"}

func TestRoutesWithoutSessionRedirectToSignIn(t *testing.T) {
	e := newEnv(t, noIDS)
	for _, rt := range e.routes() {
		if rt.Perm == "" {
			continue
		}
		r := req{method: rt.Method, path: concrete(rt.Pattern), header: sameOrigin}
		if rt.Method == http.MethodPost {
			r.form = url.Values{}
		}
		rec := e.do(r)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/login" {
			t.Errorf("%s %s without session: status %d Location %q, want 303 to /dashboard/login",
				rt.Method, rt.Pattern, rec.Code, rec.Header().Get("Location"))
		}
	}
	// A cookie that names no session is the same as none.
	bogus := &http.Cookie{Name: "samo_session", Value: strings.Repeat("A", 43)}
	rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: bogus})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard/login?m=expired" {
		t.Errorf("unknown session id: status %d Location %q, want 303 to /dashboard/login?m=expired", rec.Code, rec.Header().Get("Location"))
	}
}

func TestPublicRoutes(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range []struct {
		path, ctype string
	}{
		{"/dashboard/login", "text/html; charset=utf-8"},
		{"/dashboard/static/app.css", "text/css; charset=utf-8"},
	} {
		rec := e.do(req{method: http.MethodGet, path: c.path})
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != c.ctype {
			t.Errorf("GET %s: status %d, type %q; want 200 %q", c.path, rec.Code, rec.Header().Get("Content-Type"), c.ctype)
		}
	}
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard"}); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/dashboard/" {
		t.Errorf("GET /dashboard: status %d Location %q, want 301 to /dashboard/", rec.Code, rec.Header().Get("Location"))
	}
}

func TestRolesPerRoute(t *testing.T) {
	e := newEnv(t, noIDS)
	sessions := map[string]*http.Cookie{"admin": e.signIn(e.admin), "analyst": e.signIn(e.analyst)}
	for _, rt := range e.routes() {
		if rt.Perm == "" {
			continue
		}
		for _, role := range []string{"analyst", "admin"} {
			r := req{method: rt.Method, path: concrete(rt.Pattern), cookie: sessions[role], header: sameOrigin}
			if rt.Method == http.MethodPost {
				r.form = url.Values{}
			}
			rec := e.do(r)
			wantForbidden := role == "analyst" && rt.Perm == "admin"
			gotForbidden := rec.Code == http.StatusForbidden
			if gotForbidden != wantForbidden {
				t.Errorf("%s %s as %s: status %d, want forbidden=%v", rt.Method, rt.Pattern, role, rec.Code, wantForbidden)
			}
			if loc := rec.Header().Get("Location"); strings.HasPrefix(loc, "/dashboard/login") {
				t.Errorf("%s %s as %s: sent to sign-in (%q); the session should have been accepted", rt.Method, rt.Pattern, role, loc)
			}
		}
	}
	// The analyst's session survives its refusals.
	if rec := e.do(req{method: http.MethodGet, path: "/dashboard/", cookie: sessions["analyst"]}); rec.Code != http.StatusOK {
		t.Errorf("analyst overview after refusals: status %d, want 200", rec.Code)
	}
}

func TestAnalystSeesNoAdminControls(t *testing.T) {
	e := newEnv(t, noIDS)
	if err := e.app.IDS.Block(context.Background(), mustAddr(t, "203.0.113.50"), time.Hour, "test block", "tester"); err != nil {
		t.Fatal(err)
	}
	c := e.signIn(e.analyst)
	for _, path := range []string{"/dashboard/", "/dashboard/offenders", "/dashboard/incidents", "/dashboard/events"} {
		body := e.do(req{method: http.MethodGet, path: path, cookie: c}).Body.String()
		for _, marker := range []string{`action="/dashboard/offenders/block"`, `action="/dashboard/offenders/unblock"`, `href="/dashboard/keys"`, "/resolve", "/revoke"} {
			if strings.Contains(body, marker) {
				t.Errorf("analyst page %s contains admin control %q", path, marker)
			}
		}
	}
	admin := e.do(req{method: http.MethodGet, path: "/dashboard/offenders", cookie: e.signIn(e.admin)}).Body.String()
	if !strings.Contains(admin, `action="/dashboard/offenders/unblock"`) {
		t.Error("admin offenders page has no unblock control (the marker test above would prove nothing)")
	}
}

func TestUserKeyRefused(t *testing.T) {
	e := newEnv(t, nil)
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {e.user}}})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("user key sign-in: status %d, want 403", rec.Code)
	}
	if !strings.Contains(rec.Body.String(), "belongs to a user account") {
		t.Errorf("user key sign-in: no clear refusal in the page: %s", rec.Body)
	}
	if sc := rec.Header().Values("Set-Cookie"); len(sc) != 0 {
		t.Errorf("user key sign-in set cookies: %v", sc)
	}
	waitEvent(t, e, secevent.PermissionDenied, "dashboard")
}

func TestSignInFailures(t *testing.T) {
	e := newEnv(t, nil)
	revoked, revokedID := e.key("gone", "analyst")
	if err := e.app.Keys.Revoke(context.Background(), revokedID); err != nil {
		t.Fatal(err)
	}
	unknown, err := apikey.Generate(32)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, key, remote string }{
		{"empty", "", "198.51.100.1:1"},
		{"malformed", "samo_nope", "198.51.100.2:1"},
		{"unknown", unknown, "198.51.100.3:1"},
		{"revoked", revoked, "198.51.100.4:1"},
	}
	for _, c := range cases {
		rec := e.do(req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {c.key}}, remote: c.remote})
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", c.name, rec.Code)
		}
		if sc := rec.Header().Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("%s: cookies set on failure: %v", c.name, sc)
		}
		if c.key != "" && strings.Contains(rec.Body.String(), c.key) {
			t.Errorf("%s: the presented key was echoed", c.name)
		}
	}
	if got := waitEvents(t, e, secevent.AuthFailure, "dashboard", len(cases)); got < len(cases) {
		t.Errorf("auth_failure events from the dashboard: %d, want %d", got, len(cases))
	}
	// Repeated failures from one address are intrusion signals, as on the
	// API: the address ends up blocked (403 ip_blocked from the global
	// chain) or out of its failure budget (429).
	attacker := "198.51.100.77:1"
	stopped := 0
	for i := 0; i < 40 && stopped == 0; i++ {
		rec := e.do(req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {unknown}}, remote: attacker})
		if rec.Code == http.StatusForbidden || rec.Code == http.StatusTooManyRequests {
			stopped = rec.Code
		}
	}
	if stopped == 0 {
		t.Fatal("40 failed sign-ins from one address were neither blocked nor throttled")
	}
	if _, blocked, _ := e.app.IDS.Check(context.Background(), mustAddr(t, "198.51.100.77")); !blocked {
		t.Errorf("after repeated failed sign-ins (stopped with %d) the address is not blocked by intrusion detection", stopped)
	}
}

func TestCrossOriginPostsRefused(t *testing.T) {
	e := newEnv(t, noIDS)
	c := e.signIn(e.admin)
	block := url.Values{"ip": {"203.0.113.9"}, "duration": {"1h"}, "reason": {"csrf test"}}
	cases := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"cross-site fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same-site fetch metadata", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"foreign Origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"null Origin", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"same origin", sameOrigin, http.StatusSeeOther},
	}
	for _, tc := range cases {
		rec := e.do(req{method: http.MethodPost, path: "/dashboard/offenders/block", cookie: c, form: block, header: tc.header})
		if rec.Code != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, rec.Code, tc.want)
		}
		_, blocked, _ := e.app.IDS.Check(context.Background(), mustAddr(t, "203.0.113.9"))
		if blocked != (tc.want == http.StatusSeeOther) {
			t.Errorf("%s: address blocked = %v after the request", tc.name, blocked)
		}
	}
	// Sign-in is a state change too (login CSRF).
	rec := e.do(req{method: http.MethodPost, path: "/dashboard/login", form: url.Values{"key": {e.admin}},
		header: map[string]string{"Sec-Fetch-Site": "cross-site"}})
	if rec.Code != http.StatusForbidden || len(rec.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("cross-site sign-in: status %d cookies %v, want 403 and none", rec.Code, rec.Header().Values("Set-Cookie"))
	}
	waitEvent(t, e, dashboard.EventCrossOrigin, "dashboard")
}

func TestStateChangesArePostOnly(t *testing.T) {
	e := newEnv(t, noIDS)
	c := e.signIn(e.admin)
	gets := map[string]bool{}
	for _, rt := range e.routes() {
		if rt.Method == http.MethodGet {
			gets[rt.Pattern] = true
		}
	}
	for _, rt := range e.routes() {
		if rt.Method != http.MethodPost || gets[rt.Pattern] {
			continue
		}
		rec := e.do(req{method: http.MethodGet, path: concrete(rt.Pattern) + "?ip=203.0.113.9&duration=1h", cookie: c})
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404 (state changes only accept POST)", rt.Pattern, rec.Code)
		}
	}
	if _, blocked, _ := e.app.IDS.Check(context.Background(), mustAddr(t, "203.0.113.9")); blocked {
		t.Error("a GET blocked an address")
	}
}

// waitEvent waits until an event of type t with details surface=surface is
// stored.
func waitEvent(t *testing.T, e *env, typ secevent.Type, surface string) {
	t.Helper()
	if waitEvents(t, e, typ, surface, 1) < 1 {
		t.Errorf("no %s event with surface=%s was stored", typ, surface)
	}
}

func waitEvents(t *testing.T, e *env, typ secevent.Type, surface string, want int) int {
	t.Helper()
	got := 0
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		evs, err := e.app.Store.ListEvents(context.Background(), secevent.Filter{Types: []secevent.Type{typ}, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		got = 0
		for _, ev := range evs {
			if ev.Details["surface"] == surface {
				got++
			}
		}
		if got >= want {
			break
		}
	}
	return got
}
