"""`/api/taxpayers` (staff, the registry within their reach) and `/api/my/enterprises`
(taxpayer users, the enterprises they are bound to).

Two routers rather than one endpoint that guesses: each declaration then says exactly who
gets in. Both answer 404 — never 403 — for an enterprise outside the caller's reach, so a
caller cannot probe which codes exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Path, Schema
from ninja.pagination import paginate

from taxlight.api.pagination import Pagination
from taxlight.api.routing import Router
from taxlight.authz.access import requires, taxpayer_required
from taxlight.authz.scoping import has_perm, scope_filter, taxpayer_ids
from taxlight.core.masking import mask_mobile
from taxlight.org.models import Unit
from taxlight.taxpayers.models import CreditGrade, Taxpayer, TaxpayerStatus

router = Router(tags=["taxpayers"])
my_router = Router(tags=["my"])

USCC_PATTERN = r"^[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$"


def _uscc_path() -> Any:
    return Path(
        ...,
        pattern=USCC_PATTERN,
        description="Unified Social Credit Code (18 characters, capital letters).",
    )


class TaxpayerOut(Schema):
    id: int
    taxpayer_id: str
    name: str
    industry: str
    unit_id: int
    unit_name: str
    registered_on: dt.date
    vat_status: str
    size: str
    credit_grade: str
    status: str
    status_since: dt.date | None
    mobile: str
    responsible_officer_id: int | None

    @staticmethod
    def resolve_unit_name(obj: Taxpayer) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_mobile(obj: Taxpayer, context: dict[str, Any]) -> str:
        request = context["request"]
        if obj.pk in taxpayer_ids(request.user):
            return obj.mobile  # the enterprise's own users see its own number
        if has_perm(
            request.user,
            "pii.view",
            unit_id=obj.unit_id,
            owner_officer_id=obj.responsible_officer_id,
        ):
            return obj.mobile
        return mask_mobile(obj.mobile)


def _staff_queryset(request: HttpRequest) -> QuerySet[Taxpayer]:
    return scope_filter(
        request.user,
        "taxpayers.view",
        Taxpayer.objects.select_related("unit"),
        unit_field="unit",
        owner_field="responsible_officer",
    )


@router.get("", response=list[TaxpayerOut])
@paginate(Pagination)
@requires("taxpayers.view")
def taxpayers(
    request: HttpRequest,
    unit: int | None = None,
    status: TaxpayerStatus | None = None,
    credit_grade: CreditGrade | None = None,
    q: str | None = None,
) -> QuerySet[Taxpayer]:
    """Taxpayers managed by the branches within the caller's reach, by code. `unit`
    includes the units below it; `q` searches name and code."""
    qs = _staff_queryset(request)
    if unit is not None:
        anchor = Unit.objects.filter(pk=unit).first()
        qs = qs.filter(unit_id__in=anchor.subtree_ids()) if anchor else qs.none()
    if status is not None:
        qs = qs.filter(status=status)
    if credit_grade is not None:
        qs = qs.filter(credit_grade=credit_grade)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(taxpayer_id__icontains=q))
    return qs.order_by("taxpayer_id")


@router.get("/{taxpayer_id}", response=TaxpayerOut)
@requires("taxpayers.view")
def taxpayer(request: HttpRequest, taxpayer_id: str = _uscc_path()) -> Taxpayer:
    """One taxpayer by its code; 404 if unknown or outside the caller's reach."""
    found = _staff_queryset(request).filter(taxpayer_id=taxpayer_id).first()
    if found is None:
        raise Http404
    return found


def _own_queryset(request: HttpRequest) -> QuerySet[Taxpayer]:
    return Taxpayer.objects.select_related("unit").filter(pk__in=taxpayer_ids(request.user))


@my_router.get("/enterprises", response=list[TaxpayerOut])
@paginate(Pagination)
@taxpayer_required
def my_enterprises(request: HttpRequest) -> QuerySet[Taxpayer]:
    """The enterprises the calling taxpayer user is bound to."""
    return _own_queryset(request).order_by("taxpayer_id")


@my_router.get("/enterprises/{taxpayer_id}", response=TaxpayerOut)
@taxpayer_required
def my_enterprise(request: HttpRequest, taxpayer_id: str = _uscc_path()) -> Taxpayer:
    """One of the caller's enterprises; 404 for any other code, existing or not."""
    found = _own_queryset(request).filter(taxpayer_id=taxpayer_id).first()
    if found is None:
        raise Http404
    return found
