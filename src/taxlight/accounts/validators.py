"""Validation of personal contact data for accounts."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def normalise_mainland_mobile(value: str) -> str:
    """Returns the 11-digit mainland mobile number in ``value`` or raises a ValidationError.

    Accepts the usual ways of writing one (``138 1234 5678``, ``+86-13812345678``); refuses
    landlines, numbers outside mainland China and numbers of the wrong length.
    """
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Enter a mobile number."), code="mobile_required")
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("This is not a phone number: enter 11 digits, e.g. 13812345678."),
            code="mobile_format",
        ) from exc
    if number.country_code != 86:
        raise ValidationError(
            _("Only mainland China mobile numbers (+86) are accepted."), code="mobile_country"
        )
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _(
                "This is not a valid mainland mobile number: it has 11 digits and starts "
                "with 13–19."
            ),
            code="mobile_invalid",
        )
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(
            _("This is a landline number: enter a mobile number."), code="mobile_landline"
        )
    return str(number.national_number)


def validate_mainland_mobile(value: str) -> None:
    normalise_mainland_mobile(value)
