-- Idempotency keys (issue 20): one row per (principal, Idempotency-Key).
-- fingerprint: SHA-256 of method, path, content type and body; status 0
-- while the first request runs; response: the sealed replayable answer.
-- Rows expire after 24 hours and are purged by the retention job.
CREATE TABLE idempotency_keys (
    scope       TEXT NOT NULL,
    idem_key    TEXT NOT NULL,
    fingerprint BLOB NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0,
    response    BLOB,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys(expires_at);
