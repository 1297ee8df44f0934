"""The configuration admin saves through the audited services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from taxlight.accounts.models import User
from taxlight.audit.models import LedgerEntry
from taxlight.authz.models import Role, RoleAssignment, Scope
from taxlight.org.models import Officer, Unit, UnitKind
from taxlight.taxpayers.models import Taxpayer
from tests.factories import (
    DepartmentFactory,
    OfficerFactory,
    PostFactory,
    TaxpayerFactory,
    grant,
    make_uscc,
    officer_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(verified_client: Callable[[Any], Client]) -> tuple[Client, User]:
    officer = officer_with_role(Role.SYSADMIN)
    user = officer.user
    assert user is not None
    user.is_staff = True
    user.save()
    return verified_client(user), user


def test_adding_a_unit_in_the_admin_is_audited(admin_client: tuple[Client, User]) -> None:
    client, user = admin_client
    bureau = Unit.objects.get(kind=UnitKind.BUREAU)

    response = client.post(
        "/admin/org/unit/add/",
        {
            "code": "B09",
            "name": "第九税务分局",
            "kind": "branch",
            "parent": bureau.pk,
            "active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(code="B09")
    entry = LedgerEntry.objects.get(action="org.unit.create", object_id=str(unit.pk))
    assert entry.actor_id == user.pk


def test_changing_an_officer_in_the_admin_records_only_the_change(
    admin_client: tuple[Client, User],
) -> None:
    client, _user = admin_client
    officer = OfficerFactory(user=None)
    new_unit = DepartmentFactory()

    response = client.post(
        f"/admin/org/officer/{officer.pk}/change/",
        {
            "officer_id": officer.officer_id,
            "name": officer.name,
            "unit": new_unit.pk,
            "post": officer.post.pk,
            "certified_until": officer.certified_until.isoformat(),
            "active": "on",
            "user": "",
            "mobile": "",
            "id_number": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Officer.objects.get(pk=officer.pk).unit_id == new_unit.pk
    entry = LedgerEntry.objects.get(action="org.officer.update")
    assert entry.after == {"unit": new_unit.pk}


def test_bad_input_in_the_admin_saves_nothing(admin_client: tuple[Client, User]) -> None:
    client, _user = admin_client
    PostFactory(code="ACCEPT")

    response = client.post("/admin/org/unit/add/", {"code": "X", "name": "", "kind": "branch"})

    assert response.status_code == 200  # the form again, with its errors
    assert not Unit.objects.filter(code="X").exists()


def test_taxpayers_and_role_assignments_go_through_the_services(
    admin_client: tuple[Client, User],
) -> None:
    client, _user = admin_client
    taxpayer = TaxpayerFactory()
    data = {
        f: getattr(taxpayer, f)
        for f in ("taxpayer_id", "name", "industry", "vat_status", "size", "credit_grade", "status")
    }
    data.update(
        unit=taxpayer.unit_id,
        registered_on="2020-01-01",
        name="改名后有限公司",
        status_since="",
        legal_rep="",
        address_key="",
        mobile="",
        responsible_officer="",
    )
    response = client.post(f"/admin/taxpayers/taxpayer/{taxpayer.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert LedgerEntry.objects.get(action="taxpayers.taxpayer.update").after == {
        "name": "改名后有限公司"
    }

    code = make_uscc()
    wrong_check = next(c for c in "0123456789" if c != code[-1])
    bad = {**data, "taxpayer_id": code[:-1] + wrong_check}
    client.post("/admin/taxpayers/taxpayer/add/", bad)
    assert Taxpayer.objects.count() == 1

    other = OfficerFactory().user
    response = client.post(
        "/admin/authz/roleassignment/add/",
        {
            "user": other.pk,
            "role": "auditor",
            "scope": "bureau",
            "unit": "",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
            "valid_until_0": "",
            "valid_until_1": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ra = RoleAssignment.objects.get(user=other)
    response = client.post(f"/admin/authz/roleassignment/{ra.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    ra.refresh_from_db()
    assert ra.valid_until is not None  # ended, not deleted
    assert [
        e.action
        for e in LedgerEntry.objects.filter(
            object_type="authz.roleassignment", object_id=str(ra.pk)
        )
    ] == ["authz.role.assign", "authz.role.revoke"]


def test_the_org_admin_is_for_holders_of_org_manage(
    verified_client: Callable[[Any], Client],
) -> None:
    officer = officer_with_role(Role.DIRECTOR)
    assert officer.user is not None
    officer.user.is_staff = True
    officer.user.save()
    grant(officer.user, Role.OFFICER, Scope.OWN)

    response = verified_client(officer.user).get("/admin/org/unit/")

    assert response.status_code in {302, 403}


def test_a_second_bureau_is_refused_in_the_admin_form(admin_client: tuple[Client, User]) -> None:
    client, _user = admin_client

    response = client.post(
        "/admin/org/unit/add/", {"code": "C", "name": "另一局", "kind": "bureau", "active": "on"}
    )

    assert response.status_code == 200
    assert "kind" in response.context["adminform"].form.errors
    assert Unit.objects.filter(kind=UnitKind.BUREAU).count() == 1


def test_roles_for_taxpayer_users_are_refused_in_the_admin_form(
    admin_client: tuple[Client, User],
) -> None:
    client, _user = admin_client
    taxpayer_user = User.objects.create(username="tp", kind="taxpayer")

    response = client.post(
        "/admin/authz/roleassignment/add/",
        {
            "user": taxpayer_user.pk,
            "role": "auditor",
            "scope": "bureau",
            "unit": "",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
            "valid_until_0": "",
            "valid_until_1": "",
        },
    )

    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not RoleAssignment.objects.filter(user=taxpayer_user).exists()
