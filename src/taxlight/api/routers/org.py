"""`/api/org`: the bureau's units and officers, as far as the caller's grants reach."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Schema
from ninja.pagination import paginate

from taxlight.api.pagination import Pagination
from taxlight.api.routing import Router
from taxlight.authz.access import requires
from taxlight.authz.scoping import has_perm, scope_filter
from taxlight.core.masking import mask_id_number, mask_mobile
from taxlight.org.models import Officer, Unit, UnitKind

router = Router(tags=["org"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: UnitKind
    parent_id: int | None
    active: bool


class OfficerOut(Schema):
    id: int
    officer_id: str
    name: str
    unit_id: int
    unit_name: str
    post_code: str
    post_name: str
    certified_until: dt.date | None
    certified: bool
    active: bool
    mobile: str
    id_number: str
    personal_data_masked: bool

    @staticmethod
    def resolve_unit_name(obj: Officer) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_post_code(obj: Officer) -> str:
        return obj.post.code

    @staticmethod
    def resolve_post_name(obj: Officer) -> str:
        return obj.post.name

    @staticmethod
    def resolve_certified(obj: Officer) -> bool:
        return obj.is_certified()

    @staticmethod
    def resolve_personal_data_masked(obj: Officer, context: dict[str, Any]) -> bool:
        return not _sees_pii(context["request"], obj)

    @staticmethod
    def resolve_mobile(obj: Officer, context: dict[str, Any]) -> str:
        return obj.mobile if _sees_pii(context["request"], obj) else mask_mobile(obj.mobile)

    @staticmethod
    def resolve_id_number(obj: Officer, context: dict[str, Any]) -> str:
        if _sees_pii(context["request"], obj):
            return obj.id_number
        return mask_id_number(obj.id_number)


def _sees_pii(request: HttpRequest, officer: Officer) -> bool:
    """Full ID and mobile numbers only for holders of `pii.view` whose grant reaches the
    officer's unit."""
    return has_perm(request.user, "pii.view", unit_id=officer.unit_id, owner_officer_id=officer.pk)


@router.get("/units", response=list[UnitOut])
@paginate(Pagination)
@requires("org.view")
def units(
    request: HttpRequest,
    kind: UnitKind | None = None,
    parent: int | None = None,
    active: bool | None = None,
) -> QuerySet[Unit]:
    """Units (bureau, branches, departments) within the caller's reach, by code."""
    qs = scope_filter(request.user, "org.view", Unit.objects.all(), unit_field="id")
    if kind is not None:
        qs = qs.filter(kind=kind)
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("code")


@router.get("/officers", response=list[OfficerOut])
@paginate(Pagination)
@requires("org.view")
def officers(
    request: HttpRequest,
    unit: int | None = None,
    post: str | None = None,
    active: bool | None = None,
    q: str | None = None,
) -> QuerySet[Officer]:
    """Officers within the caller's reach, by officer id. Mobile and ID numbers are masked
    unless the caller holds `pii.view` over the officer's unit. `unit` includes the
    units below it; `q` searches name and officer id."""
    qs = scope_filter(
        request.user,
        "org.view",
        Officer.objects.select_related("unit", "post"),
        unit_field="unit",
        owner_field="id",
    )
    if unit is not None:
        anchor = Unit.objects.filter(pk=unit).first()
        qs = qs.filter(unit_id__in=anchor.subtree_ids()) if anchor else qs.none()
    if post:
        qs = qs.filter(post__code=post)
    if active is not None:
        qs = qs.filter(active=active)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(officer_id__icontains=q))
    return qs.order_by("officer_id")
