package incident

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/samo-brain/samo/internal/randid"
	"github.com/samo-brain/samo/internal/secevent"
)

// Blocker blocks a client address (ids.Detector).
type Blocker interface {
	Block(ctx context.Context, ip netip.Addr, dur time.Duration, reason, by string) error
}

// Suspender suspends an API key (apikey.Service).
type Suspender interface {
	Suspend(ctx context.Context, id string) error
}

// Alerter queues a notification under an idempotency key (alert.Outbox).
type Alerter interface {
	Enabled() bool
	Send(ctx context.Context, kind, key string, data any) error
}

// Watcher puts a client address under closer watch until a time (for
// example a lower blocking threshold in intrusion detection). Optional.
type Watcher interface {
	Watch(ctx context.Context, ip netip.Addr, until time.Time, reason string) error
}

// Config tunes the playbooks.
type Config struct {
	// BlockDuration is how long the critical playbook blocks the source
	// address (default 24h).
	BlockDuration time.Duration
	// WatchDuration is how long the high playbook watches the source
	// (default 24h).
	WatchDuration time.Duration
}

// Deps are a Service's dependencies. Store is required; a nil Blocker,
// Suspender, Alerter or Watcher makes the matching playbook step record
// "skipped".
type Deps struct {
	Store     Store
	Blocker   Blocker
	Suspender Suspender
	Alerter   Alerter
	Watcher   Watcher
	// Events records incident_* and key_suspended events (low and medium
	// only, so a subscriber recording them cannot block the pipeline).
	Events secevent.Recorder
	Log    *slog.Logger
	Now    func() time.Time
	Config Config
}

