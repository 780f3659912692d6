package secevent

import "time"

// Filter selects security events. Zero fields do not filter.
type Filter struct {
	Types      []Type
	Severities []Severity
	Since      time.Time // inclusive
	Until      time.Time // exclusive
	ClientIP   string
	KeyID      string
	Limit      int
	// Before pages backwards: events strictly older than (BeforeAt, BeforeID).
	BeforeAt time.Time
	BeforeID string
}

// Count is a count of events for one (type, severity) pair.
type Count struct {
	Type     Type
	Severity Severity
	Count    int
}
