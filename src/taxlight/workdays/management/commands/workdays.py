"""``manage.py workdays check YEAR`` and ``manage.py workdays add DATE N``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxlight.workdays.calendar import PACKAGE_YEARS, UnknownHolidayYear, WorkCalendar
from taxlight.workdays.selectors import get_calendar
from taxlight.workdays.services import MAX_YEAR, MIN_YEAR

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _year(value: str) -> int:
    try:
        year = int(value)
    except ValueError:
        raise CommandError(f"YEAR must be a year such as 2026, not {value!r}") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise CommandError(f"YEAR must be between {MIN_YEAR} and {MAX_YEAR}, not {year}")
    return year


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"DATE must be a date as YYYY-MM-DD, not {value!r}") from None


def _count(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise CommandError(f"N must be a whole number of working days, not {value!r}") from None
    if not 1 <= n <= 3650:
        raise CommandError(f"N must be between 1 and 3650 working days, not {n}")
    return n


def _day(d: dt.date) -> str:
    return f"{d.isoformat()} {WEEKDAYS[d.weekday()]}"


class Command(BaseCommand):
    help = (
        "The working-day calendar: `check YEAR` says whether the year's holidays are known "
        "and lists them; `add DATE N` prints the due date of N working days after DATE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{check,add}")
        check = sub.add_parser(
            "check", help="is YEAR known? list its holidays and make-up working days"
        )
        check.add_argument("year", metavar="YEAR")
        add = sub.add_parser("add", help="the due date of N working days after DATE")
        add.add_argument("date", metavar="DATE", help="the triggering event's date, YYYY-MM-DD")
        add.add_argument("n", metavar="N", help="number of working days")

    def handle(self, *args: Any, **options: Any) -> None:
        calendar = get_calendar()
        if options["action"] == "check":
            self.check_year(calendar, _year(options["year"]))
        else:
            self.add(calendar, _date(options["date"]), _count(options["n"]))

    def check_year(self, calendar: WorkCalendar, year: int) -> None:
        source = calendar.year_source(year)
        if source is None:
            entered = sorted(d for d in calendar.overrides if d.year == year)
            if entered:
                self.stdout.write(f"{len(entered)} overrides entered so far for {year}:")
                for d in entered:
                    is_workday, name = calendar.overrides[d]
                    kind = "make-up working day" if is_workday else "rest day"
                    self.stdout.write(f"  {_day(d)}  {kind:<20} {name}")
            raise CommandError(str(UnknownHolidayYear(year, PACKAGE_YEARS)))
        if source == "package":
            self.stdout.write(
                self.style.SUCCESS(
                    f"{year} is known: chinese_calendar package (covers {PACKAGE_YEARS.start}–"
                    f"{PACKAGE_YEARS.stop - 1}), with the bureau's overrides on top."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{year} is known: declared complete by the bureau (overrides table)."
                )
            )
        days = calendar.special_days(year)
        holidays = [d for d in days if not d.is_workday]
        makeups = [d for d in days if d.is_workday and d.is_weekend]
        self.stdout.write(f"Holidays (rest days) — {len(holidays)}:")
        for info in holidays:
            marker = " (override)" if info.source == "override" else ""
            self.stdout.write(f"  {_day(info.date)}  {info.name or ''}{marker}")
        self.stdout.write(f"Make-up working days (调休) — {len(makeups)}:")
        for info in makeups:
            marker = " (override)" if info.source == "override" else ""
            self.stdout.write(f"  {_day(info.date)}  {info.name or ''}{marker}")
        # (a, b] counts only the days of ``year``: the previous year need not be known.
        total = calendar.working_days_between(dt.date(year - 1, 12, 31), dt.date(year, 12, 31))
        self.stdout.write(f"Working days in {year}: {total}")

    def add(self, calendar: WorkCalendar, start: dt.date, n: int) -> None:
        try:
            due = calendar.add_working_days(start, n)
        except UnknownHolidayYear as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{n} working days after {_day(start)}: due {_day(due)} "
            f"(by {calendar.deadline(start, n).isoformat()})"
        )
