"""The sending rules as pure functions of an explicit ``now``: quiet hours, back-off."""

from __future__ import annotations

import datetime as dt
import random
import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: Quiet hours and daily limits are counted on the bureau's clock.
BUREAU_TZ = ZoneInfo("Asia/Shanghai")

BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=1)
BACKOFF_JITTER = 0.25  # up to +25 %

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_quiet_hours(spec: str | None) -> tuple[dt.time, dt.time] | None:
    """``"21:00-08:00"`` -> (21:00, 08:00); empty or ``off`` -> None (no quiet hours)."""
    if spec is None or spec.strip().lower() in {"", "off", "none"}:
        return None
    match = _WINDOW.match(spec)
    if not match:
        raise ImproperlyConfigured(f"SMS_QUIET_HOURS must look like 21:00-08:00, not {spec!r}")
    h1, m1, h2, m2 = (int(x) for x in match.groups())
    try:
        start, end = dt.time(h1, m1), dt.time(h2, m2)
    except ValueError as exc:
        raise ImproperlyConfigured(f"SMS_QUIET_HOURS has an invalid time: {spec!r}") from exc
    return None if start == end else (start, end)


def quiet_hours_end(now: dt.datetime, spec: str | None = None) -> dt.datetime | None:
    """If ``now`` falls in the quiet window (bureau time), the moment the window ends;
    otherwise None. Windows may cross midnight (21:00-08:00) or not (12:00-13:30)."""
    window = parse_quiet_hours(settings.SMS_QUIET_HOURS if spec is None else spec)
    if window is None:
        return None
    start, end = window
    local = now.astimezone(BUREAU_TZ)
    t = local.time()
    if start < end:
        inside = start <= t < end
        end_day = local.date()
    else:  # crosses midnight
        inside = t >= start or t < end
        end_day = local.date() + dt.timedelta(days=1) if t >= start else local.date()
    if not inside:
        return None
    return dt.datetime.combine(end_day, end, tzinfo=BUREAU_TZ)


def local_day_start(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(BUREAU_TZ)
    return dt.datetime.combine(local.date(), dt.time(0, 0), tzinfo=BUREAU_TZ)


def backoff_delay(attempts: int, *, rng: random.Random | None = None) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s, 1 min, 2 min, 4 min ... capped
    at one hour, plus up to 25 % random jitter so that retries of many messages spread out."""
    exponent = max(attempts - 1, 0)
    seconds = min(
        BACKOFF_BASE.total_seconds() * (2 ** min(exponent, 20)), BACKOFF_CAP.total_seconds()
    )
    jitter = (rng or random).uniform(0, BACKOFF_JITTER) * seconds
    return dt.timedelta(seconds=seconds + jitter)


def max_attempts() -> int:
    return max(int(settings.NOTIFY_MAX_ATTEMPTS), 1)


def sending_lease() -> dt.timedelta:
    """How long a claimed message may stay in ``sending`` before it counts as abandoned
    (worker crashed mid-send) and is picked up again, after asking the provider."""
    return dt.timedelta(seconds=float(settings.SMS_HTTP_TIMEOUT) * 2 + 60)
