"""Template tags and filters shared by every space: ``{% load taxlight %}``.

* ``{{ amount|yuan }}``: ``¥1,234.50`` — two decimals, rounded half up, grouped and
  punctuated by the active language's formats; Decimal-safe (floats go through ``str``).
* ``{{ mobile|masked_mobile }}`` / ``{{ id_number|masked_id }}``: personal data for lists.
* ``{{ user|can:"org.view" }}``: does the user hold the permission (any scope)?
* ``{{ user|display_name }}``: an officer's name, else the account's full name or user name.
* ``{% current_space as space %}``: ``portal``, ``my`` or ``staff`` for the current request.
* ``{% bureau_name %}``: the bureau's name, also where no context processor ran.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.utils import formats

from taxlight.core.masking import mask_id_number, mask_mobile

register = template.Library()

_CENT = Decimal("0.01")
SPACES = ("portal", "my", "staff")
_SPACE_OF_NAMESPACE = {"workbench": "staff", "mytax": "my", "portal": "portal"}


def to_decimal(value: Any) -> Decimal | None:
    """``value`` as a Decimal, or None when it is empty or not a number."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


@register.filter(is_safe=False)
def yuan(value: Any) -> str:
    """``Decimal("1234.5")`` -> ``¥1,234.50``; negatives -> ``-¥1,234.50``; empty -> ``""``."""
    number = to_decimal(value)
    if number is None:
        return ""
    number = number.quantize(_CENT, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    text = formats.number_format(abs(number), decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{sign}¥{text}"


@register.filter
def masked_mobile(value: Any) -> str:
    return mask_mobile(str(value)) if value else ""


@register.filter
def masked_id(value: Any) -> str:
    return mask_id_number(str(value)) if value else ""


@register.filter
def can(user: Any, code: str) -> bool:
    from taxlight.authz.scoping import has_perm

    return bool(getattr(user, "is_authenticated", False)) and has_perm(user, code)


@register.filter
def display_name(user: Any) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    if getattr(user, "kind", "") == "staff":
        officer = getattr(user, "officer", None)  # the reverse one-to-one may be missing
        if officer is not None and officer.name:
            return str(officer.name)
    name = getattr(user, "display_name", None)
    return str(name()) if callable(name) else str(user.get_username())


def space_of(request: HttpRequest | None) -> str:
    """Which of the three spaces a request is in: by its URL namespace, else by its path."""
    if request is None:
        return "portal"
    match = getattr(request, "resolver_match", None)
    if match is not None and match.namespaces:
        found = _SPACE_OF_NAMESPACE.get(match.namespaces[0])
        if found:
            return found
    path = getattr(request, "path", "") or ""
    if path.startswith("/staff/"):
        return "staff"
    if path.startswith("/my/"):
        return "my"
    return "portal"


@register.simple_tag(takes_context=True)
def current_space(context: template.Context) -> str:
    """The space a view named in its context (``space``), else the one its URL is in."""
    named = context.get("space")
    return named if named in SPACES else space_of(context.get("request"))


@register.simple_tag
def bureau_name() -> str:
    """The bureau's name without a request (the 500 page renders without context)."""
    return str(settings.TAXLIGHT_BUREAU_NAME)
