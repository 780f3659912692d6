package alert

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// Kinds of message the outbox delivers (the "type" of the envelope).
const (
	KindEvent    = "security.event"  // a high or critical security event (possibly grouped)
	KindIncident = "incident"        // an incident was opened or escalated by a playbook
	KindReport   = "security.report" // the periodic security report
)

// Sentinel errors.
var (
	// ErrDisabled is returned by Send when no webhook is configured.
	ErrDisabled = errors.New("alert: no webhook configured")
	// ErrInvalidConfig reports an unusable webhook URL or outbox setting.
	ErrInvalidConfig = errors.New("alert: invalid configuration")
	// ErrRefused reports a destination address the client will not connect to.
	ErrRefused = errors.New("alert: destination address refused")
	// ErrRedirect reports a receiver that answered with a redirect, which is
	// never followed.
	ErrRedirect = errors.New("alert: redirect not followed")
	// ErrStatus reports a receiver that answered with a non-2xx status.
	ErrStatus = errors.New("alert: receiver refused delivery")
)

// Entry is one row of the outbox.
type Entry struct {
	// ID is the idempotency key: the id of the (first) event for event
	// alerts, a caller-chosen key for incidents and reports. It is sent as webhook-id and Idempotency-Key, identical on
	// every attempt.
	ID string `json:"id"`
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Group is the grouping key (event type and source); "" never groups.
	Group string `json:"group,omitempty"`
	// EventID is the security event that produced the entry (events only).
	EventID string `json:"-"`
	// Payload is the JSON of the message data.
	Payload []byte `json:"-"`
	// CreatedAt is when the entry was queued.
	CreatedAt time.Time `json:"created_at"`
	// LastAt is the time of the latest occurrence grouped into the entry.
	LastAt time.Time `json:"last_seen"`
	// NextAt is when the next attempt is due (or, while an attempt is in
	// flight, when its lease ends).
	NextAt time.Time `json:"next_attempt_at"`
	// Attempts counts delivery attempts started.
	Attempts int `json:"attempts"`
	// LastError is why the last attempt failed ("" after success).
	LastError string `json:"last_error,omitempty"`
	// DeliveredAt is set once a receiver accepted the entry.
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	// DeadAt is set when delivery was given up (older than MaxAge).
	DeadAt *time.Time `json:"dead_at,omitempty"`
	// Grouped counts occurrences joined after the first one.
	Grouped int `json:"grouped"`
}

// Count is the number of occurrences the entry stands for.
func (e Entry) Count() int { return e.Grouped + 1 }

// State is "delivered", "dead" or "pending".
func (e Entry) State() string {
	switch {
	case e.DeliveredAt != nil:
		return "delivered"
	case e.DeadAt != nil:
		return "dead"
	}
	return "pending"
}

// MarshalJSON adds count and state to the admin view of an entry.
func (e Entry) MarshalJSON() ([]byte, error) {
	type plain Entry
	return json.Marshal(struct {
		plain
		Count int    `json:"count"`
		State string `json:"state"`
	}{plain(e), e.Count(), e.State()})
}

// Enqueued says what EnqueueAlert did.
type Enqueued struct {
	// ID is the outbox row the message went to.
	ID string
	// Joined reports that the message was grouped into an existing,
	// not yet attempted row.
	Joined bool
	// Duplicate reports that the event or id was already in the outbox;
	// nothing changed.
	Duplicate bool
}

// Filter selects outbox rows for admins. Zero fields do not filter.
type Filter struct {
	State string // "pending", "delivered" or "dead"
	Limit int
	// BeforeAt and BeforeID page the newest-first listing: when BeforeID is
	// set, only entries strictly older than (BeforeAt, BeforeID) (CreatedAt,
	// then ID) are listed.
	BeforeAt time.Time
	BeforeID string
}

// Stats counts outbox rows by state.
type Stats struct {
	Pending   int        `json:"pending"`
	Delivered int        `json:"delivered"`
	Dead      int        `json:"dead"`
	Oldest    *time.Time `json:"oldest_pending,omitempty"`
}

// Store is the durable outbox. Every method must be safe for concurrent use
// by several replicas; *store.Store implements it over SQL.
type Store interface {
	// EnqueueAlert adds e in one transaction:
	//  1. if e.EventID was enqueued before, it returns Duplicate and changes
	//     nothing;
	//  2. if e.Group is set and the newest row of the group has never been
	//     attempted (not delivered, not dead, Attempts 0), that row absorbs
	//     e: Grouped+1, LastAt = the later of the two; Joined;
	//  3. otherwise it inserts e; when the newest row of the group was
	//     created less than window before e.CreatedAt, e.NextAt is moved to
	//     that row's CreatedAt + window, so a group sends at most one message
	//     per window. An existing e.ID returns Duplicate.
	// The event id is remembered with the row it went to.
	EnqueueAlert(ctx context.Context, e Entry, window time.Duration) (Enqueued, error)
	// ClaimAlerts takes up to limit rows due at now (pending, NextAt <= now,
	// oldest first), increments their Attempts and moves their NextAt to
	// now+lease, so no other worker takes them until the lease ends. It
	// returns the claimed rows as updated.
	ClaimAlerts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Entry, error)
	// MarkAlertDelivered records success of attempt number attempt.
	MarkAlertDelivered(ctx context.Context, id string, attempt int, at time.Time) error
	// MarkAlertFailed records the failure of attempt number attempt: the
	// error and the next attempt time, or DeadAt = at when dead.
	MarkAlertFailed(ctx context.Context, id string, attempt int, lastErr string, next time.Time, dead bool, at time.Time) error
	// ListAlerts returns rows, newest first.
	ListAlerts(ctx context.Context, f Filter) ([]Entry, error)
	// AlertStats counts rows by state.
	AlertStats(ctx context.Context) (Stats, error)
	// PurgeAlerts deletes delivered and dead rows (and their event
	// mappings) created before before.
	PurgeAlerts(ctx context.Context, before time.Time) (int, error)
	// LastAlertedEventTime returns when the newest enqueued event was
	// enqueued (zero when none).
	LastAlertedEventTime(ctx context.Context) (time.Time, error)
	// AlertableEvents returns high and critical events at or after since,
	// oldest first.
	AlertableEvents(ctx context.Context, since time.Time, limit int) ([]secevent.Event, error)
}

// Envelope is the JSON body POSTed to the webhook.
type Envelope struct {
	// ID is the idempotency key, equal to the webhook-id header.
	ID string `json:"id"`
	// Type is the message kind.
	Type string `json:"type"`
	// Timestamp is when the message was queued.
	Timestamp time.Time `json:"timestamp"`
	// Count is how many occurrences the message stands for (grouping).
	Count int `json:"count"`
	// LastSeen is the time of the latest occurrence.
	LastSeen time.Time `json:"last_seen"`
	// Data is the event, incident or report.
	Data json.RawMessage `json:"data"`
}

// Body returns the JSON body delivered for e; it is the same on every
// attempt because a row stops absorbing occurrences once attempted.
func Body(e Entry) ([]byte, error) {
	data := json.RawMessage(e.Payload)
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	return json.Marshal(Envelope{ID: e.ID, Type: e.Kind, Timestamp: e.CreatedAt.UTC(), Count: e.Count(), LastSeen: e.LastAt.UTC(), Data: data})
}
