"""``manage.py workdays check YEAR`` and ``manage.py workdays add DATE N``."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taxlight.workdays import services
from taxlight.workdays.calendar import PACKAGE_YEARS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NEXT = PACKAGE_YEARS.stop


def _run(*args: str) -> str:
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue()


def test_check_lists_holidays_and_make_up_days_of_a_known_year() -> None:
    out = _run("check", "2025")
    assert "2025 is known: chinese_calendar package" in out
    holidays, makeups = out.split("Make-up working days")
    assert "2025-01-28 Tue  春节" in holidays
    assert "2025-10-08 Wed  国庆节" in holidays
    assert "2025-01-26 Sun  春节" in makeups
    assert "2025-02-08 Sat  春节" in makeups
    assert "2025-09-28 Sun  国庆节" in makeups
    assert "2025-10-11 Sat  国庆节" in makeups
    assert "Working days in 2025: 248" in out


def test_check_marks_the_bureaus_overrides() -> None:
    services.set_override(
        actor=UserFactory(), date=dt.date(2025, 3, 8), is_workday=True, name="补班", reason="test"
    )
    out = _run("check", "2025")
    assert "2025-03-08 Sat  补班 (override)" in out


def test_check_fails_for_an_unknown_year_and_shows_what_was_entered() -> None:
    services.set_override(
        actor=UserFactory(),
        date=dt.date(NEXT, 1, 1),
        is_workday=False,
        name="元旦",
        reason="notice",
    )
    out = StringIO()
    with pytest.raises(CommandError, match=f"schedule for {NEXT} is not known"):
        call_command("workdays", "check", str(NEXT), stdout=out)
    assert "1 overrides entered so far" in out.getvalue()
    assert "元旦" in out.getvalue()


def test_add_prints_the_due_date_and_deadline() -> None:
    out = _run("add", "2025-09-26", "4")
    assert "due 2025-10-09 Thu" in out
    assert "2025-10-09T23:59:59.999999+08:00" in out


def test_add_into_an_unknown_year_fails_clearly() -> None:
    with pytest.raises(CommandError, match=f"schedule for {NEXT} is not known"):
        _run("add", f"{NEXT - 1}-12-31", "1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "twenty"], "YEAR must be a year"),
        (["check", "12"], "between 1949 and 2200"),
        (["add", "2025-02-30", "3"], "DATE must be a date"),
        (["add", "26/09/2025", "3"], "DATE must be a date"),
        (["add", "2025-09-26", "three"], "N must be a whole number"),
        (["add", "2025-09-26", "0"], "between 1 and 3650"),
        (["add", "2025-09-26"], "required"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_gets_a_clear_error(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        _run(*args)
