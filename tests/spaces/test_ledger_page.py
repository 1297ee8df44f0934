"""The workbench's audit-ledger page: who may read it, filters, verification."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from taxlight.audit import services as audit
from taxlight.audit.models import LedgerEntry
from taxlight.authz.models import Role, Scope
from tests.factories import officer_with_role

pytestmark = pytest.mark.django_db


def _entries(n: int) -> None:
    for i in range(n):
        audit.record(
            "test.widget.update",
            object_type="test.widget",
            object_id=str(i % 3),
            before={"n": i},
            after={"n": i + 1},
            reason=f"reason {i}",
        )


def test_a_supervisor_reads_the_ledger_newest_first(verified_client: Any) -> None:
    _entries(5)
    client = verified_client(officer_with_role(Role.SUPERVISOR).user)

    response = client.get(reverse("workbench:ledger"))

    assert response.status_code == 200
    seqs = [e.seq for e in response.context["page"]]
    assert seqs == sorted(seqs, reverse=True)
    assert "reason 4" in response.content.decode()


def test_filters_narrow_the_list(verified_client: Any) -> None:
    _entries(6)
    client = verified_client(officer_with_role(Role.SUPERVISOR).user)

    response = client.get(
        reverse("workbench:ledger"), {"object_type": "test.widget", "object_id": "1"}
    )

    assert {e.object_id for e in response.context["page"]} == {"1"}
    assert len(response.context["page"]) == 2


def test_a_reversed_date_range_is_reported_on_the_field(verified_client: Any) -> None:
    client = verified_client(officer_with_role(Role.SUPERVISOR).user)

    response = client.get(
        reverse("workbench:ledger"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )

    assert response.status_code == 200
    assert "date_to" in response.context["form"].errors


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CONTENT_EDITOR, Role.ANALYST])
def test_roles_without_the_permission_are_refused(verified_client: Any, role: Role) -> None:
    client = verified_client(officer_with_role(role, Scope.BUREAU).user)

    assert client.get(reverse("workbench:ledger")).status_code == 403
    assert client.post(reverse("workbench:ledger_verify")).status_code == 403


def test_verification_reports_an_intact_chain_and_is_itself_recorded(verified_client: Any) -> None:
    _entries(3)
    client = verified_client(officer_with_role(Role.SUPERVISOR).user)
    before = LedgerEntry.objects.count()

    response = client.post(reverse("workbench:ledger_verify"))

    assert response.status_code == 200
    assert response.context["result"].ok
    last = LedgerEntry.objects.order_by("-seq").first()
    assert last is not None and last.action == "audit.ledger.verified"
    assert LedgerEntry.objects.count() == before + 1


def test_verification_names_the_broken_entry(verified_client: Any) -> None:
    _entries(4)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_ledgerentry DISABLE TRIGGER USER")
        cur.execute("UPDATE audit_ledgerentry SET reason = 'forged' WHERE seq = 2")
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_ledgerentry ENABLE TRIGGER USER")
    client = verified_client(officer_with_role(Role.SUPERVISOR).user)

    response = client.post(reverse("workbench:ledger_verify"))

    result = response.context["result"]
    assert not result.ok and result.first_bad_seq == 2
    assert "#2" in response.content.decode()


def test_verification_needs_a_post(verified_client: Any) -> None:
    client = verified_client(officer_with_role(Role.SUPERVISOR).user)
    assert client.get(reverse("workbench:ledger_verify")).status_code == 405


def test_the_page_keeps_its_query_count_flat(
    verified_client: Any, django_assert_max_num_queries: Any
) -> None:
    client = verified_client(officer_with_role(Role.SUPERVISOR).user)
    _entries(60)
    with django_assert_max_num_queries(15):
        client.get(reverse("workbench:ledger"))
