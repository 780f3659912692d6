package store

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/samo-brain/samo/internal/testdep"
)

// testUpgrade writes, on each backend, a database as an earlier release
// left it — this binary's migrations but those skip names, recorded in
// schema_migrations — runs seed in it, then opens it with this release
// (SQLite: Open; PostgreSQL: migrate) and hands the store to check.
func testUpgrade(t *testing.T, skip func(version int) bool, seed []string, check func(*testing.T, *Store)) {
	t.Helper()
	ctx := context.Background()
	previous := func(t *testing.T, db *sql.DB, d Dialect) {
		t.Helper()
		ms, err := migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if skip(m.version) {
				continue
			}
			if _, err := db.ExecContext(ctx, m.sql); err != nil {
				t.Fatalf("%s: %v", m.name, err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations VALUES ($1, $2, 0)`, m.version, m.name); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range seed {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "samo.db"))
		if err != nil {
			t.Fatal(err)
		}
		previous(t, db, SQLite)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		st, err := Open(ctx, "", dir, Options{})
		if err != nil {
			t.Fatalf("open a database of the previous release: %v", err)
		}
		defer st.Close()
		check(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		url := os.Getenv("SAMO_TEST_POSTGRES_URL")
		if url == "" {
			testdep.Missing(t, "SAMO_TEST_POSTGRES_URL not set (make test starts a PostgreSQL)")
		}
		st := emptyPostgresSchema(t, url)
		previous(t, st.w, Postgres)
		if err := st.migrate(ctx); err != nil {
			t.Fatalf("migrate a database of the previous release: %v", err)
		}
		check(t, st)
	})
}

// emptyPostgresSchema opens a schema of its own on url (openPostgresSchema)
// and drops every table in it, for a test that writes an earlier release's
// schema by hand.
func emptyPostgresSchema(t *testing.T, url string) *Store {
	t.Helper()
	st, err := openPostgresSchema(t, url)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	if _, err := st.w.ExecContext(context.Background(), `DO $$ DECLARE r record; BEGIN
		FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
			EXECUTE 'DROP TABLE ' || quote_ident(r.tablename) || ' CASCADE'; END LOOP; END $$`); err != nil {
		t.Fatal(err)
	}
	return st
}
