-- Run after every `taxlight migrate` (as taxlight_owner or a superuser):
--   psql -v ON_ERROR_STOP=1 "$OWNER_DATABASE_URL" -f deploy/postgresql-grants.sql
-- The ledger and its checkpoints are append-only for the application.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_ledgerentry FROM taxlight_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_ledgercheckpoint FROM taxlight_app;
GRANT SELECT, INSERT ON audit_ledgerentry, audit_ledgercheckpoint TO taxlight_app;
