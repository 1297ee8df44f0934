"""State changes of the organisation: units, posts, officers and role assignments.

Every function is atomic and writes one ledger entry per object it changes (none when a call
changes nothing). Values are validated with the models' own rules (``full_clean``); bad input
raises :class:`~django.core.exceptions.ValidationError` keyed by field and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taxlight.audit.services import diff, record, snapshot
from taxlight.authz.models import Role, RoleAssignment, Scope
from taxlight.org.models import Officer, Post, Unit, UnitKind

UNIT_FIELDS = ("code", "name", "parent", "kind", "active")
POST_FIELDS = ("code", "name", "name_en", "is_enforcement", "description")
OFFICER_FIELDS = (
    "officer_id",
    "name",
    "unit",
    "post",
    "certified_until",
    "active",
    "user",
    "mobile",
    "id_number",
)
ASSIGNMENT_FIELDS = ("user", "role", "scope", "unit", "valid_from", "valid_until")


def _apply(obj: Any, allowed: tuple[str, ...], changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"cannot change {', '.join(sorted(unknown))} here")
    for name, value in changes.items():
        setattr(obj, name, value)


def _snap(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return snapshot(obj, fields)


# --- units ----------------------------------------------------------------------------------


def check_unit(unit: Unit) -> None:
    """The rules beyond the model's own: one bureau, no unit below its own sub-unit."""
    _check_unit_tree(unit)
    _check_single_bureau(unit)


def _check_unit_tree(unit: Unit) -> None:
    if unit.parent_id is None:
        return
    if unit.pk is not None and unit.parent_id == unit.pk:
        raise ValidationError({"parent": _("A unit cannot be its own parent.")})
    if unit.pk is not None and unit.parent_id in unit.subtree_ids():
        raise ValidationError(
            {"parent": _("A unit cannot be placed below one of its own sub-units.")}
        )


def _check_single_bureau(unit: Unit) -> None:
    if (
        unit.kind == UnitKind.BUREAU
        and Unit.objects.filter(kind=UnitKind.BUREAU).exclude(pk=unit.pk).exists()
    ):
        raise ValidationError({"kind": _("There is already a bureau; there can be only one.")})


