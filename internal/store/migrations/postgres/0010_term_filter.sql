-- A 64-bit Bloom filter of each prediction's terms (issue 14), in the
-- per-user index, so a word search passes over most rows without reading
-- their terms. Rows written before this migration get an all-ones filter,
-- which every search passes: they are still found, by their terms.
ALTER TABLE predictions ADD COLUMN term_filter BIGINT NOT NULL DEFAULT -1;
DROP INDEX predictions_user_time;
CREATE INDEX predictions_user_time ON predictions(user_id, created_at DESC, id DESC) INCLUDE (emotion_bits, term_filter, terms, pii_terms);
