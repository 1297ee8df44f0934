-- taxlight's PostgreSQL roles: the application must not own the ledger table.
--
-- taxlight_owner owns the schema and runs migrations; taxlight_app is what the web
-- application, the worker and beat connect as. The ledger table (audit_ledgerentry) refuses
-- UPDATE and DELETE with a trigger, but a table's owner can drop triggers, so the role the
-- application uses must not be the owner and gets only SELECT and INSERT on it.
--
-- Run once as a superuser:  psql -v ON_ERROR_STOP=1 -f deploy/postgresql-roles.sql
-- then run deploy/postgresql-grants.sql after every `taxlight migrate`.

CREATE ROLE taxlight_owner LOGIN PASSWORD 'change-me-owner';
CREATE ROLE taxlight_app LOGIN PASSWORD 'change-me-app';
CREATE DATABASE taxlight OWNER taxlight_owner ENCODING 'UTF8' TEMPLATE template0;
\connect taxlight
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO taxlight_owner;
GRANT USAGE ON SCHEMA public TO taxlight_app;
-- Tables and sequences created later by migrations (run as taxlight_owner):
ALTER DEFAULT PRIVILEGES FOR ROLE taxlight_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO taxlight_app;
ALTER DEFAULT PRIVILEGES FOR ROLE taxlight_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO taxlight_app;
