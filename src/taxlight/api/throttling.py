"""Rate limits for operations (``@router.get(..., throttle=...)``).

taxlight's authentication chain always sets ``request.auth`` (for public operations to the
anonymous user), so ninja's ``AnonRateThrottle``, which skips any request with ``auth``, would
never limit anyone. Use these instead; ninja's ``UserRateThrottle`` (by user, or by address
when anonymous) works as is. Too many requests get a 429 ``rate_limited`` error with a
``Retry-After`` header.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle as NinjaAnonRateThrottle
from ninja.throttling import UserRateThrottle

__all__ = ["AnonRateThrottle", "UserRateThrottle"]


class AnonRateThrottle(NinjaAnonRateThrottle):
    """Limits anonymous callers, by address."""

    def get_cache_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
