"""Masking of personal data (ID numbers, mobile numbers) for lists and logs.

Full values are shown only to roles that hold the ``pii.view`` permission; everything else
goes through :func:`mask_id_number` / :func:`mask_mobile`, and the log filter masks whatever
looks like one in every log line.
"""

from __future__ import annotations

import logging
import re

# 18-digit resident ID (last may be X) and mainland mobile numbers (1[3-9]x, 11 digits).
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_id_number(value: str | None) -> str:
    """``110101199003071234`` -> ``110101********1234``."""
    if not value:
        return ""
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_mobile(value: str | None) -> str:
    """``13812345678`` -> ``138****5678``; other numbers keep only their last four digits."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) == 11 and re.match(r"^1[3-9]", digits):
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def mask_text(text: str) -> str:
    """Masks every ID number and mobile number found in free text."""
    text = _ID_RE.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    return _MOBILE_RE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


class MaskPIIFilter(logging.Filter):
    """Masks ID and mobile numbers in every log record, arguments included."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
