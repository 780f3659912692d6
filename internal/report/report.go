package report

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/samo-brain/samo/internal/incident"
	"github.com/samo-brain/samo/internal/secevent"
)

// MaxPeriod is the longest period one report covers.
const MaxPeriod = 366 * 24 * time.Hour

// ErrPeriod reports a period that is empty, reversed or longer than
// MaxPeriod.
var ErrPeriod = errors.New("report: invalid period")

// OffenceTypes are the event types that make a client IP or key an
// "offender" in the top lists (the report's and the dashboard's
// Offenders page): what a client did wrong, and the signals derived from
// it (brute_force, suspicious_activity, ip_blocked). Admin actions,
// configuration events and a user's own changes are not offences.
//
// totp_locked is one: the address and key whose wrong codes locked a
// user's dashboard second factor hold that user's API key, and are watched
// for it (docs/incident-response.md). The wrong code that set the lock is
// also a medium auth_failure; without totp_locked here the source would
// rank with no high event, as if it had only mistyped a key.
//
// So is revoked_key_new_address, for the same reason: the address that
// presents a revoked or suspended key it never used holds someone else's
// key (it is blocked for 24 h). That request is also a medium
// auth_failure; without revoked_key_new_address here the address would
// rank no higher than the key's owner retrying from its own address.
func OffenceTypes() []secevent.Type {
	return []secevent.Type{
		secevent.AuthFailure, secevent.BruteForce, secevent.PermissionDenied, secevent.RateLimitWarning,
		secevent.RateLimited, secevent.ValidationRejected, secevent.InvalidParameter, secevent.InjectionDetected, secevent.SuspiciousActivity,
		secevent.IPBlocked, secevent.BlockedRequest, secevent.TokenReuse, secevent.TokenInvalid, secevent.TOTPLocked,
		secevent.KeyNewAddress,
	}
}

// Severities lists the four severities, lowest first.
func Severities() []secevent.Severity {
	return []secevent.Severity{secevent.Low, secevent.Medium, secevent.High, secevent.Critical}
}

// Report is the security report of one period.
type Report struct {
	From          time.Time     `json:"from"`
	To            time.Time     `json:"to"`
	GeneratedAt   time.Time     `json:"generated_at"`
	BucketSeconds int64         `json:"bucket_seconds"`
	Bucket        time.Duration `json:"-"`
	Totals        Totals        `json:"totals"`
	// Timeline has one bucket per BucketSeconds from From, empty ones
	// included.
	Timeline     []Bucket         `json:"timeline"`
	TopIPs       []Offender       `json:"top_ips"`
	TopKeys      []Offender       `json:"top_keys"`
	Blocks       Blocks           `json:"blocks"`
	AuthFailures Breakdown        `json:"auth_failures"`
	RateLimited  Breakdown        `json:"rate_limited"`
	EventsShed   int64            `json:"events_shed"`
	Incidents    *incident.Report `json:"incidents,omitempty"`
}

// Totals counts the period's events.
type Totals struct {
	Events         int                                         `json:"events"`
	BySeverity     map[secevent.Severity]int                   `json:"by_severity"`
	ByType         map[secevent.Type]int                       `json:"by_type"`
	ByTypeSeverity map[secevent.Type]map[secevent.Severity]int `json:"by_type_severity"`
}

// Bucket is one slice of the timeline.
type Bucket struct {
	Start      time.Time                 `json:"start"`
	Total      int                       `json:"total"`
	BySeverity map[secevent.Severity]int `json:"by_severity"`
	ByType     map[secevent.Type]int     `json:"by_type,omitempty"`
}

// Blocks counts IP blocks issued (automatic by intrusion detection, manual
// by admins or playbooks) and lifted.
type Blocks struct {
	Issued    int `json:"issued"`
	Automatic int `json:"automatic"`
	Manual    int `json:"manual"`
	Lifted    int `json:"lifted"`
}

// Breakdown is a total with counts by a detail (reason, scope).
type Breakdown struct {
	Total int            `json:"total"`
	By    map[string]int `json:"by"`
}

// Builder builds reports from the store.
type Builder struct {
	store     Store
	incidents Incidents
	now       func() time.Time
	top       int
}

// NewBuilder returns a Builder; incidents may be nil (no incident section).
func NewBuilder(st Store, incidents Incidents, now func() time.Time) *Builder {
	if now == nil {
		now = time.Now
	}
	return &Builder{store: st, incidents: incidents, now: now, top: 10}
}

// BucketFor chooses the timeline bucket for a period: the smallest of
// 1m, 5m, 15m, 30m, 1h, 3h, 6h, 12h, 1d, 7d that yields at most 60 buckets.
func BucketFor(period time.Duration) time.Duration {
	steps := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
		3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}
	for _, s := range steps {
		if period <= 60*s {
			return s
		}
	}
	return steps[len(steps)-1]
}

