"""Who is acting, in which request: read by the audit ledger and the logs.

Set by :class:`taxlight.core.middleware.RequestIdMiddleware` for web requests and by
:func:`acting` for jobs and commands. Kept in context variables, so threads and asyncio tasks
each see their own.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class ActingContext:
    request_id: str
    user: Any = None  # accounts.User or None (system, anonymous)
    role: str = ""
    post: str = ""
    channel: str = "system"  # web, api, job, command, system


_current: ContextVar[ActingContext | None] = ContextVar("taxlight_acting", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> ActingContext:
    ctx = _current.get()
    return ctx if ctx is not None else ActingContext(request_id="")


def update(**changes: Any) -> None:
    """Refine the current context (e.g. once the user is known)."""
    _current.set(replace(current(), **changes))


@contextlib.contextmanager
def acting(
    *,
    user: Any = None,
    role: str = "",
    post: str = "",
    channel: str = "system",
    request_id: str | None = None,
) -> Iterator[ActingContext]:
    ctx = ActingContext(
        request_id=request_id or new_request_id(), user=user, role=role, post=post, channel=channel
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
