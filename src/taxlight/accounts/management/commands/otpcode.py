"""Prints the current TOTP code of a user's authenticator: for the demo and local
development only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from taxlight.accounts.management.commands._common import get_user


def current_code(device: TOTPDevice) -> str:
    code = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
    )
    return str(code).zfill(device.digits)


class Command(BaseCommand):
    help = (
        "Print the current TOTP code of a user's authenticator. Demo only: refused unless "
        "DEBUG is on or the system runs in embedded mode."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.EMBEDDED_JOBS):
            raise CommandError(
                "Refused: otpcode prints a second factor and works only for the demo (DEBUG "
                "on, or embedded mode without REDIS_URL). In production, staff read codes "
                "from their own authenticator app."
            )
        user = get_user(options["username"])
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if device is None:
            raise CommandError(
                f"{user.username!r} has no confirmed authenticator: sign in once with the "
                "password to set one up."
            )
        self.stdout.write(current_code(device))
