package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxCachedStatements bounds the statement cache. Every query of this
// package is built from constant fragments (never from input), so the set
// of distinct SQL strings is small; the bound is a guard, and queries past
// it simply run unprepared.
const maxCachedStatements = 256

// stmtCache keeps one prepared *sql.Stmt per SQL string for the SQLite
// read pool. Without it, database/sql compiles every query anew, and with
// modernc.org/sqlite compiling a SELECT cost about as much as running it on
// an indexed table (a third of GET /v1/predictions; see BENCHMARKS.md).
// database/sql prepares each cached statement once per pooled connection,
// on first use there.
//
// Only reads outside transactions use it. Writes go through the single
// writer connection, where preparing outside the transaction that holds the
// connection would wait for that very connection.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

// get returns the prepared statement for q, preparing it on first use; nil
// when the cache is full or q does not prepare (the caller then runs q
// unprepared and reports the driver's error as before).
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.m[q]
	n := len(c.m)
	c.mu.RUnlock()
	if ok || n >= maxCachedStatements {
		return st
	}
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[q]; ok { // prepared concurrently
		_ = st.Close()
		return prev
	}
	if len(c.m) >= maxCachedStatements {
		_ = st.Close()
		return nil
	}
	c.m[q] = st
	return st
}

// close closes every cached statement.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}
