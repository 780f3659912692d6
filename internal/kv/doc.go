// Package kv is SAMO's shared hot state on Redis, for many `samo serve`
// replicas acting as one (REDIS_URL). It implements the interfaces the
// domain packages declare, each passing the same conformance suite as the
// in-memory implementation:
//
//   - Limiter: ratelimit.Limiter (suite ratelimittest). The sliding-window
//     log of package ratelimit as one Lua script per decision over a sorted
//     set of request times (µs) plus a small hash (member counter, time of
//     the last 80 % warning). Exact under concurrency across replicas,
//     refused requests consume nothing, Warn once per window. In production
//     the clock is the Redis server's (TIME), so replica clock skew cannot
//     stretch a window; tests inject one. Memory is one sorted-set member per
//     request counted in the window (bounded by the policy's limit), and
//     every key expires a second after its window. Limiter.Decide
//     (ratelimit.Decider) sends several decisions' scripts in one pipeline:
//     the IP limit and the failed-authentication budget of a request take
//     one round trip.
//   - BlockStore: ids.BlockStore (suite idstest). Escalate, Block, Unblock
//     and List are one Lua script each, Blocked and Generation one command.
//     Times are compared exactly as (seconds, nanoseconds) pairs. At most
//     maxEntries blocks: when full, expired blocks and then those ending
//     soonest are dropped, like the in-memory store.
//   - DenyList: token.DenyList (suite tokentest). One key per revoked jti or
//     refresh family, expiring when the tokens it denies would have; a later
//     Deny never shortens an entry.
//   - Revocation notices (PublishRevoked, SubscribeRevoked): pub/sub, so
//     every replica drops a revoked, suspended or rotated key from its
//     authentication cache at once (apikey.Service.Invalidate), and purges
//     the whole cache after every (re)subscription, since pub/sub drops
//     messages while disconnected. The key cache's 1 s TTL stays as the
//     bound when notices are lost. The package-level PublishRevoked serves
//     short-lived processes (the CLI).
//   - Sessions: session.Store (suite sessiontest), the dashboard's sessions.
//     A hash per session under the SHA-256 of its id (never the id), a set
//     of session hashes per API key; Get, SetFlash and TakeFlash are one
//     script each, and every key expires in Redis a second after its
//     session would end.
//   - Locks (TryLock, Lease, RunExclusive): SET NX PX with a random token,
//     renewed every TTL/3 and released by a token-checked Lua script, so
//     background jobs (retention purge, periodic reports, key
//     re-encryption, outbox delivery) run on one replica at a time. It is an
//     efficiency lock, not a fencing token: jobs must stay idempotent.
//
// # Keys
//
// Every key and channel starts with Options.Prefix ("samo:"), so several
// deployments or test runs can share one Redis. Keys that one script
// touches together share a Redis Cluster hash tag ({...}). Rate-limit keys
// embed the caller's key ("ip:<addr>", "principal:<user id>"), never a
// credential.
//
// # Failures: what fails closed and what may fail open
//
// Every call has a deadline (Options.Timeout, 1 s by default, applied to
// dialing, pool waits and each round trip) and no client-side retries: a
// Lua script whose reply was lost may have run, and running it again would
// count one request twice. Any failure to reach Redis or get an answer
// (refused, reset, timeout, LOADING, READONLY, OOM, BUSY, ...) wraps
// ErrUnavailable, so callers can tell an outage from a bug. What SAMO does
// with it:
//
//   - Rate limiting fails closed by default: 503 problem+json "Rate limiting
//     is unavailable". With REDIS_FAIL_OPEN=true (FailOpen) it falls back to
//     a per-replica memory limiter, so the fleet admits up to replicas ×
//     limit during the outage; the switch is logged once each way. This is
//     the only thing that can fail open.
//   - Bearer tokens (the deny-list) fail closed: 503 "Authentication is
//     unavailable". API keys do not depend on Redis (PostgreSQL plus the
//     key cache).
//   - Dashboard sessions fail closed: pages with a session cookie, sign-in
//     and sign-out answer 503; the sessions are still there when Redis
//     returns.
//   - IP blocks fail closed: the detector keeps serving its last snapshot
//     of the block list and answers 503 once it is older than MaxStale (30 s).
//   - Revocation notices: a failed publish is logged and the revocation
//     still applies everywhere within the key cache TTL (1 s).
//   - Locks: an unreachable Redis counts as "not held", so exclusive jobs
//     pause rather than run twice; a holder that cannot renew for 2/3 of
//     the TTL cancels its job.
//
// All of them recover by themselves when Redis answers again: go-redis
// redials, scripts missing from a restarted server's cache are re-sent
// (EVALSHA falls back to EVAL), the subscriber reconnects with backoff.
//
// # Data loss
//
// Redis holds state that may be lost on a restart without persistence:
// counters restart (clients get a fresh window), deny-list entries vanish
// (logged-out access tokens live until they expire, at most
// JWT_EXPIRY_HOURS; refresh families stay revoked in the database), blocks
// and offence counts are forgotten. Operators who care run Redis with
// appendonly yes.
package kv
