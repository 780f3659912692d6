package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/testredis"
)

// newReplica builds and runs an App from env with clock now (nil: time.Now).
func newReplica(t *testing.T, env map[string]string, now func() time.Time) *testApp {
	t.Helper()
	cfg, err := config.LoadFlags(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	a, err := Build(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options{Predictor: fakeModel{}, KeyringReload: 20 * time.Millisecond, Now: now})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = a.Run(ctx, func(ctx context.Context) error { <-ctx.Done(); return nil })
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	return &testApp{App: a, t: t, h: a.Handler, dataDir: env["SAMO_DATA_DIR"]}
}

// TestDisableUser: a disabled user's keys, tokens and refresh tokens are
// refused at once; enabling restores the keys that were valid (not one
// revoked meanwhile).
func TestDisableUser(t *testing.T) {
	ta := newTestApp(t, nil)
	admin := ta.key("boss", rbac.RoleAdmin)
	key, _ := ta.keyWithID("dora", rbac.RoleUser)
	spare, spareID := ta.keyWithID("dora", rbac.RoleUser)
	rec := ta.do(http.MethodPost, "/v1/auth/token", key, nil)
	var pair struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &pair); err != nil || rec.Code != 200 {
		t.Fatalf("token: %d %s", rec.Code, rec.Body)
	}
	u, err := ta.Store.UserByName(context.Background(), "dora")
	if err != nil {
		t.Fatal(err)
	}
	if r := ta.do(http.MethodGet, "/v1/predictions", key, nil); r.Code != 200 {
		t.Fatalf("before: %d", r.Code)
	}
	// The admin API disables; the answer shows disabled_at.
	rec = ta.do(http.MethodPost, "/v1/admin/users/"+u.ID+"/disable", admin, nil)
	if rec.Code != 200 || !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("disable: %d %s", rec.Code, rec.Body)
	}
	var got struct {
		DisabledAt *time.Time `json:"disabled_at"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &got)
	if got.DisabledAt == nil {
		t.Errorf("disable answered %s, want disabled_at", rec.Body)
	}
	refused := func(what string, code int) {
		t.Helper()
		if code != http.StatusUnauthorized {
			t.Errorf("%s of a disabled user: %d, want 401", what, code)
		}
	}
	refused("key", ta.do(http.MethodGet, "/v1/predictions", key, nil).Code)
	refused("other key", ta.do(http.MethodPost, "/v1/predict", spare, map[string]any{"text": "hello"}).Code)
	refused("access token", ta.do(http.MethodGet, "/v1/predictions", "", nil, "Authorization", "Bearer "+pair.Access).Code)
	refused("refresh token", ta.do(http.MethodPost, "/v1/auth/refresh", "", map[string]any{"refresh_token": pair.Refresh}).Code)
	if r := ta.do(http.MethodPost, "/v1/auth/token", key, nil); r.Code != http.StatusUnauthorized {
		t.Errorf("token exchange of a disabled user: %d, want 401", r.Code)
	}
	// A key revoked while the user is disabled stays revoked.
	if r := ta.do(http.MethodDelete, "/v1/admin/keys/"+spareID, admin, nil); r.Code/100 != 2 {
		t.Fatalf("revoke: %d %s", r.Code, r.Body)
	}
	if r := ta.do(http.MethodPost, "/v1/admin/users/"+u.ID+"/enable", admin, nil); r.Code != 200 {
		t.Fatalf("enable: %d %s", r.Code, r.Body)
	}
	if r := ta.do(http.MethodGet, "/v1/predictions", key, nil); r.Code != 200 {
		t.Errorf("the valid key after enabling: %d %s, want 200", r.Code, r.Body)
	}
	if r := ta.do(http.MethodGet, "/v1/predictions", spare, nil); r.Code != http.StatusUnauthorized {
		t.Errorf("the key revoked meanwhile after enabling: %d, want 401", r.Code)
	}
	// The admin cannot lock themself out; unknown users are 404.
	boss, _ := ta.Store.UserByName(context.Background(), "boss")
	if r := ta.do(http.MethodPost, "/v1/admin/users/"+boss.ID+"/disable", admin, nil); r.Code != http.StatusConflict {
		t.Errorf("self-disable: %d, want 409", r.Code)
	}
	if r := ta.do(http.MethodPost, "/v1/admin/users/usr_nobody/disable", admin, nil); r.Code != http.StatusNotFound {
		t.Errorf("unknown user: %d, want 404", r.Code)
	}
	if r := ta.do(http.MethodPost, "/v1/admin/users/"+u.ID+"/disable", key, nil); r.Code != http.StatusForbidden {
		t.Errorf("a user disabling: %d, want 403", r.Code)
	}
}

// TestDisableUserReachesEveryReplica: two replicas share the store. The
// second one's clock is frozen, so its one-second user cache never expires
// by itself: without Redis it refuses the user once its clock has moved one
// second; with Redis (SAMO_TEST_REDIS_URL) the notice makes it refuse the
// user with the clock still frozen.
func TestDisableUserReachesEveryReplica(t *testing.T) {
	run := func(t *testing.T, redisURL string) {
		extra := map[string]string{}
		if redisURL != "" {
			extra["REDIS_URL"] = redisURL
		}
		env := testEnv(t, extra)
		a := newReplica(t, env, nil)
		clk := &clock{t: time.Now()}
		b := newReplica(t, env, clk.Now)
		key, _ := a.keyWithID("rhea", rbac.RoleUser)
		u, _ := a.Store.UserByName(context.Background(), "rhea")
		if r := b.do(http.MethodGet, "/v1/predictions", key, nil); r.Code != 200 { // B caches the user
			t.Fatalf("replica B before: %d %s", r.Code, r.Body)
		}
		if _, err := a.Users.SetDisabled(context.Background(), u.ID, true); err != nil {
			t.Fatal(err)
		}
		if r := a.do(http.MethodGet, "/v1/predictions", key, nil); r.Code != http.StatusUnauthorized {
			t.Errorf("replica A after disabling: %d, want 401", r.Code)
		}
		if redisURL == "" {
			clk.Advance(time.Second)
			if r := b.do(http.MethodGet, "/v1/predictions", key, nil); r.Code != http.StatusUnauthorized {
				t.Errorf("replica B one second after disabling: %d, want 401", r.Code)
			}
			return
		}
		// The notice is asynchronous: wait for it (B's clock never moves).
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if r := b.do(http.MethodGet, "/v1/predictions", key, nil); r.Code == http.StatusUnauthorized {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("replica B never refused the disabled user: the notice did not arrive")
			}
		}
		if _, err := a.Users.SetDisabled(context.Background(), u.ID, false); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if r := b.do(http.MethodGet, "/v1/predictions", key, nil); r.Code == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("replica B never accepted the enabled user again")
			}
		}
	}
	t.Run("cache TTL", func(t *testing.T) { run(t, "") })
	t.Run("redis notice", func(t *testing.T) { run(t, testredis.Reserve(t)) })
}
