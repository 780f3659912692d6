package kv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/samo-brain/samo/internal/randid"
)

// Lock errors.
var (
	// ErrLocked reports that another owner holds the lock.
	ErrLocked = errors.New("kv: lock held by another owner")
	// ErrLockLost reports that a lease expired or was taken over before it
	// was renewed or released.
	ErrLockLost = errors.New("kv: lock lost")
)

// Lease bounds.
const (
	// MinLeaseTTL and MaxLeaseTTL bound a lease's time to live.
	MinLeaseTTL = 100 * time.Millisecond
	MaxLeaseTTL = 24 * time.Hour
	maxLockName = 64
)

// releaseScript deletes the lock only if this owner's token still holds it.
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`

// renewScript extends the lock only if this owner's token still holds it.
const renewScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`

// Lease is a held lock: a key set with SET NX PX to a random token, renewed
// and released only by the holder of that token.
type Lease struct {
	c     *Client
	key   string
	token string
	ttl   time.Duration
}

// TryLock takes the lock name for ttl if nobody holds it (ErrLocked
// otherwise). The lease expires by itself after ttl unless renewed.
func (c *Client) TryLock(ctx context.Context, name string, ttl time.Duration) (*Lease, error) {
	if !validID(name, maxLockName) || ttl < MinLeaseTTL || ttl > MaxLeaseTTL {
		return nil, fmt.Errorf("%w: lock name or TTL", ErrInvalidInput)
	}
	l := &Lease{c: c, key: c.key("lock", name), token: randid.New("", 16), ttl: ttl}
	ctx, cancel := c.deadline(ctx)
	defer cancel()
	err := c.rdb.SetArgs(ctx, l.key, l.token, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	if errors.Is(err, redis.Nil) {
		return nil, ErrLocked
	}
	if err != nil {
		return nil, c.wrap("lock", err)
	}
	return l, nil
}

// Renew extends the lease by its TTL from now; ErrLockLost when it is no
// longer held.
func (l *Lease) Renew(ctx context.Context) error {
	ctx, cancel := l.c.deadline(ctx)
	defer cancel()
	n, err := redis.NewScript(renewScript).Run(ctx, l.c.rdb, []string{l.key}, l.token, l.ttl.Milliseconds()).Int64()
	if err != nil {
		return l.c.wrap("renew lock", err)
	}
	if n != 1 {
		return ErrLockLost
	}
	return nil
}

// Release gives the lock up; ErrLockLost when it was no longer held.
func (l *Lease) Release(ctx context.Context) error {
	ctx, cancel := l.c.deadline(ctx)
	defer cancel()
	n, err := redis.NewScript(releaseScript).Run(ctx, l.c.rdb, []string{l.key}, l.token).Int64()
	if err != nil {
		return l.c.wrap("release lock", err)
	}
	if n != 1 {
		return ErrLockLost
	}
	return nil
}

// RunExclusive runs job on at most one replica at a time: it waits for the
// lock name, runs job while holding it, renews it every ttl/3, and cancels
// job's context if the lease is lost (taken over, or not renewable for
// 2/3 of ttl because Redis is unreachable). It then competes for the lock
// again. Failing to reach Redis counts as not holding the lock: the job
// waits rather than risk running twice. RunExclusive returns nil when ctx
// ends, and otherwise what job returns when it ends by itself (the lock is
// released first).
//
// The lock keeps replicas from duplicating work; it is not a fencing token.
// A replica paused longer than ttl can overlap the next holder, so jobs run
// this way must be idempotent (SAMO's are: retention purges, report runs
// keyed by period, compare-and-swap re-encryption, outbox rows claimed in
// the database).
func (c *Client) RunExclusive(ctx context.Context, name string, ttl time.Duration, job func(context.Context) error) error {
	if !validID(name, maxLockName) || ttl < MinLeaseTTL || ttl > MaxLeaseTTL {
		return fmt.Errorf("%w: lock name or TTL", ErrInvalidInput)
	}
	for {
		lease, err := c.TryLock(ctx, name, ttl)
		if err == nil {
			if err := lease.hold(ctx, job); !errors.Is(err, ErrLockLost) {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(ttl / 3):
		}
	}
}

// hold runs job under the lease, renewing it, and releases it at the end.
func (l *Lease) hold(ctx context.Context, job func(context.Context) error) error {
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan error, 1)
	go func() { done <- job(jctx) }()
	tick := time.NewTicker(l.ttl / 3)
	defer tick.Stop()
	renewed := time.Now()
	lost := false
	for {
		select {
		case err := <-done:
			if !lost {
				rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), l.c.timeout)
				if rerr := l.Release(rctx); errors.Is(rerr, ErrLockLost) {
					lost = true
				}
				rcancel()
			}
			switch {
			case ctx.Err() != nil:
				return nil
			case lost && (err == nil || errors.Is(err, context.Canceled)):
				return ErrLockLost
			}
			return err
		case <-tick.C:
			if lost {
				continue
			}
			err := l.Renew(ctx)
			switch {
			case err == nil:
				renewed = time.Now()
			case errors.Is(err, ErrLockLost) || time.Since(renewed) >= l.ttl-l.ttl/3:
				// Taken over, or unrenewable for so long that it may have
				// expired: stop before another replica starts.
				lost = true
				cancel(ErrLockLost)
			}
		}
	}
}
