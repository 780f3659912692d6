package ids

import (
	"context"
	"testing"
	"time"

	"github.com/samo-brain/samo/internal/secevent"
)

// A watched address is blocked after half the injections an unwatched one
// may send; the watch ends at its time.
func TestWatchTightensThresholds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	ctx := context.Background()
	if err := f.d.Watch(ctx, ipA, f.clock.Now().Add(time.Hour), "incident inc_1"); err != nil {
		t.Fatal(err)
	}
	if until, ok := f.d.Watched(ipA); !ok || !until.Equal(f.clock.Now().Add(time.Hour)) {
		t.Fatalf("Watched(ipA) = %v, %v", until, ok)
	}
	if _, ok := f.d.Watched(ipB); ok {
		t.Fatal("ipB watched")
	}
	// Default: 1 injection allowed, 2 points each beyond, block at 10 → the
	// 6th. Watched: 0 allowed, block at 5 → the 3rd.
	f.observe(t, ipA, SignalInjection, "", 3)
	f.observe(t, ipB, SignalInjection, "", 3)
	if _, ok := f.check(t, ipA); !ok {
		t.Error("watched address not blocked after 3 injections")
	}
	if _, ok := f.check(t, ipB); ok {
		t.Error("unwatched address blocked after 3 injections")
	}
	f.observe(t, ipB, SignalInjection, "", 3)
	if _, ok := f.check(t, ipB); !ok {
		t.Error("unwatched address not blocked after 6 injections")
	}
	// After the watch ends the default rules apply again.
	f.clock.Advance(time.Hour)
	if _, ok := f.d.Watched(ipA); ok {
		t.Error("watch did not end")
	}
	if err := f.d.Watch(ctx, ipA, f.clock.Now(), "past"); err == nil {
		t.Error("a watch ending now was accepted")
	}
	if err := f.d.Watch(ctx, ipA, f.clock.Now().Add(time.Hour), "bad\nreason"); err == nil {
		t.Error("a reason with a newline was accepted")
	}
}

func TestTightened(t *testing.T) {
	t.Parallel()
	c := tightened(DefaultConfig())
	if c.RequestsPerMinute != 25 || c.Injections != 0 || c.AuthFailures != 1 || c.BruteForceFailures != 2 || c.SuspicionThreshold != 5 || c.DistinctKeys != 1 {
		t.Errorf("tightened = %+v", c)
	}
	one := DefaultConfig()
	one.RequestsPerMinute, one.SuspicionThreshold, one.BruteForceFailures = 1, 1, 1
	if c := tightened(one); c.RequestsPerMinute != 1 || c.SuspicionThreshold != 1 || c.BruteForceFailures != 1 {
		t.Errorf("tightened limits went below 1: %+v", c)
	}
}

// Brute force from an address whose block ended within ResumeWindow is
// critical; later, or without a block, it is high.
func TestBruteForceResumedAfterBlockIsCritical(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	severities := func() []secevent.Severity {
		var out []secevent.Severity
		for _, e := range f.events(secevent.BruteForce) {
			out = append(out, e.Severity)
		}
		return out
	}
	// 13 failed authentications: brute force (high) and, at 10 points, a
	// block (15 min).
	f.observe(t, ipA, SignalAuthFailure, "", 13)
	if _, ok := f.check(t, ipA); !ok {
		t.Fatal("not blocked")
	}
	if got := severities(); len(got) != 1 || got[0] != secevent.High {
		t.Fatalf("first brute force severities %v, want [high]", got)
	}
	f.clock.Advance(15*time.Minute + time.Second) // the block ends
	if _, ok := f.check(t, ipA); ok {
		t.Fatal("still blocked")
	}
	f.observe(t, ipA, SignalAuthFailure, "", 6)
	got := severities()
	if len(got) != 2 || got[1] != secevent.Critical {
		t.Fatalf("resumed brute force severities %v, want [high critical]", got)
	}
	if e := f.events(secevent.BruteForce)[1]; e.Details["resumed_after_block"] != "true" || e.Details["block_ended"] == "" {
		t.Errorf("resumed event details %v", e.Details)
	}
	// Much later (block long over, > ResumeWindow) it is high again.
	f.clock.Advance(3 * time.Hour)
	f.observe(t, ipA, SignalAuthFailure, "", 6)
	if got := severities(); len(got) != 3 || got[2] != secevent.High {
		t.Errorf("brute force long after the block: %v, want the third high", got)
	}
}
