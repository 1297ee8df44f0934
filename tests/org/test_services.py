"""The organisation's audited services (taxlight.org.services)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from taxlight.accounts.models import User, UserKind
from taxlight.audit.models import LedgerEntry
from taxlight.authz import scoping
from taxlight.authz.models import Role, RoleAssignment, Scope
from taxlight.org import services
from taxlight.org.models import Officer, Unit, UnitKind
from tests.factories import OfficerFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bureau() -> Unit:
    return services.create_unit(code="B", name="示范市税务局", kind=UnitKind.BUREAU)


def test_creating_a_unit_writes_a_ledger_entry(bureau: Unit) -> None:
    branch = services.create_unit(
        code="B01", name="第一税务分局", kind="branch", parent=bureau, reason="new branch"
    )

    entry = LedgerEntry.objects.get(action="org.unit.create", object_id=str(branch.pk))
    assert entry.after == {
        "code": "B01",
        "name": "第一税务分局",
        "parent": bureau.pk,
        "kind": "branch",
        "active": True,
    }
    assert entry.reason == "new branch"


def test_bad_units_are_refused_field_by_field_and_nothing_is_saved(bureau: Unit) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_unit(code="", name="", kind="office", parent=bureau)
    assert {"code", "name", "kind"} <= set(caught.value.message_dict)

    with pytest.raises(ValidationError):  # only the bureau is a root
        services.create_unit(code="B02", name="无上级分局", kind="branch")
    with pytest.raises(ValidationError) as caught:
        services.create_unit(code="C", name="另一局", kind="bureau")
    assert "kind" in caught.value.message_dict
    assert Unit.objects.count() == 1
    assert LedgerEntry.objects.filter(action="org.unit.create").count() == 1


def test_update_unit_writes_only_the_difference_and_nothing_when_unchanged(bureau: Unit) -> None:
    branch = services.create_unit(code="B01", name="第一分局", kind="branch", parent=bureau)

    assert services.update_unit(branch, name="第一税务分局") is True
    assert services.update_unit(branch, name="第一税务分局") is False

    entries = LedgerEntry.objects.filter(action="org.unit.update")
    assert [(e.before, e.after) for e in entries] == [
        ({"name": "第一分局"}, {"name": "第一税务分局"})
    ]


def test_a_unit_cannot_move_below_its_own_subunit(bureau: Unit) -> None:
    branch = services.create_unit(code="B01", name="第一税务分局", kind="branch", parent=bureau)
    dept = services.create_unit(code="B01D1", name="征收管理科", kind="department", parent=branch)

    with pytest.raises(ValidationError) as caught:
        services.update_unit(branch, parent=dept)

    assert "parent" in caught.value.message_dict
    branch.refresh_from_db()
    assert branch.parent_id == bureau.pk


def test_officers_are_created_and_updated_through_the_ledger(bureau: Unit) -> None:
    dept = services.create_unit(code="BD1", name="法制科", kind="department", parent=bureau)
    post = services.create_post(code="ACCEPT", name="受理岗", name_en="Acceptance")

    officer = services.create_officer(
        officer_id="S1",
        name="张伟",
        unit=dept,
        post=post,
        mobile="13800138000",
        id_number="110101199003074211",
    )
    changed = services.update_officer(
        officer, certified_until=dt.date(2027, 1, 1), reason="passed the exam"
    )

    assert changed is True
    created = LedgerEntry.objects.get(action="org.officer.create")
    assert created.after["mobile"] != "13800138000"  # masked in the ledger
    assert created.after["id_number"] != "110101199003074211"
    updated = LedgerEntry.objects.get(action="org.officer.update")
    assert updated.after == {"certified_until": "2027-01-01"}
    assert updated.reason == "passed the exam"
    assert services.update_officer(officer, certified_until=dt.date(2027, 1, 1)) is False


def test_an_officer_needs_a_name_and_a_unique_id(bureau: Unit) -> None:
    post = PostFactory()
    services.create_officer(officer_id="S1", name="张伟", unit=bureau, post=post)

    with pytest.raises(ValidationError) as caught:
        services.create_officer(officer_id="S1", name=" ", unit=bureau, post=post)

    assert {"officer_id", "name"} <= set(caught.value.message_dict)
    assert Officer.objects.count() == 1


def test_assign_and_revoke_a_role() -> None:
    officer = OfficerFactory()
    user = officer.user
    assert user is not None

    ra = services.assign_role(
        user=user, role=Role.SUPERVISOR, scope=Scope.BUREAU, reason="appointed"
    )
    assert scoping.has_perm(user, "audit.view_ledger")
    again = services.assign_role(user=user, role=Role.SUPERVISOR, scope=Scope.BUREAU)
    assert again.pk == ra.pk
    assert LedgerEntry.objects.filter(action="authz.role.assign").count() == 1

    assert services.revoke_role(ra, reason="term ended") is True
    assert services.revoke_role(ra) is False
    user = User.objects.get(pk=user.pk)  # as in the next request
    assert not scoping.has_perm(user, "audit.view_ledger")
    assert not RoleAssignment.objects.current().filter(user=user).exists()

    services.assign_role(user=user, role=Role.SUPERVISOR, scope=Scope.BUREAU)
    assert RoleAssignment.objects.current().filter(user=user).count() == 1
    assert [
        e.action
        for e in LedgerEntry.objects.filter(object_type="authz.roleassignment").order_by("seq")
    ] == ["authz.role.assign", "authz.role.revoke", "authz.role.assign"]


def test_roles_are_for_staff_only_and_ends_follow_starts() -> None:
    taxpayer_user = UserFactory(kind=UserKind.TAXPAYER)
    staff = OfficerFactory().user

    with pytest.raises(ValidationError) as caught:
        services.assign_role(user=taxpayer_user, role=Role.OFFICER, scope=Scope.OWN)
    assert "user" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.assign_role(
            user=staff,
            role=Role.OFFICER,
            scope=Scope.OWN,
            valid_until=timezone.now() - dt.timedelta(days=1),
        )
    assert "valid_until" in caught.value.message_dict
    assert RoleAssignment.objects.count() == 0
