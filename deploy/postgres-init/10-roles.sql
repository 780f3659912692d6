-- The PostgreSQL roles of the Compose deployment (ASVS V13.2.2, least
-- privilege). Mounted into /docker-entrypoint-initdb.d/, so the postgres
-- image runs it once, as its superuser (POSTGRES_USER, postgres), in the
-- database POSTGRES_DB (samo), when the data volume is first initialised;
-- never again on a volume that already holds a cluster.
--
--   samo_owner  owns the database and schema public: it creates and
--               upgrades SAMO's tables (`samo init`, the migrate service).
--   samo        the replicas' role (DATABASE_MIGRATE=false): it may only
--               read and write rows of the tables samo_owner creates.
--
-- Neither has a password nor any other privilege (not superuser, no
-- CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS): they log in over TLS
-- with a client certificate from the internal CA whose CN is the role
-- (pg_hba.conf: hostssl ... cert; deploy/internal-tls.sh issues both).
-- go test ./deploy/ -run TestComposeRolesSQL runs this file against a
-- real PostgreSQL, migrates as the owner and serves as the runtime role.

CREATE ROLE samo_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE ROLE samo LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

-- The database (whatever POSTGRES_DB names it) belongs to the owner; only
-- the two roles may connect, and nobody else gets TEMP.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I OWNER TO samo_owner', current_database());
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO samo', current_database());
END
$$;

-- Schema public belongs to the owner, who alone may create in it (PUBLIC
-- may not since PostgreSQL 15; revoked here for older servers too).
ALTER SCHEMA public OWNER TO samo_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO samo;

-- Every table and sequence samo_owner creates in public from now on (the
-- migrations of this and every later release) is readable and writable
-- by samo, and nothing more: no DDL, TRUNCATE, REFERENCES or TRIGGER.
ALTER DEFAULT PRIVILEGES FOR ROLE samo_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO samo;
ALTER DEFAULT PRIVILEGES FOR ROLE samo_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO samo;
