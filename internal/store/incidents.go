package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/secevent"
)

var _ incident.Store = (*Store)(nil)

const incidentColumns = `i.id, i.type, i.severity, i.description, i.status, i.source, i.created_at, i.acknowledged_at,
	i.resolved_at, i.resolution, (SELECT COUNT(*) FROM incident_events e WHERE e.incident_id = i.id)`

func scanIncident(sc scanner) (incident.Incident, error) {
	var inc incident.Incident
	var sev, status string
	var created int64
	var acked, resolved sql.NullInt64
	if err := sc.Scan(&inc.ID, &inc.Type, &sev, &inc.Description, &status, &inc.Source, &created, &acked,
		&resolved, &inc.Resolution, &inc.EventCount); err != nil {
		return inc, err
	}
	inc.Severity, inc.Status = secevent.Severity(sev), incident.Status(status)
	inc.CreatedAt, inc.AcknowledgedAt, inc.ResolvedAt = fromNS(created), fromNullNS(acked), fromNullNS(resolved)
	return inc, nil
}

// incidentNotFound wraps both sentinels, so callers match either.
func incidentNotFound(id string) error {
	return fmt.Errorf("%w: %w (%s)", incident.ErrNotFound, ErrNotFound, id)
}

func insertIncident(ctx context.Context, t *txn, inc incident.Incident, sources []string) error {
	if _, err := t.exec(ctx, `INSERT INTO incidents (id, type, severity, description, status, source, created_at, acknowledged_at, resolved_at, resolution)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, inc.ID, inc.Type, string(inc.Severity), inc.Description, string(inc.Status),
		inc.Source, ns(inc.CreatedAt), nsPtr(inc.AcknowledgedAt), nsPtr(inc.ResolvedAt), inc.Resolution); err != nil {
		return err
	}
	return linkIncident(ctx, t, inc.ID, sources, "")
}

// linkIncident attaches sources and an event to an incident, ignoring
// links that exist.
func linkIncident(ctx context.Context, t *txn, id string, sources []string, eventID string) error {
	for _, src := range sources {
		if _, err := t.exec(ctx, `INSERT INTO incident_sources (incident_id, source) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, src); err != nil {
			return err
		}
	}
	if eventID != "" {
		if _, err := t.exec(ctx, `INSERT INTO incident_events (incident_id, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, eventID); err != nil {
			return err
		}
	}
	return nil
}

// OpenOrJoinIncident finds the unresolved incident of one of sources or
// opens inc, in one transaction (serialised across PostgreSQL replicas by
// an advisory lock, so two replicas never open two incidents for one
// source).
func (s *Store) OpenOrJoinIncident(ctx context.Context, inc incident.Incident, sources []string, eventID string) (incident.Incident, bool, error) {
	if len(sources) == 0 {
		return incident.Incident{}, false, errors.New("store: incident needs a source")
	}
	var got incident.Incident
	var created bool
	err := s.tx(ctx, func(t *txn) error {
		created = false
		if s.dialect == Postgres {
			if _, err := t.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, advisoryKey("incidents")); err != nil {
				return err
			}
		}
		args := []any{string(incident.StatusResolved)}
		for _, src := range sources {
			args = append(args, src)
		}
		var id string
		err := t.queryRow(ctx, `SELECT i.id FROM incidents i WHERE i.status <> ? AND EXISTS (
				SELECT 1 FROM incident_sources s WHERE s.incident_id = i.id AND s.source IN (`+placeholders(len(sources))+`))
			ORDER BY i.created_at DESC, i.id DESC LIMIT 1`, args...).Scan(&id)
		switch err = s.wrap(err); {
		case errors.Is(err, ErrNotFound):
			if err := insertIncident(ctx, t, inc, sources); err != nil {
				return err
			}
			if err := linkIncident(ctx, t, inc.ID, nil, eventID); err != nil {
				return err
			}
			id, created = inc.ID, true
		case err != nil:
			return err
		default:
			if err := linkIncident(ctx, t, id, sources, eventID); err != nil {
				return err
			}
		}
		got, err = scanIncident(t.queryRow(ctx, `SELECT `+incidentColumns+` FROM incidents i WHERE i.id = ?`, id))
		return s.wrap(err)
	})
	if err != nil {
		return incident.Incident{}, false, fmt.Errorf("store: open or join incident: %w", err)
	}
	return got, created, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// CreateIncident inserts inc with its sources.
func (s *Store) CreateIncident(ctx context.Context, inc incident.Incident, sources []string) error {
	err := s.tx(ctx, func(t *txn) error { return insertIncident(ctx, t, inc, sources) })
	if err != nil {
		return fmt.Errorf("store: create incident: %w", err)
	}
	return nil
}

// IncidentByID returns an incident with its sources, newest 1000 event ids
// and its whole timeline (oldest first).
func (s *Store) IncidentByID(ctx context.Context, id string) (incident.Incident, error) {
	inc, err := scanIncident(s.queryRow(ctx, `SELECT `+incidentColumns+` FROM incidents i WHERE i.id = ?`, id))
	if err = s.wrap(err); errors.Is(err, ErrNotFound) {
		return inc, incidentNotFound(id)
	} else if err != nil {
		return inc, fmt.Errorf("store: incident: %w", err)
	}
	if inc.Sources, err = s.strings(ctx, `SELECT source FROM incident_sources WHERE incident_id = ? ORDER BY source`, id); err != nil {
		return inc, err
	}
	if inc.EventIDs, err = s.strings(ctx, `SELECT e.event_id FROM incident_events e LEFT JOIN security_events v ON v.id = e.event_id
		WHERE e.incident_id = ? ORDER BY COALESCE(v.at, 0) DESC, e.event_id DESC LIMIT 1000`, id); err != nil {
		return inc, err
	}
	rows, err := s.query(ctx, `SELECT id, incident_id, action, actor, outcome, at FROM incident_actions WHERE incident_id = ? ORDER BY at, id`, id)
	if err != nil {
		return inc, fmt.Errorf("store: incident actions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a incident.Action
		var at int64
		if err := rows.Scan(&a.ID, &a.IncidentID, &a.Action, &a.Actor, &a.Outcome, &at); err != nil {
			return inc, s.wrap(err)
		}
		a.At = fromNS(at)
		inc.Actions = append(inc.Actions, a)
	}
	return inc, s.wrap(rows.Err())
}

func (s *Store) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, s.wrap(err)
		}
		out = append(out, v)
	}
	return out, s.wrap(rows.Err())
}

// ListIncidents returns matching incidents, newest first.
func (s *Store) ListIncidents(ctx context.Context, f incident.Filter) ([]incident.Incident, error) {
	var conds []string
	var args []any
	if len(f.Statuses) > 0 {
		conds = append(conds, `i.status IN (`+placeholders(len(f.Statuses))+`)`)
		for _, st := range f.Statuses {
			args = append(args, string(st))
		}
	}
	if len(f.Severities) > 0 {
		conds = append(conds, `i.severity IN (`+placeholders(len(f.Severities))+`)`)
		for _, sev := range f.Severities {
			args = append(args, string(sev))
		}
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, `i.created_at >= ?`), append(args, ns(f.Since))
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, `i.created_at < ?`), append(args, ns(f.Until))
	}
	if f.BeforeID != "" {
		at := ns(f.BeforeAt)
		conds, args = append(conds, `(i.created_at < ? OR (i.created_at = ? AND i.id < ?))`), append(args, at, at, f.BeforeID)
	}
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, ` AND `)
	}
	if f.Limit <= 0 || f.Limit > 100000 {
		f.Limit = 100
	}
	rows, err := s.query(ctx, `SELECT `+incidentColumns+` FROM incidents i`+where+` ORDER BY i.created_at DESC, i.id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: list incidents: %w", err)
	}
	defer rows.Close()
	var out []incident.Incident
	for rows.Next() {
		inc, err := scanIncident(rows)
		if err != nil {
			return nil, s.wrap(err)
		}
		out = append(out, inc)
	}
	return out, s.wrap(rows.Err())
}

