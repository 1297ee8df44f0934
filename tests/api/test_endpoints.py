"""The operations: who sees what, masked how, page by page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from taxlight.accounts.models import TaxpayerMembership
from taxlight.audit.models import LedgerEntry
from taxlight.audit.services import record
from taxlight.authz.models import Role, Scope
from tests.api.factories import bearer, staff, token_for
from tests.factories import OfficerFactory, TaxpayerFactory, grant, taxpayer_user

pytestmark = pytest.mark.django_db


def as_token(user: Any) -> dict[str, Any]:
    _token, secret = token_for(user)
    return bearer(secret)


# --- /api/me ------------------------------------------------------------------------------------


def test_me_for_staff_lists_roles_with_scopes(bureau: Any) -> None:
    officer = staff(Role.DEPARTMENT_HEAD, Scope.DEPARTMENT, unit=bureau.north_tax)
    grant(officer.user, Role.SUPERVISOR, Scope.UNIT, unit=bureau.north)
    body = Client().get("/api/me", **as_token(officer.user)).json()
    assert body["kind"] == "staff"
    assert {(r["role"], r["scope"], r["unit_id"]) for r in body["roles"]} == {
        ("department_head", "department", None),
        ("supervisor", "unit", bureau.north.pk),
    }
    assert body["officer"]["unit_id"] == bureau.north_tax.pk
    assert body["enterprises"] == []


def test_me_for_a_taxpayer_user_lists_bound_enterprises_only_active() -> None:
    mine = TaxpayerFactory()
    user = taxpayer_user(mine)
    former = TaxpayerFactory()
    TaxpayerMembership.objects.create(user=user, taxpayer=former, active=False)
    body = Client().get("/api/me", **as_token(user)).json()
    assert body["kind"] == "taxpayer"
    assert body["roles"] == [] and body["officer"] is None
    assert [e["taxpayer_id"] for e in body["enterprises"]] == [mine.taxpayer_id]


# --- /api/org -----------------------------------------------------------------------------------


def test_department_scope_sees_only_its_own_department(bureau: Any) -> None:
    # given officers in two departments and an officer whose org.view reaches their department
    viewer = staff(Role.OFFICER, Scope.DEPARTMENT, unit=bureau.north_tax)
    colleague = OfficerFactory(unit=bureau.north_tax)
    stranger = OfficerFactory(unit=bureau.south_tax)
    # when they list officers
    body = Client().get("/api/org/officers", **as_token(viewer.user)).json()
    # then only their department's officers come back
    ids = {o["officer_id"] for o in body["items"]}
    assert ids == {viewer.officer_id, colleague.officer_id}
    assert stranger.officer_id not in ids
    assert body["count"] == 2


def test_department_scope_sees_only_its_unit_in_the_unit_list(bureau: Any) -> None:
    viewer = staff(Role.OFFICER, Scope.DEPARTMENT, unit=bureau.north_tax)
    body = Client().get("/api/org/units", **as_token(viewer.user)).json()
    assert [u["code"] for u in body["items"]] == ["N-TAX"]


def test_bureau_scope_sees_every_unit_filtered_by_kind(bureau: Any) -> None:
    director = staff(Role.DIRECTOR, unit=bureau.north_tax)
    body = Client().get("/api/org/units?kind=branch", **as_token(director.user)).json()
    assert [u["code"] for u in body["items"]] == ["N", "S"]


def test_unit_filter_includes_the_units_below(bureau: Any) -> None:
    director = staff(Role.DIRECTOR, unit=bureau.north_tax)
    south_officer = OfficerFactory(unit=bureau.south_tax)
    body = (
        Client().get(f"/api/org/officers?unit={bureau.south.pk}", **as_token(director.user)).json()
    )
    assert [o["officer_id"] for o in body["items"]] == [south_officer.officer_id]


def test_mobile_and_id_numbers_are_masked_without_pii_view(bureau: Any) -> None:
    viewer = staff(Role.OFFICER, Scope.DEPARTMENT, unit=bureau.north_tax)  # no pii.view
    OfficerFactory(
        unit=bureau.north_tax,
        mobile="13812345678",
        id_number="110101199003071234",
        officer_id="S99999",
    )
    body = Client().get("/api/org/officers?q=S99999", **as_token(viewer.user)).json()
    [row] = body["items"]
    assert row["mobile"] == "138****5678"
    assert row["id_number"] == "110101********1234"
    assert row["personal_data_masked"] is True


def test_pii_view_shows_numbers_in_full_within_its_reach_only(bureau: Any) -> None:
    # a supervisor's pii.view reaches the north branch only
    viewer = staff(Role.DIRECTOR, unit=bureau.north_tax)  # org.view over the whole bureau
    grant(viewer.user, Role.SUPERVISOR, Scope.UNIT, unit=bureau.north)
    OfficerFactory(unit=bureau.north_tax, mobile="13812345678", officer_id="S90001")
    OfficerFactory(unit=bureau.south_tax, mobile="13987654321", officer_id="S90002")
    body = Client().get("/api/org/officers?q=S9000", **as_token(viewer.user)).json()
    by_id = {o["officer_id"]: o for o in body["items"]}
    assert by_id["S90001"]["mobile"] == "13812345678"
    assert by_id["S90002"]["mobile"] == "139****4321"


def test_officers_are_paginated(bureau: Any) -> None:
    director = staff(Role.DIRECTOR, unit=bureau.north_tax, officer_id="S00000")
    for n in range(1, 5):
        OfficerFactory(unit=bureau.north_tax, officer_id=f"S0000{n}")
    client = Client()
    auth = as_token(director.user)
    first = client.get("/api/org/officers?page_size=2", **auth).json()
    second = client.get("/api/org/officers?page_size=2&page=2", **auth).json()
    beyond = client.get("/api/org/officers?page_size=2&page=9", **auth).json()
    assert (first["count"], first["page"], first["page_size"]) == (5, 1, 2)
    assert [o["officer_id"] for o in first["items"]] == ["S00000", "S00001"]
    assert [o["officer_id"] for o in second["items"]] == ["S00002", "S00003"]
    assert beyond["items"] == [] and beyond["count"] == 5


def test_org_needs_org_view(bureau: Any) -> None:
    editor = staff(Role.CONTENT_EDITOR, unit=bureau.north_tax)
    response = Client().get("/api/org/officers", **as_token(editor.user))
    assert response.status_code == 403


# --- /api/taxpayers and /api/my/enterprises -------------------------------------------------------


def test_unit_scope_sees_only_taxpayers_of_its_branch(bureau: Any) -> None:
    viewer = staff(Role.OFFICER, Scope.UNIT, unit=bureau.north_tax)
    north = TaxpayerFactory(unit=bureau.north)
    south = TaxpayerFactory(unit=bureau.south)
    client, auth = Client(), as_token(viewer.user)
    body = client.get("/api/taxpayers", **auth).json()
    assert [t["taxpayer_id"] for t in body["items"]] == [north.taxpayer_id]
    assert client.get(f"/api/taxpayers/{north.taxpayer_id}", **auth).status_code == 200
    # another branch's taxpayer is as unknown as a code that does not exist
    assert client.get(f"/api/taxpayers/{south.taxpayer_id}", **auth).status_code == 404


def test_taxpayer_mobile_is_masked_for_staff_without_pii_view(bureau: Any) -> None:
    viewer = staff(Role.OFFICER, Scope.UNIT, unit=bureau.north_tax)
    tp = TaxpayerFactory(unit=bureau.north, mobile="13812345678")
    body = Client().get(f"/api/taxpayers/{tp.taxpayer_id}", **as_token(viewer.user)).json()
    assert body["mobile"] == "138****5678"


def test_taxpayer_user_sees_only_their_enterprise() -> None:
    mine = TaxpayerFactory(mobile="13812345678")
    TaxpayerFactory()  # another enterprise, not bound to the user
    user = taxpayer_user(mine)
    client, auth = Client(), as_token(user)
    body = client.get("/api/my/enterprises", **auth).json()
    assert [t["taxpayer_id"] for t in body["items"]] == [mine.taxpayer_id]
    detail = client.get(f"/api/my/enterprises/{mine.taxpayer_id}", **auth).json()
    assert detail["name"] == mine.name
    assert detail["mobile"] == "13812345678"  # their own enterprise's number, in full


def test_taxpayer_user_gets_404_not_403_for_another_enterprise() -> None:
    user = taxpayer_user(TaxpayerFactory())
    other = TaxpayerFactory()
    client, auth = Client(), as_token(user)
    existing = client.get(f"/api/my/enterprises/{other.taxpayer_id}", **auth)
    missing = client.get("/api/my/enterprises/91110000MA0000000X", **auth)
    # the same answer whether the code exists or not: ids cannot be probed
    assert existing.status_code == missing.status_code == 404
    assert existing.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    assert existing.json()["error"]["message"] == missing.json()["error"]["message"]


def test_taxpayer_user_cannot_use_the_staff_registry() -> None:
    user = taxpayer_user(TaxpayerFactory())
    response = Client().get("/api/taxpayers", **as_token(user))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_unbound_taxpayer_user_has_no_enterprises_space() -> None:
    from tests.factories import UserFactory

    response = Client().get("/api/my/enterprises", **as_token(UserFactory()))
    assert response.status_code == 403


def test_staff_cannot_use_the_taxpayer_space(bureau: Any) -> None:
    director = staff(Role.DIRECTOR, unit=bureau.north_tax)
    assert Client().get("/api/my/enterprises", **as_token(director.user)).status_code == 403


# --- /api/audit ---------------------------------------------------------------------------------


def test_audit_entries_filter_by_object_newest_first(bureau: Any) -> None:
    supervisor = staff(Role.SUPERVISOR, unit=bureau.north_tax)
    auth = as_token(supervisor.user)  # issuing the token is itself a ledger entry
    record("test.one", object_type="test.thing", object_id="1")
    record("test.two", object_type="test.thing", object_id="1")
    record("test.other", object_type="test.thing", object_id="2")
    body = Client().get("/api/audit/entries?object_type=test.thing&object_id=1", **auth).json()
    assert [e["action"] for e in body["items"]] == ["test.two", "test.one"]
    assert body["count"] == 2
    assert all(len(e["entry_hash"]) == 64 for e in body["items"])


def test_audit_entries_are_paginated(bureau: Any) -> None:
    supervisor = staff(Role.SUPERVISOR, unit=bureau.north_tax)
    auth = as_token(supervisor.user)
    for n in range(3):
        record(f"test.page.{n}", object_type="test.page", object_id="x")
    body = (
        Client().get("/api/audit/entries?object_type=test.page&page_size=2&page=2", **auth).json()
    )
    assert body["count"] == 3
    assert [e["action"] for e in body["items"]] == ["test.page.0"]


def test_audit_entries_need_the_ledger_permission(bureau: Any) -> None:
    officer = staff(Role.OFFICER, unit=bureau.north_tax)
    assert Client().get("/api/audit/entries", **as_token(officer.user)).status_code == 403


def test_verify_reports_an_intact_ledger(bureau: Any) -> None:
    supervisor = staff(Role.SUPERVISOR, unit=bureau.north_tax)
    auth = as_token(supervisor.user)
    record("test.verify", object_type="test", object_id="1")
    body = Client().post("/api/audit/verify", **auth).json()
    assert body["ok"] is True
    assert body["checked"] == LedgerEntry.objects.count()
    assert body["first_bad_seq"] is None


def test_verify_names_the_entry_that_was_changed(bureau: Any) -> None:
    supervisor = staff(Role.SUPERVISOR, unit=bureau.north_tax)
    auth = as_token(supervisor.user)
    entry = record("test.verify", object_type="test", object_id="1", reason="original")
    record("test.after", object_type="test", object_id="2")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the table refuses UPDATE: bypass the trigger
            cursor.execute("SET LOCAL session_replication_role = replica")
        table = LedgerEntry._meta.db_table
        cursor.execute(
            f"UPDATE {table} SET reason = %s WHERE id = %s",  # noqa: S608
            ["forged", entry.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    body = Client().post("/api/audit/verify", **auth).json()
    assert body["ok"] is False
    assert body["first_bad_seq"] == entry.seq
    assert f"#{entry.seq}" in body["summary"]


def test_verify_needs_its_own_permission(bureau: Any) -> None:
    director = staff(Role.DIRECTOR, unit=bureau.north_tax)  # may read the ledger, not verify
    assert Client().get("/api/audit/entries", **as_token(director.user)).status_code == 200
    assert Client().post("/api/audit/verify", **as_token(director.user)).status_code == 403
