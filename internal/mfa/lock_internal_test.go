package mfa

import (
	"testing"
	"time"
)

// TestLockAfterNoFailures: a count that is not a positive multiple of
// MaxUserFailures sets no lock (0 is a multiple of everything).
func TestLockAfterNoFailures(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, n := range []int{-MaxUserFailures, 0, 1, MaxUserFailures - 1, MaxUserFailures + 1} {
		if got := lockAfter(now, n); !got.IsZero() {
			t.Errorf("lockAfter(%d) = %v, want no lock", n, got)
		}
	}
	if got := lockAfter(now, MaxUserFailures); !got.Equal(now.Add(LockPeriod)) {
		t.Errorf("lockAfter(%d) = %v, want %v", MaxUserFailures, got, now.Add(LockPeriod))
	}
}
