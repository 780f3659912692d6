// Package store is SAMO's relational storage: one implementation over
// database/sql with two dialects, SQLite (modernc.org/sqlite, pure Go, WAL)
// for a single machine and PostgreSQL (pgx) for many replicas.
//
// Every query is written once with '?' placeholders, parameterized, with
// explicit columns; rebind rewrites placeholders to $n for PostgreSQL. Times
// are stored as BIGINT unix nanoseconds (UTC) so both dialects order and
// compare them identically. The schema is migrated from numbered files per
// dialect embedded in the binary (migrations/<dialect>/NNNN_name.sql).
//
// SQLite runs with two pools: one writer connection (BEGIN IMMEDIATE, so
// concurrent writers queue instead of failing) and several readers, WAL
// journaling and synchronous=FULL, so an acknowledged write survives kill -9
// and power loss. Statement journals stay in memory (temp_store=MEMORY: they
// only undo one statement inside a transaction), and reads reuse prepared
// statements (stmtcache.go).
//
// Domain packages declare the small interfaces they need (apikey.Store,
// token.RefreshStore, ...); *Store satisfies them, and the package's tests
// run one conformance suite against each dialect.
//
// A prediction is one row (predictions.go): its emotions as a bit set
// (prediction.EmotionBits), its blind-index terms packed into two columns
// (prediction.BlindIndex.Index) and their Bloom filter
// (prediction.TermFilter), under a time-ordered id, so saving one appends
// to the table and to two indexes and nothing else. On SQLite a word search
// of one user also reads search blocks (searchblocks.go): Bloom filters of
// runs of up to 256 of the user's predictions, built in the background and
// dropped by any write that could make them wrong, so the search skips the
// runs that cannot hold the word. Close stops their builder.
package store

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/samo-brain/samo/internal/fault"
)

// Dialect names the SQL engine behind a Store.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Sentinel errors: the backend-neutral ones of package fault, so callers
// classify errors without importing the store.
var (
	// ErrNotFound is returned when a row does not exist (or is not visible to the caller).
	ErrNotFound = fault.ErrNotFound
	// ErrConflict is returned when a unique constraint would be violated.
	ErrConflict = fault.ErrConflict
	// ErrUnavailable wraps connection-level failures (database down, disk full, read-only).
	ErrUnavailable = fault.ErrUnavailable
)

// Store is the relational store. It is safe for concurrent use.
type Store struct {
	dialect Dialect
	w       *sql.DB    // writes (one connection for SQLite)
	r       *sql.DB    // reads
	rc      *stmtCache // prepared reads (SQLite only; nil = none)
	// insertPred is insertPrediction prepared on the SQLite writer
	// connection (nil on PostgreSQL, whose driver caches statements).
	insertPred *sql.Stmt
	// blocks builds the search blocks and dropBlocks, prepared on the
	// writer, drops them (searchblocks.go; SQLite only, nil on PostgreSQL).
	blocks     *blockBuilder
	dropBlocks *sql.Stmt
	now        func() time.Time
	closed     atomic.Bool // Close has begun: later errors are ErrUnavailable
}

// Options tune Open.
type Options struct {
	// MaxConns bounds the PostgreSQL pool (default 20) and SQLite readers (default 4).
	MaxConns int
	// StatementTimeout bounds every statement on PostgreSQL (default 5s).
	StatementTimeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// NoMigrate opens without changing the schema (DATABASE_MIGRATE=false):
	// Open only checks that every migration of this binary is applied, so
	// the runtime role needs no right to create or alter tables; `samo
	// migrate` applies them with the owner role.
	NoMigrate bool
	// RootCAs verifies a PostgreSQL server whose URL has no sslrootcert=
	// of its own (BACKEND_CA_FILE; nil: the system roots). sslmode still
	// decides whether the certificate is verified.
	RootCAs *x509.CertPool
	// ClientCert is presented to PostgreSQL over TLS when the URL names no
	// sslcert= of its own (BACKEND_CLIENT_CERT_FILE): with pg_hba's cert
	// method, the certificate is the credential and the URL needs no
	// password. Nil: none.
	ClientCert *tls.Certificate
}

