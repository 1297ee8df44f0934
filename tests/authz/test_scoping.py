"""Roles plus scopes: who reaches which units and cases."""

from __future__ import annotations

import pytest

from taxlight.authz import scoping
from taxlight.authz.models import Role, Scope
from taxlight.authz.permissions import PERMISSIONS, register
from taxlight.org.models import Officer, Unit, UnitKind
from taxlight.taxpayers.models import Taxpayer
from tests.factories import (
    DepartmentFactory,
    OfficerFactory,
    TaxpayerFactory,
    UnitFactory,
    grant,
    taxpayer_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bureau() -> dict[str, Unit]:
    root = UnitFactory(code="B", name="市局", kind=UnitKind.BUREAU, parent=None)
    north = UnitFactory(code="N", name="北分局", kind=UnitKind.BRANCH, parent=root)
    south = UnitFactory(code="S", name="南分局", kind=UnitKind.BRANCH, parent=root)
    return {
        "root": root,
        "north": north,
        "south": south,
        "north_tax": DepartmentFactory(code="N1", parent=north),
        "north_svc": DepartmentFactory(code="N2", parent=north),
        "south_tax": DepartmentFactory(code="S1", parent=south),
        "legal": DepartmentFactory(code="L", parent=root),
    }


def _officer(unit: Unit, role: Role, scope: Scope) -> Officer:
    officer = OfficerFactory(unit=unit)
    grant(officer.user, role, scope)
    return officer


def test_bureau_scope_reaches_everything(bureau: dict[str, Unit]) -> None:
    officer = _officer(bureau["legal"], Role.SUPERVISOR, Scope.BUREAU)
    assert scoping.has_perm(officer.user, "org.view", unit_id=bureau["south_tax"].pk)
    assert scoping.scope_filter(officer.user, "org.view", Unit.objects.all()).count() == 7


def test_unit_scope_reaches_the_own_branch_only(bureau: dict[str, Unit]) -> None:
    officer = _officer(bureau["north_tax"], Role.DEPARTMENT_HEAD, Scope.UNIT)
    visible = scoping.scope_filter(officer.user, "org.view", Unit.objects.all(), unit_field="pk")
    assert {u.code for u in visible} == {"N", "N1", "N2"}
    assert scoping.has_perm(officer.user, "org.view", unit_id=bureau["north_svc"].pk)
    assert not scoping.has_perm(officer.user, "org.view", unit_id=bureau["south_tax"].pk)


def test_department_scope_reaches_the_own_department_only(bureau: dict[str, Unit]) -> None:
    officer = _officer(bureau["north_tax"], Role.OFFICER, Scope.DEPARTMENT)
    OfficerFactory(unit=bureau["north_tax"])
    OfficerFactory(unit=bureau["north_svc"])
    visible = scoping.scope_filter(officer.user, "org.view", Officer.objects.all())
    assert {o.unit.code for o in visible} == {"N1"}
    assert visible.count() == 2


def test_own_scope_reaches_only_rows_the_officer_owns(bureau: dict[str, Unit]) -> None:
    officer = _officer(bureau["north_tax"], Role.OFFICER, Scope.OWN)
    mine = TaxpayerFactory(unit=bureau["north"], responsible_officer=officer)
    TaxpayerFactory(unit=bureau["north"])
    visible = scoping.scope_filter(
        officer.user, "taxpayers.view", Taxpayer.objects.all(), owner_field="responsible_officer"
    )
    assert list(visible) == [mine]
    # Without an owner field the OWN scope reaches nothing: never everything.
    assert not scoping.scope_filter(officer.user, "taxpayers.view", Taxpayer.objects.all()).exists()
    assert scoping.has_perm(officer.user, "taxpayers.view", owner_officer_id=officer.pk)
    assert not scoping.has_perm(officer.user, "taxpayers.view", unit_id=bureau["north"].pk)


def test_role_without_the_permission_gets_nothing(bureau: dict[str, Unit]) -> None:
    editor = _officer(bureau["legal"], Role.CONTENT_EDITOR, Scope.BUREAU)
    assert not scoping.has_perm(editor.user, "audit.view_ledger")
    assert not scoping.scope_filter(editor.user, "org.view", Unit.objects.all()).exists()


def test_permission_caps_the_scope(bureau: dict[str, Unit]) -> None:
    code = "test.capped"
    if code not in PERMISSIONS:
        register(code, "capped", {Role.DIRECTOR}, max_scope=Scope.DEPARTMENT)
    director = _officer(bureau["north_tax"], Role.DIRECTOR, Scope.BUREAU)
    assert scoping.has_perm(director.user, code, unit_id=bureau["north_tax"].pk)
    assert not scoping.has_perm(director.user, code, unit_id=bureau["south_tax"].pk)


def test_expired_assignments_and_inactive_officers_grant_nothing(bureau: dict[str, Unit]) -> None:
    import datetime as dt

    from django.utils import timezone

    officer = _officer(bureau["north_tax"], Role.SUPERVISOR, Scope.BUREAU)
    officer.user.role_assignments.update(valid_until=timezone.now() - dt.timedelta(seconds=1))
    scoping.forget(officer.user)
    assert not scoping.has_perm(officer.user, "org.view")


def test_taxpayer_users_have_no_staff_grants_and_see_their_enterprises() -> None:
    mine = TaxpayerFactory()
    TaxpayerFactory()
    user = taxpayer_user(mine)
    assert scoping.grants(user) == []
    assert scoping.taxpayer_ids(user) == {mine.pk}
    user.memberships.update(active=False)
    scoping.forget(user)
    assert scoping.taxpayer_ids(user) == set()


def test_unknown_permission_is_an_error_not_a_silent_no() -> None:
    officer = OfficerFactory()
    with pytest.raises(LookupError, match="unknown permission"):
        scoping.has_perm(officer.user, "no.such.permission")


def test_every_role_holds_at_least_one_permission() -> None:
    held = {role for perm in PERMISSIONS.values() for role in perm.roles}
    assert set(Role) <= held
