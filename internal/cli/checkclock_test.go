package cli

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestCheckClock: clock_sync passes only a clock that an NTP client keeps
// within a second; an unsynchronised clock, a large error bound or a
// state that cannot be read warn, saying why it matters.
func TestCheckClock(t *testing.T) {
	for _, c := range []struct {
		name  string
		state clockState
		err   error
		want  string
		text  string
	}{
		{"synchronised", clockState{synced: true, maxError: 20 * time.Millisecond}, nil, checkPass, "error bound 20ms"},
		{"at the bound", clockState{synced: true, maxError: maxClockError}, nil, checkPass, "synchronised"},
		{"not synchronised", clockState{maxError: 16 * time.Second}, nil, checkWarn, "not synchronised"},
		{"error bound too large", clockState{synced: true, maxError: maxClockError + time.Millisecond}, nil, checkWarn, "error bound is 1.001s"},
		{"unreadable", clockState{}, errors.New("EPERM"), checkWarn, "EPERM"},
	} {
		ch := &checker{opt: checkOptions{clock: func() (clockState, error) { return c.state, c.err }}}
		ch.clock()
		if len(ch.results) != 1 {
			t.Fatalf("%s: %d results, want 1", c.name, len(ch.results))
		}
		r := ch.results[0]
		if r.Name != "clock_sync" || r.Status != c.want || !strings.Contains(r.Reason, c.text) {
			t.Errorf("%s: %s %s %q, want clock_sync %s saying %q", c.name, r.Status, r.Name, r.Reason, c.want, c.text)
		}
		if c.want == checkWarn && !strings.Contains(r.Reason, "TOTP") {
			t.Errorf("%s: %q does not say why the clock matters", c.name, r.Reason)
		}
	}
}

// TestReadClock reads this host's clock state: the call works without
// privilege and the error bound is a duration, whatever the host's NTP.
func TestReadClock(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("adjtimex is Linux's")
	}
	st, err := readClock()
	if err != nil {
		t.Fatalf("readClock: %v", err)
	}
	if st.maxError < 0 {
		t.Errorf("error bound %s < 0", st.maxError)
	}
}
