import logging

import pytest

from taxlight.core.masking import MaskPIIFilter, mask_id_number, mask_mobile, mask_text


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("110101199003071234", "110101********1234"),
        ("11010119900307123X", "110101********123X"),
        ("", ""),
        (None, ""),
        ("1234", "****"),
    ],
)
def test_mask_id_number(raw: str | None, masked: str) -> None:
    assert mask_id_number(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("8613812345678", "138****5678"),
        ("", ""),
        ("010-12345678", "*******5678"),
    ],
)
def test_mask_mobile(raw: str, masked: str) -> None:
    assert mask_mobile(raw) == masked


def test_mask_text_finds_numbers_in_free_text_but_not_inside_codes() -> None:
    text = "call 13812345678 about 110101199003071234; order 913101150000000001X stays"
    assert mask_text(text) == (
        "call 138****5678 about 110101********1234; order 913101150000000001X stays"
    )


def test_log_filter_masks_arguments() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "sms to %s", ("13912345678",), None)
    assert MaskPIIFilter().filter(record)
    assert record.getMessage() == "sms to 139****5678"
