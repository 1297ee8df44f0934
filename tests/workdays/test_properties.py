"""Properties of the working-day arithmetic, over every year the package knows and over
random override tables (hypothesis)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from taxlight.workdays.calendar import PACKAGE_YEARS, WorkCalendar

FIRST = dt.date(PACKAGE_YEARS.start, 1, 1)
# leave room to count forward without leaving the known years
LAST = dt.date(PACKAGE_YEARS.stop - 1, 6, 30)
SHANGHAI = ZoneInfo("Asia/Shanghai")
# No timing assertions: hypothesis' per-example deadline is switched off.
NO_DEADLINE = settings(deadline=None)

dates = st.dates(min_value=FIRST, max_value=LAST)
counts = st.integers(min_value=1, max_value=60)
overrides = st.dictionaries(
    st.dates(min_value=FIRST, max_value=dt.date(PACKAGE_YEARS.stop - 1, 12, 31)),
    st.tuples(st.booleans(), st.sampled_from(["", "调整"])),
    max_size=40,
)
calendars = st.one_of(st.just(WorkCalendar()), overrides.map(WorkCalendar))


@st.composite
def pauses(draw: st.DrawFn, start: dt.date) -> list[tuple[dt.date, dt.date]]:
    out = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        p_from = start + dt.timedelta(days=draw(st.integers(min_value=-5, max_value=60)))
        p_to = p_from + dt.timedelta(days=draw(st.integers(min_value=0, max_value=20)))
        out.append((p_from, p_to))
    return out


@NO_DEADLINE
@given(calendars, dates, counts)
def test_the_due_date_is_a_working_day_n_working_days_later(
    cal: WorkCalendar, start: dt.date, n: int
) -> None:
    due = cal.add_working_days(start, n)
    assert due > start
    assert cal.is_workday(due)
    assert cal.working_days_between(start, due) == n
    assert cal.working_days_between(start, due - dt.timedelta(days=1)) == n - 1


@NO_DEADLINE
@given(calendars, dates, counts)
def test_one_more_day_is_the_next_working_day(cal: WorkCalendar, start: dt.date, n: int) -> None:
    due = cal.add_working_days(start, n)
    later = cal.add_working_days(start, n + 1)
    assert later > due
    assert later == cal.next_working_day(due)


@NO_DEADLINE
@given(dates, counts, counts)
def test_adding_is_monotonic_and_composes(start: dt.date, m: int, n: int) -> None:
    cal = WorkCalendar()
    assert (cal.add_working_days(start, m) <= cal.add_working_days(start, n)) == (m <= n)
    assert cal.add_working_days(cal.add_working_days(start, m), n) == cal.add_working_days(
        start, m + n
    )


@NO_DEADLINE
@given(dates, dates, dates)
def test_between_is_antisymmetric_and_additive(a: dt.date, b: dt.date, c: dt.date) -> None:
    cal = WorkCalendar()
    assert cal.working_days_between(a, b) == -cal.working_days_between(b, a)
    assert cal.working_days_between(a, b) + cal.working_days_between(b, c) == (
        cal.working_days_between(a, c)
    )


@NO_DEADLINE
@given(dates, counts, st.data())
def test_pauses_push_the_due_date_by_exactly_the_paused_working_days(
    start: dt.date, n: int, data: st.DataObject
) -> None:
    cal = WorkCalendar()
    paused = data.draw(pauses(start))
    due = cal.add_working_days(start, n, paused)
    assert cal.is_workday(due)
    assert due >= cal.add_working_days(start, n)
    assert cal.elapsed_working_days(start, due, paused) == n
    assert cal.elapsed_working_days(start, due - dt.timedelta(days=1), paused) == n - 1
    assert cal.elapsed_working_days(start, due, paused) <= cal.working_days_between(start, due)


@NO_DEADLINE
@given(dates, counts)
def test_the_deadline_is_the_last_instant_of_the_due_day(start: dt.date, n: int) -> None:
    cal = WorkCalendar()
    event = dt.datetime.combine(start, dt.time(15, 0), tzinfo=SHANGHAI)
    deadline = cal.deadline(event, n)
    assert deadline.tzinfo is not None
    assert deadline.astimezone(SHANGHAI).date() == cal.add_working_days(start, n)
    assert (deadline + dt.timedelta(microseconds=1)).astimezone(SHANGHAI).time() == dt.time(0)
