package app

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/kv"
	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/session"
	"github.com/samo-brain/samo/internal/store"
	"github.com/samo-brain/samo/internal/testredis"
)

// TestScaleOutInProcess: without REDIS_URL the hot state stays in the
// process, as before scale-out existed.
func TestScaleOutInProcess(t *testing.T) {
	ta := newTestApp(t, nil)
	s := ta.scale
	if _, ok := s.limiter.(*ratelimit.Memory); !ok {
		t.Errorf("limiter %T, want *ratelimit.Memory", s.limiter)
	}
	if st, ok := s.blocks.(*store.Store); !ok || st != ta.Store {
		t.Errorf("block store %T, want the SQL store", s.blocks)
	}
	if _, ok := s.sessions.(*session.Memory); !ok {
		t.Errorf("session store %T, want *session.Memory", s.sessions)
	}
	if s.redis != nil || len(s.checkers()) != 0 {
		t.Errorf("redis client %v, checkers %v; want none", s.redis, s.checkers())
	}
	ran := 0
	job := s.exclusive("retention", func(context.Context) error { ran++; return nil })
	if err := job(context.Background()); err != nil || ran != 1 {
		t.Errorf("exclusive job without Redis: ran %d, err %v; want run directly once", ran, err)
	}
	if keyNotifier(ta.Cfg) != nil {
		t.Error("keyNotifier without REDIS_URL is not nil")
	}
}

// TestScaleOutRedisDown: Redis configured but unreachable from the start
// fails closed with 503 problems; fail-open changes nothing here, because
// the block list, which never fails open, was never read.
func TestScaleOutRedisDown(t *testing.T) {
	for _, failOpen := range []string{"false", "true"} {
		t.Run("REDIS_FAIL_OPEN="+failOpen, func(t *testing.T) {
			ta := newTestApp(t, map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0", "REDIS_FAIL_OPEN": failOpen})
			key := ta.key("alice", rbac.RoleUser)
			for _, path := range []string{"/v1/predictions", "/ready"} {
				rec := ta.do(http.MethodGet, path, key, nil)
				if rec.Code != http.StatusServiceUnavailable {
					t.Errorf("GET %s with Redis down: %d %s, want 503", path, rec.Code, rec.Body)
					continue
				}
				if path == "/v1/predictions" {
					if p := problem(t, rec); p["detail"] == "" {
						t.Errorf("GET %s: problem without a reason: %v", path, p)
					}
				}
			}
			if rec := ta.do(http.MethodGet, "/health", "", nil); rec.Code != http.StatusOK {
				t.Errorf("/health with Redis down: %d, want 200 (liveness does not depend on Redis)", rec.Code)
			}
		})
	}
}

// TestScaleOutRedis: with REDIS_URL the app uses Redis, reports it in
// /ready, and announces key revocations on the notice channel.
func TestScaleOutRedis(t *testing.T) {
	redisURL := testredis.Reserve(t)
	ta := newTestApp(t, map[string]string{"REDIS_URL": redisURL})
	if _, ok := ta.scale.limiter.(*kv.Limiter); !ok {
		t.Errorf("limiter %T, want *kv.Limiter", ta.scale.limiter)
	}
	if _, ok := ta.scale.sessions.(*kv.Sessions); !ok {
		t.Errorf("session store %T, want *kv.Sessions", ta.scale.sessions)
	}
	if _, ok := ta.scale.blocks.(*kv.BlockStore); !ok {
		t.Errorf("block store %T, want *kv.BlockStore", ta.scale.blocks)
	}
	rec := ta.do(http.MethodGet, "/ready", "", nil)
	var ready struct {
		Checks map[string]struct{ Status string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &ready); err != nil || rec.Code != http.StatusOK || ready.Checks["cache"].Status != "ok" {
		t.Errorf("/ready = %d %s; want 200 with cache ok", rec.Code, rec.Body)
	}

	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	sub := redis.NewClient(opt)
	defer sub.Close()
	ctx := context.Background()
	ps := sub.Subscribe(ctx, kv.DefaultPrefix+"keys:revoked")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	key := ta.key("bob", rbac.RoleUser)
	k, err := ta.Keys.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	admin := ta.key("root", rbac.RoleAdmin)
	if rec := ta.do(http.MethodDelete, "/v1/admin/keys/"+k.ID, admin, nil); rec.Code/100 != 2 {
		t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	m, err := ps.ReceiveMessage(rctx)
	if err != nil || m.Payload != "v1 "+k.ID {
		t.Errorf("notice after revoking %s: %v, %v; want payload %q", k.ID, m, err, "v1 "+k.ID)
	}
	if rec := ta.do(http.MethodGet, "/v1/predictions", key, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("revoked key: %d, want 401", rec.Code)
	}
}

// TestKeyNotifierWithRedis: the hook publishes on its own connection, and
// fails (for apikey to log) when Redis cannot be reached.
func TestKeyNotifierWithRedis(t *testing.T) {
	down := keyNotifier(&config.Config{RedisURL: config.NewSecret("redis://127.0.0.1:1/0")})
	if down == nil {
		t.Fatal("keyNotifier with REDIS_URL is nil")
	}
	if err := down(context.Background(), "key_a", ""); err == nil {
		t.Error("notice with Redis down succeeded")
	}
}
