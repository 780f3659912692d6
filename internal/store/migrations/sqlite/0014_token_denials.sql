-- Revoked access tokens without Redis: the in-memory deny-list writes each
-- entry here too and reads them back at start, so a logout, a revoked
-- refresh family or "sign everyone out" survives a restart. id is a token's
-- jti or "fam:" + a refresh family; until_ns is when the last token it
-- revokes expires (the row is purged after). token_cutoff holds the one
-- "every token issued before before_ns" record of sign-everyone-out.
CREATE TABLE token_denials (
    id       TEXT PRIMARY KEY,
    until_ns BIGINT NOT NULL
);
CREATE INDEX token_denials_until ON token_denials (until_ns);
CREATE TABLE token_cutoff (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    before_ns BIGINT NOT NULL,
    until_ns  BIGINT NOT NULL
);
