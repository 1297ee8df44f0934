"""Every Celery task — whether or not it is built on :class:`~taxlight.jobs.runner.JobTask` —
runs inside the acting context of a job (channel ``job``, request id = task id), so ledger
entries written by any task are attributed. Connected in :class:`JobsConfig.ready`."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from celery.signals import task_postrun, task_prerun

from taxlight.core import context

_local = threading.local()


def _open() -> dict[str, contextlib.AbstractContextManager[Any]]:
    if not hasattr(_local, "contexts"):
        _local.contexts = {}
    return _local.contexts


@task_prerun.connect(weak=False)
def enter_job_context(task_id: str | None = None, **_: Any) -> None:
    if not task_id:
        return
    manager = context.acting(channel="job", request_id=task_id)
    manager.__enter__()
    _open()[task_id] = manager


@task_postrun.connect(weak=False)
def leave_job_context(task_id: str | None = None, **_: Any) -> None:
    manager = _open().pop(task_id or "", None)
    if manager is not None:
        manager.__exit__(None, None, None)
