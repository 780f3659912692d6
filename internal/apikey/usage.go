package apikey

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// finalFlushTimeout bounds the flush Run makes after its context ends.
const finalFlushTimeout = 5 * time.Second

// usage remembers successful authentications per key id until they are
// written with Store.TouchKeys, and for a short while after, so idle-expiry
// checks see uses the store (or a cached record read before the write) does
// not show yet.
//
// Entries exist only for keys that authenticated, so their number is bounded
// by the real keys in use since the previous flushes.
type usage struct {
	mu   sync.Mutex
	uses map[string]useEntry
}

type useEntry struct {
	at      time.Time // latest use seen by this process
	dirty   bool      // at is not yet written (or its write failed)
	flushed time.Time // when at was written; zero while dirty or in flight
}

func newUsage() *usage { return &usage{uses: make(map[string]useEntry)} }

// record notes a use of id at t, keeping the latest.
func (u *usage) record(id string, t time.Time) {
	u.mu.Lock()
	e := u.uses[id]
	if t.After(e.at) {
		e.at = t
	}
	e.dirty, e.flushed = true, time.Time{}
	u.uses[id] = e
	u.mu.Unlock()
}

// last returns the latest use of id seen by this process.
func (u *usage) last(id string) (time.Time, bool) {
	u.mu.Lock()
	e, ok := u.uses[id]
	u.mu.Unlock()
	return e.at, ok
}

// take returns the uses still to write and marks them in flight.
func (u *usage) take() map[string]time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	var batch map[string]time.Time
	for id, e := range u.uses {
		if !e.dirty {
			continue
		}
		if batch == nil {
			batch = make(map[string]time.Time)
		}
		batch[id] = e.at
		e.dirty = false
		u.uses[id] = e
	}
	return batch
}

// settle ends a flush of batch: on failure the uses become dirty again (so
// nothing is lost); on success they are marked written at now, unless a
// newer use arrived meanwhile.
func (u *usage) settle(batch map[string]time.Time, failed bool, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for id := range batch {
		e, ok := u.uses[id]
		if !ok || e.dirty {
			continue
		}
		if failed {
			e.dirty = true
		} else {
			e.flushed = now
		}
		u.uses[id] = e
	}
}

// prune forgets uses written more than retain before now: by then the store
// has them and every cached record read before the write has expired.
func (u *usage) prune(now time.Time, retain time.Duration) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for id, e := range u.uses {
		if !e.dirty && !e.flushed.IsZero() && now.Sub(e.flushed) > retain {
			delete(u.uses, id)
		}
	}
}

// pending returns how many uses are not yet written.
func (u *usage) pending() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, e := range u.uses {
		if e.dirty {
			n++
		}
	}
	return n
}

// Flush writes the batched last uses with one Store.TouchKeys call (none when
// nothing is pending). On failure the uses stay batched for the next Flush.
func (s *Service) Flush(ctx context.Context) error {
	batch := s.usage.take()
	if len(batch) > 0 {
		err := s.store.TouchKeys(ctx, batch)
		s.usage.settle(batch, err != nil, s.now())
		if err != nil {
			return fmt.Errorf("apikey: writing last uses of %d keys: %w", len(batch), err)
		}
	}
	s.usage.prune(s.now(), s.cfg.CacheTTL)
	return nil
}

// Run flushes batched last uses every Config.FlushInterval until ctx ends,
// then once more (with a short timeout of its own) and returns that final
// flush's error. Failed periodic flushes are logged and retried.
func (s *Service) Run(ctx context.Context) error {
	return runFlusher(ctx, s.cfg.FlushInterval, s.Flush, func(err error) {
		s.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "api key last_used flush failed",
			slog.String("error", err.Error()), slog.Int("pending", s.usage.pending()))
	})
}

// runFlusher calls flush every interval until ctx ends, reporting failed
// periodic flushes to failed (they are retried next time), then flushes once
// more with a short timeout of its own and returns that final error.
func runFlusher(ctx context.Context, interval time.Duration, flush func(context.Context) error, failed func(error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalFlushTimeout)
			defer cancel()
			return flush(fctx)
		case <-t.C:
			if err := flush(ctx); err != nil && ctx.Err() == nil {
				failed(err)
			}
		}
	}
}