// Build builds the report for events in [from, to).
func (b *Builder) Build(ctx context.Context, from, to time.Time) (*Report, error) {
	from, to = from.UTC(), to.UTC()
	if !from.Before(to) || to.Sub(from) > MaxPeriod {
		return nil, fmt.Errorf("%w: from must be before to, at most %v apart", ErrPeriod, MaxPeriod)
	}
	bucket := BucketFor(to.Sub(from))
	r := &Report{From: from, To: to, GeneratedAt: b.now().UTC(), Bucket: bucket, BucketSeconds: int64(bucket / time.Second)}
	counts, err := b.store.EventTimeline(ctx, from, to, bucket)
	if err != nil {
		return nil, err
	}
	r.fill(counts)
	if r.TopIPs, err = b.store.TopEventSources(ctx, from, to, SourceIP, OffenceTypes(), b.top); err != nil {
		return nil, err
	}
	if r.TopKeys, err = b.store.TopEventSources(ctx, from, to, SourceKey, OffenceTypes(), b.top); err != nil {
		return nil, err
	}
	byBlocker, err := b.store.EventDetailCounts(ctx, from, to, secevent.IPBlocked, "by")
	if err != nil {
		return nil, err
	}
	for by, n := range byBlocker {
		r.Blocks.Issued += n
		if by == "ids" {
			r.Blocks.Automatic += n
		} else {
			r.Blocks.Manual += n
		}
	}
	r.Blocks.Lifted = r.Totals.ByType[secevent.IPUnblocked]
	if r.AuthFailures, err = b.breakdown(ctx, from, to, secevent.AuthFailure, "reason"); err != nil {
		return nil, err
	}
	if r.RateLimited, err = b.breakdown(ctx, from, to, secevent.RateLimited, "scope"); err != nil {
		return nil, err
	}
	if r.EventsShed, err = b.store.SumEventDetail(ctx, from, to, secevent.EventsShed, "total"); err != nil {
		return nil, err
	}
	if b.incidents != nil {
		ir, err := b.incidents.Report(ctx, from, to)
		if err != nil {
			return nil, err
		}
		r.Incidents = &ir
	}
	return r, nil
}

func (b *Builder) breakdown(ctx context.Context, from, to time.Time, t secevent.Type, key string) (Breakdown, error) {
	by, err := b.store.EventDetailCounts(ctx, from, to, t, key)
	if err != nil {
		return Breakdown{}, err
	}
	bd := Breakdown{By: map[string]int{}}
	for k, n := range by {
		if k == "" {
			k = "unspecified"
		}
		bd.By[k] += n
		bd.Total += n
	}
	return bd, nil
}

// fill computes totals and the timeline from the grouped counts.
func (r *Report) fill(counts []TimelineCount) {
	r.Totals = Totals{BySeverity: map[secevent.Severity]int{}, ByType: map[secevent.Type]int{}, ByTypeSeverity: map[secevent.Type]map[secevent.Severity]int{}}
	for _, s := range Severities() {
		r.Totals.BySeverity[s] = 0
	}
	n := int((r.To.Sub(r.From) + r.Bucket - 1) / r.Bucket)
	r.Timeline = make([]Bucket, n)
	for i := range r.Timeline {
		r.Timeline[i] = Bucket{Start: r.From.Add(time.Duration(i) * r.Bucket), BySeverity: map[secevent.Severity]int{}, ByType: map[secevent.Type]int{}}
		for _, s := range Severities() {
			r.Timeline[i].BySeverity[s] = 0
		}
	}
	for _, c := range counts {
		r.Totals.Events += c.Count
		r.Totals.BySeverity[c.Severity] += c.Count
		r.Totals.ByType[c.Type] += c.Count
		if r.Totals.ByTypeSeverity[c.Type] == nil {
			r.Totals.ByTypeSeverity[c.Type] = map[secevent.Severity]int{}
		}
		r.Totals.ByTypeSeverity[c.Type][c.Severity] += c.Count
		if c.Bucket >= 0 && c.Bucket < n {
			bk := &r.Timeline[c.Bucket]
			bk.Total += c.Count
			bk.BySeverity[c.Severity] += c.Count
			bk.ByType[c.Type] += c.Count
		}
	}
}

// TypeCount is an event type with its count.
type TypeCount struct {
	Type  secevent.Type
	Count int
}

// TypesByCount returns the period's event types, most frequent first.
func (r *Report) TypesByCount() []TypeCount {
	out := make([]TypeCount, 0, len(r.Totals.ByType))
	for t, n := range r.Totals.ByType {
		out = append(out, TypeCount{t, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Type < out[j].Type
	})
	return out
}
