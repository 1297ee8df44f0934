"""Validation of the Unified Social Credit Code (统一社会信用代码, GB 32100-2015)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength


def normalise_uscc(value: str) -> str:
    return uscc.compact(value or "")


def validate_uscc(value: str) -> None:
    """Raises a ValidationError in the user's language naming what is wrong."""
    try:
        uscc.validate(value or "")
    except InvalidLength as exc:
        raise ValidationError(
            _("A Unified Social Credit Code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(uscc.compact(value or ""))},
        ) from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            _(
                "The check character of this Unified Social Credit Code is wrong: "
                "please check the code for a typing error."
            ),
            code="uscc_checksum",
        ) from exc
    except (InvalidFormat, InvalidComponent) as exc:
        raise ValidationError(
            _(
                "This is not a valid Unified Social Credit Code (only digits and capital "
                "letters except I, O, S, V and Z are allowed)."
            ),
            code="uscc_format",
        ) from exc
