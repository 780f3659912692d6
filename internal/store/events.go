package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

var _ secevent.Sink = (*Store)(nil)

// Name identifies the store as an event sink in logs.
func (s *Store) Name() string { return "store" }

// WriteEvents persists a batch of security events in one transaction.
// Re-writing an event with the same id is a no-op (at-least-once callers).
func (s *Store) WriteEvents(ctx context.Context, es []secevent.Event) error {
	return s.tx(ctx, func(t *txn) error {
		for _, e := range es {
			details, err := json.Marshal(e.Details)
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, `INSERT INTO security_events (id, type, severity, at, request_id, client_ip, user_id, key_id, route, details)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				e.ID, string(e.Type), string(e.Severity), ns(e.Time), e.RequestID, e.ClientIP, e.UserID, e.KeyID, e.Route, string(details)); err != nil {
				return fmt.Errorf("store: write event: %w", err)
			}
		}
		return nil
	})
}

// eventWhere is the WHERE clause and arguments that select f's events.
func eventWhere(f secevent.Filter) (string, []any) {
	var conds []string
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		conds = append(conds, col+` IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+`)`)
		for _, v := range vals {
			args = append(args, v)
		}
	}
	var types, sevs []string
	for _, t := range f.Types {
		types = append(types, string(t))
	}
	for _, s := range f.Severities {
		sevs = append(sevs, string(s))
	}
	in("type", types)
	in("severity", sevs)
	if !f.Since.IsZero() {
		conds, args = append(conds, `at >= ?`), append(args, ns(f.Since))
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, `at < ?`), append(args, ns(f.Until))
	}
	if f.ClientIP != "" {
		conds, args = append(conds, `client_ip = ?`), append(args, f.ClientIP)
	}
	if f.KeyID != "" {
		conds, args = append(conds, `key_id = ?`), append(args, f.KeyID)
	}
	if f.BeforeID != "" {
		at := ns(f.BeforeAt)
		conds, args = append(conds, `(at < ? OR (at = ? AND id < ?))`), append(args, at, at, f.BeforeID)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return ` WHERE ` + strings.Join(conds, ` AND `), args
}

// ListEvents returns matching events, newest first.
func (s *Store) ListEvents(ctx context.Context, f secevent.Filter) ([]secevent.Event, error) {
	where, args := eventWhere(f)
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 100
	}
	rows, err := s.query(ctx, `SELECT `+eventColumns+` FROM security_events`+where+` ORDER BY at DESC, id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
	}
	return s.scanEvents(rows)
}

// CountEvents returns counts of matching events grouped by type and severity.
func (s *Store) CountEvents(ctx context.Context, f secevent.Filter) ([]secevent.Count, error) {
	where, args := eventWhere(f)
	rows, err := s.query(ctx, `SELECT type, severity, COUNT(*) FROM security_events`+where+` GROUP BY type, severity ORDER BY type, severity`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: count events: %w", err)
	}
	defer rows.Close()
	var out []secevent.Count
	for rows.Next() {
		var c secevent.Count
		var typ, sev string
		if err := rows.Scan(&typ, &sev, &c.Count); err != nil {
			return nil, s.wrap(err)
		}
		c.Type, c.Severity = secevent.Type(typ), secevent.Severity(sev)
		out = append(out, c)
	}
	return out, s.wrap(rows.Err())
}

// purgeEventsBatch bounds one DELETE of PurgeEvents, so a purge of
// millions of rows never holds the write lock for long.
const purgeEventsBatch = 5000

// PurgeEvents deletes security events older than before
// (SECURITY_EVENT_RETENTION), in batches, and returns how many.
func (s *Store) PurgeEvents(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := s.exec(ctx, `DELETE FROM security_events WHERE id IN (SELECT id FROM security_events WHERE at < ? LIMIT ?)`,
			ns(before), purgeEventsBatch)
		if err != nil {
			return total, fmt.Errorf("store: purge events: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("store: purge events: %w", err)
		}
		total += n
		if n < purgeEventsBatch {
			return total, nil
		}
	}
}
