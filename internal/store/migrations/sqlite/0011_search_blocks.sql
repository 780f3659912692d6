-- Search blocks (issue 14): Bloom filters of the blind-index terms (plain
-- and personal-data terms apart) of each run of consecutive predictions of
-- a user (at most 256, ordered by created_at, id), so a word search skips
-- the runs that cannot hold the word instead of reading every index entry
-- of the user. SQLite only: its
-- readers drop their page cache whenever another connection commits, so a
-- search of a large user re-reads every page it scans; PostgreSQL keeps
-- its shared buffers and does not need them.
--
-- A block covers the rows from (first_at, first_id) to (last_at, last_id)
-- inclusive. Blocks are a cache built from the predictions table (see
-- searchblocks.go); dropping any of them loses nothing.
CREATE TABLE search_blocks (
    user_id    TEXT NOT NULL,
    last_at    BIGINT NOT NULL,
    last_id    TEXT NOT NULL,
    first_at   BIGINT NOT NULL,
    first_id   TEXT NOT NULL,
    rows       INTEGER NOT NULL,
    filter     BLOB NOT NULL,
    pii_filter BLOB NOT NULL,
    PRIMARY KEY (user_id, last_at, last_id)
) WITHOUT ROWID;
