"""Helpers to build accounts for the accounts tests."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from taxlight.accounts.models import User
from tests.factories import OfficerFactory

PASSWORD = "correct-horse-battery-9"


def staff_user(*, with_device: bool = True, **kwargs: object) -> User:
    """A staff user (linked to an officer) with password PASSWORD and, by default, a
    confirmed TOTP device."""
    officer = OfficerFactory(**kwargs)
    user = officer.user
    assert user is not None
    if with_device:
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return user


def device_of(user: User) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The TOTP code the user's phone shows now (or ``offset_steps`` steps away)."""
    device.refresh_from_db()
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + offset_steps,
    )
    return str(value).zfill(device.digits)


def backup_codes(user: User, codes: tuple[str, ...] = ("abcd2345", "efgh6723")) -> list[str]:
    static = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    for code in codes:
        StaticToken.objects.create(device=static, token=code)
    return list(codes)
