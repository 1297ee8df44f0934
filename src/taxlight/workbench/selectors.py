"""Reads for the staff workbench, each narrowed by the user's grants (``scope_filter``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from taxlight.authz.scoping import has_perm, scope_filter
from taxlight.core.masking import mask_mobile
from taxlight.org.models import Officer, Unit
from taxlight.taxpayers.models import Taxpayer

QUALIFICATION_WARNING_DAYS = 30


def officer_of(user: Any) -> Officer | None:
    """The user's officer record with its post, department and the units above it."""
    return (
        Officer.objects.select_related("post", "unit__parent__parent")
        .filter(user=user, active=True)
        .first()
    )


@dataclass(frozen=True)
class Qualification:
    valid_until: dt.date | None
    days_left: int | None  # negative: expired that many days ago

    @property
    def state(self) -> str:
        """``none``, ``expired``, ``expiring`` (within 30 days) or ``valid``."""
        if self.days_left is None:
            return "none"
        if self.days_left < 0:
            return "expired"
        if self.days_left <= QUALIFICATION_WARNING_DAYS:
            return "expiring"
        return "valid"


def qualification_of(officer: Officer | None, today: dt.date | None = None) -> Qualification:
    if officer is None or officer.certified_until is None:
        return Qualification(None, None)
    today = today or timezone.localdate()
    return Qualification(officer.certified_until, (officer.certified_until - today).days)


@dataclass(frozen=True)
class BranchCount:
    unit_id: int
    name: str
    count: int


def taxpayers_per_branch(user: Any) -> list[BranchCount]:
    """Taxpayers the user may see, counted per managing branch: one aggregate query."""
    qs = scope_filter(
        user, "taxpayers.view", Taxpayer.objects.all(), owner_field="responsible_officer"
    )
    rows = (
        qs.values("unit_id", "unit__name", "unit__code")
        .annotate(n=Count("pk"))
        .order_by("unit__code")
    )
    return [BranchCount(r["unit_id"], r["unit__name"], r["n"]) for r in rows]


@dataclass
class UnitNode:
    unit: Unit
    children: list[UnitNode] = field(default_factory=list)


def visible_units(user: Any) -> list[Unit]:
    """Active units the user may see (one query)."""
    qs = Unit.objects.filter(active=True).only("pk", "code", "name", "kind", "parent_id")
    return list(scope_filter(user, "org.view", qs, unit_field="pk").order_by("code"))


def unit_tree(units: list[Unit]) -> list[UnitNode]:
    """The units as a forest: a unit whose parent is not visible is a root."""
    nodes = {u.pk: UnitNode(u) for u in units}
    roots: list[UnitNode] = []
    for unit in units:
        parent = nodes.get(unit.parent_id) if unit.parent_id is not None else None
        (parent.children if parent is not None else roots).append(nodes[unit.pk])
    return roots


def subtree_ids(units: list[Unit], root_id: int) -> set[int]:
    """``root_id`` and every visible unit below it (no query)."""
    children: dict[int | None, list[int]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit.pk)
    found = {root_id}
    frontier = [root_id]
    while frontier:
        frontier = [c for p in frontier for c in children.get(p, []) if c not in found]
        found.update(frontier)
    return found


def visible_officers(user: Any, *, unit_ids: set[int] | None = None) -> QuerySet[Officer]:
    """Active officers the user may see, optionally only those in ``unit_ids``."""
    qs = (
        Officer.objects.active().select_related("unit", "post").order_by("unit__code", "officer_id")
    )
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    return scope_filter(user, "org.view", qs, unit_field="unit", owner_field="pk")


@dataclass(frozen=True)
class OfficerRow:
    officer: Officer
    mobile: str
    mobile_masked: bool
    qualification: Qualification


def officer_rows(user: Any, officers: list[Officer]) -> list[OfficerRow]:
    """Rows for the officers list: mobile numbers in full only where the user holds
    ``pii.view`` over the officer's unit."""
    today = timezone.localdate()
    rows = []
    for officer in officers:
        full = has_perm(user, "pii.view", unit_id=officer.unit_id, owner_officer_id=officer.pk)
        mobile = officer.mobile if full else mask_mobile(officer.mobile)
        rows.append(
            OfficerRow(
                officer, mobile, not full and bool(officer.mobile), qualification_of(officer, today)
            )
        )
    return rows
