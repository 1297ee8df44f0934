"""Who may do what, where: grants (role + scope) and the querysets they let a user see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

from taxlight.authz.models import SCOPE_WIDTH, Role, RoleAssignment, Scope
from taxlight.authz.permissions import get as get_permission

_CACHE = "_taxlight_grants"
_TAXPAYER_CACHE = "_taxlight_taxpayer_ids"


@dataclass(frozen=True)
class Grant:
    role: Role
    scope: Scope
    unit_ids: frozenset[int] | None  # None = every unit
    officer_id: int | None
    anchor: Any = None  # the org.Unit the scope is measured from


def _anchor_units(anchor: Any, scope: Scope) -> frozenset[int] | None:
    from taxlight.org.models import Unit, UnitKind

    if scope == Scope.BUREAU:
        return None
    if anchor is None:
        return frozenset()
    if scope == Scope.UNIT:
        branch = anchor.branch
        if branch is None:  # bureau-level departments: their unit is the bureau
            root = anchor
            while root.parent_id is not None:
                root = root.parent
            return None if root.kind == UnitKind.BUREAU else frozenset(root.subtree_ids())
        return frozenset(branch.subtree_ids())
    if scope == Scope.DEPARTMENT:
        return frozenset(Unit.objects.get(pk=anchor.pk).subtree_ids())
    return frozenset()  # OWN: only the officer's own cases


def grants(user: Any) -> list[Grant]:
    """The user's current grants (cached on the user object for one request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE, None)
    if cached is not None:
        return list(cached)
    officer = getattr(user, "officer", None) if getattr(user, "kind", "") == "staff" else None
    if officer is not None and not officer.active:
        officer = None
    out: list[Grant] = []
    if getattr(user, "kind", "") == "staff":
        for ra in RoleAssignment.objects.current().filter(user=user).select_related("unit"):
            anchor = ra.unit if ra.unit_id else (officer.unit if officer else None)
            scope = Scope(ra.scope)
            out.append(
                Grant(
                    Role(ra.role),
                    scope,
                    _anchor_units(anchor, scope),
                    officer.pk if officer else None,
                    anchor,
                )
            )
    setattr(user, _CACHE, tuple(out))
    return out


def roles(user: Any) -> set[Role]:
    return {g.role for g in grants(user)}


def _narrow(grant: Grant, perm: Any) -> Grant | None:
    if grant.role not in perm.roles:
        return None
    if SCOPE_WIDTH[grant.scope] > SCOPE_WIDTH[perm.max_scope]:
        scope = perm.max_scope
        return Grant(
            grant.role, scope, _anchor_units(grant.anchor, scope), grant.officer_id, grant.anchor
        )
    return grant


def grants_for(user: Any, code: str) -> list[Grant]:
    """The user's grants that carry permission ``code``, narrowed to its widest scope."""
    perm = get_permission(code)  # an unknown code is an error, never a silent "no"
    return [g for g in (_narrow(g, perm) for g in grants(user)) if g is not None]


def has_perm(
    user: Any, code: str, *, unit_id: int | None = None, owner_officer_id: int | None = None
) -> bool:
    """Without ``unit_id``/``owner_officer_id``: does any grant carry the permission?
    With them: does a grant reach that unit or that officer's case?"""
    found = grants_for(user, code)
    if unit_id is None and owner_officer_id is None:
        return bool(found)
    for g in found:
        if g.unit_ids is None:
            return True
        if g.scope == Scope.OWN:
            if owner_officer_id is not None and owner_officer_id == g.officer_id:
                return True
        elif unit_id is not None and unit_id in g.unit_ids:
            return True
    return False


def scope_filter[M: models.Model](
    user: Any,
    code: str,
    qs: models.QuerySet[M],
    *,
    unit_field: str = "unit",
    owner_field: str | None = None,
) -> models.QuerySet[M]:
    """Narrows ``qs`` to the rows the user's grants for ``code`` reach.

    ``unit_field`` names the row's unit; ``owner_field`` the officer who owns the row (for the
    OWN scope; rows without an owner are not reachable through OWN)."""
    condition = Q(pk__in=[])
    for g in grants_for(user, code):
        if g.unit_ids is None:
            return qs
        if g.scope == Scope.OWN:
            if owner_field and g.officer_id is not None:
                condition |= Q(**{owner_field: g.officer_id})
        else:
            condition |= Q(**{f"{unit_field}__in": g.unit_ids})
    return qs.filter(condition)


def taxpayer_ids(user: Any) -> set[int]:
    """Primary keys of the enterprises a taxpayer user may act for."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "kind", "") != "taxpayer":
        return set()
    cached = getattr(user, _TAXPAYER_CACHE, None)
    if cached is None:
        cached = frozenset(
            user.memberships.filter(active=True).values_list("taxpayer_id", flat=True)
        )
        setattr(user, _TAXPAYER_CACHE, cached)
    return set(cached)


def forget(user: Any) -> None:
    """Drops the per-request caches (after roles or bindings change)."""
    for name in (_CACHE, _TAXPAYER_CACHE):
        if hasattr(user, name):
            delattr(user, name)
