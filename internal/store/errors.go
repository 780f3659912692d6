package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Error classification. Driver errors are mapped onto ErrConflict and
// ErrUnavailable by their codes and types, never by their message text, and
// wrapped with %w so the driver's error stays in the chain for errors.As.

// wrap maps driver errors onto the package's sentinels, keeping the cause.
// A missing row becomes ErrNotFound; a cancelled or expired context is
// returned as it is; anything unclassified is returned unchanged.
func (s *Store) wrap(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if sentinel := s.classify(err); sentinel != nil {
		return fmt.Errorf("%w: %w", sentinel, err)
	}
	return err
}

// classify returns the sentinel err belongs to, or nil.
func (s *Store) classify(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return sqliteClass(se.Code())
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return postgresClass(pe.Code)
	}
	// database/sql's "database is closed" error is unexported: a store
	// whose Close has begun answers every later call as unavailable.
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) || s.closed.Load() {
		return ErrUnavailable
	}
	if s.dialect == Postgres && postgresConnFailure(err) {
		return ErrUnavailable
	}
	return nil
}

// sqliteClass classifies an SQLite result code. The driver reports
// extended codes (SQLITE_CONSTRAINT_UNIQUE, SQLITE_IOERR_WRITE, …); their
// low byte is the primary code.
func sqliteClass(code int) error {
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return ErrConflict
	}
	switch code & 0xff {
	case sqlite3.SQLITE_FULL, // disk (or the database's page limit) is full
		sqlite3.SQLITE_READONLY, // read-only file, directory or mount
		sqlite3.SQLITE_CANTOPEN, // file or its directory gone or not accessible
		sqlite3.SQLITE_IOERR,    // the OS failed a read, write or sync
		sqlite3.SQLITE_NOMEM,    // out of memory
		sqlite3.SQLITE_BUSY:     // still locked by another process after busy_timeout: retry later
		return ErrUnavailable
	}
	return nil
}

// postgresClass classifies a PostgreSQL SQLSTATE: a unique violation is a
// conflict; the database could not serve the statement (down, restarting,
// overloaded, timed out, a read-only standby, a transaction to retry) is
// unavailability. Everything else means the statement itself failed.
func postgresClass(code string) error {
	switch {
	case code == "23505": // unique_violation
		return ErrConflict
	case strings.HasPrefix(code, "08"), // connection exception
		strings.HasPrefix(code, "53"),    // insufficient resources (too many connections, disk full, out of memory)
		strings.HasPrefix(code, "57P"),   // admin/crash shutdown, cannot connect now
		code == "57014",                  // query canceled (statement_timeout)
		code == "25006",                  // read-only transaction (a standby after failover)
		code == "40001", code == "40P01": // serialization failure, deadlock: retry later
		return ErrUnavailable
	}
	return nil
}

// postgresConnFailure reports whether err (not a server error) means the
// database could not be reached or the connection broke.
func postgresConnFailure(err error) bool {
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || pgconn.Timeout(err)
}
