package httpload

import (
	"context"
	"time"
)

// ticket is one fixed-rate request: its number n (due at start +
// n·interval) and whether a connection was free, waiting for it, when it
// fell due.
type ticket struct {
	n    uint64
	free bool
}

// pace hands out the tickets due before end, each at its due time to a
// connection waiting for one, or, when every connection is still busy, to
// the first that becomes free (a late request, measured from its due
// time all the same). It closes out when done.
//
// It waits with a clock (newClock) that the kernel wakes at the due
// time, not with a runtime timer: with nothing else to run, the Go
// runtime waits in epoll with a whole-millisecond timeout, so a timer due
// in under 1 ms fires up to 1 ms late, and every such delay would count
// as server latency.
func pace(ctx context.Context, start time.Time, interval time.Duration, end time.Time, out chan<- ticket) {
	defer close(out)
	c := newClock()
	defer c.close()
	for n := uint64(0); ; n++ {
		due := start.Add(time.Duration(n) * interval)
		if !due.Before(end) {
			return
		}
		if d := time.Until(due); d > 0 {
			c.sleep(ctx, d)
		}
		if ctx.Err() != nil {
			return
		}
		select {
		case out <- ticket{n, true}:
			continue
		default:
		}
		select {
		case out <- ticket{n, false}:
		case <-ctx.Done():
			return
		}
	}
}

// timerSleep sleeps on a runtime timer.
func timerSleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
