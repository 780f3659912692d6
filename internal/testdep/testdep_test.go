package testdep

import (
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records how a test was stopped.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.skipped = true
	r.msg = args[0].(string)
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = format
	if len(args) > 0 {
		r.msg = args[len(args)-1].(string)
	}
}

func TestMissing(t *testing.T) {
	for _, tc := range []struct {
		ci         string
		wantFailed bool
	}{{"", false}, {"false", false}, {"true", true}, {"1", true}, {"yes", false}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recorder{TB: t}
			Missing(r, "redis %s", "absent")
			if r.failed != tc.wantFailed || r.skipped == tc.wantFailed {
				t.Errorf("failed=%v skipped=%v, want failed=%v", r.failed, r.skipped, tc.wantFailed)
			}
			if !strings.Contains(r.msg, "redis absent") {
				t.Errorf("reason %q lost", r.msg)
			}
		})
	}
}

func TestBound(t *testing.T) {
	for _, tc := range []struct {
		env      string
		generous time.Duration
		want     time.Duration
	}{
		{"", 0, 5 * time.Second}, {"", 10 * time.Second, 10 * time.Second},
		{"true", 10 * time.Second, time.Second}, {"0", 2 * time.Second, 5 * time.Second},
	} {
		t.Setenv("SAMO_TIMING_TARGETS", tc.env)
		if got := Bound(time.Second, tc.generous); got != tc.want {
			t.Errorf("SAMO_TIMING_TARGETS=%q: Bound(1s, %v) = %v, want %v", tc.env, tc.generous, got, tc.want)
		}
	}
}
