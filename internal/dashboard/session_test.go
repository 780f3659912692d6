package dashboard

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }
func mustCreate(t *testing.T, s *sessions, key string) string {
	t.Helper()
	id, err := s.create("usr_1", "alice", rbac.RoleAdmin, key)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSessionTimeouts(t *testing.T) {
	cases := []struct {
		name  string
		steps []time.Duration // time between uses
		alive bool
	}{
		{"fresh", []time.Duration{0}, true},
		{"used every 14 minutes for 7 hours", repeat(14*time.Minute, 30), true},
		{"idle 15 minutes", []time.Duration{15 * time.Minute}, false},
		{"idle 14m59s", []time.Duration{14*time.Minute + 59*time.Second}, true},
		{"used every 10 minutes past 8 hours", repeat(10*time.Minute, 48), false},
	}
	for _, c := range cases {
		clk := newClock()
		s := newSessions(SessionConfig{}, clk.now)
		id := mustCreate(t, s, "key_a")
		alive := true
		for _, d := range c.steps {
			clk.add(d)
			if _, ok := s.get(id); !ok {
				alive = false
				break
			}
		}
		if alive != c.alive {
			t.Errorf("%s: alive = %v, want %v", c.name, alive, c.alive)
		}
		if !alive && s.len() != 0 {
			t.Errorf("%s: expired session still stored", c.name)
		}
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestSessionIDs(t *testing.T) {
	s := newSessions(SessionConfig{}, newClock().now)
	seen := map[string]bool{}
	for range 200 {
		id := mustCreate(t, s, "key_"+strings.Repeat("x", len(seen)%5))
		if !validSessionID(id) || len(id) != 43 {
			t.Fatalf("id %q: valid=%v len=%d, want a valid 43-character id", id, validSessionID(id), len(id))
		}
		if seen[id] {
			t.Fatalf("id %q issued twice", id)
		}
		seen[id] = true
	}
	bad := []string{"", "short", strings.Repeat("A", 42), strings.Repeat("A", 44), strings.Repeat("A", 42) + "=", strings.Repeat("A", 42) + "+"}
	for _, b := range bad {
		if validSessionID(b) {
			t.Errorf("validSessionID(%q) = true", b)
		}
		if _, ok := s.get(b); ok {
			t.Errorf("get(%q) found a session", b)
		}
	}
}

func TestSessionLimits(t *testing.T) {
	clk := newClock()
	s := newSessions(SessionConfig{Max: 20}, clk.now)
	var first string
	for i := range maxSessionsPerKey + 1 {
		id := mustCreate(t, s, "key_busy")
		if i == 0 {
			first = id
		}
		clk.add(time.Second)
	}
	if _, ok := s.get(first); ok {
		t.Error("the key's least recently used session survived past the per-key cap")
	}
	if got := s.len(); got != maxSessionsPerKey {
		t.Errorf("sessions of one key: %d, want %d", got, maxSessionsPerKey)
	}
	for i := range 20 - maxSessionsPerKey {
		mustCreate(t, s, "key_other"+string(rune('a'+i)))
	}
	if _, err := s.create("usr_2", "bob", rbac.RoleAnalyst, "key_new"); !errors.Is(err, ErrTooManySessions) {
		t.Errorf("create in a full table: err %v, want ErrTooManySessions", err)
	}
	clk.add(DefaultIdleTimeout)
	if _, err := s.create("usr_2", "bob", rbac.RoleAnalyst, "key_new"); err != nil {
		t.Errorf("create after every session went idle: %v", err)
	}
	if got := s.len(); got != 1 {
		t.Errorf("after the sweep: %d sessions, want 1", got)
	}
}

func TestSessionDeleteAndFlash(t *testing.T) {
	s := newSessions(SessionConfig{}, newClock().now)
	a, b, c := mustCreate(t, s, "key_a"), mustCreate(t, s, "key_a"), mustCreate(t, s, "key_b")
	s.update(c, func(v *session) { v.Flash, v.FlashKind = "done", "ok" })
	if msg, kind := s.takeFlash(c); msg != "done" || kind != "ok" {
		t.Errorf("takeFlash = %q %q, want done ok", msg, kind)
	}
	if msg, _ := s.takeFlash(c); msg != "" {
		t.Errorf("second takeFlash = %q, want empty", msg)
	}
	s.deleteKey("key_a")
	for _, id := range []string{a, b} {
		if _, ok := s.get(id); ok {
			t.Error("session of a deleted key survived")
		}
	}
	if _, ok := s.get(c); !ok {
		t.Error("another key's session was deleted")
	}
	s.delete(c)
	if _, ok := s.get(c); ok {
		t.Error("deleted session found")
	}
}

// TestSessionIDCharacters: each edge of the base64url alphabet is
// accepted, the characters just outside it are not.
func TestSessionIDCharacters(t *testing.T) {
	pad := strings.Repeat("A", 42)
	for _, c := range "azAZ09-_" {
		if !validSessionID(pad + string(c)) {
			t.Errorf("validSessionID(...%c) = false", c)
		}
	}
	for _, c := range "`{@[/:.+= " {
		if validSessionID(pad + string(c)) {
			t.Errorf("validSessionID(...%c) = true", c)
		}
	}
}