// Service opens, updates and reports incidents and runs the playbooks.
type Service struct {
	d   Deps
	seq atomic.Uint32 // orders action ids recorded in the same instant
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Events == nil {
		d.Events = secevent.Discard{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Config.BlockDuration <= 0 {
		d.Config.BlockDuration = 24 * time.Hour
	}
	if d.Config.WatchDuration <= 0 {
		d.Config.WatchDuration = 24 * time.Hour
	}
	return &Service{d: d}
}

// newID returns a random incident id.
func newID(prefix string) string { return randid.New(prefix, 12) }

// actionID returns an action id that sorts by time and, within one
// instant, by the order this process recorded them (the timeline is listed
// by time, then id).
func (s *Service) actionID(at time.Time) string {
	return randid.New(fmt.Sprintf("act_%016x%08x", at.UnixNano(), s.seq.Add(1)), 6)
}

// OpenRequest is an incident opened by hand.
type OpenRequest struct {
	Type        string
	Severity    secevent.Severity
	Description string
	Source      string // optional, e.g. "ip:203.0.113.7"
}

// Open opens an incident by hand on behalf of actor and runs the playbook of
// its severity against its Source, as for an incident opened by an event:
// "ip:ADDR" is the address blocked (critical) or watched (high), "key:ID"
// the key suspended (critical). Further actions are recorded with
// AddAction.
func (s *Service) Open(ctx context.Context, req OpenRequest, actor string) (Incident, error) {
	switch {
	case !validType(req.Type):
		return Incident{}, fmt.Errorf("%w: type must be 1-64 lowercase letters, digits or '_'", ErrInvalid)
	case !req.Severity.Valid():
		return Incident{}, fmt.Errorf("%w: severity must be low, medium, high or critical", ErrInvalid)
	case !validText(req.Description, 2000, true):
		return Incident{}, fmt.Errorf("%w: description must be 1-2000 characters without control characters", ErrInvalid)
	case req.Source != "" && !validText(req.Source, 200, false):
		return Incident{}, fmt.Errorf("%w: source must be at most 200 printable characters", ErrInvalid)
	case !validText(actor, 200, false):
		return Incident{}, fmt.Errorf("%w: actor", ErrInvalid)
	}
	now := s.d.Now().UTC()
	inc := Incident{ID: newID("inc_"), Type: req.Type, Severity: req.Severity, Description: req.Description,
		Status: StatusOpen, Source: req.Source, CreatedAt: now}
	var sources []string
	if req.Source != "" {
		sources = []string{req.Source}
	}
	if err := s.d.Store.CreateIncident(ctx, inc, sources); err != nil {
		return Incident{}, err
	}
	s.addAction(ctx, inc.ID, "opened", actor, "opened by hand")
	s.record(ctx, EventOpened, secevent.Low, map[string]string{"incident_id": inc.ID, "severity": string(inc.Severity), "incident_type": inc.Type, "by": actor})
	s.runPlaybook(ctx, inc, sourceEvent(inc, actor), "opened")
	return s.Get(ctx, inc.ID)
}

// Get returns an incident with its sources, events and timeline.
func (s *Service) Get(ctx context.Context, id string) (Incident, error) {
	if !validText(id, 64, false) {
		return Incident{}, ErrNotFound
	}
	return s.d.Store.IncidentByID(ctx, id)
}

// List returns incidents, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]Incident, error) {
	return s.d.Store.ListIncidents(ctx, f)
}

// AddAction appends an action taken by actor, with its outcome, to the
// incident's timeline.
func (s *Service) AddAction(ctx context.Context, id, action, actor, outcome string) (Action, error) {
	switch {
	case !validText(action, 500, true):
		return Action{}, fmt.Errorf("%w: action must be 1-500 characters without control characters", ErrInvalid)
	case outcome != "" && !validText(outcome, 500, true):
		return Action{}, fmt.Errorf("%w: outcome must be at most 500 characters without control characters", ErrInvalid)
	case !validText(actor, 200, false):
		return Action{}, fmt.Errorf("%w: actor", ErrInvalid)
	}
	if _, err := s.Get(ctx, id); err != nil {
		return Action{}, err
	}
	now := s.d.Now().UTC()
	a := Action{ID: s.actionID(now), IncidentID: id, Action: action, Actor: actor, Outcome: outcome, At: now}
	if err := s.d.Store.AddIncidentAction(ctx, a); err != nil {
		return Action{}, err
	}
	return a, nil
}

// Acknowledge marks an open incident as being handled by actor.
func (s *Service) Acknowledge(ctx context.Context, id, actor string) (Incident, error) {
	if !validText(actor, 200, false) {
		return Incident{}, fmt.Errorf("%w: actor", ErrInvalid)
	}
	if _, err := s.d.Store.SetIncidentStatus(ctx, id, StatusAcknowledged, s.d.Now().UTC(), ""); err != nil {
		return Incident{}, err
	}
	s.addAction(ctx, id, "acknowledged", actor, "")
	s.record(ctx, EventAcknowledged, secevent.Low, map[string]string{"incident_id": id, "by": actor})
	return s.Get(ctx, id)
}

// Resolve closes an incident with a resolution (what was found and done).
func (s *Service) Resolve(ctx context.Context, id, actor, resolution string) (Incident, error) {
	if !validText(resolution, 2000, true) {
		return Incident{}, fmt.Errorf("%w: resolution must be 1-2000 characters without control characters", ErrInvalid)
	}
	if !validText(actor, 200, false) {
		return Incident{}, fmt.Errorf("%w: actor", ErrInvalid)
	}
	if _, err := s.d.Store.SetIncidentStatus(ctx, id, StatusResolved, s.d.Now().UTC(), resolution); err != nil {
		return Incident{}, err
	}
	s.addAction(ctx, id, "resolved", actor, resolution)
	s.record(ctx, EventResolved, secevent.Low, map[string]string{"incident_id": id, "by": actor})
	return s.Get(ctx, id)
}

// addAction records a timeline entry, logging (not returning) a failure:
// the change it describes has already happened.
func (s *Service) addAction(ctx context.Context, id, action, actor, outcome string) Action {
	now := s.d.Now().UTC()
	a := Action{ID: s.actionID(now), IncidentID: id, Action: action, Actor: actor, Outcome: clip(outcome, 500), At: now}
	if err := s.d.Store.AddIncidentAction(ctx, a); err != nil {
		s.d.Log.Error("incident action not recorded", "incident_id", id, "action", action, "error", err)
	}
	return a
}

// record writes a security event about incident handling, with the request
// id, address and principal from ctx when it comes from an API call.
func (s *Service) record(ctx context.Context, t secevent.Type, sev secevent.Severity, details map[string]string) {
	s.d.Events.Record(ctx, secevent.New(ctx, t, sev, s.d.Now(), details))
}

// validType accepts 1-64 of [a-z0-9_].
func validType(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// validText accepts 1..maxLen bytes of valid UTF-8 without control, format
// (bidi overrides, zero-width) or line-separator characters; multiline
// allows '\n' and '\t'.
func validText(s string, maxLen int, multiline bool) bool {
	if s == "" || len(s) > maxLen || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// clip shortens s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
