"""A small bureau for the spaces' tests: two branches, each with a department, officers
and taxpayers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from taxlight.authz.models import Role, Scope
from taxlight.org.models import Officer, Unit, UnitKind
from taxlight.taxpayers.models import Taxpayer
from tests.factories import (
    DepartmentFactory,
    OfficerFactory,
    PostFactory,
    TaxpayerFactory,
    UnitFactory,
    grant,
)


@dataclass
class Bureau:
    bureau: Unit
    east: Unit
    west: Unit
    east_dept: Unit
    west_dept: Unit
    east_taxpayers: list[Taxpayer]
    west_taxpayers: list[Taxpayer]
    east_officer: Officer  # plain officer, own-unit scope
    west_officer: Officer


@pytest.fixture
def bureau(db: None) -> Bureau:
    root = UnitFactory(code="BUREAU", name="示范市税务局", kind=UnitKind.BUREAU, parent=None)
    east = UnitFactory(code="B01", name="东城税务分局", parent=root)
    west = UnitFactory(code="B02", name="西城税务分局", parent=root)
    east_dept = DepartmentFactory(code="B01-D1", name="东城纳税服务科", parent=east)
    west_dept = DepartmentFactory(code="B02-D1", name="西城纳税服务科", parent=west)
    east_taxpayers = [TaxpayerFactory(unit=east, name=f"东城企业{i}有限公司") for i in range(3)]
    west_taxpayers = [TaxpayerFactory(unit=west, name=f"西城企业{i}有限公司") for i in range(2)]
    post = PostFactory(code="ACCEPT")
    in_a_year = timezone.localdate() + dt.timedelta(days=365)
    east_officer = OfficerFactory(
        name="东城干部", unit=east_dept, post=post, mobile="13812345678", certified_until=in_a_year
    )
    west_officer = OfficerFactory(
        name="西城干部", unit=west_dept, post=post, mobile="13987654321", certified_until=in_a_year
    )
    assert east_officer.user is not None
    grant(east_officer.user, Role.OFFICER, Scope.UNIT)
    return Bureau(
        root,
        east,
        west,
        east_dept,
        west_dept,
        east_taxpayers,
        west_taxpayers,
        east_officer,
        west_officer,
    )


@pytest.fixture
def verified(verified_client: Any) -> Any:
    """``verified(user)``: a client signed in with the second factor (see tests/conftest)."""
    return verified_client
