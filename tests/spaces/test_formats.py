"""Localised display: amounts in yuan, masked personal data, dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from taxlight.core.templatetags.taxlight import masked_id, masked_mobile, space_of, yuan


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1234.5"), "¥1,234.50"),
        (Decimal("0"), "¥0.00"),
        (0, "¥0.00"),
        (1000000, "¥1,000,000.00"),
        (Decimal("-1234.567"), "-¥1,234.57"),
        (Decimal("0.005"), "¥0.01"),  # half up, not banker's rounding
        (Decimal("2.675"), "¥2.68"),
        (2.675, "¥2.68"),  # floats go through str(), so 2.675 is not 2.67499999…
        (0.1 + 0.2, "¥0.30"),
        ("88.8", "¥88.80"),
        (" 12 ", "¥12.00"),
        (Decimal("12345678901234.995"), "¥12,345,678,901,235.00"),
        (Decimal("-0.001"), "¥0.00"),  # rounds to zero: no negative zero
    ],
)
def test_yuan_shows_two_decimals_grouped(value: Any, shown: str) -> None:
    assert yuan(value) == shown


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "abc",
        "1,234",
        True,
        Decimal("NaN"),
        Decimal("Infinity"),
        float("inf"),
        [],
        object(),
    ],
)
def test_yuan_shows_nothing_for_what_is_not_an_amount(value: Any) -> None:
    assert yuan(value) == ""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_yuan_in_a_template_in_both_languages(language: str) -> None:
    template = Template("{% load taxlight %}{{ amount|yuan }}")
    with translation.override(language):
        assert template.render(Context({"amount": Decimal("98765.4")})) == "¥98,765.40"


def test_masking_filters() -> None:
    assert masked_mobile("13812345678") == "138****5678"
    assert masked_mobile("+86 138 1234 5678") == "138****5678"
    assert masked_mobile(None) == ""
    assert masked_id("110101199003071234") == "110101********1234"
    assert masked_id("") == ""
    rendered = Template("{% load taxlight %}{{ m|masked_mobile }} {{ i|masked_id }}").render(
        Context({"m": "13987654321", "i": "11010119900307123X"})
    )
    assert rendered == "139****4321 110101********123X"


@pytest.mark.parametrize(("language", "shown"), [("zh-hans", "2025年1月5日"), ("en", "5 Jan 2025")])
def test_dates_follow_the_language(language: str, shown: str) -> None:
    with translation.override(language):
        assert Template("{{ d }}").render(Context({"d": dt.date(2025, 1, 5)})) == shown


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_counts_are_grouped_and_ids_are_not(language: str) -> None:
    with translation.override(language):
        grouped = Template("{% load humanize %}{{ n|intcomma }}")
        assert grouped.render(Context({"n": 1234567})) == "1,234,567"
        # A bare integer (an id in a link, say) is never grouped.
        assert Template("{{ n }}").render(Context({"n": 1234567})) == "1234567"


@pytest.mark.parametrize(
    ("path", "space"),
    [
        ("/", "portal"),
        ("/my/", "my"),
        ("/staff/", "staff"),
        ("/staff/org/", "staff"),
        ("/staff/nowhere/", "staff"),
        ("/accounts/login/", "portal"),
    ],
)
def test_the_space_of_a_request(path: str, space: str) -> None:
    assert space_of(RequestFactory().get(path)) == space
