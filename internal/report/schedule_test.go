package report_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/alert"
	"github.com/samo-brain/samo/internal/report"
)

type fakeAlerter struct {
	mu   sync.Mutex
	keys []string
	data []*report.Report
}

func (f *fakeAlerter) Enabled() bool { return true }

func (f *fakeAlerter) Send(_ context.Context, kind, key string, data any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if kind != alert.KindReport {
		panic("kind " + kind)
	}
	f.keys = append(f.keys, key)
	f.data = append(f.data, data.(*report.Report))
	return nil
}

// The scheduler sends one report per interval, continues where it left off
// after a restart, and covers a downtime with one report.
func TestSchedulerPeriods(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	c := &clock{t: t0}
	al := &fakeAlerter{}
	newSched := func() *report.Scheduler {
		return &report.Scheduler{Builder: report.NewBuilder(st, nil, c.Now), Alerter: al, Jobs: st, Interval: time.Hour, Now: c.Now}
	}
	s := newSched()
	if _, err := s.RunOnce(ctx); err != nil { // first start: records t0
		t.Fatal(err)
	}
	c.Advance(59 * time.Minute)
	if _, err := s.RunOnce(ctx); err != nil || len(al.keys) != 0 {
		t.Fatalf("report sent before the interval ended: %v %v", al.keys, err)
	}
	c.Advance(2 * time.Minute)
	next, err := s.RunOnce(ctx)
	if err != nil || len(al.keys) != 1 {
		t.Fatalf("after one interval: %v, %v", al.keys, err)
	}
	if r := al.data[0]; !r.From.Equal(t0) || !r.To.Equal(t0.Add(time.Hour)) || !next.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("first report %v–%v, next %v", r.From, r.To, next)
	}
	// Restart, then 5 hours of downtime: one report for the 5 missed hours.
	c.Advance(5 * time.Hour)
	s = newSched()
	if _, err := s.RunOnce(ctx); err != nil || len(al.keys) != 2 {
		t.Fatalf("after downtime: %v, %v", al.keys, err)
	}
	if r := al.data[1]; !r.From.Equal(t0.Add(time.Hour)) || !r.To.Equal(t0.Add(6*time.Hour)) {
		t.Errorf("catch-up report %v–%v, want 1h–6h", r.From, r.To)
	}
	if al.keys[0] == al.keys[1] {
		t.Errorf("two periods share the idempotency key %q", al.keys[0])
	}
	// Running again at once sends nothing.
	if _, err := s.RunOnce(ctx); err != nil || len(al.keys) != 2 {
		t.Errorf("repeat run sent again: %v, %v", al.keys, err)
	}
}
