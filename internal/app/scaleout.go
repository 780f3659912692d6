package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/samo-brain/samo/internal/api"
	"github.com/samo-brain/samo/internal/config"
	"github.com/samo-brain/samo/internal/ids"
	"github.com/samo-brain/samo/internal/kv"
	"github.com/samo-brain/samo/internal/ratelimit"
	"github.com/samo-brain/samo/internal/session"
	"github.com/samo-brain/samo/internal/store"
	"github.com/samo-brain/samo/internal/token"
)

// Scale-out (DESIGN §6). Without REDIS_URL, hot state lives in this
// process: a memory rate limiter, the store as the IDS block store (shared
// by processes on one database), a token deny-list in memory that is also
// written to the database (it survives a restart). With
// REDIS_URL, every replica shares it through Redis (package kv): one rate
// budget, one block list, one deny-list, the dashboard's sessions,
// revocation notices that drop keys from every replica's cache at once, and
// a lock so that exclusive jobs run on one replica at a time.
//
// Failure policy when Redis is down: everything that needs it fails closed
// with 503 problem+json ("Rate limiting is unavailable", "Authentication is
// unavailable" for bearer tokens, "Intrusion detection is unavailable" once
// the block list is older than the detector's MaxStale), /ready answers 503
// (check "cache"), dashboard pages answer 503 (signed-in browsers stay
// signed in), and each recovers by itself when Redis returns.
// REDIS_FAIL_OPEN=true relaxes exactly one of these: rate limiting falls
// back to per-replica memory limits. Authentication, token revocation and
// IP blocks never fail open. API keys need no Redis.

// Scale-out settings.
const (
	// localLimiterKeys bounds the memory rate limiter (also the fail-open
	// fallback).
	localLimiterKeys = 200_000
	// exclusiveLockTTL is the lease of an exclusive job: another replica
	// takes over at most this long after the holder dies.
	exclusiveLockTTL = 30 * time.Second
	// noticeTimeout bounds publishing one revocation notice.
	noticeTimeout = 2 * time.Second
)

// scaleOut is the hot state chosen from the configuration.
type scaleOut struct {
	limiter ratelimit.Limiter
	blocks  ids.BlockStore
	deny    token.DenyList
	// sessions is the dashboard's session store, also reached by
	// DELETE /v1/admin/sessions: in memory, or shared in Redis.
	sessions session.Store
	redis    *kv.Client // nil without REDIS_URL
}

// buildScaleOut sets a.scale from a.Cfg. It needs a.Store, and registers
// its closer and, with Redis, the revocation subscriber job (which uses
// a.Keys once the jobs run).
func (a *App) buildScaleOut(ctx context.Context, now func() time.Time) error {
	cfg := a.Cfg
	s := &scaleOut{limiter: ratelimit.NewMemory(now, localLimiterKeys), blocks: a.Store, sessions: session.NewMemory(session.Config{}, now)}
	a.scale = s
	c, err := openRedis(cfg)
	if err != nil {
		return err
	}
	if c == nil {
		s.deny, err = denyList(ctx, nil, a.Store, now)
		return err
	}
	a.closers = append(a.closers, c.Close)
	s.redis = c
	// nil clock: the Redis server's, shared by every replica.
	s.limiter = c.Limiter(nil)
	if cfg.RedisFailOpen {
		s.limiter = kv.FailOpen(s.limiter, ratelimit.NewMemory(now, localLimiterKeys), func(degraded bool, cause error) {
			if degraded {
				a.Log.Warn("redis unavailable: rate limits are per replica until it returns (REDIS_FAIL_OPEN)", "error", cause)
				return
			}
			a.Log.Info("redis available again: rate limits are shared")
		})
	}
	s.blocks = blockStore(c, a.Store)
	if s.deny, err = denyList(ctx, c, a.Store, now); err != nil {
		return err
	}
	s.sessions = c.Sessions(session.Config{}, now)
	a.jobs = append(a.jobs, a.revocationSubscriber)
	return nil
}

