"""Fixtures for the API tests: a small bureau with two branches, each with a department."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache

from taxlight.org.models import Unit, UnitKind
from tests.factories import DepartmentFactory, UnitFactory


@dataclass
class Bureau:
    root: Unit
    north: Unit
    south: Unit
    north_tax: Unit  # a department of the north branch
    south_tax: Unit


@pytest.fixture
def bureau(db: None) -> Bureau:
    root = UnitFactory(code="B", name="示范市税务局", kind=UnitKind.BUREAU, parent=None)
    north = UnitFactory(code="N", name="北区分局", kind=UnitKind.BRANCH, parent=root)
    south = UnitFactory(code="S", name="南区分局", kind=UnitKind.BRANCH, parent=root)
    return Bureau(
        root=root,
        north=north,
        south=south,
        north_tax=DepartmentFactory(code="N-TAX", name="北区税政科", parent=north),
        south_tax=DepartmentFactory(code="S-TAX", name="南区税政科", parent=south),
    )


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """These tests make many accounts and never sign in with a password."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttle counters live in the cache: each test starts from zero."""
    cache.clear()
