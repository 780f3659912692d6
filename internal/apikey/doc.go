// Package apikey implements SAMO's API keys: their format, hashing,
// authentication with a short-lived cache, idle expiry, rotation with a grace
// period and a backup limit, revocation, and batched last-use writes.
// Storage is behind the small Store interface, which
// the store package implements with SQL.
//
// # Format
//
// A key is "samo_" + N random base62 characters + a 6-character base62
// CRC-32 (IEEE) of the random part:
//
//	samo_<N random base62 characters><6-character base62 CRC-32>
//
// as in GitHub's token format: the fixed prefix lets secret scanners find
// leaked keys, and the checksum lets Parse reject typos and invented strings
// offline, before any database lookup. N is API_KEY_LENGTH (default 32,
// minimum 30 = 178.6 bits). Parse accepts any N in [MinLength, MaxLength], so
// keys issued before API_KEY_LENGTH changed keep working; an unknown but
// well-formed key simply fails the lookup. The Guide's API_KEY_LENGTH=32
// meant 32 bytes for token_urlsafe; here it counts base62 characters
// (32 characters = 190 bits), and values below 30 are refused.
//
// The random characters come from crypto/rand by rejection sampling (a byte
// is used only when below 248 = 4·62, then taken mod 62), so every character
// is exactly uniform: no modulo bias. Digits are turned into characters
// arithmetically, without table lookups indexed by secret values.
//
// The checksum is not a security control: CRC-32 is public, so anyone can
// make a well-formed key. It only filters noise and typos: every
// single-character substitution, and every adjacent transposition within
// the random part, is caught (CRC-32 detects all bursts up to 32 bits);
// other corruptions slip through with probability about 2^-32. Per-IP
// rate limiting before authentication (middleware) is what bounds the
// lookups that invented, well-formed keys can cause. Parse examines every byte and combines all checks
// before answering, comparing the checksum with crypto/subtle, so its time
// does not depend on where a mismatch is. (Everything Parse reads comes from
// the presenter, so there is nothing secret to leak; the uniform timing is
// defence in depth. The CRC-32 is computed byte-wise from a constant table,
// checked against hash/crc32, so Parse allocates nothing.)
//
// The public key id ("key_" + 12 random base62 characters, 71 bits) is drawn
// separately and has no relation to the key. Key.Prefix keeps the first 8
// random characters for display ("samo_" + 8 characters + "…"); the
// remaining ≥ 22 characters (≥ 131 bits) stay secret even from someone
// holding the database.
//
// # Storage: a fast hash is the right hash
//
// Only SHA-256 of the whole key is stored (Key.Hash) and the plaintext is
// returned once, by Create or Rotate. Slow password hashes (bcrypt, Argon2)
// exist to make guessing low-entropy passwords expensive; a key with ≥ 178
// bits of uniform randomness cannot be guessed at any hashing speed
// (2^178 SHA-256 evaluations), so a fast, unsalted hash loses nothing, and it
// makes the hash a unique index: authentication is one indexed lookup by
// hash instead of a scan comparing a slow hash per candidate. Looking up by
// the hash also means database index timing reveals nothing useful: an
// attacker controls the hash they send, not its preimage. The record
// returned by the store is still compared with the presented hash in
// constant time, in case a store matches loosely.
//
// # Authentication and caching
//
// Authenticate parses first (ErrMalformed, no store call), hashes, and looks
// the hash up in a cache before the store. Entries live for CacheTTL (1 s by
// default) counted from the start of the store read, so a revocation made
// by another process applies here within CacheTTL at worst; replicas can
// make it immediate by calling Invalidate (and InvalidateLineage for a
// rotation) on a pub/sub notice, which Config.OnChange publishes (Purge
// after a reconnection). Revoke, Suspend and Rotate through this Service invalidate
// at once, and a lookup that was reading the store when an invalidation
// happened does not cache its (possibly stale) answer: once Revoke returns,
// no later Authenticate on this Service accepts the key. "Not found" is
// never cached, so a new key works at once and invented keys cannot fill
// the cache; its size is also capped (CacheSize, default 10 000; expired
// entries go first, then arbitrary ones). Records handed to callers are
// copies.
//
// Checks, in order: stored status (revoked → ErrRevoked, suspended →
// ErrSuspended, expired → ErrExpired, anything unknown → refused as
// revoked), then for active keys ExpiresAt, the rotation grace end
// (GraceUntil), and idle expiry: a key unused for longer than IdleExpiry
// (API_KEY_ROTATION_INTERVAL) since its latest use, or its creation, is
// expired. "Latest use" includes uses this process has not written yet.
// Refusals of a known key are *KeyError values carrying the key id and
// owner for logs and security events; the HTTP layer answers every
// authentication failure with the same 401.
//
// # Last use, in batches
//
// A successful authentication only records the time in memory. Flush writes
// all pending times with one Store.TouchKeys call (latest time per key);
// Run calls it every FlushInterval (5 s) and once more at shutdown. A failed
// write keeps the times for the next attempt. Written times are remembered
// a little longer (until a Flush at least CacheTTL later) so idle checks on
// cached records that predate the write still see them. Entries exist only
// for keys that authenticated successfully, so memory is bounded by the
// real keys in use. After a crash, at most one interval of last-use times
// is lost, which can only make a key look idle slightly earlier.
//
// # Rotation
//
// Rotate(id, grace) creates a new key for the same owner and name in the
// same lineage (the id of the chain's first key) with the next Generation
// (which orders the chain, independent of replicas' clocks), and in one store
// transaction marks the old key as replaced, valid until now+grace, and
// expires older keys of the lineage so at most BackupCount
// (API_KEY_BACKUP_COUNT) previous keys remain valid; with BackupCount 0 the
// old key ends at once. Grace 0 means Config.DefaultGrace; grace is capped
// at MaxGrace (30 days); to end an old key immediately, revoke it. Only a
// usable key that has not been rotated can be rotated (ErrRotated
// otherwise). Revoked and expired keys never become active again. List and
// Get report the effective status: an active key past its grace, idle limit
// or ExpiresAt is shown as expired.
//
// # Configuration
//
// NewService validates its Config; an invalid one (for example
// API_KEY_LENGTH below 30) makes every key operation fail with ErrInvalid
// rather than issue weak keys. Config.Validate lets the config package report the
// same problems at start-up, joined with the others.
//
// # Where a key was used from
//
// Addresses remembers the addresses each key authenticated from, in the
// store shared by every replica (AddressStore), so that a revoked or
// suspended key presented again can be judged: from an address that used
// it, it is the owner's client retrying; from one that never did, someone
// else holds the key. Call Seen after each successful authentication (one
// map operation), Stranger when a dead key is presented, and run Run (or
// Flush) to write the batched uses:
//
//	addrs := apikey.NewAddresses(st, nil, logger)
//	go addrs.Run(ctx, apikey.DefaultFlushInterval)
//	addrs.Seen(k.ID, "203.0.113.7")
//	stranger, err := addrs.Stranger(ctx, k.ID, "198.51.100.9")
//
// The store keeps the MaxKeyAddresses most recently seen addresses per key;
// memory holds at most 10,000 unwritten uses and reports a stranger once an
// hour per key and address.
package apikey
