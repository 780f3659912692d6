-- Keyset pagination of GET /v1/admin/users (issue 20): users are read newest
-- first, a page at a time, after the (created_at, id) of the previous page's
-- last row. (The alert outbox and IP block lists page on their existing
-- created_at and until_at indexes.)
CREATE INDEX users_created ON users(created_at, id);
