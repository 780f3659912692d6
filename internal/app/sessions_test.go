package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/secevent"
	"github.com/samo-brain/samo/internal/testredis"
)

// twoReplicas returns two replicas on one data directory, sharing
// REDIS_URL when redisURL is set.
func twoReplicas(t *testing.T, redisURL string) (a, b *testApp) {
	t.Helper()
	extra := map[string]string{}
	if redisURL != "" {
		extra["REDIS_URL"] = redisURL
	}
	env := testEnv(t, extra)
	return newReplica(t, env, nil), newReplica(t, env, nil)
}

// signIn signs in to the dashboard of ta with key and returns the session
// cookie as a Cookie header value.
func (ta *testApp) signIn(key string) string {
	ta.t.Helper()
	rec := ta.do(http.MethodPost, "/dashboard/login", "", url.Values{"key": {key}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	for _, c := range rec.Result().Cookies() {
		if c.Name == "samo_session" && rec.Code == http.StatusSeeOther {
			return c.Name + "=" + c.Value
		}
	}
	ta.t.Fatalf("dashboard sign-in: %d, no session cookie", rec.Code)
	return ""
}

// TestDashboardSessionAcrossReplicas: with REDIS_URL a dashboard session
// opened on one replica works on another, and signing out on either ends
// it on both; without Redis each replica keeps its own sessions, so the
// other replica sends the browser to sign in.
func TestDashboardSessionAcrossReplicas(t *testing.T) {
	run := func(t *testing.T, redisURL string) {
		a, b := twoReplicas(t, redisURL)
		cookie := a.signIn(a.key("ada", rbac.RoleAdmin))
		page := func(r *testApp) int {
			return r.do(http.MethodGet, "/dashboard/", "", nil, "Cookie", cookie).Code
		}
		if got := page(a); got != http.StatusOK {
			t.Fatalf("overview on replica A: %d, want 200", got)
		}
		if redisURL == "" {
			if got := page(b); got != http.StatusSeeOther {
				t.Errorf("overview on replica B without Redis: %d, want 303 to sign in", got)
			}
			return
		}
		if got := page(b); got != http.StatusOK {
			t.Fatalf("overview on replica B with the session of replica A: %d, want 200", got)
		}
		if rec := b.do(http.MethodPost, "/dashboard/logout", "", "", "Content-Type", "application/x-www-form-urlencoded", "Cookie", cookie); rec.Code != http.StatusSeeOther {
			t.Fatalf("sign-out on replica B: %d %s", rec.Code, rec.Body)
		}
		if got := page(a); got != http.StatusSeeOther {
			t.Errorf("overview on replica A after signing out on B: %d, want 303 to sign in", got)
		}
	}
	t.Run("memory", func(t *testing.T) { run(t, "") })
	t.Run("redis", func(t *testing.T) { run(t, testredis.Reserve(t)) })
}

// TestEndAllSessionsOverHTTP: DELETE /v1/admin/sessions signs everyone
// out, on every replica with Redis: dashboard sessions, access tokens and
// refresh tokens stop working; API keys keep working; only admins may call
// it, and it is a security event.
func TestEndAllSessionsOverHTTP(t *testing.T) {
	run := func(t *testing.T, redisURL string) {
		a, b := twoReplicas(t, redisURL)
		if redisURL == "" {
			b = a // without Redis a session belongs to its replica
		}
		admin, user := a.key("ada", rbac.RoleAdmin), a.key("uli", rbac.RoleUser)
		cookie := a.signIn(admin)
		p := decodePair(t, a.do(http.MethodPost, "/v1/auth/token", user, nil))
		bearer := []string{"Authorization", "Bearer " + p.AccessToken}
		if got := b.do(http.MethodGet, "/dashboard/", "", nil, "Cookie", cookie).Code; got != http.StatusOK {
			t.Fatalf("dashboard before: %d", got)
		}
		// An operator's token (`samo token issue`): no refresh family.
		op := []string{"Authorization", "Bearer " + a.operatorToken("uli")}
		if got := b.do(http.MethodGet, "/v1/predictions", "", nil, op...).Code; got != http.StatusOK {
			t.Fatalf("operator token before: %d", got)
		}
		if rec := a.do(http.MethodDelete, "/v1/admin/sessions", user, nil); rec.Code != http.StatusForbidden {
			t.Errorf("a user ending every session: %d, want 403", rec.Code)
		}
		rec := b.do(http.MethodDelete, "/v1/admin/sessions", admin, nil)
		var got struct {
			Families int  `json:"refresh_families_revoked"`
			Ended    bool `json:"dashboard_sessions_ended"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != http.StatusOK || err != nil || got.Families != 1 || !got.Ended {
			t.Fatalf("DELETE /v1/admin/sessions: %d %s", rec.Code, rec.Body)
		}
		if got := a.do(http.MethodGet, "/dashboard/", "", nil, "Cookie", cookie).Code; got != http.StatusSeeOther {
			t.Errorf("dashboard session after ending every session: %d, want 303 to sign in", got)
		}
		if got := a.do(http.MethodGet, "/v1/predictions", "", nil, bearer...).Code; got != http.StatusUnauthorized {
			t.Errorf("access token after ending every session: %d, want 401", got)
		}
		for name, ta := range map[string]*testApp{"this replica": b, "another replica": a} {
			if got := ta.do(http.MethodGet, "/v1/predictions", "", nil, op...).Code; got != http.StatusUnauthorized {
				t.Errorf("operator token on %s after ending every session: %d, want 401", name, got)
			}
		}
		if got := a.do(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": p.RefreshToken}).Code; got != http.StatusUnauthorized {
			t.Errorf("refresh token after ending every session: %d, want 401", got)
		}
		if got := a.do(http.MethodGet, "/v1/predictions", user, nil).Code; got != http.StatusOK {
			t.Errorf("API key after ending every session: %d, want 200", got)
		}
		evs := b.waitEvents(secevent.SessionsRevoked, func(es []secevent.Event) bool { return len(es) > 0 })
		if len(evs) != 1 || evs[0].Details["refresh_families"] != "1" || evs[0].Severity != secevent.Medium {
			t.Errorf("sessions_revoked events %+v, want one, medium, with 1 family", evs)
		}
	}
	t.Run("memory", func(t *testing.T) { run(t, "") })
	t.Run("redis", func(t *testing.T) { run(t, testredis.Reserve(t)) })
}

// operatorToken returns an access token for the user as `samo token issue`
// prints it: made by the issuer alone, in no refresh family.
func (ta *testApp) operatorToken(user string) string {
	ta.t.Helper()
	u, err := ta.Store.UserByName(context.Background(), user)
	if err != nil {
		ta.t.Fatal(err)
	}
	iss, err := Issuer(ta.Cfg, time.Now)
	if err != nil {
		ta.t.Fatal(err)
	}
	tok, _, err := iss.Issue(u.ID, []string{string(rbac.ReadPredictions)})
	if err != nil {
		ta.t.Fatal(err)
	}
	return tok
}
