package store

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"
)

// PostgreSQL specifics. SQLite serialises every write transaction (one
// writer connection, BEGIN IMMEDIATE); PostgreSQL runs them concurrently at
// READ COMMITTED, so read-then-write transactions take explicit locks there:
// forUpdate on rows that exist, advisory transaction locks (lockName) on
// names whose row may not exist yet.

// Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)).
// 7470 (one bigint key) serialises migrations.
const (
	lockIPBlock       = 7471 // per blocked address: Escalate
	lockRefreshFamily = 7472 // per refresh family: CreateRefresh vs RevokeFamily
)

// forUpdate returns the row-locking suffix for a SELECT inside a write
// transaction: " FOR UPDATE" on PostgreSQL, nothing on SQLite (whose write
// transactions are already exclusive).
func (s *Store) forUpdate() string {
	if s.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// lockName takes a PostgreSQL advisory lock on (space, name) until the
// transaction ends; a no-op on SQLite. Distinct names may share a hash and
// then merely wait for each other.
func (t *txn) lockName(ctx context.Context, space int, name string) error {
	if t.s.dialect != Postgres {
		return nil
	}
	_, err := t.exec(ctx, `SELECT pg_advisory_xact_lock(?, hashtext(?))`, space, name)
	return err
}

// postgresDSN adds SAMO's per-connection settings to url unless the
// operator's URL sets them: statement_timeout (every statement, so a stuck
// query cannot hold a connection and its locks), connect_timeout (seconds),
// and idle_in_transaction_session_timeout (a transaction abandoned by a
// crashed client releases its locks). TLS comes from the URL itself
// (sslmode=require, verify-ca, verify-full, sslrootcert=...) and is pgx's.
func postgresDSN(raw string, statementTimeout time.Duration) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("store: DATABASE_URL is not a valid URL") // never echo the URL: it holds the password
	}
	q := u.Query()
	def := func(k, v string) {
		if !q.Has(k) {
			q.Set(k, v)
		}
	}
	def("statement_timeout", strconv.FormatInt(statementTimeout.Milliseconds(), 10))
	def("connect_timeout", "5")
	def("idle_in_transaction_session_timeout", strconv.FormatInt((2*statementTimeout).Milliseconds(), 10))
	def("application_name", "samo")
	u.RawQuery = q.Encode()
	return u.String(), nil
}
