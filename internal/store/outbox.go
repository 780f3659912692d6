package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/alert"
	"github.com/samo-brain/samo/internal/secevent"
)

var _ alert.Store = (*Store)(nil)

const alertColumns = `id, kind, dedup_key, payload, created_at, last_at, next_at, attempts, last_error, delivered_at, dead_at, grouped`

func scanAlert(sc scanner) (alert.Entry, error) {
	var e alert.Entry
	var created, last, next int64
	var delivered, dead sql.NullInt64
	if err := sc.Scan(&e.ID, &e.Kind, &e.Group, &e.Payload, &created, &last, &next, &e.Attempts, &e.LastError, &delivered, &dead, &e.Grouped); err != nil {
		return e, err
	}
	e.CreatedAt, e.LastAt, e.NextAt = fromNS(created), fromNS(last), fromNS(next)
	e.DeliveredAt, e.DeadAt = fromNullNS(delivered), fromNullNS(dead)
	return e, nil
}

// advisoryKey maps a name to a PostgreSQL advisory-lock key.
func advisoryKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return int64(h.Sum64())
}

// EnqueueAlert adds an entry to the outbox, grouping and deduplicating as
// alert.Store documents, in one transaction. On PostgreSQL an advisory
// lock per group serialises replicas enqueueing into the same group.
func (s *Store) EnqueueAlert(ctx context.Context, e alert.Entry, window time.Duration) (alert.Enqueued, error) {
	var res alert.Enqueued
	if e.ID == "" || e.Kind == "" {
		return res, errors.New("store: alert needs an id and a kind")
	}
	if e.LastAt.IsZero() {
		e.LastAt = e.CreatedAt
	}
	err := s.tx(ctx, func(t *txn) error {
		res = alert.Enqueued{}
		if s.dialect == Postgres && e.Group != "" {
			if _, err := t.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, advisoryKey("alert:"+e.Group)); err != nil {
				return err
			}
		}
		if e.EventID != "" {
			var prev string
			err := t.queryRow(ctx, `SELECT outbox_id FROM alert_outbox_events WHERE event_id = ?`, e.EventID).Scan(&prev)
			if err == nil {
				res = alert.Enqueued{ID: prev, Duplicate: true}
				return nil
			}
			if !errors.Is(s.wrap(err), ErrNotFound) {
				return s.wrap(err)
			}
		}
		target := ""
		if e.Group != "" {
			var id string
			var created, last int64
			var attempts int
			var delivered, dead sql.NullInt64
			err := t.queryRow(ctx, `SELECT id, created_at, last_at, attempts, delivered_at, dead_at FROM alert_outbox
				WHERE dedup_key = ? ORDER BY created_at DESC, id DESC LIMIT 1`, e.Group).Scan(&id, &created, &last, &attempts, &delivered, &dead)
			switch err = s.wrap(err); {
			case errors.Is(err, ErrNotFound):
			case err != nil:
				return err
			case !delivered.Valid && !dead.Valid && attempts == 0:
				if _, err := t.exec(ctx, `UPDATE alert_outbox SET grouped = grouped + 1, last_at = ? WHERE id = ?`,
					max(last, ns(e.LastAt)), id); err != nil {
					return err
				}
				target, res.Joined = id, true
			case window > 0:
				if end := fromNS(created).Add(window); end.After(e.CreatedAt) && end.After(e.NextAt) {
					e.NextAt = end
				}
			}
		}
		if target == "" {
			r, err := t.exec(ctx, `INSERT INTO alert_outbox (id, kind, dedup_key, payload, created_at, last_at, next_at, attempts, last_error, grouped)
				VALUES (?, ?, ?, ?, ?, ?, ?, 0, '', 0) ON CONFLICT (id) DO NOTHING`,
				e.ID, e.Kind, e.Group, e.Payload, ns(e.CreatedAt), ns(e.LastAt), ns(e.NextAt))
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 0 {
				res.Duplicate = true
			}
			target = e.ID
		}
		res.ID = target
		if e.EventID != "" {
			if _, err := t.exec(ctx, `INSERT INTO alert_outbox_events (event_id, outbox_id, at) VALUES (?, ?, ?)`,
				e.EventID, target, ns(e.LastAt)); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrConflict) && e.EventID != "" {
		// A concurrent enqueue of the same event won the race.
		return alert.Enqueued{Duplicate: true}, nil
	}
	if err != nil {
		return alert.Enqueued{}, fmt.Errorf("store: enqueue alert: %w", err)
	}
	return res, nil
}

// ClaimAlerts leases due rows to the caller (compare-and-set on next_at, so
// two workers never claim the same attempt).
func (s *Store) ClaimAlerts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]alert.Entry, error) {
	if limit <= 0 {
		limit = 1
	}
	var out []alert.Entry
	err := s.tx(ctx, func(t *txn) error {
		out = out[:0]
		rows, err := t.query(ctx, `SELECT id, next_at FROM alert_outbox
			WHERE delivered_at IS NULL AND dead_at IS NULL AND next_at <= ? ORDER BY next_at, id LIMIT ?`, ns(now), limit)
		if err != nil {
			return err
		}
		type due struct {
			id   string
			next int64
		}
		var ds []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.next); err != nil {
				_ = rows.Close()
				return s.wrap(err)
			}
			ds = append(ds, d)
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return s.wrap(err)
		}
		until := ns(now.Add(lease))
		for _, d := range ds {
			r, err := t.exec(ctx, `UPDATE alert_outbox SET attempts = attempts + 1, next_at = ?
				WHERE id = ? AND next_at = ? AND delivered_at IS NULL AND dead_at IS NULL`, until, d.id, d.next)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n != 1 {
				continue
			}
			e, err := scanAlert(t.queryRow(ctx, `SELECT `+alertColumns+` FROM alert_outbox WHERE id = ?`, d.id))
			if err != nil {
				return s.wrap(err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim alerts: %w", err)
	}
	return out, nil
}

// MarkAlertDelivered records a successful delivery (any attempt's success
// counts; a row is delivered once).
func (s *Store) MarkAlertDelivered(ctx context.Context, id string, _ int, at time.Time) error {
	if _, err := s.exec(ctx, `UPDATE alert_outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL`, ns(at), id); err != nil {
		return fmt.Errorf("store: mark alert delivered: %w", err)
	}
	return nil
}

// MarkAlertFailed records a failed attempt unless a later attempt has
// claimed the row or it was delivered meanwhile.
func (s *Store) MarkAlertFailed(ctx context.Context, id string, attempt int, lastErr string, next time.Time, dead bool, at time.Time) error {
	var deadAt any
	if dead {
		deadAt = ns(at)
	}
	if _, err := s.exec(ctx, `UPDATE alert_outbox SET last_error = ?, next_at = ?, dead_at = ?
		WHERE id = ? AND attempts = ? AND delivered_at IS NULL AND dead_at IS NULL`, lastErr, ns(next), deadAt, id, attempt); err != nil {
		return fmt.Errorf("store: mark alert failed: %w", err)
	}
	return nil
}

// ListAlerts returns outbox rows, newest first, one page of f at a time.
func (s *Store) ListAlerts(ctx context.Context, f alert.Filter) ([]alert.Entry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var conds []string
	var args []any
	switch f.State {
	case "":
	case "pending":
		conds = append(conds, `delivered_at IS NULL AND dead_at IS NULL`)
	case "delivered":
		conds = append(conds, `delivered_at IS NOT NULL`)
	case "dead":
		conds = append(conds, `dead_at IS NOT NULL`)
	default:
		return nil, fmt.Errorf("store: unknown alert state %q", f.State)
	}
	if f.BeforeID != "" {
		at := ns(f.BeforeAt)
		conds, args = append(conds, `(created_at < ? OR (created_at = ? AND id < ?))`), append(args, at, at, f.BeforeID)
	}
	where := ``
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, ` AND `)
	}
	rows, err := s.query(ctx, `SELECT `+alertColumns+` FROM alert_outbox`+where+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: list alerts: %w", err)
	}
	defer rows.Close()
	var out []alert.Entry
	for rows.Next() {
		e, err := scanAlert(rows)
		if err != nil {
			return nil, s.wrap(err)
		}
		out = append(out, e)
	}
	return out, s.wrap(rows.Err())
}

