-- Addresses each API key authenticated from (issue 15): a revoked or
-- suspended key presented again from an address that never used it is a
-- critical event. address is the client IPv4 address or IPv6 /64 prefix;
-- at most apikey.MaxKeyAddresses rows per key (the most recently seen) are
-- kept, so the table is bounded by the number of keys.
CREATE TABLE api_key_addresses (
    key_id     TEXT NOT NULL,
    address    TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    PRIMARY KEY (key_id, address)
);
CREATE INDEX api_key_addresses_recent ON api_key_addresses(key_id, last_seen DESC);
