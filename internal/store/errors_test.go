package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/samo-brain/samo/internal/testdep"
)

// sentinelOf names the sentinel err wraps ("conflict", "unavailable",
// "not found") or "" when it wraps none.
func sentinelOf(err error) string {
	switch {
	case errors.Is(err, ErrConflict):
		return "conflict"
	case errors.Is(err, ErrUnavailable):
		return "unavailable"
	case errors.Is(err, ErrNotFound):
		return "not found"
	}
	return ""
}

// TestSQLiteErrorClasses provokes real SQLite errors and checks each is
// classified by its result code, with the driver's error still in the chain.
func TestSQLiteErrorClasses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := backend(t, "sqlite")
	if _, err := st.w.ExecContext(ctx, `CREATE TABLE errt (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER CHECK (n >= 0), connection TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.exec(ctx, `INSERT INTO errt (id, name, n) VALUES (1, 'a', 1)`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	cases := []struct {
		name     string
		provoke  func() error
		want     string // sentinel, "" for none
		wantCode int    // the driver's code expected in the chain; 0 = no *sqlite.Error
	}{
		{"duplicate unique column", func() error {
			_, err := st.exec(ctx, `INSERT INTO errt (id, name) VALUES (2, 'a')`)
			return err
		}, "conflict", sqlite3.SQLITE_CONSTRAINT_UNIQUE},
		{"duplicate primary key", func() error {
			_, err := st.exec(ctx, `INSERT INTO errt (id, name) VALUES (1, 'b')`)
			return err
		}, "conflict", sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY},
		{"not null violation is no conflict", func() error {
			_, err := st.exec(ctx, `INSERT INTO errt (id, name) VALUES (3, NULL)`)
			return err
		}, "", sqlite3.SQLITE_CONSTRAINT_NOTNULL},
		{"check violation is no conflict", func() error {
			_, err := st.exec(ctx, `INSERT INTO errt (id, name, n) VALUES (4, 'd', -1)`)
			return err
		}, "", sqlite3.SQLITE_CONSTRAINT_CHECK},
		{"error text mentioning connection", func() error {
			_, err := st.exec(ctx, `INSERT INTO errt (id, name, no_connection_column) VALUES (5, 'e', 'x')`)
			return err
		}, "", sqlite3.SQLITE_ERROR},
		{"missing table named connect", func() error {
			rows, err := st.query(ctx, `SELECT 1 FROM connect_failed`)
			if err == nil {
				rows.Close()
			}
			return err
		}, "", sqlite3.SQLITE_ERROR},
		{"write on a read-only connection", func() error {
			_, err := st.r.ExecContext(ctx, `INSERT INTO errt (id, name) VALUES (6, 'f')`)
			return st.wrap(err)
		}, "unavailable", sqlite3.SQLITE_READONLY},
		{"database full", func() error {
			db := rawSQLite(t, filepath.Join(dir, "full.db"), "")
			if _, err := db.Exec(`CREATE TABLE b (v BLOB)`); err != nil {
				return err
			}
			if _, err := db.Exec(`PRAGMA max_page_count = 3`); err != nil {
				return err
			}
			_, err := db.Exec(`INSERT INTO b (v) VALUES (zeroblob(1000000))`)
			return st.wrap(err)
		}, "unavailable", sqlite3.SQLITE_FULL},
		{"cannot open the file", func() error {
			db := rawSQLite(t, filepath.Join(dir, "missing", "x.db"), "")
			return st.wrap(db.Ping())
		}, "unavailable", sqlite3.SQLITE_CANTOPEN},
		{"locked by another writer", func() error {
			path := filepath.Join(dir, "busy.db")
			holder := rawSQLite(t, path, "&_txlock=immediate")
			tx, err := holder.Begin()
			if err != nil {
				return err
			}
			defer tx.Rollback()
			other := rawSQLite(t, path, "&_txlock=immediate&_pragma=busy_timeout(0)")
			tx2, err := other.Begin()
			if err == nil {
				tx2.Rollback()
			}
			return st.wrap(err)
		}, "unavailable", sqlite3.SQLITE_BUSY},
		{"missing row", func() error {
			var n int
			return st.wrap(st.queryRow(ctx, `SELECT n FROM errt WHERE id = 99`).Scan(&n))
		}, "not found", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.provoke()
			if err == nil {
				t.Fatal("no error provoked")
			}
			if got := sentinelOf(err); got != c.want {
				t.Errorf("sentinel = %q, want %q (err %v)", got, c.want, err)
			}
			var se *sqlite.Error
			switch {
			case c.wantCode == 0:
			case !errors.As(err, &se):
				t.Errorf("no *sqlite.Error in the chain of %v", err)
			case se.Code() != c.wantCode && se.Code() != c.wantCode&0xff:
				t.Errorf("driver code = %d, want %d (err %v)", se.Code(), c.wantCode, err)
			}
		})
	}
}

// rawSQLite opens a plain SQLite handle on path (extra, "&k=v…", is
// appended to the DSN), closed at the end of the test.
func rawSQLite(t *testing.T, path, extra string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)"+extra)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSQLiteResultCodes covers the codes no test can provoke portably
// (I/O errors, out of memory) and extended codes of the classified classes.
func TestSQLiteResultCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code int
		want error
	}{
		{sqlite3.SQLITE_CONSTRAINT_UNIQUE, ErrConflict},
		{sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, ErrConflict},
		{sqlite3.SQLITE_CONSTRAINT, nil}, // unknown which constraint: not presented as a conflict
		{sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, nil},
		{sqlite3.SQLITE_IOERR, ErrUnavailable},
		{sqlite3.SQLITE_IOERR_WRITE, ErrUnavailable},
		{sqlite3.SQLITE_IOERR_FSYNC, ErrUnavailable},
		{sqlite3.SQLITE_READONLY_DBMOVED, ErrUnavailable},
		{sqlite3.SQLITE_CANTOPEN_ISDIR, ErrUnavailable},
		{sqlite3.SQLITE_BUSY_SNAPSHOT, ErrUnavailable},
		{sqlite3.SQLITE_NOMEM, ErrUnavailable},
		{sqlite3.SQLITE_FULL, ErrUnavailable},
		{sqlite3.SQLITE_CORRUPT, nil},
		{sqlite3.SQLITE_ERROR, nil},
		{sqlite3.SQLITE_MISMATCH, nil},
	}
	for _, c := range cases {
		if got := sqliteClass(c.code); got != c.want {
			t.Errorf("sqliteClass(%d) = %v, want %v", c.code, got, c.want)
		}
	}
}

// TestClosedStoreUnavailable: calls on a closed store are ErrUnavailable
// (database/sql's "database is closed" error is unexported).
func TestClosedStoreUnavailable(t *testing.T) {
	t.Parallel()
	st, err := Open(context.Background(), "", t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.exec(context.Background(), `SELECT 1`); !errors.Is(err, ErrUnavailable) {
		t.Errorf("exec on a closed store = %v, want ErrUnavailable", err)
	}
	if err := st.Ping(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Ping on a closed store = %v, want ErrUnavailable", err)
	}
}

// TestOpenSQLiteKeepsCause: a data directory that cannot hold the file is
// ErrUnavailable with the OS error still in the chain.
func TestOpenSQLiteKeepsCause(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "plainfile")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), "sqlite:"+filepath.Join(file, "samo.db"), "", Options{})
	var pe *fs.PathError
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &pe) {
		t.Errorf("Open under a regular file = %v, want ErrUnavailable wrapping *fs.PathError", err)
	}
}

// TestPostgresErrorCodes classifies PostgreSQL server and connection errors
// without a server.
func TestPostgresErrorCodes(t *testing.T) {
	t.Parallel()
	pg := &Store{dialect: Postgres}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"unique violation", &pgconn.PgError{Code: "23505"}, "conflict"},
		{"foreign key violation", &pgconn.PgError{Code: "23503"}, ""},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, "unavailable"},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, "unavailable"},
		{"too many connections", &pgconn.PgError{Code: "53300"}, "unavailable"},
		{"disk full", &pgconn.PgError{Code: "53100"}, "unavailable"},
		{"statement timeout", &pgconn.PgError{Code: "57014"}, "unavailable"},
		{"connection failure", &pgconn.PgError{Code: "08006"}, "unavailable"},
		{"read-only standby", &pgconn.PgError{Code: "25006"}, "unavailable"},
		{"deadlock", &pgconn.PgError{Code: "40P01"}, "unavailable"},
		{"syntax error", &pgconn.PgError{Code: "42601"}, ""},
		{"message mentioning connection", &pgconn.PgError{Code: "42P01", Message: `relation "connection" does not exist`}, ""},
		{"bad conn", fmt.Errorf("x: %w", driver.ErrBadConn), "unavailable"},
		{"conn done", sql.ErrConnDone, "unavailable"},
		{"conn closed", fmt.Errorf("x: %w", pgconn.ErrConnClosed), "unavailable"},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, "unavailable"},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), "unavailable"},
		{"eof", io.ErrUnexpectedEOF, "unavailable"},
		{"plain error mentioning connection", errors.New("store: connection column is corrupt"), ""},
		{"missing row", sql.ErrNoRows, "not found"},
		{"cancelled", context.Canceled, ""},
	}
	for _, c := range cases {
		err := pg.wrap(c.err)
		if got := sentinelOf(err); got != c.want {
			t.Errorf("%s: sentinel = %q, want %q (err %v)", c.name, got, c.want, err)
		}
		var pe *pgconn.PgError
		if c.want != "not found" && errors.As(c.err, &pe) && !errors.As(err, &pe) {
			t.Errorf("%s: *pgconn.PgError dropped from the chain of %v", c.name, err)
		}
	}
}

// TestPostgresErrorClasses provokes real PostgreSQL errors.
func TestPostgresErrorClasses(t *testing.T) {
	t.Parallel()
	url := os.Getenv("SAMO_TEST_POSTGRES_URL")
	if url == "" {
		testdep.Missing(t, "SAMO_TEST_POSTGRES_URL not set (make test starts a PostgreSQL)")
	}
	ctx := context.Background()
	st := backend(t, "postgres")
	if _, err := st.w.ExecContext(ctx, `CREATE TABLE errt (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	if _, err := st.exec(ctx, `INSERT INTO errt (id, name) VALUES (1, 'a')`); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		provoke  func() error
		want     string
		wantCode string
	}{
		{"duplicate unique column", func() error {
			_, err := st.exec(ctx, `INSERT INTO errt (id, name) VALUES (2, 'a')`)
			return err
		}, "conflict", "23505"},
		{"duplicate primary key", func() error {
			_, err := st.exec(ctx, `INSERT INTO errt (id, name) VALUES (1, 'b')`)
			return err
		}, "conflict", "23505"},
		{"not null violation", func() error {
			_, err := st.exec(ctx, `INSERT INTO errt (id, name) VALUES (3, NULL)`)
			return err
		}, "", "23502"},
		{"missing relation named connection", func() error {
			_, err := st.exec(ctx, `INSERT INTO connection_refused (id) VALUES (1)`)
			return err
		}, "", "42P01"},
		{"statement timeout", func() error {
			return st.tx(ctx, func(tx *txn) error {
				if _, err := tx.exec(ctx, `SET LOCAL statement_timeout = 10`); err != nil {
					return err
				}
				_, err := tx.exec(ctx, `SELECT pg_sleep(5)`)
				return err
			})
		}, "unavailable", "57014"},
		{"connection terminated by the server", func() error {
			conn, err := st.w.Conn(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			_, err = conn.ExecContext(ctx, `SELECT pg_terminate_backend(pg_backend_pid())`)
			return st.wrap(err)
		}, "unavailable", "57P01"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.provoke()
			if err == nil {
				t.Fatal("no error provoked")
			}
			if got := sentinelOf(err); got != c.want {
				t.Errorf("sentinel = %q, want %q (err %v)", got, c.want, err)
			}
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != c.wantCode {
				t.Errorf("chain of %v lacks *pgconn.PgError %s", err, c.wantCode)
			}
		})
	}
	t.Run("server not listening", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		dead, err := Open(ctx, "postgres://u:p@"+addr+"/db?sslmode=disable", "", Options{StatementTimeout: time.Second})
		if err == nil {
			dead.Close()
			t.Fatal("Open of a closed port succeeded")
		}
		var ce *pgconn.ConnectError
		if !errors.Is(err, ErrUnavailable) || !errors.As(err, &ce) {
			t.Errorf("Open of a closed port = %v, want ErrUnavailable wrapping *pgconn.ConnectError", err)
		}
		if strings.Contains(err.Error(), ":p@") {
			t.Errorf("error echoes the password: %v", err)
		}
	})
}
