package store

import (
	"context"
	"fmt"
	"testing"
)

func TestStmtCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, "", t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.rc == nil {
		t.Fatal("SQLite store has no statement cache")
	}
	c := newStmtCache(s.r)
	defer c.close()

	a := c.get(ctx, "SELECT 1")
	b := c.get(ctx, "SELECT 1")
	if a == nil || a != b {
		t.Errorf("same SQL: got %p then %p, want one cached statement", a, b)
	}
	var one int
	if err := a.QueryRowContext(ctx).Scan(&one); err != nil || one != 1 {
		t.Errorf("cached statement: %d, %v; want 1, nil", one, err)
	}
	if st := c.get(ctx, "SELEKT nonsense"); st != nil {
		t.Errorf("invalid SQL was cached")
	}
	for i := 0; len(c.m) < maxCachedStatements; i++ {
		if c.get(ctx, fmt.Sprintf("SELECT %d", i)) == nil {
			t.Fatalf("statement %d not cached below the bound", i)
		}
	}
	if st := c.get(ctx, "SELECT 'past the bound'"); st != nil {
		t.Errorf("cache grew past %d statements", maxCachedStatements)
	}
	if c.get(ctx, "SELECT 1") != a {
		t.Errorf("a cached statement was lost when the cache filled")
	}
	if err := c.close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if len(c.m) != 0 {
		t.Errorf("close left %d statements", len(c.m))
	}
}

// TestCachedReadsSeeWrites checks that prepared reads on the read pool see
// rows committed afterwards through the writer (no stale snapshot).
func TestCachedReadsSeeWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, "", t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	count := func() int {
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			t.Fatalf("count: %v", err)
		}
		return n
	}
	for want := 0; want < 3; want++ {
		if got := count(); got != want {
			t.Fatalf("users = %d, want %d", got, want)
		}
		if _, err := s.exec(ctx, `INSERT INTO users (id, name, role, created_at) VALUES (?, ?, 'user', 1)`,
			fmt.Sprintf("u%d", want), fmt.Sprintf("name%d", want)); err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
}
