// Package token issues and verifies SAMO's JWT access tokens, rotates
// opaque refresh tokens with reuse detection, and revokes tokens.
//
// # Access tokens
//
// An Issuer signs with one algorithm pinned by Config.Algorithm
// (JWT_ALGORITHM): HS256 (default), EdDSA, ES256, PS256 or RS256 (RSA keys
// of at least 3072 bits; PS256 is RSASSA-PSS, RS256 the PKCS#1 v1.5
// padding that only old verifiers need). Signing and
// signature checks use golang-jwt/jwt/v5's SigningMethod.Sign/Verify only;
// its parser is not used. Everything a JWT library leaves to the caller or
// does loosely is done here, cheapest first, so no crypto runs for a token
// that is rejected anyway:
//
//   - size over Config.MaxTokenBytes (8 KiB) before anything else;
//   - exactly three segments of strict base64url: only A-Z a-z 0-9 - _,
//     no padding, no whitespace (encoding/base64 silently skips CR/LF), zero
//     trailing bits, so a token has exactly one encoding;
//   - header: only alg, kid and typ ("JWT"); crit, b64, jwk, jku, x5u, x5c,
//     x5t, cty, zip and any unknown or case-variant name are ErrHeader; alg
//     must equal the configured algorithm exactly (so "none" in any case and
//     HS/RS confusion fail with ErrAlgorithm) and the key's; kid must name a
//     key of the KeySet (ErrUnknownKey);
//   - the signature's decoded length must match the key;
//   - claims are parsed by hand with a streaming JSON tokenizer, never by
//     decoding into a struct (encoding/json matches names
//     case-insensitively, so "EXP" could override "exp"): names are matched
//     exactly, duplicates (also via escapes such as "\u0065xp") are
//     ErrMalformed, any name SAMO does not issue is ErrClaims (a case
//     variant of a known name gets its own detail), each claim has one JSON
//     type (NumericDates are JSON integers, aud is a string or a non-empty
//     array of strings), invalid UTF-8 and unpaired surrogates are rejected;
//   - iss equal to Config.Issuer, aud containing Config.Audience, 0 < exp -
//     iat ≤ MaxLifetime, iat and nbf not beyond now + Leeway (30 s), exp
//     after now (no leeway on exp);
//   - the signature, last.
//
// Every error wraps exactly one sentinel (ErrMalformed, ErrAlgorithm, ...)
// with a fixed detail that never quotes token content; the HTTP layer maps
// only the sentinel. Claims SAMO issues: iss, aud (a string), user_id,
// permissions, iat, exp, jti (128 random bits), and for pairs fam (the
// refresh family) and api_key_id. nbf is accepted but not issued.
//
// Unknown claims are rejected rather than ignored, so a new claim must be
// deployed as accepted on every replica before any replica issues it. A TTL
// above MaxLifetime is a configuration error, not silently capped; a zero
// Config field means its default (so Leeway cannot be 0).
//
// # Keys and rotation
//
// NewHMACKeySet takes the current secret (signs) and previous secrets
// (verify only). Each must be ≥ 32 bytes and pass IsPlaceholderSecret; its
// kid is 16 base64url characters of a domain-separated SHA-256 of the
// secret. LoadKeySetFiles reads a PKCS#8 private key and PKIX public keys
// (Ed25519, P-256, RSA 2048-8192); a kid is the key's RFC 7638 thumbprint;
// JWKS and JWKSHandler publish the public keys (an empty set for HS256).
// To rotate: add the new key as a verification key everywhere, then make
// it the signing key, then drop the old one after MaxLifetime; tokens
// signed with a removed key fail with ErrUnknownKey.
//
// # Refresh tokens and revocation
//
// A refresh token is "samo_rt_" + 43 base64url characters (256 random
// bits), checked for shape before any lookup and stored only as SHA-256.
// Each IssuePair starts a family; each Refresh uses the presented token
// once (RefreshStore.UseRefresh is atomic) and returns a new pair in the
// same family with permissions asked afresh from Grants, so a revoked or
// suspended key, a deleted user or a changed role takes effect at the next
// refresh. Every rotation issues a token valid for RefreshTTL (30 days,
// sliding), but never beyond the family's end: RefreshFamilyMaxAge (90
// days) after its IssuePair, whose time every token of the family carries
// (RefreshRecord.FamilyIssuedAt). So a family ends however often it is
// rotated: its last token expires at the end exactly, an access token
// issued near it has exp at the end (Pair.ExpiresIn shorter), and a token
// presented after it (also one stored under a longer RefreshFamilyMaxAge,
// or without a family start) is spent and gives ErrRefreshExpired. The
// family is not revoked then: nothing of it is usable any more. The API
// key stays the root credential: a new IssuePair starts a new family.
//
// Presenting a used refresh token again is theft or a client bug: the
// Service revokes the family in the store, puts "fam:"+family in the
// DenyList until every access token of the family has expired, records a
// secevent.TokenReuse — critical for the first reuse in a live family (the
// incident playbook then suspends the key; the presenter's address is in
// details["presenter_ip"], not ClientIP, so the possibly innocent presenter
// is not blocked), high for a family already revoked — and returns
// ErrRefreshReused. A client that retries a refresh after a lost answer
// trips this too: clients must not resend a refresh token. So the
// attacker's access token dies at once too, not only at its exp. When two
// refreshes of one token race, one wins the single use; the other is a
// reuse and kills the family, and the winner then gets either its pair
// (revoked immediately after) or ErrRefreshRevoked: RefreshStore.CreateRefresh
// refuses a revoked family, so no token outlives the revocation.
//
// Logout denies the access token's jti until its exp and revokes its
// family the same way. RevokeAll ("sign everyone out") records in the
// DenyList a cut-off, the next whole second, before which every access
// token is revoked, then revokes every live family; the function RevokeAll
// does the same from a process holding no key (`samo sessions end-all`),
// given the servers' Config for how long to keep it. Authenticate = Verify
// + the cut-off (each Service rereads it at most once a second) + DenyList
// lookups of jti and family; deny-list and store failures are
// ErrUnavailable (fail closed).
// Whether Claims.APIKeyID is still an active key is for the caller's key
// store to say on each request.
//
// MemoryStore implements RefreshStore and DenyList for one process and
// tests: entries are kept until they expire, swept at most once a minute,
// and a full store refuses writes (ErrStoreFull) rather than forget a
// revocation. Without Redis, NewDurableDenyList keeps a MemoryStore's
// deny entries in a DenyLog (the store package's SQL tables) as well and
// loads them back at start, so revocations survive a restart while a
// bearer request still costs no I/O. Package tokentest holds the
// conformance suites the SQL and Redis implementations must pass.
package token
