package kv

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/session"
)

// deadClient points at a loopback port nobody listens on.
func deadClient(t *testing.T) *Client {
	t.Helper()
	c, err := Open("redis://127.0.0.1:1/0", Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestUnavailable: with Redis unreachable, every operation fails with
// ErrUnavailable (fail closed), quickly.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	c := deadClient(t)
	p := ratelimit.Policy{Name: "p", Limit: 1, Window: time.Second}
	ops := []struct {
		name string
		f    func() error
	}{
		{"Ping", func() error { return c.Ping(ctx) }},
		{"Allow", func() error { _, err := c.Limiter(nil).Allow(ctx, "k", p); return err }},
		{"Peek", func() error { _, err := c.Limiter(nil).Peek(ctx, "k", p); return err }},
		{"Denied", func() error { _, err := c.DenyList(nil).Denied(ctx, "jti"); return err }},
		{"Deny", func() error { return c.DenyList(nil).Deny(ctx, "jti", time.Now().Add(time.Hour)) }},
		{"IssuedBefore", func() error { _, err := c.DenyList(nil).IssuedBefore(ctx); return err }},
		{"DenyIssuedBefore", func() error {
			return c.DenyList(nil).DenyIssuedBefore(ctx, time.Now(), time.Now().Add(time.Hour))
		}},
		{"Generation", func() error { _, err := c.BlockStore(0).Generation(ctx); return err }},
		{"TryLock", func() error { _, err := c.TryLock(ctx, "job", time.Second); return err }},
		{"Publish", func() error { return c.PublishRevoked(ctx, Notice{KeyID: "key_a"}) }},
		{"session Create", func() error {
			return c.Sessions(session.Config{}, nil).Create(ctx, session.KeyOf("x"), session.Session{Role: rbac.RoleAdmin, KeyID: "key_a"})
		}},
		{"session Get", func() error { _, _, err := c.Sessions(session.Config{}, nil).Get(ctx, session.KeyOf("x")); return err }},
		{"session SetFlash", func() error { return c.Sessions(session.Config{}, nil).SetFlash(ctx, session.KeyOf("x"), "m", "ok") }},
		{"session TakeFlash", func() error {
			_, _, err := c.Sessions(session.Config{}, nil).TakeFlash(ctx, session.KeyOf("x"))
			return err
		}},
		{"session Delete", func() error { return c.Sessions(session.Config{}, nil).Delete(ctx, session.KeyOf("x")) }},
		{"session DeleteKey", func() error { return c.Sessions(session.Config{}, nil).DeleteKey(ctx, "key_a") }},
		{"session DeleteAll", func() error { return c.Sessions(session.Config{}, nil).DeleteAll(ctx) }},
	}
	for _, op := range ops {
		start := time.Now()
		err := op.f()
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", op.name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %v with Redis down, want the call timeout", op.name, d)
		}
	}
}

func TestOpenRejects(t *testing.T) {
	cases := []struct {
		name, url string
		opt       Options
	}{
		{"not a URL", "127.0.0.1:6379", Options{}},
		{"wrong scheme", "http://127.0.0.1:6379", Options{}},
		{"brace in prefix", "redis://127.0.0.1:6379/0", Options{Prefix: "a{b}"}},
		{"space in prefix", "redis://127.0.0.1:6379/0", Options{Prefix: "a b"}},
	}
	for _, c := range cases {
		if _, err := Open(c.url, c.opt); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", c.name, err)
		}
	}
	_, err := Open("redis://:hunter2@[::1", Options{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad URL err = %v; want an error without the password", err)
	}
}

// TestFailOpen: only unavailability falls back to the local limiter, and
// the switch is reported once each way.
func TestFailOpen(t *testing.T) {
	ctx := context.Background()
	p := ratelimit.Policy{Name: "p", Limit: 2, Window: time.Minute}
	var changes []bool
	local := ratelimit.NewMemory(nil, 0)
	f := FailOpen(deadClient(t).Limiter(nil), local, func(degraded bool, _ error) { changes = append(changes, degraded) })
	want := []bool{true, true, false}
	for i, w := range want {
		d, err := f.Allow(ctx, "k", p)
		if err != nil || d.Allowed != w {
			t.Errorf("request %d: got %+v, %v; want allowed=%v from the local limiter", i+1, d, err, w)
		}
	}
	if !f.Degraded() || len(changes) != 1 || !changes[0] {
		t.Errorf("degraded=%v changes=%v; want degraded, reported once", f.Degraded(), changes)
	}
	if _, err := f.Allow(ctx, "", p); !errors.Is(err, ratelimit.ErrInvalidKey) {
		t.Errorf("invalid key err = %v, want ErrInvalidKey (validation never falls back)", err)
	}
	healthy := FailOpen(local, ratelimit.NewMemory(nil, 0), func(degraded bool, _ error) { changes = append(changes, degraded) })
	healthy.degraded.Store(true)
	if _, err := healthy.Peek(ctx, "other", p); err != nil || healthy.Degraded() || changes[len(changes)-1] {
		t.Errorf("recovery: degraded=%v changes=%v, err %v; want recovered and reported", healthy.Degraded(), changes, err)
	}
}
