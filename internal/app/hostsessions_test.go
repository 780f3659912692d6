package app

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/store"
	"github.com/samo-brain/samo/internal/testredis"
)

// hostProcess returns the configuration and store a process on the host
// (the CLI) opens from env: the running replica's database, its own
// connection, none of the replica's memory.
func hostProcess(t *testing.T, env map[string]string) (*config.Config, *store.Store) {
	t.Helper()
	cfg, err := config.LoadFlags(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), string(cfg.DatabaseURL.Reveal()), cfg.DataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return cfg, st
}

// sessionsHost is hostProcess for `samo sessions end-all`: what
// config.ProfileSessions reads of env, without the server's JWT and
// encryption keys.
func sessionsHost(t *testing.T, env map[string]string) (*config.Config, *store.Store) {
	t.Helper()
	host := map[string]string{}
	for k, v := range env {
		host[k] = v
	}
	delete(host, "JWT_SECRET_KEY")
	delete(host, "ENCRYPTION_KEY")
	cfg, err := config.LoadProfile(func(k string) string { return host[k] }, nil, config.ProfileSessions)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.JWTSecretKey.IsSet() {
		t.Fatal("ProfileSessions read a JWT key")
	}
	st, err := store.Open(context.Background(), string(cfg.DatabaseURL.Reveal()), cfg.DataDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return cfg, st
}

// redisEnv returns the environment of a test replica, with REDIS_URL when
// redisURL is set.
func redisEnv(t *testing.T, redisURL string) map[string]string {
	extra := map[string]string{}
	if redisURL != "" {
		extra["REDIS_URL"] = redisURL
	}
	return testEnv(t, extra)
}

// within polls until ok or the deadline.
func within(d time.Duration, ok func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		if ok() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// TestEndUserSessionsFromHost (ASVS V7.4.3, samo users totp-reset): ending
// a user's dashboard sessions from another process on the host ends every
// session of the user (of any of their keys) in a running server, in its
// memory through the database's session cut-off, or in Redis, where they
// are also deleted and counted; other users' sessions stay, and the user
// signs in again afterwards.
func TestEndUserSessionsFromHost(t *testing.T) {
	run := func(t *testing.T, redisURL string) {
		env := redisEnv(t, redisURL)
		a := newReplica(t, env, nil)
		ada1, ada2, bob := a.key("ada", rbac.RoleAdmin), a.key("ada", rbac.RoleAdmin), a.key("bob", rbac.RoleAnalyst)
		c1, c2, cb := a.signIn(ada1), a.signIn(ada2), a.signIn(bob)
		page := func(cookie string) int { return a.do(http.MethodGet, "/dashboard/", "", nil, "Cookie", cookie).Code }
		cfg, st := hostProcess(t, env)
		u, err := st.UserByName(context.Background(), "ada")
		if err != nil {
			t.Fatal(err)
		}
		res, err := EndUserSessions(context.Background(), cfg, st, u.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if want := redisURL != ""; res.Counted != want || (want && res.Count != 2) || (!want && res.Count != 0) {
			t.Errorf("EndUserSessions = %+v; want counted %v (2 sessions in Redis)", res, want)
		}
		for name, c := range map[string]string{"first key": c1, "second key": c2} {
			if got := page(c); got != http.StatusSeeOther {
				t.Errorf("ada's session of the %s after ending her sessions: %d, want 303 to sign in", name, got)
			}
		}
		if got := page(cb); got != http.StatusOK {
			t.Errorf("bob's session after ending ada's: %d, want 200", got)
		}
		time.Sleep(2 * time.Millisecond) // past the cut-off's millisecond
		if got := page(a.signIn(ada1)); got != http.StatusOK {
			t.Errorf("ada's new session after the cut-off: %d, want 200", got)
		}
	}
	t.Run("memory", func(t *testing.T) { run(t, "") })
	t.Run("redis", func(t *testing.T) { run(t, testredis.Reserve(t)) })
}

// TestEndAllSessionsFromHost (samo sessions end-all): signing everyone out
// from another process on the host, which has the server's store and
// Redis settings but none of its keys, reaches a running server without a
// restart. Without Redis: the refresh families are revoked in the
// database, the token cut-off written there is read by the server within
// a second, and the session cut-off ends its in-memory dashboard sessions
// at their next request; with Redis through the shared deny-list and
// sessions. API keys keep working.
func TestEndAllSessionsFromHost(t *testing.T) {
	run := func(t *testing.T, redisURL string) {
		env := redisEnv(t, redisURL)
		a := newReplica(t, env, nil)
		admin, user := a.key("ada", rbac.RoleAdmin), a.key("uli", rbac.RoleUser)
		cookie := a.signIn(admin)
		p := decodePair(t, a.do(http.MethodPost, "/v1/auth/token", user, nil))
		bearer := []string{"Authorization", "Bearer " + p.AccessToken}
		op := []string{"Authorization", "Bearer " + a.operatorToken("uli")}
		for name, hdr := range map[string][]string{"access token": bearer, "operator token": op} {
			if got := a.do(http.MethodGet, "/v1/predictions", "", nil, hdr...).Code; got != http.StatusOK {
				t.Fatalf("%s before: %d", name, got)
			}
		}
		cfg, st := sessionsHost(t, env)
		res, err := EndAllSessions(context.Background(), cfg, st, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		shared := redisURL != ""
		if res.Families != 1 || res.SharedDenyList != shared || res.SessionsDeleted != shared || res.TokensIssuedBefore.IsZero() {
			t.Errorf("EndAllSessions = %+v; want 1 family, shared %v, a token cut-off", res, shared)
		}
		if got := a.do(http.MethodGet, "/dashboard/", "", nil, "Cookie", cookie).Code; got != http.StatusSeeOther {
			t.Errorf("dashboard session after signing everyone out: %d, want 303 to sign in", got)
		}
		for name, hdr := range map[string][]string{"access token": bearer, "operator token": op} {
			if !within(3*time.Second, func() bool {
				return a.do(http.MethodGet, "/v1/predictions", "", nil, hdr...).Code == http.StatusUnauthorized
			}) {
				t.Errorf("%s still accepted 3 s after signing everyone out from the host", name)
			}
		}
		if got := a.do(http.MethodPost, "/v1/auth/refresh", "", map[string]string{"refresh_token": p.RefreshToken}).Code; got != http.StatusUnauthorized {
			t.Errorf("refresh token after signing everyone out: %d, want 401", got)
		}
		if got := a.do(http.MethodGet, "/v1/predictions", user, nil).Code; got != http.StatusOK {
			t.Errorf("API key after signing everyone out: %d, want 200", got)
		}
	}
	t.Run("memory", func(t *testing.T) { run(t, "") })
	t.Run("redis", func(t *testing.T) { run(t, testredis.Reserve(t)) })
}
