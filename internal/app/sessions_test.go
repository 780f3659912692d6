package app

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/samo-brain/samo/internal/rbac"
)

// TestDashboardSessionAcrossReplicas: with REDIS_URL a dashboard session
// opened on one replica works on another, and signing out on either ends
// it on both; without Redis each replica keeps its own sessions, so the
// other replica sends the browser to sign in.
func TestDashboardSessionAcrossReplicas(t *testing.T) {
	run := func(t *testing.T, redisURL string) {
		extra := map[string]string{}
		if redisURL != "" {
			extra["REDIS_URL"] = redisURL
		}
		env := testEnv(t, extra)
		a, b := newReplica(t, env, nil), newReplica(t, env, nil)
		key := a.key("ada", rbac.RoleAdmin)
		form := []string{"Content-Type", "application/x-www-form-urlencoded"}
		rec := a.do(http.MethodPost, "/dashboard/login", "", url.Values{"key": {key}}.Encode(), form...)
		var cookie string
		for _, c := range rec.Result().Cookies() {
			if c.Name == "samo_session" {
				cookie = c.Name + "=" + c.Value
			}
		}
		if rec.Code != http.StatusSeeOther || cookie == "" {
			t.Fatalf("sign-in on replica A: %d, cookie %q", rec.Code, cookie)
		}
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
		if rec := b.do(http.MethodPost, "/dashboard/logout", "", "", append(form, "Cookie", cookie)...); rec.Code != http.StatusSeeOther {
			t.Fatalf("sign-out on replica B: %d %s", rec.Code, rec.Body)
		}
		if got := page(a); got != http.StatusSeeOther {
			t.Errorf("overview on replica A after signing out on B: %d, want 303 to sign in", got)
		}
	}
	t.Run("memory", func(t *testing.T) { run(t, "") })
	t.Run("redis", func(t *testing.T) { run(t, reserveRedisDB(t)) })
}
