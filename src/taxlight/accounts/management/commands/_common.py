"""Shared bits of the operator commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from taxlight.accounts.models import User


def get_user(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"No account with the user name {username!r}.") from None
