"""`/api/me`: who is calling."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Schema

from taxlight.accounts.models import TaxpayerMembership
from taxlight.api.routing import Router
from taxlight.authz.access import signed_in
from taxlight.authz.models import Role, RoleAssignment, Scope

router = Router(tags=["me"])


class RoleOut(Schema):
    role: str
    role_label: str
    scope: str
    scope_label: str
    unit_id: int | None
    unit_name: str | None


class OfficerSummary(Schema):
    officer_id: str
    name: str
    unit_id: int
    unit_name: str
    post_code: str
    post_name: str
    certified_until: dt.date | None


class EnterpriseSummary(Schema):
    id: int
    taxpayer_id: str
    name: str
    membership_role: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    kind: str
    language: str
    authenticated_by: str  # "token" or "session"
    second_factor_verified: bool
    roles: list[RoleOut]
    officer: OfficerSummary | None
    enterprises: list[EnterpriseSummary]


@router.get("/me", response=MeOut)
@signed_in
def me(request: HttpRequest) -> dict[str, Any]:
    """The caller: account, kind, roles with their scopes, officer record (staff) and the
    enterprises the account is bound to (taxpayer users)."""
    user: Any = request.user
    via_token = getattr(request, "taxlight_token", None) is not None
    verified = getattr(user, "is_verified", None)
    assignments = (
        RoleAssignment.objects.current()
        .filter(user=user)
        .select_related("unit")
        .order_by("role", "scope")
    )
    officer = getattr(user, "officer", None) if user.kind == "staff" else None
    memberships = (
        TaxpayerMembership.objects.filter(user=user, active=True)
        .select_related("taxpayer")
        .order_by("taxpayer__taxpayer_id")
    )
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.display_name(),
        "kind": user.kind,
        "language": user.language,
        "authenticated_by": "token" if via_token else "session",
        "second_factor_verified": bool(verified()) if callable(verified) else False,
        "roles": [
            {
                "role": ra.role,
                "role_label": str(Role(ra.role).label),
                "scope": ra.scope,
                "scope_label": str(Scope(ra.scope).label),
                "unit_id": ra.unit_id,
                "unit_name": ra.unit.name if ra.unit is not None else None,
            }
            for ra in assignments
        ],
        "officer": None
        if officer is None
        else {
            "officer_id": officer.officer_id,
            "name": officer.name,
            "unit_id": officer.unit_id,
            "unit_name": officer.unit.name,
            "post_code": officer.post.code,
            "post_name": officer.post.name,
            "certified_until": officer.certified_until,
        },
        "enterprises": [
            {
                "id": m.taxpayer.pk,
                "taxpayer_id": m.taxpayer.taxpayer_id,
                "name": m.taxpayer.name,
                "membership_role": m.role,
            }
            for m in memberships
        ],
    }
