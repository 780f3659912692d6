package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrCorrupt reports an SQLite file that fails its integrity check.
var ErrCorrupt = errors.New("store: database integrity check failed")

// SnapshotSQLite writes a consistent copy of the SQLite database at src to
// the new file dst with VACUUM INTO: one read transaction, so the copy is
// the database as of one instant even while a server writes to it (WAL
// readers do not block writers). dst must not exist.
func SnapshotSQLite(ctx context.Context, src, dst string) error {
	if strings.ContainsAny(src, "?#") {
		return errors.New("store: sqlite path must not contain '?' or '#'")
	}
	db, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("store: snapshot: %w", err)
	}
	return nil
}

// CheckSQLite opens the SQLite file at path read-only and runs PRAGMA
// integrity_check; a database that is not "ok" is ErrCorrupt with the
// first problems reported.
func CheckSQLite(ctx context.Context, path string) error {
	if strings.ContainsAny(path, "?#") {
		return errors.New("store: sqlite path must not contain '?' or '#'")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("store: check: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check(5)`)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrCorrupt, strings.Join(problems, "; "))
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
		return fmt.Errorf("%w: not a SAMO database (no migrations recorded)", ErrCorrupt)
	}
	return nil
}
