-- A per-account limit on wrong second-factor codes (ASVS V6.3.1, NIST SP
-- 800-63B §5.2.2). failures counts the consecutive code attempts since the
-- last accepted code: each attempt is counted before its code is checked,
-- and an accepted code sets it back to 0. locked_until (ns, 0: not locked)
-- is set at every MaxUserFailures-th failure (package mfa); until then no
-- code of the user is checked. An admin's reset deletes the row, and a new
-- enrolment starts at 0.
ALTER TABLE user_totp ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user_totp ADD COLUMN locked_until BIGINT NOT NULL DEFAULT 0;
