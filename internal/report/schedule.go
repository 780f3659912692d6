package report

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// AlertKind is the alert kind of scheduled reports (alert.KindReport).
const AlertKind = "security.report"

// JobName is the jobs-table entry holding the end of the last period
// reported.
const JobName = "security_report"

// maxCatchUp bounds the period of the report sent after a long downtime.
const maxCatchUp = 31 * 24 * time.Hour

// Alerter queues a message under an idempotency key (alert.Outbox).
type Alerter interface {
	Enabled() bool
	Send(ctx context.Context, kind, key string, data any) error
}

// Scheduler sends the security report of each SECURITY_REPORT_INTERVAL
// through the alert outbox. The end of the last reported period is kept in
// the store, so a restart neither skips nor repeats a period; after a
// downtime one report covers every missed interval (at most 31 days). The
// idempotency key is "report-<from>-<to>" (unix seconds), so replicas
// sharing a database queue each report once.
type Scheduler struct {
	Builder  *Builder
	Alerter  Alerter
	Jobs     JobStore
	Interval time.Duration
	Log      *slog.Logger
	Now      func() time.Time
}

// Run sends reports until ctx ends. It returns nil at once when the
// interval is 0 or no webhook is configured.
func (s *Scheduler) Run(ctx context.Context) error {
	if s.Interval <= 0 || s.Alerter == nil || !s.Alerter.Enabled() {
		return nil
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for {
		next, err := s.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			log.Error("scheduled security report failed; will retry", "error", err)
			next = s.now().Add(time.Minute)
		}
		wait := min(max(next.Sub(s.now()), time.Second), time.Minute)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// RunOnce sends the report when a period has ended and returns when the
// next one ends. On the very first run it only records the start.
func (s *Scheduler) RunOnce(ctx context.Context) (next time.Time, err error) {
	now := s.now()
	state, err := s.Jobs.JobState(ctx, JobName)
	if err != nil {
		return time.Time{}, err
	}
	last, perr := time.Parse(time.RFC3339Nano, state)
	if state == "" || perr != nil || last.After(now) {
		if err := s.Jobs.SetJobState(ctx, JobName, now.Format(time.RFC3339Nano), now); err != nil {
			return time.Time{}, err
		}
		return now.Add(s.Interval), nil
	}
	periods := now.Sub(last) / s.Interval
	if periods < 1 {
		return last.Add(s.Interval), nil
	}
	to := last.Add(periods * s.Interval)
	from := last
	if to.Sub(from) > maxCatchUp {
		from = to.Add(-maxCatchUp)
	}
	r, err := s.Builder.Build(ctx, from, to)
	if err != nil {
		return time.Time{}, err
	}
	key := "report-" + strconv.FormatInt(from.Unix(), 10) + "-" + strconv.FormatInt(to.Unix(), 10)
	if err := s.Alerter.Send(ctx, AlertKind, key, r); err != nil {
		return time.Time{}, fmt.Errorf("report: queueing: %w", err)
	}
	if err := s.Jobs.SetJobState(ctx, JobName, to.Format(time.RFC3339Nano), now); err != nil {
		return time.Time{}, err
	}
	return to.Add(s.Interval), nil
}
