"""Enforces that every view declares its access, and sets the acting context's user, role
and post once authentication has run."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import ResolverMatch, reverse

from taxlight.authz.access import Access, NotSignedIn, SecondFactorRequired, access_of, check
from taxlight.core import context

log = logging.getLogger("taxlight.authz")

ADMIN_ACCESS = Access("permission", "system.admin")


def declared_access(match: ResolverMatch) -> Access | None:
    """What a resolved URL declares. Django's admin is covered by one rule (system
    administrators with a verified second factor); API operations declare their own and are
    checked by the API layer (see taxlight.api)."""
    if "admin" in match.namespaces:
        return ADMIN_ACCESS
    return access_of(match.func)


def is_api(match: ResolverMatch) -> bool:
    return bool(match.namespaces) and match.namespaces[0].startswith("api")


class AuthorizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from taxlight.authz.scoping import roles

            officer = (
                getattr(user, "officer", None) if getattr(user, "kind", "") == "staff" else None
            )
            context.update(
                user=user,
                role=",".join(sorted(roles(user))),
                post=officer.post.code if officer is not None else "",
            )
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or is_api(match):
            return None
        access = declared_access(match)
        if access is None:
            log.error("view %s declares no access; refused", match.view_name)
            raise PermissionDenied("This page declares no access rule.")
        if "admin" in match.namespaces and match.url_name in {"login", "logout"}:
            return None  # the admin's own login page redirects to ours
        try:
            check(request, access)
        except NotSignedIn:
            return _to_login(request)
        except SecondFactorRequired:
            return _to_login(request, step="otp")
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotSignedIn):
            return _to_login(request)
        if isinstance(exception, SecondFactorRequired):
            return _to_login(request, step="otp")
        return None


def _to_login(request: HttpRequest, step: str = "") -> HttpResponse:
    url = reverse(settings.LOGIN_URL if step != "otp" else "accounts:otp")
    return HttpResponseRedirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
