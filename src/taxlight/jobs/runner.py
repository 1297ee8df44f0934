"""How taxlight's background jobs are written and enqueued.

Writing a job
=============

Declare it with :func:`job` (a ``shared_task`` whose base class is :class:`JobTask`)::

    from taxlight.jobs.runner import job

    @job("taxlight.notifications.tasks.dispatch_due")
    def dispatch_due() -> int:
        ...

A :class:`JobTask` runs inside ``taxlight.core.context.acting(channel="job",
request_id=<celery task id>)``, so every ledger entry a job writes is attributed to the job
channel and carries the task id as its request id: ``grep`` the worker log for the id and
you find the ledger entries, and the other way round. The same holds in embedded mode (tasks
run eagerly, in-process) and under the embedded scheduler.

Tasks declared otherwise (a plain ``@shared_task``) get the same context from the
``task_prerun``/``task_postrun`` signal handlers in :mod:`taxlight.jobs.signals`; ``JobTask``
adds it also when a task function is called directly.

Give tasks explicit names (the dotted path of the function), so renaming a module does not
orphan messages already queued or entries of ``CELERY_BEAT_SCHEDULE``.

Enqueuing from a service
========================

Services enqueue *after* their transaction commits, never before (a worker must not pick up
a row that is not yet visible, or that is rolled back)::

    from taxlight.jobs.runner import enqueue_on_commit

    @transaction.atomic
    def queue_message(...):
        msg = Message.objects.create(..., status="queued", due_at=now)
        audit.record(...)
        enqueue_on_commit(send_message, msg.pk)

When Redis is unreachable
=========================

The broker being down must neither lose work nor undo the service's committed change:

* :func:`enqueue` / :func:`enqueue_on_commit` **fall back**: the failure is logged at ERROR
  level (``taxlight.jobs`` logger, naming the task) and swallowed. This is correct only where
  the database row *is* the work and a periodic sweep picks it up again — e.g. a queued
  message stays due and ``taxlight.notifications.tasks.dispatch_due`` sends it once the broker
  is back (Celery beat itself needs the broker too, so the sweep resumes with it).
* :func:`enqueue_or_raise` **fails loudly** with :class:`JobQueueUnavailable`, for work that
  exists nowhere but in the message (call it *before* committing anything the user expects
  to happen, so the user sees the error and nothing is half-done).

In embedded mode (no ``REDIS_URL``) tasks run eagerly, in-process: there is no broker to lose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Task, shared_task
from django.db import transaction
from kombu.exceptions import OperationalError

from taxlight.core import context

log = logging.getLogger("taxlight.jobs")

#: How hard to try the broker before giving up (seconds in total: about one).
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.3,
    "interval_max": 0.5,
}


class JobQueueUnavailable(RuntimeError):
    """The job queue (Redis) cannot be reached: the job was not enqueued."""


class JobTask(Task):
    """Base class of taxlight's tasks: runs the task inside the acting context of a job."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        task_id = getattr(self.request, "id", None)
        with context.acting(channel="job", request_id=task_id or None):
            return super().__call__(*args, **kwargs)

    def delay_on_commit(self, *args: Any, **kwargs: Any) -> None:
        enqueue_on_commit(self, *args, **kwargs)


def job(name: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declares a background job: ``@job("taxlight.app.tasks.name")``."""
    return shared_task(name=name, base=JobTask, **options)


def enqueue_or_raise(task: Task, *args: Any, **kwargs: Any) -> str:
    """Sends the task to the queue (in embedded mode: runs it now); returns the task id.

    Raises :class:`JobQueueUnavailable` when the broker cannot be reached."""
    try:
        result = task.apply_async(args, kwargs, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except OperationalError as exc:
        raise JobQueueUnavailable(
            f"the job queue is unreachable, {task.name} was not enqueued: {exc}"
        ) from exc
    return str(result.id)


def enqueue(task: Task, *args: Any, **kwargs: Any) -> str | None:
    """Like :func:`enqueue_or_raise`, but a broker failure is logged at ERROR level and
    ``None`` returned: use only where a periodic sweep picks the work up again."""
    try:
        return enqueue_or_raise(task, *args, **kwargs)
    except JobQueueUnavailable as exc:
        log.error("%s; it stays due in the database and the periodic sweep will retry it", exc)
        return None


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """:func:`enqueue` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(task, *args, **kwargs))
