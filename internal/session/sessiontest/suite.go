// Package sessiontest is the conformance suite every session.Store passes.
//
//	func TestConformance(t *testing.T) {
//		sessiontest.Run(t, func(t *testing.T, cfg session.Config, now func() time.Time) session.Store {
//			return session.NewMemory(cfg, now)
//		})
//	}
package sessiontest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/rbac"
	"github.com/samo-brain/samo/internal/session"
)

// NewStore returns an empty store with cfg's timeouts and clock now.
type NewStore func(t *testing.T, cfg session.Config, now func() time.Time) session.Store

// Clock is a settable clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at a fixed date.
func NewClock() *Clock { return &Clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock by d (backwards when negative).
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Run runs the suite against the stores newStore returns.
func Run(t *testing.T, newStore NewStore) {
	t.Run("RoundTrip", func(t *testing.T) { roundTrip(t, newStore) })
	t.Run("Timeouts", func(t *testing.T) { timeouts(t, newStore) })
	t.Run("ExpiredIsDeleted", func(t *testing.T) { expiredIsDeleted(t, newStore) })
	t.Run("PerKeyLimit", func(t *testing.T) { perKeyLimit(t, newStore) })
	t.Run("Flash", func(t *testing.T) { flash(t, newStore) })
	t.Run("Delete", func(t *testing.T) { deletes(t, newStore) })
	t.Run("ListKey", func(t *testing.T) { listKey(t, newStore) })
}

// create stores a new session of keyID at the clock's time and returns its
// id.
func create(t *testing.T, s session.Store, clk *Clock, keyID string) string {
	t.Helper()
	id := session.NewID()
	now := clk.Now()
	err := s.Create(context.Background(), session.KeyOf(id), session.Session{UserID: "usr_1", UserName: "alice",
		Role: rbac.RoleAdmin, KeyID: keyID, Created: now, LastSeen: now})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return id
}

func get(t *testing.T, s session.Store, id string) (session.Session, bool) {
	t.Helper()
	v, ok, err := s.Get(context.Background(), session.KeyOf(id))
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return v, ok
}

// near reports whether a and b are within a millisecond (stores may keep
// times to the millisecond).
func near(a, b time.Time) bool { return a.Sub(b).Abs() < time.Millisecond }

func roundTrip(t *testing.T, newStore NewStore) {
	clk := NewClock()
	s := newStore(t, session.Config{}, clk.Now)
	created := clk.Now()
	id := session.NewID()
	want := session.Session{UserID: "usr_7", UserName: "Zoë <admin>", Role: rbac.RoleAnalyst, KeyID: "key_7", Created: created, LastSeen: created}
	if err := s.Create(context.Background(), session.KeyOf(id), want); err != nil {
		t.Fatal(err)
	}
	clk.Add(3 * time.Minute)
	got, ok := get(t, s, id)
	if !ok {
		t.Fatal("Get: no session right after Create")
	}
	if got.UserID != want.UserID || got.UserName != want.UserName || got.Role != want.Role || got.KeyID != want.KeyID ||
		!near(got.Created, created) || !near(got.LastSeen, clk.Now()) {
		t.Errorf("Get = %+v, want %+v with LastSeen %v", got, want, clk.Now())
	}
	if _, ok := get(t, s, session.NewID()); ok {
		t.Error("Get found a session under an unknown id")
	}
}

func timeouts(t *testing.T, newStore NewStore) {
	repeat := func(d time.Duration, n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = d
		}
		return out
	}
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
		clk := NewClock()
		s := newStore(t, session.Config{}, clk.Now)
		id := create(t, s, clk, "key_a")
		alive := true
		for _, d := range c.steps {
			clk.Add(d)
			if _, ok := get(t, s, id); !ok {
				alive = false
				break
			}
		}
		if alive != c.alive {
			t.Errorf("%s: alive = %v, want %v", c.name, alive, c.alive)
		}
	}
}

// expiredIsDeleted: a session found expired is gone, not just hidden: with
// the clock set back it stays gone.
func expiredIsDeleted(t *testing.T, newStore NewStore) {
	clk := NewClock()
	s := newStore(t, session.Config{Idle: time.Minute, Absolute: time.Hour}, clk.Now)
	id := create(t, s, clk, "key_a")
	clk.Add(time.Minute)
	if _, ok := get(t, s, id); ok {
		t.Fatal("session alive after its idle timeout")
	}
	clk.Add(-50 * time.Second)
	if _, ok := get(t, s, id); ok {
		t.Error("an expired session came back when the clock went back: it was not deleted")
	}
}

// perKeyLimit: past session.MaxPerKey the key's least recently used
// session ends, not its oldest, and other keys are not touched.
func perKeyLimit(t *testing.T, newStore NewStore) {
	clk := NewClock()
	s := newStore(t, session.Config{}, clk.Now)
	other := create(t, s, clk, "key_other")
	var ids []string
	for range session.MaxPerKey {
		clk.Add(time.Second)
		ids = append(ids, create(t, s, clk, "key_busy"))
	}
	clk.Add(time.Second)
	get(t, s, ids[0]) // the oldest is used again: ids[1] is now the least recently used
	clk.Add(time.Second)
	extra := create(t, s, clk, "key_busy")
	for i, id := range append(ids, extra) {
		_, ok := get(t, s, id)
		if want := i != 1; ok != want {
			t.Errorf("session %d of %d of one key: alive %v, want %v (the least recently used ends)", i, session.MaxPerKey+1, ok, want)
		}
	}
	if _, ok := get(t, s, other); !ok {
		t.Error("another key's session ended")
	}
}

