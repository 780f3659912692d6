-- SAMO schema, SQLite dialect. Times are unix nanoseconds (UTC).
CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('user', 'analyst', 'admin')),
    created_at  BIGINT NOT NULL,
    disabled_at BIGINT
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL DEFAULT '',
    hash        BLOB NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    status      TEXT NOT NULL,
    lineage     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    last_used   BIGINT,
    expires_at  BIGINT,
    revoked_at  BIGINT,
    grace_until BIGINT,
    replaced_by TEXT NOT NULL DEFAULT '',
    generation  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_user ON api_keys(user_id);
CREATE INDEX api_keys_lineage ON api_keys(lineage, generation);

CREATE TABLE predictions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL,
    key_id          TEXT NOT NULL DEFAULT '',
    text_sealed     BLOB NOT NULL,
    text_key_id     TEXT NOT NULL,
    text_chars      INTEGER NOT NULL,
    taxonomy        TEXT NOT NULL,
    emotions        TEXT NOT NULL,
    primary_emotion TEXT NOT NULL,
    confidence      REAL NOT NULL,
    model_version   TEXT NOT NULL,
    request_id      TEXT NOT NULL DEFAULT '',
    flags           TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE INDEX predictions_user_time ON predictions(user_id, created_at DESC, id DESC);
CREATE INDEX predictions_time ON predictions(created_at DESC, id DESC);
CREATE INDEX predictions_primary ON predictions(primary_emotion, created_at DESC);
CREATE INDEX predictions_text_key ON predictions(text_key_id);

CREATE TABLE prediction_emotions (
    prediction_id TEXT NOT NULL REFERENCES predictions(id) ON DELETE CASCADE,
    emotion       TEXT NOT NULL,
    PRIMARY KEY (emotion, prediction_id)
);
CREATE INDEX prediction_emotions_pred ON prediction_emotions(prediction_id);

-- Blind index: keyed HMACs of normalised words; never the words themselves.
CREATE TABLE prediction_terms (
    prediction_id TEXT NOT NULL REFERENCES predictions(id) ON DELETE CASCADE,
    term          BLOB NOT NULL,
    PRIMARY KEY (term, prediction_id)
);
CREATE INDEX prediction_terms_pred ON prediction_terms(prediction_id);

CREATE TABLE feedback (
    prediction_id TEXT NOT NULL REFERENCES predictions(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL,
    labels        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (prediction_id)
);

CREATE TABLE refresh_tokens (
    hash       BLOB PRIMARY KEY,
    family_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens(expires_at);

CREATE TABLE refresh_families (
    family_id  TEXT PRIMARY KEY,
    revoked_at BIGINT NOT NULL
);

CREATE TABLE ip_blocks (
    ip         TEXT PRIMARY KEY,
    until_at   BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    blocked_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    offence    INTEGER NOT NULL
);
CREATE INDEX ip_blocks_until ON ip_blocks(until_at);

CREATE TABLE ip_offences (
    ip       TEXT PRIMARY KEY,
    offences INTEGER NOT NULL,
    last_at  BIGINT NOT NULL
);

CREATE TABLE security_events (
    id         TEXT PRIMARY KEY,
    type       TEXT NOT NULL,
    severity   TEXT NOT NULL,
    at         BIGINT NOT NULL,
    request_id TEXT NOT NULL DEFAULT '',
    client_ip  TEXT NOT NULL DEFAULT '',
    user_id    TEXT NOT NULL DEFAULT '',
    key_id     TEXT NOT NULL DEFAULT '',
    route      TEXT NOT NULL DEFAULT '',
    details    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX security_events_at ON security_events(at);
CREATE INDEX security_events_type ON security_events(type, at);
CREATE INDEX security_events_sev ON security_events(severity, at);
CREATE INDEX security_events_ip ON security_events(client_ip, at);

CREATE TABLE incidents (
    id              TEXT PRIMARY KEY,
    type            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    description     TEXT NOT NULL,
    status          TEXT NOT NULL,
    source          TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    acknowledged_at BIGINT,
    resolved_at     BIGINT,
    resolution      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incidents_status ON incidents(status, created_at);
CREATE INDEX incidents_source ON incidents(source, status);

CREATE TABLE incident_events (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    event_id    TEXT NOT NULL,
    PRIMARY KEY (incident_id, event_id)
);

CREATE TABLE incident_actions (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    action      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    outcome     TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX incident_actions_incident ON incident_actions(incident_id, at);

CREATE TABLE alert_outbox (
    id           TEXT PRIMARY KEY,
    dedup_key    TEXT NOT NULL,
    payload      BLOB NOT NULL,
    created_at   BIGINT NOT NULL,
    next_at      BIGINT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    delivered_at BIGINT,
    grouped      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alert_outbox_pending ON alert_outbox(delivered_at, next_at);
CREATE INDEX alert_outbox_dedup ON alert_outbox(dedup_key, created_at);

-- One row: the data-encryption keyring, wrapped under the key-encryption key.
CREATE TABLE keyring (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    wrapped    BLOB NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Named background-job state (e.g. re-encryption progress).
CREATE TABLE jobs (
    name       TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Monotonic counters (e.g. the IP block-list generation, so readers can
-- skip re-listing an unchanged set).
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
