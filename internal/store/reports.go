package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/samo-brain/samo/internal/report"
	"github.com/samo-brain/samo/internal/secevent"
)

var (
	_ report.Store    = (*Store)(nil)
	_ report.JobStore = (*Store)(nil)
)

const eventColumns = `id, type, severity, at, request_id, client_ip, user_id, key_id, route, details`

// scanEvents reads security_events rows selected with eventColumns and
// closes rows.
func (s *Store) scanEvents(rows *sql.Rows) ([]secevent.Event, error) {
	defer rows.Close()
	var out []secevent.Event
	for rows.Next() {
		var e secevent.Event
		var typ, sev, details string
		var at int64
		if err := rows.Scan(&e.ID, &typ, &sev, &at, &e.RequestID, &e.ClientIP, &e.UserID, &e.KeyID, &e.Route, &details); err != nil {
			return nil, s.wrap(err)
		}
		e.Type, e.Severity, e.Time = secevent.Type(typ), secevent.Severity(sev), fromNS(at)
		if details != "" && details != "null" {
			if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
				return nil, fmt.Errorf("store: event %s: corrupt details: %w", e.ID, err)
			}
		}
		out = append(out, e)
	}
	return out, s.wrap(rows.Err())
}

// EventTimeline counts events per bucket, type and severity.
func (s *Store) EventTimeline(ctx context.Context, from, to time.Time, bucket time.Duration) ([]report.TimelineCount, error) {
	if bucket <= 0 {
		return nil, errors.New("store: timeline bucket must be positive")
	}
	rows, err := s.query(ctx, `SELECT (at - ?) / ?, type, severity, COUNT(*) FROM security_events
		WHERE at >= ? AND at < ? GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, ns(from), int64(bucket), ns(from), ns(to))
	if err != nil {
		return nil, fmt.Errorf("store: event timeline: %w", err)
	}
	defer rows.Close()
	var out []report.TimelineCount
	for rows.Next() {
		var c report.TimelineCount
		var b int64
		var typ, sev string
		if err := rows.Scan(&b, &typ, &sev, &c.Count); err != nil {
			return nil, s.wrap(err)
		}
		c.Bucket, c.Type, c.Severity = int(b), secevent.Type(typ), secevent.Severity(sev)
		out = append(out, c)
	}
	return out, s.wrap(rows.Err())
}

// TopEventSources returns the sources with the most events of types.
func (s *Store) TopEventSources(ctx context.Context, from, to time.Time, by report.SourceKind, types []secevent.Type, limit int) ([]report.Offender, error) {
	col := ""
	switch by {
	case report.SourceIP:
		col = "client_ip"
	case report.SourceKey:
		col = "key_id"
	default:
		return nil, fmt.Errorf("store: unknown source kind %q", by)
	}
	if len(types) == 0 {
		return nil, nil
	}
	if limit <= 0 || limit > 1000 {
		limit = 10
	}
	args := []any{string(secevent.High), string(secevent.Critical), ns(from), ns(to)}
	for _, t := range types {
		args = append(args, string(t))
	}
	args = append(args, limit)
	// col is one of two constants above, never input.
	rows, err := s.query(ctx, `SELECT `+col+`, COUNT(*), SUM(CASE WHEN severity IN (?, ?) THEN 1 ELSE 0 END), MAX(at)
		FROM security_events WHERE at >= ? AND at < ? AND `+col+` <> '' AND type IN (`+placeholders(len(types))+`)
		GROUP BY `+col+` ORDER BY 2 DESC, 1 LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: top event sources: %w", err)
	}
	defer rows.Close()
	var out []report.Offender
	for rows.Next() {
		var o report.Offender
		var last int64
		if err := rows.Scan(&o.Source, &o.Events, &o.HighOrCritical, &last); err != nil {
			return nil, s.wrap(err)
		}
		o.LastSeen = fromNS(last)
		out = append(out, o)
	}
	return out, s.wrap(rows.Err())
}

// detailExpr returns the dialect's expression for details[key] as text;
// the key is bound as a parameter.
func (s *Store) detailExpr() string {
	if s.dialect == Postgres {
		return `(CAST(details AS json) ->> CAST(? AS TEXT))`
	}
	return `json_extract(details, '$.' || ?)`
}

// validDetailKey accepts [a-z_]{1,32}.
func validDetailKey(k string) bool {
	if k == "" || len(k) > 32 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if (k[i] < 'a' || k[i] > 'z') && k[i] != '_' {
			return false
		}
	}
	return true
}

// EventDetailCounts counts events of type t by details[key].
func (s *Store) EventDetailCounts(ctx context.Context, from, to time.Time, t secevent.Type, key string) (map[string]int, error) {
	if !validDetailKey(key) {
		return nil, fmt.Errorf("store: invalid detail key %q", key)
	}
	rows, err := s.query(ctx, `SELECT COALESCE(`+s.detailExpr()+`, ''), COUNT(*) FROM security_events
		WHERE type = ? AND at >= ? AND at < ? GROUP BY 1`, key, string(t), ns(from), ns(to))
	if err != nil {
		return nil, fmt.Errorf("store: event detail counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var v sql.NullString
		var n int
		if err := rows.Scan(&v, &n); err != nil {
			return nil, s.wrap(err)
		}
		out[v.String] += n
	}
	return out, s.wrap(rows.Err())
}

// SumEventDetail sums the integer details[key] of events of type t. The
// values are summed in Go, so a malformed value counts 0 instead of
// failing the query on PostgreSQL.
func (s *Store) SumEventDetail(ctx context.Context, from, to time.Time, t secevent.Type, key string) (int64, error) {
	counts, err := s.EventDetailCounts(ctx, from, to, t, key)
	if err != nil {
		return 0, err
	}
	var sum int64
	for v, n := range counts {
		if x, err := strconv.ParseInt(v, 10, 64); err == nil && x > 0 {
			sum += x * int64(n)
		}
	}
	return sum, nil
}

// JobState returns the saved state of a named job ("" when none).
func (s *Store) JobState(ctx context.Context, name string) (string, error) {
	var st string
	err := s.queryRow(ctx, `SELECT state FROM jobs WHERE name = ?`, name).Scan(&st)
	if err = s.wrap(err); errors.Is(err, ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("store: job state: %w", err)
	}
	return st, nil
}

// SetJobState saves the state of a named job.
func (s *Store) SetJobState(ctx context.Context, name, state string, at time.Time) error {
	if _, err := s.exec(ctx, `INSERT INTO jobs (name, state, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`, name, state, ns(at)); err != nil {
		return fmt.Errorf("store: set job state: %w", err)
	}
	return nil
}
