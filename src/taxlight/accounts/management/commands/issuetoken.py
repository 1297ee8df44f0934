"""Issues an API token and prints its secret once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from taxlight.accounts import services
from taxlight.accounts.management.commands._common import get_user
from taxlight.core.context import acting


class Command(BaseCommand):
    help = "Issue an API token for a user; the secret is printed once and not stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what uses the token")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="valid for this many days (default: until revoked)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user(options["username"])
        days = options["days"]
        if days is not None and days <= 0:
            raise CommandError("--days must be a positive number of days.")
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        with acting(channel="command"):
            try:
                token, secret = services.issue_api_token(
                    actor=None, user=user, name=options["name"], expires_at=expires_at
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(
            f"Issued token {token.name!r} ({token.prefix}…) for {user.username!r}"
            + (f", valid until {expires_at:%Y-%m-%d %H:%M}" if expires_at else "")
            + ". The secret below is shown once:"
        )
        self.stdout.write(secret)
