"""On PostgreSQL the ledger table refuses UPDATE and DELETE (a trigger per row).

TRUNCATE is left to the database owner (it is a maintenance statement that also empties
test databases between tests); the application's database role should not own the table
(docs/deploy.md). A removal by any means is still found by ``taxlight audit verify``.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION taxlight_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit ledger is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON audit_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION taxlight_ledger_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_ledgerentry_append_only ON audit_ledgerentry;
DROP FUNCTION IF EXISTS taxlight_ledger_append_only();
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
