"""Removes a user's second-factor devices (lost phone): a new authenticator is set up at the
next sign-in."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxlight.accounts import services
from taxlight.accounts.management.commands._common import get_user
from taxlight.core.context import acting


class Command(BaseCommand):
    help = "Reset a user's second factor (authenticator and backup codes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--reason",
            required=True,
            help="why (recorded in the audit ledger), e.g. 'phone lost, ticket 1234'",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user(options["username"])
        with acting(channel="command"):
            try:
                removed = services.reset_second_factor(
                    actor=None, user=user, reason=options["reason"]
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed {removed} second-factor device(s) of {user.username!r}; a new "
                "authenticator is set up at the next sign-in."
            )
        )
