"""Creates the sign-in account of an existing officer."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxlight.accounts import services
from taxlight.core.context import acting
from taxlight.org.models import Officer


def generate_password() -> str:
    return secrets.token_urlsafe(12)


class Command(BaseCommand):
    help = (
        "Create the sign-in account of an officer (by officer id). Without --password a "
        "random password is generated and printed once. The officer sets up an "
        "authenticator at the first sign-in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("officer_id", help="the officer's id (org.Officer.officer_id)")
        parser.add_argument("username", help="the user name to sign in with")
        parser.add_argument("--password", help="initial password (default: generated)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            officer = Officer.objects.get(officer_id=options["officer_id"])
        except Officer.DoesNotExist:
            raise CommandError(f"No officer with the id {options['officer_id']!r}.") from None
        password = options["password"] or generate_password()
        with acting(channel="command"):
            try:
                user = services.create_staff_user(
                    actor=None,
                    officer=officer,
                    username=options["username"],
                    password=password,
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Created staff account {user.username!r} for {officer.name} "
                f"({officer.officer_id})."
            )
        )
        if not options["password"]:
            self.stdout.write(f"Initial password (shown once): {password}")
        self.stdout.write("The officer sets up an authenticator app at the first sign-in.")