func flash(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	clk := NewClock()
	s := newStore(t, session.Config{}, clk.Now)
	id := create(t, s, clk, "key_a")
	k := session.KeyOf(id)
	if msg, kind, err := s.TakeFlash(ctx, k); err != nil || msg != "" || kind != "" {
		t.Errorf("TakeFlash with no notice = %q %q %v, want empty", msg, kind, err)
	}
	if err := s.SetFlash(ctx, k, "Key revoked: key_9 & \"co\"", "ok"); err != nil {
		t.Fatal(err)
	}
	if msg, kind, err := s.TakeFlash(ctx, k); err != nil || msg != "Key revoked: key_9 & \"co\"" || kind != "ok" {
		t.Errorf("TakeFlash = %q %q %v, want the notice", msg, kind, err)
	}
	if msg, _, _ := s.TakeFlash(ctx, k); msg != "" {
		t.Errorf("second TakeFlash = %q, want empty", msg)
	}
	if _, ok := get(t, s, id); !ok {
		t.Error("the session ended with its notice")
	}
	gone := session.KeyOf(session.NewID())
	if err := s.SetFlash(ctx, gone, "x", "ok"); err != nil {
		t.Errorf("SetFlash on no session: %v", err)
	}
	if _, ok, _ := s.Get(ctx, gone); ok {
		t.Error("SetFlash created a session")
	}
}

func deletes(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	clk := NewClock()
	s := newStore(t, session.Config{}, clk.Now)
	if err := s.DeleteAll(ctx); err != nil {
		t.Errorf("DeleteAll with no session: %v", err)
	}
	var a []string
	for range 3 {
		a = append(a, create(t, s, clk, "key_a"))
	}
	b, c := create(t, s, clk, "key_b"), create(t, s, clk, "key_b")
	if err := s.DeleteKey(ctx, "key_a"); err != nil {
		t.Fatal(err)
	}
	for _, id := range a {
		if _, ok := get(t, s, id); ok {
			t.Error("a session of a deleted key survived")
		}
	}
	if err := s.Delete(ctx, session.KeyOf(b)); err != nil {
		t.Fatal(err)
	}
	if _, ok := get(t, s, b); ok {
		t.Error("a deleted session was found")
	}
	if _, ok := get(t, s, c); !ok {
		t.Error("Delete ended another session of the same key")
	}
	if err := s.Delete(ctx, session.KeyOf(b)); err != nil {
		t.Errorf("Delete of a deleted session: %v", err)
	}
	if err := s.DeleteKey(ctx, "key_none"); err != nil {
		t.Errorf("DeleteKey of a key without sessions: %v", err)
	}
	// A key deleted and signed in again holds a fresh set of sessions.
	if err := s.DeleteKey(ctx, "key_b"); err != nil {
		t.Fatal(err)
	}
	for range session.MaxPerKey {
		create(t, s, clk, "key_b")
	}
	if _, ok := get(t, s, c); ok {
		t.Error("a session of a deleted key came back")
	}
	x, y := create(t, s, clk, "key_x"), create(t, s, clk, "key_y")
	if err := s.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{x, y} {
		if _, ok := get(t, s, id); ok {
			t.Error("a session survived DeleteAll")
		}
	}
	for range session.MaxPerKey {
		create(t, s, clk, "key_x")
	}
	if _, ok := get(t, s, x); ok {
		t.Error("a session ended by DeleteAll came back")
	}
}

// listKey: a key's live sessions, most recently used first, with their
// store keys; other keys' and ended sessions are not listed, and listing
// marks nothing used.
func listKey(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	clk := NewClock()
	s := newStore(t, session.Config{Idle: time.Hour}, clk.Now)
	old := create(t, s, clk, "key_a")
	clk.Add(time.Minute)
	ended := create(t, s, clk, "key_a")
	clk.Add(time.Minute)
	recent := create(t, s, clk, "key_a")
	create(t, s, clk, "key_b")
	if err := s.Delete(ctx, session.KeyOf(ended)); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	if _, ok := get(t, s, old); !ok { // old is now the most recently used
		t.Fatal("Get old")
	}
	usedAt := clk.Now()
	clk.Add(time.Minute)
	ls, err := s.ListKey(ctx, "key_a")
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].Key != session.KeyOf(old) || ls[1].Key != session.KeyOf(recent) {
		t.Fatalf("ListKey = %+v, want old (used last) then recent", ls)
	}
	if ls[0].KeyID != "key_a" || ls[0].UserName != "alice" || !near(ls[0].LastSeen, usedAt) || !near(ls[1].LastSeen, ls[1].Created) {
		t.Errorf("ListKey sessions %+v, %+v; want key_a's with their own times", ls[0].Session, ls[1].Session)
	}
	if again, err := s.ListKey(ctx, "key_a"); err != nil || !near(again[0].LastSeen, usedAt) {
		t.Errorf("a second ListKey = %+v, %v; listing must not mark sessions used", again, err)
	}
	clk.Add(time.Hour) // both idle past the timeout
	if ls, err := s.ListKey(ctx, "key_a"); err != nil || len(ls) != 0 {
		t.Errorf("ListKey after the idle timeout = %+v, %v; want none", ls, err)
	}
	if ls, err := s.ListKey(ctx, "key_none"); err != nil || len(ls) != 0 {
		t.Errorf("ListKey of a key without sessions = %+v, %v", ls, err)
	}
}