// AddIncidentAction appends a to its incident's timeline.
func (s *Store) AddIncidentAction(ctx context.Context, a incident.Action) error {
	err := s.tx(ctx, func(t *txn) error {
		var one int
		if err := t.queryRow(ctx, `SELECT 1 FROM incidents WHERE id = ?`, a.IncidentID).Scan(&one); err != nil {
			if errors.Is(s.wrap(err), ErrNotFound) {
				return incidentNotFound(a.IncidentID)
			}
			return s.wrap(err)
		}
		_, err := t.exec(ctx, `INSERT INTO incident_actions (id, incident_id, action, actor, outcome, at) VALUES (?, ?, ?, ?, ?, ?)`,
			a.ID, a.IncidentID, a.Action, a.Actor, a.Outcome, ns(a.At))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: add incident action: %w", err)
	}
	return nil
}

// SetIncidentStatus applies an allowed status change (see incident.Store).
func (s *Store) SetIncidentStatus(ctx context.Context, id string, to incident.Status, at time.Time, resolution string) (incident.Incident, error) {
	var q string
	var args []any
	switch to {
	case incident.StatusAcknowledged:
		q = `UPDATE incidents SET status = ?, acknowledged_at = ? WHERE id = ? AND status = ?`
		args = []any{string(to), ns(at), id, string(incident.StatusOpen)}
	case incident.StatusResolved:
		q = `UPDATE incidents SET status = ?, resolved_at = ?, resolution = ? WHERE id = ? AND status IN (?, ?)`
		args = []any{string(to), ns(at), resolution, id, string(incident.StatusOpen), string(incident.StatusAcknowledged)}
	default:
		return incident.Incident{}, fmt.Errorf("%w: to %q", incident.ErrTransition, to)
	}
	var got incident.Incident
	err := s.tx(ctx, func(t *txn) error {
		r, err := t.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		n, _ := r.RowsAffected()
		cur, err := scanIncident(t.queryRow(ctx, `SELECT `+incidentColumns+` FROM incidents i WHERE i.id = ?`, id))
		if err = s.wrap(err); errors.Is(err, ErrNotFound) {
			return incidentNotFound(id)
		} else if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: %s incident cannot become %s", incident.ErrTransition, cur.Status, to)
		}
		got = cur
		return nil
	})
	if err != nil {
		return incident.Incident{}, fmt.Errorf("store: set incident status: %w", err)
	}
	return got, nil
}

// RaiseIncidentSeverity raises the severity to sev when that is higher.
func (s *Store) RaiseIncidentSeverity(ctx context.Context, id string, sev secevent.Severity) (bool, error) {
	lower := make([]any, 0, 4)
	for _, v := range []secevent.Severity{secevent.Low, secevent.Medium, secevent.High, secevent.Critical} {
		if v.Rank() < sev.Rank() {
			lower = append(lower, string(v))
		}
	}
	if len(lower) == 0 {
		return false, nil
	}
	r, err := s.exec(ctx, `UPDATE incidents SET severity = ? WHERE id = ? AND severity IN (`+placeholders(len(lower))+`)`,
		append([]any{string(sev), id}, lower...)...)
	if err != nil {
		return false, fmt.Errorf("store: raise incident severity: %w", err)
	}
	n, _ := r.RowsAffected()
	return n == 1, nil
}
