"""Reading the calendar: :func:`get_calendar` builds the :class:`WorkCalendar` from the
package and the override tables, cached.

Cache: the data (overrides and declared years) is kept in Django's cache under a key that
carries a version token; every change (see :mod:`.services`) replaces the token, so the next
read in any process rebuilds from the database. The token is replaced once when the change is
made (the changing transaction then reads its own writes) and again when it commits (so a
process that cached the old rows in between is invalidated too). Cached data also expires
after ``DATA_TIMEOUT`` seconds: with the per-process cache of embedded mode, that bounds how
long another process can serve a stale calendar.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction

from taxlight.workdays.calendar import WorkCalendar
from taxlight.workdays.models import CalendarOverride, CalendarYear

VERSION_KEY = "workdays:calendar:version"
DATA_TIMEOUT = 300
_DIRTY = "_taxlight_workdays_dirty"

# This process's last build: (token, built at [monotonic seconds], calendar).
_memo: tuple[str, float, WorkCalendar] | None = None

CalendarData = tuple[dict[dt.date, tuple[bool, str]], list[int]]


def _data_key(token: str) -> str:
    return f"workdays:calendar:data:{token}"


def _token() -> str:
    token = cache.get(VERSION_KEY)
    if token is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        token = cache.get(VERSION_KEY)
    return str(token)


def _load() -> CalendarData:
    overrides = {
        row.date: (row.is_workday, row.name)
        for row in CalendarOverride.objects.only("date", "is_workday", "name")
    }
    years = list(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))
    return overrides, years


def _build(data: CalendarData) -> WorkCalendar:
    overrides, years = data
    return WorkCalendar(overrides, years)


def invalidate() -> None:
    """Replaces the version token: every process rebuilds the calendar on its next read."""
    global _memo
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    _memo = None


def mark_changed() -> None:
    """Called by the services inside the changing transaction."""
    invalidate()
    setattr(connection, _DIRTY, True)

    def committed() -> None:
        invalidate()
        setattr(connection, _DIRTY, False)

    transaction.on_commit(committed)


def get_calendar() -> WorkCalendar:
    """The working-day calendar as the database defines it now."""
    global _memo
    if getattr(connection, _DIRTY, False):
        if connection.in_atomic_block:
            # This transaction changed the calendar: read its own rows, cache nothing.
            return _build(_load())
        setattr(connection, _DIRTY, False)  # the changing transaction rolled back
    token = _token()
    now = time.monotonic()
    if _memo is not None and _memo[0] == token and now - _memo[1] < DATA_TIMEOUT:
        return _memo[2]
    key = _data_key(token)
    data: Any = cache.get(key)
    if data is None:
        data = _load()
        cache.set(key, data, timeout=DATA_TIMEOUT)
    calendar = _build(data)
    _memo = (token, now, calendar)
    return calendar