// AlertStats counts outbox rows by state.
func (s *Store) AlertStats(ctx context.Context) (alert.Stats, error) {
	var st alert.Stats
	var pending, delivered, dead sql.NullInt64
	var oldest sql.NullInt64
	err := s.queryRow(ctx, `SELECT
		SUM(CASE WHEN delivered_at IS NULL AND dead_at IS NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN dead_at IS NOT NULL THEN 1 ELSE 0 END),
		MIN(CASE WHEN delivered_at IS NULL AND dead_at IS NULL THEN created_at END)
		FROM alert_outbox`).Scan(&pending, &delivered, &dead, &oldest)
	if err != nil {
		return st, fmt.Errorf("store: alert stats: %w", s.wrap(err))
	}
	st.Pending, st.Delivered, st.Dead = int(pending.Int64), int(delivered.Int64), int(dead.Int64)
	st.Oldest = fromNullNS(oldest)
	return st, nil
}

// PurgeAlerts deletes finished rows created before before, and event
// mappings older than before.
func (s *Store) PurgeAlerts(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.tx(ctx, func(t *txn) error {
		r, err := t.exec(ctx, `DELETE FROM alert_outbox WHERE created_at < ? AND (delivered_at IS NOT NULL OR dead_at IS NOT NULL)`, ns(before))
		if err != nil {
			return err
		}
		n, _ = r.RowsAffected()
		_, err = t.exec(ctx, `DELETE FROM alert_outbox_events WHERE at < ?`, ns(before))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge alerts: %w", err)
	}
	return int(n), nil
}

// LastAlertedEventTime returns the time of the newest event ever enqueued
// (zero when none).
func (s *Store) LastAlertedEventTime(ctx context.Context) (time.Time, error) {
	var v int64
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(at), 0) FROM alert_outbox_events`).Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("store: last alerted event: %w", s.wrap(err))
	}
	return fromNS(v), nil
}

// AlertableEvents returns high and critical events at or after since,
// oldest first.
func (s *Store) AlertableEvents(ctx context.Context, since time.Time, limit int) ([]secevent.Event, error) {
	if limit <= 0 || limit > 10000 {
		limit = 500
	}
	rows, err := s.query(ctx, `SELECT `+eventColumns+` FROM security_events
		WHERE severity IN (?, ?) AND at >= ? ORDER BY at, id LIMIT ?`,
		string(secevent.High), string(secevent.Critical), ns(since), limit)
	if err != nil {
		return nil, fmt.Errorf("store: alertable events: %w", err)
	}
	return s.scanEvents(rows)
}
