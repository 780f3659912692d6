-- One row per prediction (issue 14): emotions as a bit set, blind-index
-- terms packed into the row, a time-ordered primary key in a WITHOUT ROWID
-- table, and two indexes: per user by time (covering the filters a listing
-- applies) and by time. Replaces prediction_emotions and prediction_terms.
--
-- Rows written before this migration do not record which words were
-- personal data, so all their terms go to pii_terms: their owners and
-- admins still find them by word, analysts only by emotion. Their 16-byte
-- terms keep their first 8 bytes, which is what the index now stores.
-- Emotion bits follow prediction.EmotionBit (the GoEmotions label order).
ALTER TABLE predictions RENAME TO predictions_v2;
DROP INDEX predictions_user_time;
DROP INDEX predictions_time;
DROP INDEX predictions_primary;
DROP INDEX predictions_text_key;

CREATE TABLE predictions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL,
    key_id          TEXT NOT NULL DEFAULT '',
    text_sealed     BLOB NOT NULL,
    text_key_id     TEXT NOT NULL,
    text_chars      INTEGER NOT NULL,
    taxonomy        TEXT NOT NULL,
    emotions        TEXT NOT NULL,
    emotion_bits    INTEGER NOT NULL,
    primary_emotion TEXT NOT NULL,
    confidence      REAL NOT NULL,
    model_version   TEXT NOT NULL,
    request_id      TEXT NOT NULL DEFAULT '',
    flags           TEXT NOT NULL DEFAULT '',
    terms           BLOB NOT NULL,
    pii_terms       BLOB NOT NULL,
    created_at      BIGINT NOT NULL
) WITHOUT ROWID;

INSERT INTO predictions (id, user_id, key_id, text_sealed, text_key_id, text_chars, taxonomy, emotions,
    emotion_bits, primary_emotion, confidence, model_version, request_id, flags, terms, pii_terms, created_at)
SELECT p.id, p.user_id, p.key_id, p.text_sealed, p.text_key_id, p.text_chars, p.taxonomy, p.emotions,
    COALESCE((SELECT SUM(CASE e.emotion
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
    p.primary_emotion, p.confidence, p.model_version, p.request_id, p.flags,
    x'',
    COALESCE((SELECT unhex(group_concat(hex(substr(t.term, 1, 8)), ''))
        FROM prediction_terms t WHERE t.prediction_id = p.id), x''),
    p.created_at
FROM predictions_v2 p;

-- The listing index covers what a per-user listing filters on, so a search
-- reads no table rows until it has its page.
CREATE INDEX predictions_user_time ON predictions(user_id, created_at DESC, id DESC, emotion_bits, terms, pii_terms);
CREATE INDEX predictions_time ON predictions(created_at DESC, id DESC);

-- feedback references predictions: rebuild it against the new table.
CREATE TABLE feedback_v3 (
    prediction_id TEXT NOT NULL REFERENCES predictions(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL,
    labels        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (prediction_id)
);
INSERT INTO feedback_v3 (prediction_id, user_id, labels, created_at)
    SELECT prediction_id, user_id, labels, created_at FROM feedback;
DROP TABLE feedback;
ALTER TABLE feedback_v3 RENAME TO feedback;

DROP TABLE prediction_terms;
DROP TABLE prediction_emotions;
DROP TABLE predictions_v2;
