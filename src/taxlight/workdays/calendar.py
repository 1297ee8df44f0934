"""The working-day calendar: pure functions, no database.

Statutory time limits ("within N working days", 工作日) are counted under China's official
holiday schedule, make-up working days (调休) included. The schedule comes from two sources:

* the maintained package ``chinese_calendar`` (PyPI ``chinesecalendar``), which ships the State
  Council's schedule for a range of years (2004 up to the year it was last released for);
* the bureau's override table: ``{date: (is_workday, name)}`` for single days, plus the set of
  years the bureau has declared complete (every holiday and make-up day of the year entered).

A date's status is decided in this order:

1. an override for the date wins (over the package, too);
2. a year the package knows: the package's schedule;
3. a year declared complete by the bureau: Monday–Friday are working days, Saturday and Sunday
   rest days, except the overrides;
4. any other year raises :class:`UnknownHolidayYear`. The calendar never guesses a
   weekend-only schedule for a year whose holidays nobody has entered.

Counting convention (Chinese practice: 期间开始的当日不计算在期间内): a period triggered on day
``D`` starts on the day after ``D``. "Within N working days" of ``D`` is due at the end of the
N-th working day after ``D``; :meth:`WorkCalendar.add_working_days` returns that day. Because
only working days are counted, the due day is always a working day: a period never ends on a
rest day, so no separate "roll to the next working day" step is needed.

The clock can be paused (e.g. while waiting for a taxpayer to supply documents). A pause
``(p_from, p_to)`` stops the clock at the end of ``p_from`` and restarts it at the end of
``p_to``: the working days after ``p_from`` up to and including ``p_to`` are not counted; the
count resumes on the day after ``p_to``, just as it starts on the day after the triggering
event. ``p_to=None`` is a pause still running. Overlapping pauses count once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

TZ = ZoneInfo("Asia/Shanghai")
ONE_DAY = dt.timedelta(days=1)

# The package's schedule: rest days on weekdays and make-up working days on weekends (both
# also list the holiday's weekend days and names), for the years in PACKAGE_YEARS.
_PACKAGE_HOLIDAYS: dict[dt.date, str] = chinese_calendar.holidays
_PACKAGE_WORKDAYS: dict[dt.date, str] = chinese_calendar.workdays
# The package names holidays in English; the official Chinese names are shown.
_CHINESE_NAMES: dict[str, str] = {h.value: h.chinese for h in chinese_calendar.Holiday}


def _chinese(english: str) -> str:
    return _CHINESE_NAMES.get(english, english)


Source = Literal["override", "package", "declared"]
DateLike = dt.date | dt.datetime
Pause = tuple[DateLike, DateLike | None]


class UnknownHolidayYear(LookupError):
    """Neither the package nor the bureau's override table knows the year's holidays."""

    def __init__(self, year: int, package_years: range) -> None:
        self.year = year
        self.package_years = package_years
        super().__init__(
            f"The official holiday schedule for {year} is not known: the chinese_calendar "
            f"package {chinese_calendar.__version__} covers {package_years.start}–"
            f"{package_years.stop - 1}, and the bureau has not declared {year} complete. "
            f"Enter {year}'s holidays and make-up working days as calendar overrides and "
            f"declare the year complete (see docs/workdays.md), or upgrade chinesecalendar."
        )


class ClockPaused(ValueError):
    """A due date was asked for while the clock is paused with no end: there is none yet."""


@dataclass(frozen=True)
class DayInfo:
    """One day's status and where it comes from."""

    date: dt.date
    is_workday: bool
    name: str | None
    source: Source

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5

    @property
    def is_special(self) -> bool:
        """A holiday on a weekday, a make-up working day on a weekend, or a named day."""
        return self.is_workday == self.is_weekend or self.name is not None


def _package_years() -> range:
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


PACKAGE_YEARS = _package_years()


