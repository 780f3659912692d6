package kv

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLease(t *testing.T) {
	ctx := context.Background()
	c := testClient(t)
	a, err := c.TryLock(ctx, "job", time.Minute)
	if err != nil {
		t.Fatalf("TryLock: %v", err)
	}
	if _, err := c.TryLock(ctx, "job", time.Minute); !errors.Is(err, ErrLocked) {
		t.Errorf("second TryLock err = %v, want ErrLocked", err)
	}
	if other, err := c.TryLock(ctx, "other-job", time.Minute); err != nil {
		t.Errorf("TryLock(other name) = %v", err)
	} else {
		_ = other.Release(ctx)
	}
	if err := a.Renew(ctx); err != nil {
		t.Errorf("Renew: %v", err)
	}
	if err := a.Release(ctx); err != nil {
		t.Errorf("Release: %v", err)
	}
	if err := a.Release(ctx); !errors.Is(err, ErrLockLost) {
		t.Errorf("second Release err = %v, want ErrLockLost", err)
	}
	// Another owner took over after expiry: the old lease can neither
	// renew nor release the new owner's lock.
	b, err := c.TryLock(ctx, "job", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Renew(ctx); !errors.Is(err, ErrLockLost) {
		t.Errorf("stale Renew err = %v, want ErrLockLost", err)
	}
	if err := a.Release(ctx); !errors.Is(err, ErrLockLost) {
		t.Errorf("stale Release err = %v, want ErrLockLost", err)
	}
	if n, _ := c.rdb.Exists(ctx, b.key).Result(); n != 1 {
		t.Error("a stale Release removed the new owner's lock")
	}
	for _, bad := range []struct {
		name string
		ttl  time.Duration
	}{{"", time.Second}, {"a b", time.Second}, {"job", time.Millisecond}, {"job", 48 * time.Hour}} {
		if _, err := c.TryLock(ctx, bad.name, bad.ttl); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("TryLock(%q, %v) err = %v, want ErrInvalidInput", bad.name, bad.ttl, err)
		}
	}
}

// TestRunExclusive: of several competitors, one runs the job at a time;
// when the holder's job ends, another takes over.
func TestRunExclusive(t *testing.T) {
	c := testClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var running, maxRunning, runs atomic.Int32
	job := func(ctx context.Context) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := maxRunning.Load()
			if n <= m || maxRunning.CompareAndSwap(m, n) {
				break
			}
		}
		runs.Add(1)
		select {
		case <-ctx.Done():
		case <-time.After(300 * time.Millisecond):
		}
		return nil
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			// A job that ends by itself ends RunExclusive; loop to compete again.
			for ctx.Err() == nil {
				if err := c.RunExclusive(ctx, "report", 300*time.Millisecond, job); err != nil {
					t.Errorf("RunExclusive: %v", err)
					return
				}
			}
		})
	}
	// Wait for three runs (the lock handed over at least twice), not for a
	// fixed time. The bound is 60 s, far above the ~1 s this takes: it only
	// stops a hung test.
	deadline := time.Now().Add(60 * time.Second)
	for runs.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if m := maxRunning.Load(); m != 1 {
		t.Errorf("at most %d jobs ran at once, want 1", m)
	}
	if r := runs.Load(); r < 3 {
		t.Errorf("%d runs in 60 s, want the lock handed over at least twice", r)
	}
}

// TestRunExclusiveLost: a lease taken away cancels the job's context.
func TestRunExclusiveLost(t *testing.T) {
	c := testClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{}, 4)
	cancelled := make(chan error, 4)
	go func() {
		_ = c.RunExclusive(ctx, "purge", time.Second, func(jctx context.Context) error {
			started <- struct{}{}
			<-jctx.Done()
			cancelled <- context.Cause(jctx)
			return jctx.Err()
		})
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("job did not start")
	}
	// Someone else's token now holds the lock (as after an expiry).
	if err := c.rdb.Set(ctx, c.key("lock", "purge"), "intruder", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case cause := <-cancelled:
		if !errors.Is(cause, ErrLockLost) {
			t.Errorf("job context cause = %v, want ErrLockLost", cause)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("job not cancelled after losing the lock")
	}
	if v, _ := c.rdb.Get(ctx, c.key("lock", "purge")).Result(); v != "intruder" {
		t.Errorf("lock value = %q; the loser must not release the new owner's lock", v)
	}
}
