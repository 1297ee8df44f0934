"""Tokens and people for the API tests, made through the accounts services (the real write
path)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from taxlight.accounts.models import ApiToken, User, UserKind
from taxlight.accounts.services import issue_api_token, revoke_api_token
from taxlight.authz.models import Role, Scope
from taxlight.org.models import Officer
from tests.factories import UserFactory, officer_with_role


def token_for(
    user: User, *, name: str = "integration", expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    return issue_api_token(actor=None, user=user, name=name, expires_at=expires_at)


def revoked_token(user: User) -> tuple[ApiToken, str]:
    token, secret = token_for(user)
    revoke_api_token(actor=None, token=token, reason="test")
    return token, secret


def expired_token(user: User) -> tuple[ApiToken, str]:
    """Issued with a future expiry, then the clock 'passes' it."""
    token, secret = token_for(user, expires_at=timezone.now() + dt.timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    return token, secret


def bearer(secret: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def staff(role: Role | str, scope: Scope | str = Scope.BUREAU, **kwargs: Any) -> Officer:
    return officer_with_role(role, scope, **kwargs)


def system_user(**kwargs: Any) -> User:
    return UserFactory(kind=UserKind.SYSTEM, **kwargs)
