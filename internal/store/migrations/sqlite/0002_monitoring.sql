-- Monitoring: alert outbox bookkeeping, event-to-alert mapping, report indexes.
-- kind: security.event, incident, security.report; last_at: latest grouped
-- occurrence; dead_at: delivery given up (visible to admins, never retried).
ALTER TABLE alert_outbox ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE alert_outbox ADD COLUMN last_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE alert_outbox ADD COLUMN dead_at BIGINT;
CREATE INDEX alert_outbox_created ON alert_outbox(created_at);

-- Which outbox row each security event went to: an event is enqueued at
-- most once, so catching up after a crash never alerts twice.
CREATE TABLE alert_outbox_events (
    event_id  TEXT PRIMARY KEY,
    outbox_id TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX alert_outbox_events_at ON alert_outbox_events(at);

-- Every source (ip:..., key:..., user:...) an incident was opened or joined
-- for, so an event from another address with the same key joins it.
CREATE TABLE incident_sources (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    PRIMARY KEY (source, incident_id)
);

CREATE INDEX security_events_key ON security_events(key_id, at);
CREATE INDEX incidents_created ON incidents(created_at);
