// Package ratelimit decides whether a request fits a quota ("at most Limit
// requests in any Window") and renders the rate-limit response headers.
//
// # Algorithm: sliding-window log
//
// No interval of length Window ever holds more than Limit allowed requests:
// exactly what RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW says. The memory is
// one timestamp per request counted in the window (8 bytes), grown on demand
// up to the limit, so it is bounded by Limit per key and by the number of
// allowed requests the server can process in one Window.
//
// Rules that every Limiter follows (the conformance suite in ratelimittest
// checks them):
//   - Exact under concurrency: one key's decisions are serialized (a mutex
//     here, one Lua script call in Redis), so 64 goroutines racing for a
//     quota of N get exactly N successes, each with a distinct Remaining.
//   - A refused request consumes nothing, so hammering after a 429 does not
//     extend the wait.
//   - The quota slides: a slot returns when the request that used it is
//     exactly Window old.
//   - Warn marks the one request that takes usage past 80 % (strictly more
//     than 4/5 of Limit after it, not before; the Guide's `count > 0.8·limit`),
//     and is suppressed for a Window after it fired, so a client hovering
//     around the threshold is warned once per window, not once per request.
//   - Lowering a policy's Limit takes effect at once; the excess drains.
//   - State is per (policy name, key): a key under two policies is counted
//     separately.
//
// # Memory bound
//
// Memory holds at most maxKeys keys, spread over up to 64 shards chosen by a
// per-process random hash (an attacker cannot aim keys at one shard). Each
// shard has its own mutex and least-recently-used list; a full shard evicts
// its least recently used key, and every call also drops the shard's least
// recently used key if its log has emptied, so idle keys are released with no
// background goroutine. Eviction forgets a key's log, which is the only way
// a bound can work: to reset a key by eviction an attacker must touch
// maxKeys/shards other keys in its shard between two of its requests, and
// those keys are themselves limited (per-IP keys need that many addresses,
// per-principal keys that many valid credentials). A million distinct keys
// never hold more than maxKeys entries (TestMemoryBounded).
//
// # Time
//
// The clock is injected. Times are kept as offsets from the limiter's
// creation (monotonic with time.Now); a clock that steps back is treated as
// standing still, so it can never free quota early.
//
// # Headers
//
// SetHeaders follows draft-ietf-httpapi-ratelimit-headers-11 (May 2026):
// `RateLimit-Policy: "default";q=100;w=3600` and
// `RateLimit: "default";r=42;t=1800`, where the policy identifier is a
// Structured Fields String. For a sliding window, "t" (the draft's effective
// window: the time within which the client can use no more than r) is the
// time until the oldest counted request leaves the window; on a refusal it
// equals Retry-After, which the draft requires not to point earlier than the
// effective window. X-RateLimit-Reset carries the same delta seconds, and
// X-RateLimit-Limit/Remaining the quota and what is left. Seconds are rounded
// up; Retry-After is at least 1. Partition keys ("pk") are not sent: they
// would echo client identity for no benefit. ProblemType is the draft's
// "quota-exceeded" problem type for the 429 body.
//
// # Keys
//
// Keys are identifiers chosen by the caller ("ip:<addr>", "key:<key id>",
// "user:<id>"), at most MaxKeyLen bytes. They are kept in memory, so they
// must never be credentials.
package ratelimit
