"""Working days as arrays, for vectorised date arithmetic.

The statuses come from :class:`taxlight.workdays.calendar.WorkCalendar` (pure, no database:
the ``chinese_calendar`` package's official schedule). A year the package does not cover is
taken as Monday–Friday working days — the generator must run for any period; the platform's
own calendar (with the bureau's overrides) is what enforcement time limits are checked with.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from taxlight.workdays.calendar import UnknownHolidayYear, WorkCalendar

from .arrays import day_number, to_date


class Days:
    """Days ``first``..``last`` (date32 numbers) with working-day lookups."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        cal = WorkCalendar()
        self.first = day_number(first)
        self.last = day_number(last)
        n = self.last - self.first + 1
        work = np.zeros(n, dtype=bool)
        festival = np.zeros(n, dtype=bool)  # rest days of a named statutory holiday
        spring = np.zeros(n, dtype=bool)  # rest days of the Spring Festival
        self.package_years: set[int] = set()
        self.fallback_years: set[int] = set()
        for i in range(n):
            day = to_date(self.first + i)
            try:
                info = cal.day(day)
            except UnknownHolidayYear:
                self.fallback_years.add(day.year)
                work[i] = day.weekday() < 5
                continue
            self.package_years.add(day.year)
            work[i] = info.is_workday
            festival[i] = (not info.is_workday) and info.name is not None
            spring[i] = festival[i] and info.name == "春节"
        self.work = work
        self.festival = festival
        self.spring = spring
        self.cum = np.cumsum(work)  # working days up to and including each day
        # The first working day on or after each day.
        idx = np.where(work, np.arange(n), n)
        self._on_or_after = np.minimum.accumulate(idx[::-1])[::-1]
        self._work_index = np.flatnonzero(work)

    def _i(self, days: np.ndarray) -> np.ndarray:
        i = np.asarray(days, dtype=np.int64) - self.first
        if i.size and (i.min() < 0 or i.max() >= self.work.size):
            raise ValueError("a date is outside the generator's calendar range")
        return i

    def is_work(self, days: np.ndarray) -> np.ndarray:
        return self.work[self._i(days)]

    def on_or_after(self, days: np.ndarray) -> np.ndarray:
        """The day itself when it is a working day, else the next working day (顺延)."""
        i = self._on_or_after[self._i(days)]
        return (np.minimum(i, self.work.size - 1) + self.first).astype(np.int64)

    def add(self, days: np.ndarray, n: np.ndarray | int) -> np.ndarray:
        """The n-th working day after each day (n ≥ 1); n = 0 gives on_or_after."""
        i = self._i(days)
        n = np.broadcast_to(np.asarray(n, dtype=np.int64), i.shape)
        target = self.cum[i] + n  # cum of the wanted day
        # The working day whose cum equals target: index into the list of working days.
        pos = np.clip(target - 1, 0, self._work_index.size - 1)
        out = self._work_index[pos] + self.first
        zero = n == 0
        if np.any(zero):
            out = np.where(zero, self.on_or_after(days), out)
        return out.astype(np.int64)

    def working_days_between(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Working days after ``a`` up to and including ``b``."""
        return self.cum[self._i(b)] - self.cum[self._i(a)]

    def filing_due(self, day: dt.date) -> dt.date:
        """The statutory deadline of a return due on ``day`` (the 15th of a month, or the 31st
        of May for the annual CIT return): rolled to the next working day, and extended by the
        rest days of a statutory holiday of three or more days that falls on the 1st–15th
        (as the annual deadline calendar of the State Taxation Administration does)."""
        n = day_number(day)
        start = day_number(day.replace(day=1))
        i0, i1 = start - self.first, n - self.first
        extension = 0
        if day.day == 15:
            window = self.festival[i0 : i1 + 1]
            # Runs of 3+ consecutive holiday rest days inside the window.
            run = 0
            for flag in window:
                run = run + 1 if flag else 0
                if run == 3:
                    extension += 3
                elif run > 3:
                    extension += 1
        due = n + extension
        return to_date(int(self.on_or_after(np.array([due]))[0]))

    def spring_festival_month(self, year: int) -> int:
        """The month (1 or 2) in which the Spring Festival holiday mostly falls."""
        jan = day_number(dt.date(year, 1, 1)) - self.first
        mar = day_number(dt.date(year, 3, 1)) - self.first
        if jan < 0 or mar > self.spring.size or year in self.fallback_years:
            return 2
        feb = day_number(dt.date(year, 2, 1)) - self.first
        return 1 if self.spring[jan:feb].sum() > self.spring[feb:mar].sum() else 2
