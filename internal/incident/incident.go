package incident

import (
	"context"
	"errors"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// Status is where an incident is in its life: open → acknowledged →
// resolved, or open → resolved. Resolved is final.
type Status string

// The three statuses.
const (
	StatusOpen         Status = "open"
	StatusAcknowledged Status = "acknowledged"
	StatusResolved     Status = "resolved"
)

// Valid reports whether s is one of the three statuses.
func (s Status) Valid() bool {
	return s == StatusOpen || s == StatusAcknowledged || s == StatusResolved
}

// Security event types recorded by incident handling (admin actions). They
// are low severity, so they never open incidents themselves.
const (
	EventOpened       secevent.Type = "incident_opened"       // an admin opened an incident by hand
	EventAcknowledged secevent.Type = "incident_acknowledged" // an admin acknowledged an incident
	EventResolved     secevent.Type = "incident_resolved"     // an admin resolved an incident
)

// AlertKind is the alert kind of incident notifications (alert.KindIncident).
const AlertKind = "incident"

// Sentinel errors.
var (
	// ErrNotFound reports an unknown incident id.
	ErrNotFound = errors.New("incident: not found")
	// ErrTransition reports a status change the incident's status does not
	// allow (acknowledging an acknowledged or resolved incident, resolving a
	// resolved one).
	ErrTransition = errors.New("incident: status change not allowed")
	// ErrInvalid reports a bad field (type, severity, description, action,
	// resolution).
	ErrInvalid = errors.New("incident: invalid field")
)

// Incident is a persisted security incident.
type Incident struct {
	ID             string            `json:"id"`
	Type           string            `json:"type"`
	Severity       secevent.Severity `json:"severity"`
	Description    string            `json:"description"`
	Status         Status            `json:"status"`
	Source         string            `json:"source,omitempty"` // the first source: "ip:…", "key:…", "user:…" or "type:…"
	CreatedAt      time.Time         `json:"created_at"`
	AcknowledgedAt *time.Time        `json:"acknowledged_at,omitempty"`
	ResolvedAt     *time.Time        `json:"resolved_at,omitempty"`
	Resolution     string            `json:"resolution,omitempty"`
	EventCount     int               `json:"event_count"`
	// Sources, EventIDs (newest 1000) and Actions are filled by Get only.
	Sources  []string `json:"sources,omitempty"`
	EventIDs []string `json:"event_ids,omitempty"`
	Actions  []Action `json:"actions,omitempty"`
}

// Action is one entry of an incident's timeline: what was done, by whom,
// when, with what outcome.
type Action struct {
	ID         string    `json:"id"`
	IncidentID string    `json:"incident_id"`
	Action     string    `json:"action"`
	Actor      string    `json:"actor"`
	Outcome    string    `json:"outcome,omitempty"`
	At         time.Time `json:"at"`
}

// Filter selects incidents. Zero fields do not filter.
type Filter struct {
	Statuses   []Status
	Severities []secevent.Severity
	Since      time.Time // created at or after
	Until      time.Time // created before
	Limit      int       // default 100, at most 100000
	// BeforeAt and BeforeID page backwards: incidents created strictly
	// before (BeforeAt, BeforeID).
	BeforeAt time.Time
	BeforeID string
}

// Store persists incidents. *store.Store implements it; every method must
// be safe for concurrent use by several replicas. Unknown ids return errors
// wrapping ErrNotFound.
type Store interface {
	// OpenOrJoinIncident, in one transaction, finds the newest incident
	// that is not resolved and was opened or joined for one of sources. If
	// there is one, it links eventID and sources to it and returns it with
	// created=false; otherwise it inserts inc (whose ID is set), linked to
	// eventID and sources, and returns it with created=true. An eventID of
	// "" links nothing.
	OpenOrJoinIncident(ctx context.Context, inc Incident, sources []string, eventID string) (got Incident, created bool, err error)
	// CreateIncident inserts inc with its sources.
	CreateIncident(ctx context.Context, inc Incident, sources []string) error
	// IncidentByID returns the incident with Sources, EventIDs and Actions.
	IncidentByID(ctx context.Context, id string) (Incident, error)
	// ListIncidents returns matching incidents, newest first, with
	// EventCount but without Sources, EventIDs and Actions.
	ListIncidents(ctx context.Context, f Filter) ([]Incident, error)
	// AddIncidentAction appends a to its incident's timeline.
	AddIncidentAction(ctx context.Context, a Action) error
	// SetIncidentStatus moves the incident to status to at time at:
	// acknowledged (from open; sets AcknowledgedAt) or resolved (from open
	// or acknowledged; sets ResolvedAt and Resolution). Any other change
	// returns an error wrapping ErrTransition and changes nothing.
	SetIncidentStatus(ctx context.Context, id string, to Status, at time.Time, resolution string) (Incident, error)
	// RaiseIncidentSeverity sets the severity to sev if that is higher, and
	// reports whether it changed.
	RaiseIncidentSeverity(ctx context.Context, id string, sev secevent.Severity) (bool, error)
}
