-- One row per prediction (issue 14): emotions as a bit set and blind-index
-- terms packed into the row; two indexes: per user by time (covering the
-- filters a listing applies) and by time. Replaces prediction_emotions and
-- prediction_terms. New ids are time-ordered, so the primary key appends.
--
-- Rows written before this migration do not record which words were
-- personal data, so all their terms go to pii_terms: their owners and
-- admins still find them by word, analysts only by emotion. Their 16-byte
-- terms keep their first 8 bytes, which is what the index now stores.
-- Emotion bits follow prediction.EmotionBit (the GoEmotions label order).
ALTER TABLE predictions
    ADD COLUMN emotion_bits BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN terms BYTEA NOT NULL DEFAULT ''::bytea,
    ADD COLUMN pii_terms BYTEA NOT NULL DEFAULT ''::bytea;

UPDATE predictions p SET
    emotion_bits = COALESCE((SELECT SUM(CASE e.emotion
            WHEN 'admiration' THEN 1
            WHEN 'amusement' THEN 2
            WHEN 'anger' THEN 4
            WHEN 'annoyance' THEN 8
            WHEN 'approval' THEN 16
            WHEN 'caring' THEN 32
            WHEN 'confusion' THEN 64
            WHEN 'curiosity' THEN 128
            WHEN 'desire' THEN 256
            WHEN 'disappointment' THEN 512
            WHEN 'disapproval' THEN 1024
            WHEN 'disgust' THEN 2048
            WHEN 'embarrassment' THEN 4096
            WHEN 'excitement' THEN 8192
            WHEN 'fear' THEN 16384
            WHEN 'gratitude' THEN 32768
            WHEN 'grief' THEN 65536
            WHEN 'joy' THEN 131072
            WHEN 'love' THEN 262144
            WHEN 'nervousness' THEN 524288
            WHEN 'optimism' THEN 1048576
            WHEN 'pride' THEN 2097152
            WHEN 'realization' THEN 4194304
            WHEN 'relief' THEN 8388608
            WHEN 'remorse' THEN 16777216
            WHEN 'sadness' THEN 33554432
            WHEN 'surprise' THEN 67108864
            WHEN 'neutral' THEN 134217728
            ELSE 0 END)
        FROM prediction_emotions e WHERE e.prediction_id = p.id), 0),
    pii_terms = COALESCE((SELECT string_agg(substring(t.term FROM 1 FOR 8), ''::bytea)
        FROM prediction_terms t WHERE t.prediction_id = p.id), ''::bytea);

ALTER TABLE predictions
    ALTER COLUMN emotion_bits DROP DEFAULT,
    ALTER COLUMN terms DROP DEFAULT,
    ALTER COLUMN pii_terms DROP DEFAULT;

DROP TABLE prediction_terms;
DROP TABLE prediction_emotions;
DROP INDEX predictions_user_time;
DROP INDEX predictions_primary;
DROP INDEX predictions_text_key;
CREATE INDEX predictions_user_time ON predictions(user_id, created_at DESC, id DESC) INCLUDE (emotion_bits, terms, pii_terms);
