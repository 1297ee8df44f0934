"""Addresses and the pure sending rules: quiet hours and back-off."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ImproperlyConfigured

from taxlight.notifications.addresses import (
    mask_address,
    normalise_email,
    normalise_mobile,
)
from taxlight.notifications.policy import (
    BUREAU_TZ,
    backoff_delay,
    parse_quiet_hours,
    quiet_hours_end,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("19912345678", "19912345678"),
    ],
)
def test_mainland_mobile_numbers_are_normalised(raw: str, expected: str) -> None:
    assert normalise_mobile(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1381234567",  # ten digits
        "138123456789",  # twelve digits
        "12812345678",  # no such mobile prefix
        "02012345678",  # Guangzhou landline
        "+85291234567",  # Hong Kong mobile
        "+14155550123",  # not China
        "abc",
    ],
)
def test_anything_else_is_not_a_mobile_number(raw: str) -> None:
    assert normalise_mobile(raw) is None


def test_emails_are_validated_and_their_domain_lowercased() -> None:
    assert normalise_email(" Zhang.San@Example.COM ") == "Zhang.San@example.com"
    assert normalise_email("not-an-email") is None
    assert normalise_email("a@b") is None


def test_addresses_are_masked_for_display() -> None:
    assert mask_address("sms", "13812345678") == "138****5678"
    assert mask_address("email", "zhang.san@example.com") == "z***@example.com"
    assert mask_address("site", "") == ""


def at(hour: int, minute: int = 0, day: int = 12) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=BUREAU_TZ)


@pytest.mark.parametrize(
    ("now", "held_until"),
    [
        (at(20, 59), None),
        (at(21, 0), at(8, 0, day=13)),
        (at(23, 30), at(8, 0, day=13)),
        (at(0, 15), at(8, 0)),
        (at(7, 59), at(8, 0)),
        (at(8, 0), None),
        (at(12, 0), None),
    ],
)
def test_quiet_hours_crossing_midnight(now: dt.datetime, held_until: dt.datetime | None) -> None:
    assert quiet_hours_end(now, "21:00-08:00") == held_until


def test_quiet_hours_are_read_on_the_bureaus_clock() -> None:
    # 14:30 UTC is 22:30 in Shanghai
    now = dt.datetime(2025, 3, 12, 14, 30, tzinfo=dt.UTC)
    assert quiet_hours_end(now, "21:00-08:00") == at(8, 0, day=13)


def test_a_window_within_one_day_and_no_window() -> None:
    assert quiet_hours_end(at(12, 30), "12:00-13:30") == at(13, 30)
    assert quiet_hours_end(at(14, 0), "12:00-13:30") is None
    assert quiet_hours_end(at(23, 0), "off") is None
    assert quiet_hours_end(at(23, 0), "") is None


@pytest.mark.parametrize("spec", ["9pm-8am", "25:00-08:00", "21:00", "21:00-08:61"])
def test_a_malformed_window_is_a_configuration_error(spec: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="SMS_QUIET_HOURS"):
        parse_quiet_hours(spec)


def test_back_off_doubles_from_thirty_seconds_up_to_an_hour_with_bounded_jitter() -> None:
    rng = random.Random(42)
    expected_base = [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    for attempt, base in enumerate(expected_base, start=1):
        for _ in range(20):
            delay = backoff_delay(attempt, rng=rng).total_seconds()
            assert base <= delay <= base * 1.25, (attempt, delay)


def test_jitter_spreads_retries_apart() -> None:
    rng = random.Random(1)
    delays = {backoff_delay(3, rng=rng) for _ in range(10)}
    assert len(delays) > 1