@transaction.atomic
def create_unit(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    active: bool = True,
    actor: Any = None,
    reason: str = "",
) -> Unit:
    unit = Unit(
        code=(code or "").strip(),
        name=(name or "").strip(),
        kind=kind,
        parent=parent,
        active=active,
    )
    unit.full_clean()
    _check_single_bureau(unit)
    unit.save()
    record("org.unit.create", obj=unit, actor=actor, reason=reason, after=_snap(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def update_unit(unit: Unit, *, actor: Any = None, reason: str = "", **changes: Any) -> bool:
    """Changes the given fields of ``unit``; True if anything changed."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    before = _snap(unit, UNIT_FIELDS)
    _apply(unit, UNIT_FIELDS, changes)
    old, new = diff(before, _snap(unit, UNIT_FIELDS))
    if not new:
        return False
    unit.full_clean()
    _check_unit_tree(unit)
    _check_single_bureau(unit)
    unit.save()
    record("org.unit.update", obj=unit, actor=actor, reason=reason, before=old, after=new)
    return True


# --- posts ----------------------------------------------------------------------------------


@transaction.atomic
def create_post(
    *,
    code: str,
    name: str,
    name_en: str = "",
    is_enforcement: bool = True,
    description: str = "",
    actor: Any = None,
    reason: str = "",
) -> Post:
    post = Post(
        code=(code or "").strip(),
        name=(name or "").strip(),
        name_en=name_en,
        is_enforcement=is_enforcement,
        description=description,
    )
    post.full_clean()
    post.save()
    record("org.post.create", obj=post, actor=actor, reason=reason, after=_snap(post, POST_FIELDS))
    return post


@transaction.atomic
def update_post(post: Post, *, actor: Any = None, reason: str = "", **changes: Any) -> bool:
    post = Post.objects.select_for_update().get(pk=post.pk)
    before = _snap(post, POST_FIELDS)
    _apply(post, POST_FIELDS, changes)
    old, new = diff(before, _snap(post, POST_FIELDS))
    if not new:
        return False
    post.full_clean()
    post.save()
    record("org.post.update", obj=post, actor=actor, reason=reason, before=old, after=new)
    return True


# --- officers -------------------------------------------------------------------------------


@transaction.atomic
def create_officer(
    *,
    officer_id: str,
    name: str,
    unit: Unit,
    post: Post,
    certified_until: dt.date | None = None,
    active: bool = True,
    user: Any = None,
    mobile: str = "",
    id_number: str = "",
    actor: Any = None,
    reason: str = "",
) -> Officer:
    officer = Officer(
        officer_id=(officer_id or "").strip(),
        name=(name or "").strip(),
        unit=unit,
        post=post,
        certified_until=certified_until,
        active=active,
        user=user,
        mobile=mobile,
        id_number=id_number,
    )
    officer.full_clean()
    officer.save()
    record(
        "org.officer.create",
        obj=officer,
        actor=actor,
        reason=reason,
        after=_snap(officer, OFFICER_FIELDS),
    )
    return officer


@transaction.atomic
def update_officer(
    officer: Officer, *, actor: Any = None, reason: str = "", **changes: Any
) -> bool:
    """Changes the given fields of ``officer`` (unit, post, qualification, active, …);
    True if anything changed."""
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    before = _snap(officer, OFFICER_FIELDS)
    _apply(officer, OFFICER_FIELDS, changes)
    old, new = diff(before, _snap(officer, OFFICER_FIELDS))
    if not new:
        return False
    officer.full_clean()
    officer.save()
    record("org.officer.update", obj=officer, actor=actor, reason=reason, before=old, after=new)
    if officer.user is not None:
        from taxlight.authz import scoping

        scoping.forget(officer.user)
    return True


# --- role assignments -----------------------------------------------------------------------


def check_assignment(ra: RoleAssignment) -> None:
    errors: dict[str, str] = {}
    if ra.role not in Role.values:
        errors["role"] = _("Choose one of the offered roles.")
    if ra.scope not in Scope.values:
        errors["scope"] = _("Choose one of the offered scopes.")
    if getattr(ra.user, "kind", "") != "staff":
        errors["user"] = _("Roles are held by bureau staff accounts only.")
    if ra.valid_until is not None and ra.valid_from and ra.valid_until <= ra.valid_from:
        errors["valid_until"] = _("The end must be after the start.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def assign_role(
    *,
    user: Any,
    role: str,
    scope: str,
    unit: Unit | None = None,
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
    actor: Any = None,
    reason: str = "",
) -> RoleAssignment:
    """Grants ``role`` over ``scope`` (anchored at ``unit``; empty = the officer's own
    department). Granting a role the user held before reactivates that assignment."""
    ra = (
        RoleAssignment.objects.select_for_update()
        .filter(user=user, role=role, scope=scope, unit=unit)
        .first()
    )
    start = valid_from or timezone.now()
    if ra is not None:
        before = _snap(ra, ASSIGNMENT_FIELDS)
        if ra.valid_until is None or ra.valid_until > timezone.now():
            if ra.valid_until == valid_until:
                return ra  # already held as asked: nothing to do
            ra.valid_until = valid_until
        else:
            ra.valid_from, ra.valid_until = start, valid_until
        ra.granted_by = actor if getattr(actor, "is_authenticated", False) else None
        check_assignment(ra)
        ra.save()
        old, new = diff(before, _snap(ra, ASSIGNMENT_FIELDS))
        record("authz.role.assign", obj=ra, actor=actor, reason=reason, before=old, after=new)
    else:
        ra = RoleAssignment(
            user=user,
            role=role,
            scope=scope,
            unit=unit,
            valid_from=start,
            valid_until=valid_until,
            granted_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        check_assignment(ra)
        ra.save()
        record(
            "authz.role.assign",
            obj=ra,
            actor=actor,
            reason=reason,
            after=_snap(ra, ASSIGNMENT_FIELDS),
        )
    from taxlight.authz import scoping

    scoping.forget(user)
    return ra


@transaction.atomic
def revoke_role(assignment: RoleAssignment, *, actor: Any = None, reason: str = "") -> bool:
    """Ends a role assignment now (kept, with its end, for the record); True if it was
    current."""
    ra = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
    now = timezone.now()
    if ra.valid_until is not None and ra.valid_until <= now:
        return False
    before = _snap(ra, ASSIGNMENT_FIELDS)
    ra.valid_until = max(now, ra.valid_from + dt.timedelta(microseconds=1))
    ra.save(update_fields=["valid_until"])
    old, new = diff(before, _snap(ra, ASSIGNMENT_FIELDS))
    record("authz.role.revoke", obj=ra, actor=actor, reason=reason, before=old, after=new)
    from taxlight.authz import scoping

    scoping.forget(ra.user)
    return True
