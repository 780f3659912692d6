package httpload

import (
	"context"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// clock sleeps on a timerfd(2): the runtime's poller waits for it to
// become readable, and the kernel makes it so at the expiry, to the
// microsecond, whatever the poller's own timeout.
type clock struct {
	f *os.File // nil when no timerfd could be made: runtime timers
}

func newClock() *clock {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return &clock{}
	}
	return &clock{f: os.NewFile(uintptr(fd), "timerfd")} // #nosec G115 -- a file descriptor
}

// sleep returns after d. On a timerfd it does not watch ctx: pace sleeps
// at most one interval and checks ctx after.
func (c *clock) sleep(ctx context.Context, d time.Duration) {
	if c.f == nil {
		timerSleep(ctx, d)
		return
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(d.Nanoseconds())}
	if err := unix.TimerfdSettime(int(c.f.Fd()), 0, &spec, nil); err != nil { // #nosec G115 -- a file descriptor
		timerSleep(ctx, d)
		return
	}
	var buf [8]byte
	_, _ = c.f.Read(buf[:]) // the expiry count; returns at the expiry
}

func (c *clock) close() {
	if c.f != nil {
		_ = c.f.Close()
	}
}
