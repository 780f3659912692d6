// Package ids is SAMO's intrusion detection: it finds the client address
// behind proxies, scores clients from what their requests do, blocks them
// with escalating TTLs, and answers "is this client blocked?" on every
// request.
//
// # Client address
//
// ClientIP trusts X-Forwarded-For only when the direct peer is in
// TRUSTED_PROXIES, then takes the rightmost untrusted hop; a header from
// anyone else changes nothing. When every hop is trusted, or the walk meets
// a malformed entry or passes 32 hops, it stops at the last trusted address
// reached (the nearest party a trusted proxy vouched for) rather than
// guessing further left, where the client writes what it likes. Addresses
// are normalized (zone dropped, IPv4-mapped unmapped) so one host has one
// spelling for matching and blocking. Forwarded (RFC 7239) is not read.
//
// # What is tracked
//
// The unit is the Subject: an IPv4 address, or an IPv6 /64 (IPv6PrefixLen).
// A single IPv6 subscriber usually holds a whole /64; tracking single
// addresses would let it rotate through 2^64 of them, evading every window
// and churning the tracking table.
//
// # Scoring
//
// Each scored behaviour is a sliding window per client with an allowance, and each occurrence beyond the allowance adds suspicion
// points (defaults in DefaultConfig):
//
//	request              > 50 per minute            1 point each (the Guide's rule)
//	validation_rejected  > 5 per minute             1 point each
//	injection            > 1 per minute             2 points each
//	auth failure (401)   > 3 per minute             1 point each
//	forbidden (403)      > 5 per minute             1 point each
//	distinct bad keys    > 3 new keys per minute    2 more points per new key
//
// Allowances keep honest mistakes (a typo'd key, a too-long text, a burst of
// retries) from ever scoring. Points are remembered for SuspicionWindow (1 h); at
// SuspicionThreshold (10) the client is blocked and its score reset. So an
// enumerator trying a new key each time is blocked at its 7th attempt, a
// client hammering through 429s at its 60th request in a minute, an
// injection prober at its 6th rejected payload.
//
// Malformed and unknown keys are identified by a keyed hash
// (hash/maphash with a per-process seed) of what the caller passes (a key id
// or hash prefix); neither that string nor the key is stored or put into
// events. A set of 16 recent fingerprints per client counts distinct keys.
//
// More than BruteForceFailures (5) failed authentications in a window raise
// one high-severity brute_force event per window per client, independent of
// blocking. Slow attacks under the per-minute allowances are the rate
// limiter's job: count failed authentications per IP with a ratelimit
// policy (see the wiring notes in the package report). AuthFailKey names
// that budget; AuthFailBudget reads it for a request without spending it,
// reusing the reading the IP rate-limit step left in reqctx.Info.
//
// Windows are rings of 6 buckets plus the current one, so a count covers
// between one and 7/6 windows: it never under-counts a true window, and the
// state is a few dozen bytes per client instead of a timestamp per request.
// Exact timestamps are kept where exactness matters: the brute-force event
// fires at most once per Window after the last one, and distinct keys are
// timed individually.
//
// # Blocks and escalation
//
// Automatic blocks last BlockTTLs by offence number: 15 min, 1 h, then 24 h
// for the 3rd and later offences. Offences are remembered for OffenceMemory
// (7 days after the last one). The whole decision (already blocked? count
// the offence, pick the TTL, store the block) is BlockStore.Escalate, one
// atomic step, so replicas racing on one client block it once and a Redis
// store does it in one Lua call. Manual blocks (Detector.Block) take a
// duration up to MaxBlock, a reason and an actor, count no offence and
// replace any existing block. Unblock lifts the block and forgives: the
// offence count and the current suspicion are cleared, because an admin
// unblocking means the block was a mistake. Reasons and actors must be
// printable (no control characters) so they cannot forge log lines.
//
// The allowlist (IP_ALLOWLIST) exempts from blocking, not from attention:
// an allowlisted client is scored and its brute-force and "would have been
// blocked" events are recorded, but it is never blocked automatically,
// cannot be blocked manually (ErrAllowlisted), and a stored block for it
// (written by a replica configured differently) is not enforced.
//
// # The hot path
//
// Check does not call the store. It reads an immutable snapshot of the block
// list and an overlay of this replica's own changes, both behind atomic
// pointers, so it takes no lock. At most once per RefreshInterval (1 s) one
// caller asks the store for its Generation and re-lists only when it moved;
// local blocks and unblocks are visible at once, other replicas' within a
// second. If the store cannot be read for longer than MaxStale (30 s), Check
// returns ErrStale and the caller fails closed; Ready reports the
// same for /ready. Refused requests of a blocked client are summarized as one
// blocked_request event per Window with a count, not one event per request.
//
// # Memory bound
//
// Tracking state is capped at MaxTracked clients (100,000; about 250 bytes
// each with the map entry, plus 256 bytes for a client that presented bad keys)
// over up to 64 shards chosen by a per-process random hash, each with its
// own lock and least-recently-seen list; a new client in a full shard evicts
// the least recently seen one and reuses its memory. A million distinct
// addresses never hold more than MaxTracked entries (TestTrackingBounded).
// Eviction forgets a score, so an attacker could reset one client's score
// only by sending from MaxTracked/shards other addresses in between; the
// /64 grouping keeps IPv6 from making that cheap. The Redis block store caps
// blocks and offence records too (DefaultMaxEntries), dropping expired ones
// first and then the soonest to expire.
//
// # Events
//
// brute_force (high), suspicious_activity (medium; when a client first
// gains suspicion, and when an allowlisted client reaches the threshold),
// ip_blocked (high when automatic, medium when manual), ip_unblocked
// (medium), blocked_request (low, once per Window per client). Each names
// the client concerned in ClientIP; for admin actions the admin's own
// address goes to details["actor_ip"] and the IPv6 prefix to
// details["subject"].
package ids