// checkers returns the readiness checks of the shared state.
func (s *scaleOut) checkers() []api.Checker {
	if s.redis == nil {
		return nil
	}
	return []api.Checker{{Name: "cache", Check: s.redis.Ping}}
}

// exclusive wraps a background job so that, with Redis, it runs on one
// replica at a time (the others stand by and take over within
// exclusiveLockTTL if the holder dies). Without Redis it is job itself.
// Jobs must be idempotent either way.
func (s *scaleOut) exclusive(name string, job func(context.Context) error) func(context.Context) error {
	if s.redis == nil {
		return job
	}
	return func(ctx context.Context) error { return s.redis.RunExclusive(ctx, name, exclusiveLockTTL, job) }
}

// revocationSubscriber drops keys from this replica's cache when another
// process announces a change, and the whole cache after every
// (re)subscription, since notices published meanwhile were missed.
func (a *App) revocationSubscriber(ctx context.Context) error {
	return a.scale.redis.SubscribeRevoked(ctx, kv.Subscriber{
		Notice: func(n kv.Notice) {
			if n.UserID != "" {
				a.auth.InvalidateUser(n.UserID) // disabled or enabled
				return
			}
			a.Keys.Invalidate(n.KeyID)
			if n.Lineage != "" {
				a.Keys.InvalidateLineage(n.Lineage)
			}
		},
		Resync: func() { a.Keys.Purge(); a.auth.PurgeUsers() },
		Error:  func(err error) { a.Log.LogAttrs(ctx, slog.LevelWarn, "revocation notices", slog.Any("error", err)) },
	})
}

// keyNotifier returns the apikey.Config.OnChange hook for cfg: with
// REDIS_URL, it publishes a revocation notice on a connection of its own
// (revocations are rare, and short-lived processes such as the CLI have no
// other); without, nil (other processes rely on the key cache TTL).
func keyNotifier(cfg *config.Config) func(ctx context.Context, keyID, lineage string) error {
	url := string(cfg.RedisURL.Reveal())
	if url == "" {
		return nil
	}
	opt, optErr := redisOptions(cfg)
	return func(ctx context.Context, keyID, lineage string) error {
		if optErr != nil {
			return optErr
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), noticeTimeout)
		defer cancel()
		return kv.PublishRevoked(ctx, url, opt, kv.Notice{KeyID: keyID, Lineage: lineage})
	}
}

// openRedis opens REDIS_URL with redisOptions; nil without REDIS_URL.
func openRedis(cfg *config.Config) (*kv.Client, error) {
	url := string(cfg.RedisURL.Reveal())
	if url == "" {
		return nil, nil
	}
	opt, err := redisOptions(cfg)
	if err != nil {
		return nil, err
	}
	return kv.Open(url, opt)
}

// blockStore returns the IP block list the servers share: Redis's (c), or
// without Redis (c nil) the database's.
func blockStore(c *kv.Client, st *store.Store) ids.BlockStore {
	if c != nil {
		return c.BlockStore(ids.DefaultMaxEntries)
	}
	return st
}

// HostBlockStore returns, for a process on the host (samo ip, samo
// incidents), the block list the servers of cfg enforce: with REDIS_URL
// Redis's, which is the only one they read then, else st's, which they
// re-read within a second. The caller calls done when finished (it
// closes the Redis connection).
func HostBlockStore(cfg *config.Config, st *store.Store) (b ids.BlockStore, done func(), err error) {
	c, err := openRedis(cfg)
	if err != nil {
		return nil, nil, err
	}
	done = func() {}
	if c != nil {
		done = func() { _ = c.Close() }
	}
	return blockStore(c, st), done, nil
}

// denyList returns the deny-list the servers share: Redis's (c), or
// without Redis (c nil) one kept in memory and written to the database,
// which gives the revocations back after a restart.
func denyList(ctx context.Context, c *kv.Client, st *store.Store, now func() time.Time) (token.DenyList, error) {
	if c != nil {
		return c.DenyList(now), nil
	}
	return token.NewDurableDenyList(ctx, token.NewMemoryStoreWith(token.MemoryOptions{Now: now}), st, now())
}
