package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the dialect's migrations in order.
func migrations(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: bad migration file name %q", name)
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	// Numbers are reserved per change and may land out of order, so gaps
	// are allowed; duplicates are not.
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("store: two migrations numbered %d: %q, %q", ms[i].version, ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// migrate applies every migration not yet recorded in schema_migrations, in
// number order, each in its own transaction. Numbers may have gaps (they are
// reserved per change and can land out of order); a database that recorded a
// migration this binary does not have is refused.
func (s *Store) migrate(ctx context.Context) error {
	err := s.tx(ctx, func(t *txn) error {
		if s.dialect == Postgres {
			// CREATE TABLE IF NOT EXISTS is not safe against itself on
			// PostgreSQL: replicas starting together would collide.
			if _, err := t.exec(ctx, `SELECT pg_advisory_xact_lock(7470)`); err != nil {
				return err
			}
		}
		_, err := t.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	missing, err := s.pending(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, m := range missing {
		err := s.tx(ctx, func(t *txn) error {
			if s.dialect == Postgres {
				// Serialise concurrent replicas migrating the same database.
				if _, err := t.exec(ctx, `SELECT pg_advisory_xact_lock(7470)`); err != nil {
					return err
				}
				var done int
				if err := t.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&done); err != nil {
					return err
				}
				if done > 0 {
					return nil
				}
			}
			if _, err := t.t.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			_, err := t.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, ns(s.now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
	}
	return nil
}

// ErrSchemaBehind reports a database that lacks migrations this binary
// needs, opened with Options.NoMigrate.
var ErrSchemaBehind = errors.New("store: the database schema is behind this binary")

// checkSchema is migrate's check without its changes: every migration of
// this binary must be recorded, and none it does not know.
func (s *Store) checkSchema(ctx context.Context) error {
	missing, err := s.pending(ctx)
	if err != nil {
		return fmt.Errorf("store: check schema (DATABASE_MIGRATE=false; a new database needs `samo init` with the owner role first): %w", err)
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %d migration(s) not applied (%s …); run `samo init` with the owner role (DATABASE_MIGRATE=false here)",
			ErrSchemaBehind, len(missing), missing[0].name)
	}
	return nil
}

// pending returns this binary's migrations that schema_migrations does not
// record, in number order, and refuses a database that recorded one this
// binary does not know (a newer binary migrated it).
func (s *Store) pending(ctx context.Context) ([]migration, error) {
	ms, err := migrations(s.dialect)
	if err != nil {
		return nil, err
	}
	applied, err := s.appliedVersions(ctx)
	if err != nil {
		return nil, err
	}
	known := make(map[int]bool, len(ms))
	var missing []migration
	for _, m := range ms {
		known[m.version] = true
		if !applied[m.version] {
			missing = append(missing, m)
		}
	}
	for v := range applied {
		if !known[v] {
			return nil, fmt.Errorf("database has migration %d, which this binary does not know (it is newer than this binary)", v)
		}
	}
	return missing, nil
}

// appliedVersions returns the versions recorded in schema_migrations.
func (s *Store) appliedVersions(ctx context.Context) (map[int]bool, error) {
	rows, err := s.w.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, s.wrap(err)
		}
		out[v] = true
	}
	return out, s.wrap(rows.Err())
}

// SchemaVersion returns the highest applied migration version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, s.wrap(err)
}
