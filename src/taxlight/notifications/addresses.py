"""Addresses: mainland mobile numbers (validated with ``phonenumbers``) and e-mail addresses
(Django's validator), normalised for storage and masked for display."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from taxlight.core.masking import mask_mobile
from taxlight.notifications.kinds import Channel

_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def normalise_mobile(value: str) -> str | None:
    """A mainland mobile number as its 11 national digits, or None if it is not one.

    Accepts ``13812345678``, ``138 1234 5678``, ``+86 138-1234-5678``, ``008613812345678``."""
    raw = (value or "").strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _MOBILE_TYPES:
        return None
    national = str(number.national_number)
    return national if len(national) == 11 and national.startswith("1") else None


def normalise_email(value: str) -> str | None:
    address = (value or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        return None
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalise(channel: str, value: str) -> str | None:
    if channel == Channel.SMS:
        return normalise_mobile(value)
    if channel == Channel.EMAIL:
        return normalise_email(value)
    return value


def e164(mobile: str) -> str:
    return f"+86{mobile}"


def mask_email(value: str) -> str:
    """``zhang.san@example.com`` -> ``z***@example.com``."""
    local, sep, domain = (value or "").partition("@")
    if not sep:
        return "*" * len(local)
    return f"{local[:1]}***@{domain}"


def mask_address(channel: str, value: str) -> str:
    if not value:
        return ""
    if channel == Channel.SMS:
        return mask_mobile(value)
    if channel == Channel.EMAIL:
        return mask_email(value)
    return value


def channel_of_address(value: str) -> Channel:
    """The channel an address belongs to (e-mail addresses have an @)."""
    return Channel.EMAIL if "@" in (value or "") else Channel.SMS
