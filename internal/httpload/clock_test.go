package httpload

import (
	"context"
	"runtime"
	"testing"
	"time"
)

func TestClockSleepsAtLeastD(t *testing.T) {
	c := newClock()
	defer c.close()
	if runtime.GOOS == "linux" && c.f == nil {
		t.Fatal("no timerfd on Linux: the pacer would fall back to runtime timers")
	}
	for _, d := range []time.Duration{200 * time.Microsecond, 3 * time.Millisecond, 20 * time.Millisecond} {
		for range 5 {
			t0 := time.Now()
			c.sleep(context.Background(), d)
			if got := time.Since(t0); got < d {
				t.Fatalf("sleep(%v) returned after %v", d, got)
			}
		}
	}
}
