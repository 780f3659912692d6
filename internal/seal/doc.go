// Package seal protects SAMO's data at rest: a keyring of data-encryption
// keys for stored values, Fernet exactly as Python's cryptography speaks it,
// import of values written by the Security Guide's Python DataEncryption,
// and a chunked streaming format for files. It is a leaf package: it imports
// nothing internal, and it never reads the clock or the environment itself
// (times and keys are passed in).
//
// # Keys: envelope encryption
//
// ENCRYPTION_KEY gives a MasterKey (ParseMasterKey). A value that is strict
// base64 — standard or URL alphabet, padded or not — of exactly 32 bytes is a
// raw key; any other non-empty value is a passphrase. (A passphrase that
// happens to be 43–44 base64 characters decoding to 32 bytes is therefore
// taken as a raw key; such a value has at least 256 bits of encoding and is
// used through HKDF, which is safe for high-entropy input. Rejecting weak or
// placeholder values in production is the configuration's job:
// MasterKey.IsPassphrase tells it which rules apply.)
//
// The master key never encrypts data. Everything protected by it carries a
// header with a KDF id, an iteration count and a random 16-byte salt, and the
// working key is derived from the master key and that header:
//
//	raw key:    prk = HKDF-Extract(SHA-256, salt, key)
//	passphrase: prk = HKDF-Extract(SHA-256, salt, PBKDF2-HMAC-SHA256(passphrase, salt, iterations, 32))
//	key         = HKDF-Expand(SHA-256, prk, purpose, 32)
//
// Passphrases are stretched with 600,000 iterations; headers asking for
// fewer than 600,000 or more than 10,000,000 (a bound against
// denial-of-service through a crafted header) are refused. The purpose
// strings ("samo keyring kek v1", "samo stream v1 chunk key", "samo stream
// v1 header key") separate the uses, and the per-object salt gives every
// wrapped keyring and every file its own keys.
//
// A Keyring holds the data-encryption keys (DEKs): random 32-byte keys, each
// with an 8-hex-character random id, an Algorithm (AES256GCM or Fernet) and a
// creation time. Exactly one key is active and seals; every key opens.
// Keyring.Wrap serialises the keyring (JSON) and seals it with AES-256-GCM
// under the key-encryption key (KEK) derived as above; the header (magic
// "SAMOKR", version, KDF, iterations, salt, nonce) is the GCM additional
// data. Unwrap reverses it and refuses a wrong key or any change with
// ErrWrongKey. Unwrapping with the old master key and wrapping with a new one
// rotates the master key without touching any data.
//
// # Sealed values
//
// Keyring.Seal(plaintext, aad) returns a self-describing value:
//
//	0x01 (format) ‖ algorithm (1 byte) ‖ len(key id) (1 byte) ‖ key id ‖ body
//
// so Open finds the right key, and KeyID reads the id without decrypting.
// With AES-256-GCM the body is a random 96-bit nonce, the ciphertext and the
// tag, and the GCM additional data is the header followed by the caller's
// AAD. Random nonces are safe for about 2^32 seals per key; rotate well
// before that.
//
// AAD(table, column, rowID) binds a value to where it is stored, encoded
// with 4-byte length prefixes so that no two triples encode alike; a value
// copied into another row, column or table fails with ErrAuth.
//
// Fernet has no associated data, so a Fernet-sealed body is the binary
// Fernet token followed by HMAC-SHA256(aadKey, header ‖ len(token) ‖ token ‖
// AAD), where aadKey = HKDF-Expand(DEK, "samo keyring fernet aad v1"). Open
// checks this tag in constant time before touching the token, so a Fernet
// value moved to another row is refused exactly like an AES-GCM one. We
// chose an outer tag over keying Fernet per row (a key derived from the AAD)
// because the token inside stays a plain Fernet token under the DEK, which
// is the point of choosing Fernet (ENCRYPTION_ALGORITHM=Fernet) at all.
//
// # Rotation
//
// Data-key rotation is built from these calls; the store drives it:
//
//  1. AddKey(alg) adds a key that opens but does not yet seal. Persist the
//     wrapped keyring and let every replica reload it (Revision grows with
//     every change and is kept by Wrap, so replicas can poll it and a writer
//     can refuse to overwrite a newer keyring with compare-and-swap).
//  2. SetActive(id): new values are sealed under the new key; persist again.
//  3. Re-encrypt in batches: for each stored value whose KeyID is not
//     Active().ID, Reseal(value, AAD(table, column, row)) and write it back
//     only if the row still holds the old value (compare-and-swap), so that
//     a concurrent user write is never overwritten. Counting values per
//     KeyID gives progress; the job is resumable because it only ever
//     selects values not under the active key.
//  4. When no value uses the old key, RemoveKey(id) and persist.
//
// Seal and Open read an immutable snapshot through an atomic pointer, so
// serving never waits for rotation.
//
// DeriveKey(purpose) gives stable 32-byte keys for other uses (the blind
// index, pseudonyms). They are derived with HKDF from a random root secret
// kept inside the wrapped keyring, not from the master key, so they survive
// both data-key rotation and master-key rotation, and the master
// key need not stay in memory after Unwrap.
//
// # Fernet
//
// FernetKey and MultiFernet follow https://github.com/fernet/spec and
// Python's cryptography byte for byte: version 0x80, 64-bit big-endian
// timestamp, random 128-bit IV, AES-128-CBC with PKCS #7 padding, and
// HMAC-SHA256 over version ‖ timestamp ‖ IV ‖ ciphertext with the first 16
// bytes of the key. Decoding is stricter than Python's: only padded
// base64url is accepted (no '+', '/', whitespace or non-zero trailing
// bits). Verification order: structure, HMAC (constant time, before any
// decryption), time, decryption, padding; padding errors are therefore
// reachable only with the key and are no oracle. Time is always a
// parameter (EncryptAt, DecryptAt): Decrypt applies no time check, like
// Python's decrypt(token) without ttl; DecryptAt applies the TTL (valid
// while timestamp + ttl ≥ now) and the 60-second clock-skew rule (invalid
// when timestamp > now + 60), both in whole seconds, as Python's
// decrypt_at_time does. MultiFernet encrypts with its first key, decrypts
// with whichever key's HMAC verifies, and Rotate re-encrypts under the
// first key keeping the original timestamp.
//
// # Legacy import
//
// The Guide's DataEncryption derives its Fernet key with
// PBKDF2-HMAC-SHA256(password, "samo_brain_salt", 100,000 iterations) and
// stores urlsafe_b64encode(token). LegacyKey and LegacyOpen (or
// LegacyDecrypt for one value) read such values so they can be re-sealed
// with Keyring.Seal; this package never writes that format.
//
// # Files
//
// NewWriter and NewReader implement a chunked format whose memory use does
// not depend on the file size:
//
//	"SAMOFS" ‖ version ‖ log2(chunk size) ‖ KDF ‖ iterations ‖ salt ‖ base nonce ‖ HMAC(header)
//	‖ chunk_0 ‖ … ‖ chunk_n
//
// Chunks hold 64 KiB of plaintext (the last holds 0–64 KiB), each sealed
// with AES-256-GCM under a per-file key, nonce = base nonce XOR counter and
// additional data = header ‖ final flag (the STREAM construction). A
// reordered, duplicated, dropped or appended chunk, a truncation at any
// byte, or a change anywhere fails with ErrStreamAuth; a wrong key fails at
// the header with ErrWrongKey. The reader returns a chunk's plaintext only
// after it has authenticated, and returns io.EOF only after the authentic
// final chunk. Callers writing decrypted output to a file should still
// write to a temporary file and rename it on success, since chunks before a
// failure have been returned.
package seal
