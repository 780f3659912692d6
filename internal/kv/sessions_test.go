package kv

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/session"
	"github.com/samo-brain/samo/internal/session/sessiontest"
)

func TestSessionsConformance(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T, cfg session.Config, now func() time.Time) session.Store {
		return testClient(t).Sessions(cfg, now)
	})
}

// TestSessionsShared: two replicas' stores on one Redis see each other's
// sessions, notices and deletions; a stored session keeps no session id.
func TestSessionsShared(t *testing.T) {
	ctx := context.Background()
	c := testClient(t)
	clk := sessiontest.NewClock()
	a, b := c.Sessions(session.Config{}, clk.Now), c.Sessions(session.Config{}, clk.Now)
	id := session.NewID()
	k := session.KeyOf(id)
	now := clk.Now()
	if err := a.Create(ctx, k, session.Session{UserID: "usr_1", UserName: "ann", Role: rbac.RoleAnalyst, KeyID: "key_1", Created: now, LastSeen: now}); err != nil {
		t.Fatal(err)
	}
	if s, ok, err := b.Get(ctx, k); err != nil || !ok || s.UserName != "ann" || s.Role != rbac.RoleAnalyst {
		t.Fatalf("the other replica's Get = %+v %v %v", s, ok, err)
	}
	if err := a.SetFlash(ctx, k, "done", "ok"); err != nil {
		t.Fatal(err)
	}
	if msg, _, err := b.TakeFlash(ctx, k); err != nil || msg != "done" {
		t.Errorf("the other replica's TakeFlash = %q %v", msg, err)
	}
	keys, err := c.rdb.Keys(ctx, c.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		vals, _ := c.rdb.HGetAll(ctx, key).Result()
		members, _ := c.rdb.SMembers(ctx, key).Result()
		for _, v := range append(members, key) {
			if v == id {
				t.Errorf("Redis holds the session id in %s", key)
			}
		}
		for _, v := range vals {
			if v == id {
				t.Errorf("Redis holds the session id in %s", key)
			}
		}
	}
	if err := b.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := a.Get(ctx, k); ok {
		t.Error("a session deleted on one replica is live on the other")
	}
	if err := a.Create(ctx, k, session.Session{UserID: "usr_1", Role: "root", KeyID: "key_1", Created: now, LastSeen: now}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("Create with an unknown role: %v, want ErrInvalidInput", err)
	}
}

// TestSessionsStorage: what Sessions writes to Redis: key ids up to
// maxSessionKeyID bytes, TTLs a second past the timeouts, and a stored
// session that does not parse is an error, never a session.
func TestSessionsStorage(t *testing.T) {
	ctx := context.Background()
	c := testClient(t)
	cfg := session.Config{Idle: time.Minute, Absolute: time.Hour}
	s := c.Sessions(cfg, nil)
	now := time.Now()
	create := func(keyID string, role rbac.Role) (session.Key, error) {
		k := session.KeyOf(session.NewID())
		return k, s.Create(ctx, k, session.Session{UserID: "usr_1", Role: role, KeyID: keyID, Created: now, LastSeen: now})
	}
	longest := strings.Repeat("k", maxSessionKeyID)
	k, err := create(longest, rbac.RoleAdmin)
	if err != nil {
		t.Fatalf("Create with a %d-byte key id: %v", maxSessionKeyID, err)
	}
	if _, err := create(longest+"k", rbac.RoleAdmin); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("Create with a %d-byte key id: %v, want ErrInvalidInput", maxSessionKeyID+1, err)
	}
	for key, want := range map[string]time.Duration{s.sessionKey(k): cfg.Idle, c.key("sesskey", longest): cfg.Absolute} {
		ttl, err := c.rdb.PTTL(ctx, key).Result()
		if err != nil || ttl <= want || ttl > want+time.Second {
			t.Errorf("TTL of %s = %v (%v), want in (%v, %v]", key, ttl, err, want, want+time.Second)
		}
	}
	if err := c.rdb.HSet(ctx, s.sessionKey(k), "r", "root").Err(); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := s.Get(ctx, k); err == nil || ok {
		t.Errorf("Get of a session with an unknown role = %+v %v %v, want an error", got, ok, err)
	}
}
