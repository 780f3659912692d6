package store

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
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
// (sslmode=require, verify-ca, verify-full, sslrootcert=...) and is pgx's;
// postgresTLS adds the roots and client certificate of Options.
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

// postgresTLS completes the TLS configuration pgx parsed from the URL, for
// every host it may try (fallbacks included) that uses TLS: roots verifies
// the server when the URL names no sslrootcert= (pgx then left RootCAs
// nil), and cert is presented when the URL names no sslcert= of its own
// and sslcertmode is not disable. What the URL says wins; sslmode still
// decides whether TLS is used and what is verified.
func postgresTLS(cfg *pgconn.Config, roots *x509.CertPool, cert *tls.Certificate) {
	configs := []*tls.Config{cfg.TLSConfig}
	for _, fb := range cfg.Fallbacks {
		configs = append(configs, fb.TLSConfig)
	}
	for _, tc := range configs {
		if tc == nil {
			continue
		}
		if tc.RootCAs == nil && roots != nil {
			tc.RootCAs = roots // in place: pgx's verify-ca check reads this config's RootCAs
		}
		if cert != nil && len(tc.Certificates) == 0 && tc.GetClientCertificate == nil && cfg.SSLCertMode != "disable" {
			tc.Certificates = []tls.Certificate{*cert}
		}
	}
}
