"""Who is calling, and may they: the API's two authentications and its access check.

Every operation runs the same chain (ninja's ``auth`` callbacks, in order):

1. :class:`BearerToken` — ``Authorization: Bearer tl_<prefix>_<secret>``. A present but bad
   header is refused (401), never silently ignored. A good token makes its user the request's
   user and sets ``request.taxlight_token``, which exempts integrations from the second
   factor (they have no one to type a code).
2. :class:`SessionCookie` — the browser's Django session, when no token was sent. Unsafe
   methods (POST, PUT, PATCH, DELETE) of a signed-in session must pass Django's CSRF check.
3. :class:`Authorize` — the operation's access declaration (``@public``, ``@signed_in``,
   ``@taxpayer_required``, ``@requires(...)``), checked with
   :func:`taxlight.authz.access.check` *before* the request's parameters and body are read.

The first two only identify (they return None so the chain goes on); the third decides.
The declaration's own wrapper checks once more when the function runs, so an operation is
guarded even if it is mounted some other way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security.apikey import APIKeyCookie
from ninja.security.http import HttpBearer
from ninja.utils import check_csrf

from taxlight.accounts import services as accounts_services
from taxlight.accounts.models import ApiToken
from taxlight.api.errors import CsrfFailed, InvalidToken
from taxlight.authz.access import Access, check
from taxlight.core import context

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def find_token(secret: str) -> ApiToken:
    """The usable token for ``secret`` (see accounts.services.find_token), as an API error."""
    try:
        return accounts_services.find_token(secret)
    except accounts_services.TokenRefused as exc:
        raise InvalidToken(exc.message, code=exc.code) from exc


class BearerToken(HttpBearer):
    """API tokens for integrations: ``Authorization: Bearer tl_<prefix>_<secret>``."""

    openapi_bearerFormat = "tl_<prefix>_<secret>"

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header)
        if header is None:
            return None
        scheme, _sep, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise InvalidToken(_("Send the token as “Authorization: Bearer <token>”."))
        return self.authenticate(request, value.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = find_token(token)
        accounts_services.touch_token(found)
        user = found.user
        request.user = user
        request.taxlight_token = found  # type: ignore[attr-defined]
        _act_as(user)
        return None  # identified; Authorize decides


def _act_as(user: Any) -> None:
    """The audit ledger's acting context: the token's user (the middleware only saw the
    session, which a token request does not have)."""
    from taxlight.authz.scoping import roles

    officer = getattr(user, "officer", None) if getattr(user, "kind", "") == "staff" else None
    context.update(
        user=user,
        role=",".join(sorted(roles(user))),
        post=officer.post.code if officer is not None else "",
        channel="api",
    )


class SessionCookie(APIKeyCookie):
    """The browser's session (signed in at /accounts/login/); CSRF-checked for unsafe
    methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        if getattr(request, "taxlight_token", None) is not None:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # anonymous: nothing to forge, Authorize decides
        if (
            request.method not in SAFE_METHODS
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise CsrfFailed(
                _(
                    "The CSRF check failed: send the “X-CSRFToken” header with "
                    "the value of the “csrftoken” cookie."
                )
            )
        return None

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        return None  # unused: __call__ does the work


class Authorize:
    """The last step: the operation's access declaration. Returns what ``request.auth``
    becomes (the token, the user, or — for public operations — the anonymous user)."""

    def __init__(self, access: Access) -> None:
        self.access = access

    def __call__(self, request: HttpRequest) -> Any:
        check(request, self.access)
        return getattr(request, "taxlight_token", None) or request.user or True

    def __repr__(self) -> str:
        return f"Authorize({self.access})"


def chain(access: Access) -> list[Any]:
    return [BearerToken(), SessionCookie(), Authorize(access)]