def local_date(value: DateLike) -> dt.date:
    """The calendar date of ``value`` in Asia/Shanghai. A datetime must be aware."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a naive datetime has no calendar date: give an aware datetime")
        return value.astimezone(TZ).date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"expected a date or datetime, not {type(value).__name__}")


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59.999999 Asia/Shanghai of ``day``, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=TZ)


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"the number of working days must be an integer, not {n!r}")
    if n < 1:
        raise ValueError(f"the number of working days must be 1 or more, not {n}")


class _Pauses:
    """Merged pause intervals, each excluding the days in (from, to]."""

    def __init__(self, paused: Iterable[Pause]) -> None:
        spans: list[tuple[dt.date, dt.date | None]] = []
        for item in paused:
            try:
                start, end = item
            except (TypeError, ValueError):
                raise ValueError(f"a pause is a (from, to) pair, not {item!r}") from None
            p_from = local_date(start)
            p_to = None if end is None else local_date(end)
            if p_to is not None and p_to < p_from:
                raise ValueError(f"a pause cannot end ({p_to}) before it starts ({p_from})")
            spans.append((p_from, p_to))
        spans.sort(key=lambda s: s[0])
        merged: list[tuple[dt.date, dt.date | None]] = []
        for p_from, p_to in spans:
            if merged:
                last_from, last_to = merged[-1]
                if last_to is None or p_from <= last_to:
                    new_to = None if last_to is None or p_to is None else max(last_to, p_to)
                    merged[-1] = (last_from, new_to)
                    continue
            merged.append((p_from, p_to))
        self.spans = merged
        self.open_from = next((f for f, t in merged if t is None), None)

    def __contains__(self, day: dt.date) -> bool:
        return any(f < day and (t is None or day <= t) for f, t in self.spans)


class WorkCalendar:
    """China's working days: the package's schedule, the bureau's overrides on top."""

    def __init__(
        self,
        overrides: Mapping[dt.date, tuple[bool, str]] | None = None,
        complete_years: Iterable[int] = (),
    ) -> None:
        self.overrides: dict[dt.date, tuple[bool, str]] = {
            local_date(d): (bool(w), name or "") for d, (w, name) in (overrides or {}).items()
        }
        self.complete_years: frozenset[int] = frozenset(int(y) for y in complete_years)
        self.package_years = PACKAGE_YEARS

    def __repr__(self) -> str:
        return (
            f"<WorkCalendar package {self.package_years.start}–{self.package_years.stop - 1}, "
            f"{len(self.overrides)} overrides, declared {sorted(self.complete_years)}>"
        )

    # --- what the calendar knows ------------------------------------------------------------

    def year_source(self, year: int) -> Source | None:
        """Where a year's schedule comes from: "package", "declared" (by the bureau) or None
        (unknown). A year both know is reported as "package"."""
        if year in self.package_years:
            return "package"
        if year in self.complete_years:
            return "declared"
        return None

    def is_known_year(self, year: int) -> bool:
        return self.year_source(year) is not None

    def require_year(self, year: int) -> None:
        if not self.is_known_year(year):
            raise UnknownHolidayYear(year, self.package_years)

    # --- single days ------------------------------------------------------------------------

    def day(self, value: DateLike) -> DayInfo:
        """The status of one day. Raises UnknownHolidayYear for an unknown year, even when
        the day itself has an override (a year is known as a whole or not at all)."""
        d = local_date(value)
        source = self.year_source(d.year)
        if source is None:
            raise UnknownHolidayYear(d.year, self.package_years)
        if d in self.overrides:
            is_workday, label = self.overrides[d]
            return DayInfo(d, is_workday, label or None, "override")
        if source == "package":
            # As chinese_calendar.get_holiday_detail, without its per-call range check.
            if d in _PACKAGE_WORKDAYS:
                return DayInfo(d, True, _chinese(_PACKAGE_WORKDAYS[d]), "package")
            if d in _PACKAGE_HOLIDAYS:
                return DayInfo(d, False, _chinese(_PACKAGE_HOLIDAYS[d]), "package")
            return DayInfo(d, d.weekday() < 5, None, "package")
        return DayInfo(d, d.weekday() < 5, None, "declared")

    def is_workday(self, value: DateLike) -> bool:
        return self.day(value).is_workday

    def is_rest_day(self, value: DateLike) -> bool:
        return not self.is_workday(value)

    def holiday_name(self, value: DateLike) -> str | None:
        """The Chinese name of the holiday a day belongs to (e.g. "春节"), for the holiday's
        rest days and for its make-up working days; None for an ordinary day or weekend."""
        return self.day(value).name

    def special_days(self, year: int) -> list[DayInfo]:
        """Every holiday, make-up working day and named day of a year, in date order."""
        self.require_year(year)
        d = dt.date(year, 1, 1)
        out = []
        while d.year == year:
            info = self.day(d)
            if info.is_special:
                out.append(info)
            d += ONE_DAY
        return out

    # --- counting ---------------------------------------------------------------------------

    def next_working_day(self, value: DateLike) -> dt.date:
        """The first working day strictly after ``value``."""
        d = local_date(value) + ONE_DAY
        while not self.is_workday(d):
            d += ONE_DAY
        return d

    def working_day_on_or_after(self, value: DateLike) -> dt.date:
        """``value`` itself if it is a working day, else the next working day (for periods
        counted in calendar days whose last day falls on a rest day: 顺延)."""
        d = local_date(value)
        return d if self.is_workday(d) else self.next_working_day(d)

    def add_working_days(self, start: DateLike, n: int, paused: Sequence[Pause] = ()) -> dt.date:
        """The due date of "within ``n`` working days" of an event on ``start``: the n-th
        working day after ``start`` (``start`` itself is never counted; n ≥ 1). Working days
        inside ``paused`` intervals are not counted. Raises ClockPaused while a pause with no
        end stops the clock before the due date is reached."""
        _check_count(n)
        pauses = _Pauses(paused)
        d = local_date(start)
        counted = 0
        while counted < n:
            d += ONE_DAY
            if pauses.open_from is not None and d > pauses.open_from:
                raise ClockPaused(
                    f"the clock has been paused since {pauses.open_from}: "
                    "there is no due date until it resumes"
                )
            if d not in pauses and self.is_workday(d):
                counted += 1
        return d

    def deadline(self, start: DateLike, n: int, paused: Sequence[Pause] = ()) -> dt.datetime:
        """The end (23:59:59.999999 Asia/Shanghai) of the due working day of "within ``n``
        working days" of an event at ``start`` (an aware datetime, or a date)."""
        return end_of_day(self.add_working_days(start, n, paused))

    def working_days_between(self, a: DateLike, b: DateLike) -> int:
        """The number of working days after ``a`` up to and including ``b``; negative when
        ``b`` is before ``a``. ``working_days_between(d, add_working_days(d, n)) == n``."""
        start, end = local_date(a), local_date(b)
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for d in _days_after(start, end) if self.is_workday(d))

    def elapsed_working_days(
        self, start: DateLike, end: DateLike, paused: Sequence[Pause] = ()
    ) -> int:
        """Working days used on the clock from an event on ``start`` until ``end``
        (inclusive), not counting the working days inside ``paused`` intervals."""
        first, last = local_date(start), local_date(end)
        if last < first:
            raise ValueError(f"the end ({last}) is before the start ({first})")
        pauses = _Pauses(paused)
        return sum(1 for d in _days_after(first, last) if d not in pauses and self.is_workday(d))

    def remaining_working_days(
        self, start: DateLike, n: int, today: DateLike, paused: Sequence[Pause] = ()
    ) -> int:
        """Working days left of an ``n``-working-day period begun on ``start`` at the end of
        ``today`` (0 on the due day, negative once overdue)."""
        _check_count(n)
        first, now = local_date(start), local_date(today)
        if now < first:
            return n
        return n - self.elapsed_working_days(first, now, paused)


def _days_after(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    d = start + ONE_DAY
    while d <= end:
        yield d
        d += ONE_DAY
