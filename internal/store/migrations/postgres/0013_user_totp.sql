-- A second factor for dashboard sign-in (ASVS V6.3.3): a user's TOTP secret
-- (RFC 6238), sealed with the keyring like stored text (secret_sealed is
-- seal.Keyring.Seal of the 20 raw secret bytes, bound to the user id by its
-- associated data; secret_key_id names the data key, so key rotation finds
-- and re-encrypts it). last_step is the last accepted time step: a code is
-- accepted only for a later step, written with compare-and-set, so a code
-- is never accepted twice, even by two replicas at once. No row: the user
-- has no second factor.
CREATE TABLE user_totp (
    user_id       TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret_sealed BYTEA NOT NULL,
    secret_key_id TEXT NOT NULL,
    last_step     BIGINT NOT NULL,
    enrolled_at   BIGINT NOT NULL
);
CREATE INDEX user_totp_key ON user_totp (secret_key_id);

-- A dashboard sign-in waiting for its code: the API key was valid and its
-- user has a second factor. The browser holds a random id in a cookie; this
-- table keeps its SHA-256 only. A challenge lives 5 minutes, is used once
-- (deleted when the code is accepted) and ends after 5 wrong codes.
CREATE TABLE totp_challenges (
    hash       BYTEA PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_id     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX totp_challenges_created ON totp_challenges (created_at);
