-- A user's dashboard-session cut-off (users.SessionCutoff): sessions signed
-- in before sessions_after (ns) are refused. Set when the user's second
-- factor is enrolled, replaced, turned off or reset, and for every user by
-- "sign everyone out", so sessions held in any replica's memory end too.
ALTER TABLE users ADD COLUMN sessions_after BIGINT;
