//go:build !linux

package httpload

import (
	"context"
	"time"
)

// clock sleeps on runtime timers where there is no timerfd.
type clock struct{}

func newClock() *clock { return &clock{} }

func (*clock) sleep(ctx context.Context, d time.Duration) { timerSleep(ctx, d) }

func (*clock) close() {}
