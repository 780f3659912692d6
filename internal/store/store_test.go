package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/testdep"
)

// backendNames lists the configured backends: SQLite always, PostgreSQL
// when SAMO_TEST_POSTGRES_URL is set (make test starts one).
func backendNames() []string {
	if os.Getenv("SAMO_TEST_POSTGRES_URL") != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// backend opens a fresh store of one backend, skipping the test when that
// backend is not configured. Each PostgreSQL store gets its own schema so
// tests never see each other's rows.
func backend(t *testing.T, name string) *Store {
	t.Helper()
	switch name {
	case "sqlite":
		sq, err := Open(context.Background(), "", t.TempDir(), Options{})
		if err != nil {
			t.Fatalf("open sqlite: %v", err)
		}
		t.Cleanup(func() { sq.Close() })
		return sq
	case "postgres":
		url := os.Getenv("SAMO_TEST_POSTGRES_URL")
		if url == "" {
			testdep.Missing(t, "SAMO_TEST_POSTGRES_URL not set (make test starts a PostgreSQL)")
		}
		pg, err := openPostgresSchema(t, url)
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		return pg
	}
	t.Fatalf("unknown backend %q", name)
	return nil
}

// backends returns a fresh store for each configured backend.
// Without SAMO_TEST_POSTGRES_URL the PostgreSQL backend is not dropped
// silently: a "postgres" subtest reports it missing (a skip that make test's
// summary lists, or a failure under CI=true).
func backends(t *testing.T) map[string]*Store {
	t.Helper()
	out := map[string]*Store{}
	for _, name := range backendNames() {
		out[name] = backend(t, name)
	}
	if _, ok := out["postgres"]; !ok {
		t.Run("postgres", func(t *testing.T) {
			testdep.Missing(t, "SAMO_TEST_POSTGRES_URL not set (make test starts a PostgreSQL)")
		})
	}
	return out
}

// openPostgresSchema creates a throwaway schema and opens a store whose
// connections use it.
func openPostgresSchema(t *testing.T, url string) (*Store, error) {
	t.Helper()
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := Open(ctx, url, "", Options{MaxConns: 2})
	if err != nil {
		return nil, err
	}
	if _, err := admin.w.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return nil, err
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	st, err := Open(ctx, url+sep+"search_path="+schema, "", Options{MaxConns: 4})
	if err != nil {
		admin.Close()
		return nil, err
	}
	t.Cleanup(func() {
		st.Close()
		_, _ = admin.w.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	})
	return st, nil
}

func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		s, err := Open(ctx, "", dir, Options{})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("SchemaVersion = %d, %v", v, err)
		}
		s.Close()
	}
	fi, err := os.Stat(dir + "/samo.db")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("samo.db mode = %v, want owner-only", fi.Mode().Perm())
	}
}

func TestRebind(t *testing.T) {
	t.Parallel()
	pg := &Store{dialect: Postgres}
	if got, want := pg.rebind(`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`), `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`; got != want {
		t.Errorf("rebind = %q, want %q", got, want)
	}
	sq := &Store{dialect: SQLite}
	if got := sq.rebind(`x = ?`); got != `x = ?` {
		t.Errorf("sqlite rebind changed the query: %q", got)
	}
}

func TestTimeRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 5, 0, 0, 123456789, time.UTC)
	if got := fromNS(ns(now)); !got.Equal(now) {
		t.Errorf("fromNS(ns(t)) = %v, want %v", got, now)
	}
	if !fromNS(ns(time.Time{})).IsZero() {
		t.Error("zero time does not round-trip")
	}
}

// TestSQLiteConnectionSettings reads back the settings every SQLite
// connection must run with: durability (WAL, synchronous=FULL), the reader
// connections' read-only mode, no memory map (docs/storage.md, "Searching
// while predictions are written") and the writer's page cache.
func TestSQLiteConnectionSettings(t *testing.T) {
	t.Parallel()
	s := backend(t, "sqlite")
	ctx := context.Background()
	pragma := func(db interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}, name string) string {
		t.Helper()
		var v string
		if err := db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	for _, c := range []struct {
		conn string
		db   *sql.DB
		want map[string]string
	}{
		{"writer", s.w, map[string]string{"journal_mode": "wal", "synchronous": "2", "query_only": "0",
			"mmap_size": "0", "cache_size": "-16384", "foreign_keys": "1"}},
		{"reader", s.r, map[string]string{"journal_mode": "wal", "synchronous": "2", "query_only": "1",
			"mmap_size": "0", "foreign_keys": "1"}},
	} {
		for name, want := range c.want {
			if got := pragma(c.db, name); got != want {
				t.Errorf("%s connection: PRAGMA %s = %s, want %s", c.conn, name, got, want)
			}
		}
	}
}

// TestSQLiteReadersStayOpen: the read connections used in a burst stay
// open afterwards, so the next burst does not reopen them.
func TestSQLiteReadersStayOpen(t *testing.T) {
	t.Parallel()
	s, err := Open(context.Background(), "", t.TempDir(), Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var held []*sql.Conn
	for range 4 {
		c, err := s.r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if st := s.r.Stats(); st.OpenConnections != 4 || st.MaxIdleClosed != 0 {
		t.Errorf("after a burst of 4: %d reader connections open, %d closed as surplus idle; want 4 and 0", st.OpenConnections, st.MaxIdleClosed)
	}
}
