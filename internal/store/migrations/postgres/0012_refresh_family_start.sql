-- Absolute lifetime of refresh families (REFRESH_FAMILY_MAX_AGE): every
-- refresh token carries the instant its family started (its IssuePair), so
-- a family ends REFRESH_FAMILY_MAX_AGE after it however often it is
-- rotated. Tokens written by earlier releases get the issued_at of the
-- oldest token of their family still stored: their lifetime counts from
-- the family's real start (or, when older tokens were already purged, from
-- the oldest one left, which is never later).
--
-- The default 0 (as on SQLite, which needs one) reads as "no family start",
-- which the token service takes as a family that has ended: a row written
-- without the column, by a replica of the previous release still running
-- during a rolling upgrade, fails closed (its client exchanges its API key
-- again) instead of failing the older replica's writes.
ALTER TABLE refresh_tokens ADD COLUMN family_issued_at BIGINT NOT NULL DEFAULT 0;
UPDATE refresh_tokens SET family_issued_at =
    (SELECT MIN(r2.issued_at) FROM refresh_tokens r2 WHERE r2.family_id = refresh_tokens.family_id);
