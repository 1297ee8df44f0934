"""The pure working-day calendar: every day around Spring Festival and National Day of 2024,
2025 and 2026, counting across them, pauses, overrides and unknown years. No database.

The expected schedules below are typed in from the State Council's notices (国办发明电
〔2023〕7号 for 2024, 〔2024〕12号 for 2025, 〔2025〕7号 for 2026), independently of the
package's data, so a wrong package release fails here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from taxlight.workdays.calendar import (
    PACKAGE_YEARS,
    ClockPaused,
    UnknownHolidayYear,
    WorkCalendar,
)

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# (window first day, window last day, rest days (holidays), make-up working days, names)
# Each window runs Monday to Sunday over the weeks around the holiday.
WINDOWS: dict[str, tuple[dt.date, dt.date, list[dt.date], list[dt.date], str]] = {
    "2024 Spring Festival": (
        D(2024, 1, 29),
        D(2024, 2, 25),
        _span(D(2024, 2, 10), D(2024, 2, 17)),
        [D(2024, 2, 4), D(2024, 2, 18)],
        "春节",
    ),
    "2024 National Day": (
        D(2024, 9, 23),
        D(2024, 10, 20),
        _span(D(2024, 10, 1), D(2024, 10, 7)),
        [D(2024, 9, 29), D(2024, 10, 12)],
        "国庆节",
    ),
    "2025 Spring Festival": (
        D(2025, 1, 20),
        D(2025, 2, 16),
        _span(D(2025, 1, 28), D(2025, 2, 4)),
        [D(2025, 1, 26), D(2025, 2, 8)],
        "春节",
    ),
    "2025 National Day": (
        D(2025, 9, 22),
        D(2025, 10, 19),
        _span(D(2025, 10, 1), D(2025, 10, 8)),
        [D(2025, 9, 28), D(2025, 10, 11)],
        "国庆节",
    ),
    "2026 Spring Festival": (
        D(2026, 2, 9),
        D(2026, 3, 8),
        _span(D(2026, 2, 15), D(2026, 2, 23)),
        [D(2026, 2, 14), D(2026, 2, 28)],
        "春节",
    ),
    "2026 National Day": (
        D(2026, 9, 14),
        D(2026, 10, 18),
        _span(D(2026, 10, 1), D(2026, 10, 7)),
        [D(2026, 9, 20), D(2026, 10, 10)],
        "国庆节",
    ),
}
# Other holidays inside the windows: Mid-Autumn 2026 (Fri 25 – Sun 27 September).
OTHER_REST_DAYS = {d: "中秋" for d in _span(D(2026, 9, 25), D(2026, 9, 27))}

CASES = [
    pytest.param(day, holidays, makeups, name, id=f"{label}: {day.isoformat()}")
    for label, (first, last, holidays, makeups, name) in WINDOWS.items()
    for day in _span(first, last)
]


@pytest.mark.parametrize(("day", "holidays", "makeups", "name"), CASES)
def test_every_day_around_spring_festival_and_national_day(
    day: dt.date, holidays: list[dt.date], makeups: list[dt.date], name: str
) -> None:
    if day in holidays or day in OTHER_REST_DAYS:
        expected = False
    elif day in makeups:
        expected = True
    else:
        expected = day.weekday() < 5
    assert CAL.is_workday(day) is expected
    assert CAL.is_rest_day(day) is not expected
    if day in holidays or day in makeups:
        # 2025-10-06 is Mid-Autumn Festival inside the National Day holiday
        assert CAL.holiday_name(day) == ("中秋" if day == D(2025, 10, 6) else name)
    elif day in OTHER_REST_DAYS:
        assert CAL.holiday_name(day) == OTHER_REST_DAYS[day]
    else:
        assert CAL.holiday_name(day) is None


def test_the_named_make_up_working_days_are_weekends_that_are_worked() -> None:
    for day in [
        D(2024, 2, 4),
        D(2024, 2, 18),
        D(2025, 1, 26),
        D(2025, 2, 8),
        D(2025, 9, 28),
        D(2025, 10, 11),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 9, 20),
        D(2026, 10, 10),
    ]:
        info = CAL.day(day)
        assert info.is_weekend and info.is_workday and info.is_special, day


def test_new_years_eve_2024_was_worked_but_2025_was_a_holiday() -> None:
    # From 2025 除夕 is a statutory holiday; 2024-02-09 (除夕) was an ordinary Friday.
    assert CAL.is_workday(D(2024, 2, 9))
    assert not CAL.is_workday(D(2025, 1, 28))


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # 2024 Spring Festival: make-up Sunday 4 Feb, rest 10–17 Feb, make-up Sunday 18 Feb
        (D(2024, 2, 2), 1, D(2024, 2, 4)),
        (D(2024, 2, 2), 2, D(2024, 2, 5)),
        (D(2024, 2, 8), 1, D(2024, 2, 9)),
        (D(2024, 2, 8), 2, D(2024, 2, 18)),
        (D(2024, 2, 8), 3, D(2024, 2, 19)),
        (D(2024, 2, 9), 1, D(2024, 2, 18)),
        (D(2024, 2, 12), 1, D(2024, 2, 18)),  # start on a holiday
        # 2024 National Day
        (D(2024, 9, 27), 1, D(2024, 9, 29)),
        (D(2024, 9, 27), 2, D(2024, 9, 30)),
        (D(2024, 9, 27), 3, D(2024, 10, 8)),
        (D(2024, 9, 27), 7, D(2024, 10, 12)),
        (D(2024, 9, 27), 8, D(2024, 10, 14)),
        # 2025 Spring Festival
        (D(2025, 1, 24), 1, D(2025, 1, 26)),
        (D(2025, 1, 24), 2, D(2025, 1, 27)),
        (D(2025, 1, 24), 3, D(2025, 2, 5)),
        (D(2025, 1, 24), 6, D(2025, 2, 8)),
        (D(2025, 1, 24), 7, D(2025, 2, 10)),
        # 2025 National Day and Mid-Autumn
        (D(2025, 9, 26), 1, D(2025, 9, 28)),
        (D(2025, 9, 26), 3, D(2025, 9, 30)),
        (D(2025, 9, 26), 4, D(2025, 10, 9)),
        (D(2025, 9, 26), 6, D(2025, 10, 11)),
        (D(2025, 9, 26), 7, D(2025, 10, 13)),
        (D(2025, 9, 30), 1, D(2025, 10, 9)),
        (D(2025, 10, 3), 1, D(2025, 10, 9)),
        (D(2025, 9, 28), 1, D(2025, 9, 29)),  # start on a make-up working day
        # 2026 Spring Festival
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        (D(2026, 2, 26), 2, D(2026, 2, 28)),
        (D(2026, 2, 26), 3, D(2026, 3, 2)),
        # 2026 Mid-Autumn and National Day
        (D(2026, 9, 18), 1, D(2026, 9, 20)),
        (D(2026, 9, 18), 5, D(2026, 9, 24)),
        (D(2026, 9, 18), 6, D(2026, 9, 28)),
        (D(2026, 9, 18), 8, D(2026, 9, 30)),
        (D(2026, 9, 18), 9, D(2026, 10, 8)),
        (D(2026, 9, 18), 11, D(2026, 10, 10)),
        (D(2026, 9, 18), 12, D(2026, 10, 12)),
        # ordinary weekends: the period starts the day after the event
        (D(2024, 3, 8), 1, D(2024, 3, 11)),
        (D(2024, 3, 8), 5, D(2024, 3, 15)),
        (D(2024, 3, 9), 1, D(2024, 3, 11)),
        (D(2024, 3, 10), 1, D(2024, 3, 11)),
        (D(2024, 3, 11), 1, D(2024, 3, 12)),
        (D(2024, 3, 11), 20, D(2024, 4, 9)),  # 清明 4–6 April 2024, make-up Sunday 7 April
        # across New Year: 1–3 Jan 2026 rest, Sunday 4 Jan worked
        (D(2025, 12, 31), 1, D(2026, 1, 4)),
        (D(2025, 12, 31), 2, D(2026, 1, 5)),
    ],
)
def test_add_working_days(start: dt.date, n: int, due: dt.date) -> None:
    assert CAL.add_working_days(start, n) == due
    assert CAL.working_days_between(start, due) == n


@pytest.mark.parametrize("n", [0, -1])
def test_add_working_days_needs_at_least_one_day(n: int) -> None:
    with pytest.raises(ValueError, match="1 or more"):
        CAL.add_working_days(D(2025, 3, 3), n)


@pytest.mark.parametrize("n", [1.5, "3", True])
def test_add_working_days_needs_an_integer(n: object) -> None:
    with pytest.raises(TypeError):
        CAL.add_working_days(D(2025, 3, 3), n)  # type: ignore[arg-type]


def test_next_working_day_is_strictly_after() -> None:
    assert CAL.next_working_day(D(2024, 2, 9)) == D(2024, 2, 18)
    assert CAL.next_working_day(D(2025, 9, 30)) == D(2025, 10, 9)
    assert CAL.next_working_day(D(2024, 3, 8)) == D(2024, 3, 11)
    assert CAL.next_working_day(D(2024, 3, 11)) == D(2024, 3, 12)


def test_working_day_on_or_after_rolls_only_rest_days() -> None:
    assert CAL.working_day_on_or_after(D(2025, 10, 1)) == D(2025, 10, 9)
    assert CAL.working_day_on_or_after(D(2025, 9, 29)) == D(2025, 9, 29)
    assert CAL.working_day_on_or_after(D(2025, 9, 28)) == D(2025, 9, 28)


def test_working_days_between() -> None:
    assert CAL.working_days_between(D(2024, 2, 8), D(2024, 2, 18)) == 2
    assert CAL.working_days_between(D(2024, 2, 18), D(2024, 2, 8)) == -2
    assert CAL.working_days_between(D(2025, 3, 3), D(2025, 3, 3)) == 0
    assert CAL.working_days_between(D(2025, 9, 30), D(2025, 10, 8)) == 0
    # a whole year: 2025 had 261 weekdays, 18 of them holidays, and 5 make-up weekend days
    assert CAL.working_days_between(D(2024, 12, 31), D(2025, 12, 31)) == 261 - 18 + 5


# --- deadlines --------------------------------------------------------------------------------


def test_deadline_is_the_end_of_the_due_day_in_shanghai() -> None:
    start = dt.datetime(2025, 9, 26, 16, 30, tzinfo=SHANGHAI)
    due = CAL.deadline(start, 3)
    assert due == dt.datetime(2025, 9, 30, 23, 59, 59, 999999, tzinfo=SHANGHAI)
    assert due.utcoffset() == dt.timedelta(hours=8)


def test_deadline_counts_from_the_shanghai_date_of_the_event() -> None:
    # 17:00 UTC on Thursday 25 September is 01:00 on Friday 26 September in Shanghai
    start = dt.datetime(2025, 9, 25, 17, 0, tzinfo=dt.UTC)
    assert CAL.deadline(start, 1).date() == D(2025, 9, 28)


def test_deadline_accepts_a_date() -> None:
    assert CAL.deadline(D(2024, 2, 9), 1) == dt.datetime(
        2024, 2, 18, 23, 59, 59, 999999, tzinfo=SHANGHAI
    )


def test_deadline_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="naive"):
        CAL.deadline(dt.datetime(2025, 9, 26, 16, 30), 3)


def test_a_string_is_not_a_date() -> None:
    with pytest.raises(TypeError, match="date or datetime"):
        CAL.is_workday("2025-09-26")  # type: ignore[arg-type]


# --- paused clocks ----------------------------------------------------------------------------

MON = D(2025, 3, 3)  # an ordinary fortnight: 3–14 March 2025


def test_elapsed_without_pauses_equals_working_days_between() -> None:
    assert CAL.elapsed_working_days(MON, D(2025, 3, 14)) == 9
    assert CAL.elapsed_working_days(MON, MON) == 0


def test_a_pause_stops_the_clock_after_its_first_day_until_its_last() -> None:
    # paused on Wed 5 March, the taxpayer answered on Fri 7 March: 6 and 7 are not counted
    paused = [(D(2025, 3, 5), D(2025, 3, 7))]
    assert CAL.elapsed_working_days(MON, D(2025, 3, 14), paused) == 7
    assert CAL.elapsed_working_days(MON, D(2025, 3, 7), paused) == 2
    assert CAL.add_working_days(MON, 5, paused) == D(2025, 3, 12)


def test_overlapping_pauses_count_once() -> None:
    paused = [(D(2025, 3, 6), D(2025, 3, 11)), (D(2025, 3, 5), D(2025, 3, 7))]
    assert CAL.elapsed_working_days(MON, D(2025, 3, 14), paused) == 5


def test_pauses_outside_the_period_change_nothing() -> None:
    paused = [(D(2025, 2, 1), D(2025, 3, 3)), (D(2025, 3, 14), D(2025, 3, 31))]
    assert CAL.elapsed_working_days(MON, D(2025, 3, 14), paused) == 9


def test_a_pause_over_a_holiday_takes_only_its_working_days() -> None:
    # paused 29 September – 10 October 2025: 30 Sep, 9 and 10 Oct are working days in it
    paused = [(D(2025, 9, 29), D(2025, 10, 10))]
    assert CAL.elapsed_working_days(D(2025, 9, 26), D(2025, 10, 13), paused) == 4


def test_an_open_pause_stops_the_clock_for_good() -> None:
    paused = [(D(2025, 3, 12), None)]
    assert CAL.elapsed_working_days(MON, D(2025, 3, 14), paused) == 7
    assert CAL.add_working_days(MON, 2, paused) == D(2025, 3, 5)  # due before the pause
    with pytest.raises(ClockPaused, match="2025-03-12"):
        CAL.add_working_days(MON, 10, paused)
    with pytest.raises(ClockPaused):
        CAL.deadline(MON, 10, paused)


def test_pauses_given_as_aware_datetimes_use_their_shanghai_dates() -> None:
    paused = [
        (dt.datetime(2025, 3, 4, 20, tzinfo=dt.UTC), dt.datetime(2025, 3, 7, 9, tzinfo=SHANGHAI))
    ]
    # 20:00 UTC on 4 March is 5 March in Shanghai
    assert CAL.elapsed_working_days(MON, D(2025, 3, 14), paused) == 7


def test_bad_pauses_are_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        CAL.elapsed_working_days(MON, D(2025, 3, 14), [(D(2025, 3, 7), D(2025, 3, 5))])
    with pytest.raises(ValueError, match="pair"):
        CAL.elapsed_working_days(MON, D(2025, 3, 14), [D(2025, 3, 7)])  # type: ignore[list-item]


def test_elapsed_refuses_an_end_before_the_start() -> None:
    with pytest.raises(ValueError, match="before the start"):
        CAL.elapsed_working_days(D(2025, 3, 14), MON)


def test_remaining_working_days() -> None:
    paused = [(D(2025, 3, 5), D(2025, 3, 7))]
    assert CAL.remaining_working_days(MON, 5, MON, paused) == 5
    assert CAL.remaining_working_days(MON, 5, D(2025, 3, 10), paused) == 2
    assert CAL.remaining_working_days(MON, 5, D(2025, 3, 12), paused) == 0
    assert CAL.remaining_working_days(MON, 5, D(2025, 3, 14), paused) == -2
    assert CAL.remaining_working_days(MON, 5, D(2025, 3, 1)) == 5


# --- overrides --------------------------------------------------------------------------------


def test_an_override_beats_the_package_both_ways() -> None:
    cal = WorkCalendar(
        {
            D(2025, 10, 9): (False, "台风停工"),  # a working day made a rest day
            D(2025, 9, 28): (False, ""),  # a make-up working day cancelled
            D(2025, 3, 8): (True, "补班"),  # an ordinary Saturday made a working day
        }
    )
    assert not cal.is_workday(D(2025, 10, 9))
    assert cal.holiday_name(D(2025, 10, 9)) == "台风停工"
    assert not cal.is_workday(D(2025, 9, 28))
    assert cal.holiday_name(D(2025, 9, 28)) is None
    assert cal.is_workday(D(2025, 3, 8))
    assert cal.day(D(2025, 3, 8)).source == "override"
    assert cal.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 10)
    assert cal.add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 29)
    assert cal.add_working_days(D(2025, 3, 7), 1) == D(2025, 3, 8)
    # the package alone is unchanged
    assert CAL.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)


def test_special_days_lists_holidays_and_make_up_days_with_overrides() -> None:
    cal = WorkCalendar({D(2025, 3, 8): (True, "补班")})
    days = {info.date: info for info in cal.special_days(2025)}
    assert not days[D(2025, 1, 28)].is_workday
    assert days[D(2025, 1, 26)].is_workday and days[D(2025, 1, 26)].name == "春节"
    assert days[D(2025, 3, 8)].source == "override"
    assert D(2025, 3, 7) not in days  # an ordinary Friday
    assert D(2025, 3, 15) not in days  # an ordinary Saturday


# --- unknown and declared years ---------------------------------------------------------------

NEXT = PACKAGE_YEARS.stop  # the first year the package does not know


def test_a_year_nobody_knows_raises_a_clear_error() -> None:
    with pytest.raises(UnknownHolidayYear) as caught:
        CAL.is_workday(D(NEXT, 3, 3))
    assert caught.value.year == NEXT
    message = str(caught.value)
    assert str(NEXT) in message and "declare the year complete" in message
    with pytest.raises(UnknownHolidayYear):
        CAL.is_workday(D(PACKAGE_YEARS.start - 1, 6, 2))  # before the package's first year


def test_counting_into_an_unknown_year_raises_instead_of_guessing() -> None:
    last_known = D(NEXT - 1, 12, 31)
    with pytest.raises(UnknownHolidayYear) as caught:
        CAL.add_working_days(last_known, 1)
    assert caught.value.year == NEXT
    with pytest.raises(UnknownHolidayYear):
        CAL.working_days_between(last_known, D(NEXT, 1, 10))
    with pytest.raises(UnknownHolidayYear):
        CAL.special_days(NEXT)


def test_overrides_alone_do_not_make_a_year_known() -> None:
    cal = WorkCalendar({D(NEXT, 1, 1): (False, "元旦")})
    assert not cal.is_known_year(NEXT)
    with pytest.raises(UnknownHolidayYear):
        cal.is_workday(D(NEXT, 1, 1))  # not even the overridden day itself
    with pytest.raises(UnknownHolidayYear):
        cal.is_workday(D(NEXT, 3, 3))


def test_a_declared_year_counts_weekends_and_its_overrides() -> None:
    # 2003, before the package's first year: the bureau's own entries (2003 Spring Festival:
    # 1–7 February, make-up working days Saturday 8 and Sunday 9 February)
    overrides = {d: (False, "春节") for d in _span(D(2003, 2, 1), D(2003, 2, 7))}
    overrides |= {D(2003, 2, 8): (True, "春节"), D(2003, 2, 9): (True, "春节")}
    cal = WorkCalendar(overrides, complete_years={2003})
    assert cal.year_source(2003) == "declared"
    assert cal.is_workday(D(2003, 1, 31))  # Friday
    assert not cal.is_workday(D(2003, 2, 3))  # Monday, holiday
    assert cal.holiday_name(D(2003, 2, 3)) == "春节"
    assert cal.is_workday(D(2003, 2, 8)) and cal.is_workday(D(2003, 2, 9))
    assert not cal.is_workday(D(2003, 2, 15))  # an ordinary Saturday
    assert cal.day(D(2003, 2, 15)).source == "declared"
    assert cal.add_working_days(D(2003, 1, 30), 2) == D(2003, 2, 8)
    with pytest.raises(UnknownHolidayYear):
        cal.is_workday(D(2002, 12, 31))  # the year before is still unknown


def test_a_declared_next_year_extends_the_package() -> None:
    cal = WorkCalendar({D(NEXT, 1, 1): (False, "元旦")}, complete_years=[NEXT])
    assert cal.is_known_year(NEXT)
    assert not cal.is_workday(D(NEXT, 1, 1))
    due = cal.add_working_days(D(NEXT - 1, 12, 31), 1)
    assert due.year == NEXT and due != D(NEXT, 1, 1) and due.weekday() < 5


def test_declaring_a_package_year_keeps_the_package_schedule() -> None:
    cal = WorkCalendar(complete_years={2025})
    assert cal.year_source(2025) == "package"
    assert not cal.is_workday(D(2025, 10, 1))
    assert cal.is_workday(D(2025, 9, 28))


def test_overrides_keyed_by_aware_datetimes_use_their_shanghai_dates() -> None:
    cal = WorkCalendar({dt.datetime(2025, 3, 7, 20, tzinfo=dt.UTC): (True, "补班")})  # 8 March
    assert cal.is_workday(D(2025, 3, 8))
