"""Access declarations for views and API operations: authorisation in one place.

Every view and every API operation declares who may reach it, with one of::

    @public                      anyone, signed in or not
    @signed_in                   any signed-in user (staff: second factor verified)
    @taxpayer_required           a taxpayer user bound to at least one enterprise
    @requires("audit.view_ledger")   staff holding a role that grants the permission

The decorator records the declaration on the function (``taxlight_access``) and enforces it
on every call. The middleware refuses any view that declares nothing, and a test walks every
URL pattern and API operation to fail on an undeclared one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from taxlight.authz import permissions

F = TypeVar("F", bound=Callable[..., Any])
Kind = Literal["public", "signed_in", "taxpayer", "permission"]
ATTRIBUTE = "taxlight_access"


class NotSignedIn(Exception):
    """The request needs a signed-in user (web: redirect to sign-in; API: 401)."""


class SecondFactorRequired(Exception):
    """Staff signed in with a password only (web: redirect to the code step; API: 401)."""


@dataclass(frozen=True)
class Access:
    kind: Kind
    permission: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.permission}" if self.permission else self.kind


def check(request: HttpRequest, access: Access) -> None:
    """Raises NotSignedIn, SecondFactorRequired or PermissionDenied; returns if allowed."""
    from taxlight.authz import scoping

    if access.kind == "public":
        return
    user = request.user
    if not user.is_authenticated:
        raise NotSignedIn
    via_token = getattr(request, "taxlight_token", None) is not None
    is_staff_user = getattr(user, "kind", "") == "staff"
    if is_staff_user and not via_token and not _is_verified(request):
        raise SecondFactorRequired
    if access.kind == "signed_in":
        return
    if access.kind == "taxpayer":
        if not scoping.taxpayer_ids(user):
            raise PermissionDenied(_("This page is for users bound to an enterprise."))
        return
    if not scoping.has_perm(user, access.permission):
        perm = permissions.get(access.permission)
        raise PermissionDenied(
            _("You do not have the permission “%(perm)s”.") % {"perm": perm.description}
        )


def _is_verified(request: HttpRequest) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified()) if callable(verified) else False


def declare(access: Access) -> Callable[[F], F]:
    if access.kind == "permission":
        permissions.get(access.permission)  # unknown codes fail at import time

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            check(request, access)
            return view(request, *args, **kwargs)

        setattr(wrapper, ATTRIBUTE, access)
        return wrapper  # type: ignore[return-value]

    return decorator


def public[F: Callable[..., Any]](view: F) -> F:
    return declare(Access("public"))(view)


def signed_in[F: Callable[..., Any]](view: F) -> F:
    return declare(Access("signed_in"))(view)


def taxpayer_required[F: Callable[..., Any]](view: F) -> F:
    return declare(Access("taxpayer"))(view)


def requires(code: str) -> Callable[[F], F]:
    return declare(Access("permission", code))


def access_of(view: Any) -> Access | None:
    """The declaration of a view callable (function, as_view() result or wrapper)."""
    found = getattr(view, ATTRIBUTE, None)
    if found is None and hasattr(view, "view_class"):
        found = getattr(view.view_class, ATTRIBUTE, None)
    return found if isinstance(found, Access) else None
