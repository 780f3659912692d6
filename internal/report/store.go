package report

import (
	"context"
	"time"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/secevent"
)

// SourceKind says which event column TopEventSources groups by.
type SourceKind string

// The two kinds of offender.
const (
	SourceIP  SourceKind = "ip"  // client_ip
	SourceKey SourceKind = "key" // key_id
)

// TimelineCount is the number of events of one type and severity in one
// bucket (Bucket is the index of the bucket counted from the period start).
type TimelineCount struct {
	Bucket   int
	Type     secevent.Type
	Severity secevent.Severity
	Count    int
}

// Offender is a client IP or key id with its event counts.
type Offender struct {
	Source         string    `json:"source"`
	Events         int       `json:"events"`
	HighOrCritical int       `json:"high_or_critical"`
	LastSeen       time.Time `json:"last_seen"`
}

// Store is what reports read. *store.Store implements it with aggregate
// queries, so a report never loads the events themselves.
type Store interface {
	// EventTimeline counts events with from <= at < to by bucket index
	// ((at - from) / bucket), type and severity.
	EventTimeline(ctx context.Context, from, to time.Time, bucket time.Duration) ([]TimelineCount, error)
	// TopEventSources returns the limit sources (non-empty client IPs or key
	// ids) with the most events of the given types in [from, to), most
	// first, ties by source.
	TopEventSources(ctx context.Context, from, to time.Time, by SourceKind, types []secevent.Type, limit int) ([]Offender, error)
	// EventDetailCounts counts events of type t in [from, to) by the value
	// of details[key] ("" when absent). key is [a-z_]{1,32}.
	EventDetailCounts(ctx context.Context, from, to time.Time, t secevent.Type, key string) (map[string]int, error)
	// SumEventDetail sums the integer values of details[key] over events of
	// type t in [from, to); values that are not integers count 0.
	SumEventDetail(ctx context.Context, from, to time.Time, t secevent.Type, key string) (int64, error)
}

// Incidents supplies the incident part of a report (incident.Service).
type Incidents interface {
	Report(ctx context.Context, from, to time.Time) (incident.Report, error)
}

// JobStore keeps the scheduler's progress (the jobs table), so a restart
// neither skips nor repeats a period.
type JobStore interface {
	// JobState returns the state saved under name ("" when none).
	JobState(ctx context.Context, name string) (string, error)
	// SetJobState saves state under name.
	SetJobState(ctx context.Context, name, state string, at time.Time) error
}
