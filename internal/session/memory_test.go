package session_test

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

func TestMemoryConformance(t *testing.T) {
	sessiontest.Run(t, func(_ *testing.T, cfg session.Config, now func() time.Time) session.Store {
		return session.NewMemory(cfg, now)
	})
}

// TestMemoryMax: a full table first drops expired sessions, then refuses
// with ErrFull.
func TestMemoryMax(t *testing.T) {
	ctx := context.Background()
	clk := sessiontest.NewClock()
	s := session.NewMemory(session.Config{Max: 20}, clk.Now)
	add := func(keyID string) error {
		now := clk.Now()
		return s.Create(ctx, session.KeyOf(session.NewID()), session.Session{UserID: "usr_1", Role: rbac.RoleAdmin, KeyID: keyID, Created: now, LastSeen: now})
	}
	for i := range 20 {
		if err := add("key_" + string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := add("key_new"); !errors.Is(err, session.ErrFull) {
		t.Errorf("Create in a full table: %v, want ErrFull", err)
	}
	clk.Add(session.DefaultIdle)
	if err := add("key_new"); err != nil {
		t.Errorf("Create after every session went idle: %v", err)
	}
	if got := s.Len(); got != 1 {
		t.Errorf("after the sweep: %d sessions, want 1", got)
	}
}

func TestIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		id := session.NewID()
		if !session.ValidID(id) || len(id) != 43 {
			t.Fatalf("id %q: valid=%v len=%d, want a valid 43-character id", id, session.ValidID(id), len(id))
		}
		if seen[id] {
			t.Fatalf("id %q issued twice", id)
		}
		seen[id] = true
	}
	for _, b := range []string{"", "short", strings.Repeat("A", 42), strings.Repeat("A", 44), strings.Repeat("A", 42) + "=", strings.Repeat("A", 42) + "+"} {
		if session.ValidID(b) {
			t.Errorf("ValidID(%q) = true", b)
		}
	}
	// Each edge of the base64url alphabet is accepted, the characters just
	// outside it are not.
	pad := strings.Repeat("A", 42)
	for _, c := range "azAZ09-_" {
		if !session.ValidID(pad + string(c)) {
			t.Errorf("ValidID(...%c) = false", c)
		}
	}
	for _, c := range "`{@[/:.+= " {
		if session.ValidID(pad + string(c)) {
			t.Errorf("ValidID(...%c) = true", c)
		}
	}
}

// TestSortListed: the most recently used first; equal times by key, so
// the order never depends on a map's.
func TestSortListed(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	l := func(b byte, seen time.Duration) session.Listed {
		return session.Listed{Key: session.Key{b}, Session: session.Session{LastSeen: at.Add(seen)}}
	}
	ls := []session.Listed{l(9, 0), l(1, time.Minute), l(5, 0), l(3, 2*time.Minute), l(7, time.Minute), l(2, 0)}
	session.SortListed(ls)
	var got []byte
	for _, x := range ls {
		got = append(got, x.Key[0])
	}
	if want := []byte{3, 1, 7, 2, 5, 9}; string(got) != string(want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// TestParseKey: a key's hexadecimal form reads back; anything else of
// another length or alphabet is no key.
func TestParseKey(t *testing.T) {
	k := session.KeyOf(session.NewID())
	if got, ok := session.ParseKey(k.String()); !ok || got != k || len(k.String()) != 64 {
		t.Fatalf("ParseKey(%s) = %v, %v", k, got, ok)
	}
	for _, bad := range []string{"", k.String()[:62], k.String() + "00", strings.Repeat("g", 64)} {
		if _, ok := session.ParseKey(bad); ok {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
}

// TestEndKeys: every session of the given keys ends but the one kept, and
// is counted; other keys' sessions stay; a store error stops it.
func TestEndKeys(t *testing.T) {
	ctx := context.Background()
	clk := sessiontest.NewClock()
	s := session.NewMemory(session.Config{}, clk.Now)
	add := func(keyID string) session.Key {
		t.Helper()
		k, now := session.KeyOf(session.NewID()), clk.Now()
		if err := s.Create(ctx, k, session.Session{UserID: "usr_1", Role: rbac.RoleAdmin, KeyID: keyID, Created: now, LastSeen: now}); err != nil {
			t.Fatal(err)
		}
		return k
	}
	a1, _, b1, other := add("key_a"), add("key_a"), add("key_b"), add("key_other")
	n, err := session.EndKeys(ctx, s, []string{"key_a", "key_b"}, a1)
	if err != nil || n != 2 {
		t.Fatalf("EndKeys = %d, %v; want 2 ended", n, err)
	}
	for k, want := range map[session.Key]bool{a1: true, b1: false, other: true} {
		if _, ok, err := s.Get(ctx, k); err != nil || ok != want {
			t.Errorf("session %s live = %v, %v; want %v", k, ok, err, want)
		}
	}
	if n, err := session.EndKeys(ctx, s, []string{"key_a"}, session.Key{}); err != nil || n != 1 {
		t.Errorf("EndKeys keeping none = %d, %v; want the last one ended", n, err)
	}
	boom := errors.New("store down")
	if n, err := session.EndKeys(ctx, failingList{s, boom}, []string{"key_other"}, session.Key{}); !errors.Is(err, boom) || n != 0 {
		t.Errorf("EndKeys over a failing store = %d, %v; want 0 and its error", n, err)
	}
	if n, err := session.EndKeys(ctx, failingDelete{s, boom}, []string{"key_other"}, session.Key{}); !errors.Is(err, boom) || n != 0 {
		t.Errorf("EndKeys over a store that cannot delete = %d, %v; want 0 and its error", n, err)
	}
}

// failingList is a Store whose ListKey fails.
type failingList struct {
	session.Store
	err error
}

func (f failingList) ListKey(context.Context, string) ([]session.Listed, error) { return nil, f.err }

// failingDelete is a Store whose Delete fails.
type failingDelete struct {
	session.Store
	err error
}

func (f failingDelete) Delete(context.Context, session.Key) error { return f.err }