// Open connects to the database named by url and migrates it. An empty url
// means the SQLite file samo.db in dataDir (created 0700). Accepted forms:
// "postgres://…", "postgresql://…", "sqlite:PATH", "file:PATH".
func Open(ctx context.Context, url, dataDir string, opt Options) (*Store, error) {
	if opt.MaxConns <= 0 {
		opt.MaxConns = 20
	}
	if opt.StatementTimeout <= 0 {
		opt.StatementTimeout = 5 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	var s *Store
	var err error
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s, err = openPostgres(url, opt)
	default:
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "file:")
		if path == "" {
			if err := os.MkdirAll(dataDir, 0o700); err != nil {
				return nil, fmt.Errorf("store: create data dir: %w", err)
			}
			path = filepath.Join(dataDir, "samo.db")
		}
		s, err = openSQLite(path, opt)
	}
	if err != nil {
		return nil, err
	}
	s.now = opt.Now
	migrate := s.migrate
	if opt.NoMigrate {
		migrate = s.checkSchema
	}
	if err := migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if s.dialect == SQLite {
		// Prepared before any transaction can hold the one writer connection.
		if s.insertPred, err = s.w.PrepareContext(ctx, insertPrediction); err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("store: prepare: %w", s.wrap(err))
		}
		if err := s.startBlocks(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// sqliteWriterCache gives the writer a 16 MiB page cache (the default is
// 2 MiB) for the pages it changes and the WAL frames it reads back, so that
// a large store's inserts, spread over many index pages, stay in memory.
const sqliteWriterCache = "&_pragma=cache_size(-16384)"

func openSQLite(path string, opt Options) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, errors.New("store: sqlite path must not contain '?' or '#'")
	}
	pragmas := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=temp_store(2)"
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+sqliteWriterCache+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	n := opt.MaxConns
	if n > 4 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	// Keep them all: a reopened connection reads the schema and prepares
	// its statements again (database/sql keeps 2 by default).
	r.SetMaxIdleConns(n)
	// Create the file with owner-only permissions before the driver does.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) // #nosec G304 -- the database path is operator configuration
	if err != nil {
		_ = w.Close()
		_ = r.Close()
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err := f.Close(); err != nil {
		_ = w.Close()
		_ = r.Close()
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return &Store{dialect: SQLite, w: w, r: r, rc: newStmtCache(r)}, nil
}

func openPostgres(url string, opt Options) (*Store, error) {
	// Timeouts are passed as run-time parameters on every connection.
	dsn, err := postgresDSN(url, opt.StatementTimeout)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// The parse error quotes the URL (password masked); say only why.
		why := "it does not parse as a PostgreSQL URL"
		if cause := errors.Unwrap(err); cause != nil {
			why = cause.Error()
		}
		return nil, fmt.Errorf("store: DATABASE_URL: %s", why)
	}
	postgresTLS(&cfg.Config, opt.RootCAs, opt.ClientCert)
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(opt.MaxConns)
	db.SetMaxIdleConns(opt.MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute) // rebalance after a failover
	return &Store{dialect: Postgres, w: db, r: db}, nil
}

// Dialect reports which engine the store uses.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the connection pools.
func (s *Store) Close() error {
	s.closed.Store(true)
	if s.blocks != nil {
		s.blocks.stop()
	}
	var err error
	if s.dropBlocks != nil {
		err = s.dropBlocks.Close()
	}
	if s.rc != nil {
		err = errors.Join(err, s.rc.close())
	}
	if s.insertPred != nil {
		err = errors.Join(err, s.insertPred.Close())
	}
	err = errors.Join(err, s.w.Close())
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Ping checks that the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var one int
	if err := s.w.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// rebind rewrites '?' placeholders to $1, $2, … for PostgreSQL. Queries are
// constants written in this package, so '?' never appears inside literals.
func (s *Store) rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := s.w.ExecContext(ctx, s.rebind(q), args...)
	return res, s.wrap(err)
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := s.prepared(ctx, q); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, s.wrap(err)
	}
	rows, err := s.r.QueryContext(ctx, s.rebind(q), args...)
	return rows, s.wrap(err)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := s.prepared(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.r.QueryRowContext(ctx, s.rebind(q), args...)
}

// prepared returns the cached prepared statement for the read q, or nil.
func (s *Store) prepared(ctx context.Context, q string) *sql.Stmt {
	if s.rc == nil {
		return nil
	}
	return s.rc.get(ctx, s.rebind(q))
}

// tx runs fn in a write transaction, committing when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(tx *txn) error) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err)
	}
	if err := fn(&txn{t: t, s: s}); err != nil {
		_ = t.Rollback()
		return err
	}
	return s.wrap(t.Commit())
}

// txn is a write transaction with the store's placeholder rewriting.
type txn struct {
	t *sql.Tx
	s *Store
}

func (t *txn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := t.t.ExecContext(ctx, t.s.rebind(q), args...)
	return res, t.s.wrap(err)
}

// stmt returns a function that runs the write q in the transaction,
// through prepared when it is not nil (a statement of the writer pool).
func (t *txn) stmt(ctx context.Context, prepared *sql.Stmt, q string) func(ctx context.Context, args ...any) (sql.Result, error) {
	if prepared == nil {
		return func(ctx context.Context, args ...any) (sql.Result, error) { return t.exec(ctx, q, args...) }
	}
	st := t.t.StmtContext(ctx, prepared)
	return func(ctx context.Context, args ...any) (sql.Result, error) {
		res, err := st.ExecContext(ctx, args...)
		return res, t.s.wrap(err)
	}
}

func (t *txn) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.t.QueryRowContext(ctx, t.s.rebind(q), args...)
}

func (t *txn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := t.t.QueryContext(ctx, t.s.rebind(q), args...)
	return rows, t.s.wrap(err)
}

// ns converts a time to stored nanoseconds; the zero time is stored as 0.
func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// nsPtr converts an optional time to a nullable column value.
func nsPtr(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNS converts stored nanoseconds back to UTC time (0 → zero time).
func fromNS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}

// fromNullNS converts a nullable column to an optional time.
func fromNullNS(v sql.NullInt64) *time.Time {
	if !v.Valid || v.Int64 == 0 {
		return nil
	}
	t := time.Unix(0, v.Int64).UTC()
	return &t
}

// PoolStats returns the connection-pool statistics of the write and read
// pools (one pool on PostgreSQL, reported once as "main").
func (s *Store) PoolStats() map[string]sql.DBStats {
	if s.w == s.r {
		return map[string]sql.DBStats{"main": s.w.Stats()}
	}
	return map[string]sql.DBStats{"write": s.w.Stats(), "read": s.r.Stats()}
}
