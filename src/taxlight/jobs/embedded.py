"""The in-process scheduler of embedded mode.

Production runs periodic jobs with ``celery beat`` (which reads ``CELERY_BEAT_SCHEDULE``) and
``celery worker``. Embedded mode has no Redis and no separate processes: ``taxlight serve``
(and ``taxlight demo``) start an :class:`EmbeddedScheduler` thread that reads the *same*
schedule and runs each entry in-process when it is due. Due-ness is decided by Celery's own
schedule objects (``schedule`` for intervals, ``crontab``, ``solar``), so both modes agree.

Each run:

* happens inside ``acting(channel="job")`` (tasks built on :class:`~taxlight.jobs.runner.JobTask`
  refine it with their task id), so ledger entries are attributed to the job channel;
* is isolated: an exception is logged with its traceback and the scheduler carries on;
* closes the thread's database connections afterwards (no connection is held between runs).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from celery.schedules import BaseSchedule
from celery.schedules import schedule as every
from django.apps import apps
from django.conf import settings
from django.db import connections

from taxlight.core import context

log = logging.getLogger("taxlight.jobs.embedded")


@dataclass
class Entry:
    name: str
    task: str
    schedule: BaseSchedule
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    last_run_at: dt.datetime | None = None
    runs: int = 0
    failures: int = 0
    disabled: bool = False


class EmbeddedScheduler(threading.Thread):
    """Runs ``CELERY_BEAT_SCHEDULE`` (or the given schedule) inside this process."""

    def __init__(
        self,
        schedule: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        app: Celery | None = None,
        max_interval: float = 5.0,
    ) -> None:
        super().__init__(name="taxlight-embedded-scheduler", daemon=True)
        if app is None:
            from taxlight.celery import app as default_app

            app = default_app
        self.app = app
        self.max_interval = max_interval
        self._stopping = threading.Event()
        import_tasks()
        beat: Mapping[str, Mapping[str, Any]] = (
            settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
        )
        now = self.app.now()
        self.entries: list[Entry] = []
        for name, spec in beat.items():
            sched = self._schedule(spec["schedule"])
            self.entries.append(
                Entry(
                    name=name,
                    task=str(spec["task"]),
                    schedule=sched,
                    args=tuple(spec.get("args") or ()),
                    kwargs=dict(spec.get("kwargs") or {}),
                    last_run_at=now,
                )
            )

    def _schedule(self, value: Any) -> BaseSchedule:
        """A beat entry's schedule as a Celery schedule object (seconds, timedelta, crontab,
        solar — as ``celery beat`` accepts them)."""
        if isinstance(value, BaseSchedule):
            value.app = self.app
            return value
        if isinstance(value, int | float):
            value = dt.timedelta(seconds=value)
        if isinstance(value, dt.timedelta):
            return every(run_every=value, app=self.app)
        raise TypeError(f"unsupported schedule {value!r}")

    # --- one pass ---------------------------------------------------------------------------

    def tick(self) -> float:
        """Runs every entry that is due now; returns the seconds until the next check."""
        wait = self.max_interval
        for entry in self.entries:
            if entry.disabled or self._stopping.is_set():
                continue
            assert entry.last_run_at is not None
            due, next_check = entry.schedule.is_due(entry.last_run_at)
            if due:
                self.run_entry(entry)
            wait = min(wait, max(float(next_check), 0.5))
        return wait

    def run_entry(self, entry: Entry) -> bool:
        """Runs one entry now; True if the task succeeded."""
        entry.last_run_at = self.app.now()
        task = self.app.tasks.get(entry.task)
        if task is None:
            entry.disabled = True
            log.error(
                "periodic job %s: no task named %s is registered; the entry is disabled",
                entry.name,
                entry.task,
            )
            return False
        ok = False
        try:
            with context.acting(channel="job"):
                result = task.apply(entry.args, entry.kwargs, throw=False)
            if result.failed():
                log.error(
                    "periodic job %s (%s) failed:\n%s", entry.name, entry.task, result.traceback
                )
            else:
                ok = True
        except Exception:
            log.exception("periodic job %s (%s) failed", entry.name, entry.task)
        finally:
            _close_connections()
        entry.runs += 1
        if not ok:
            entry.failures += 1
        return ok

    # --- the thread -------------------------------------------------------------------------

    def run(self) -> None:
        log.info("embedded scheduler started: %s", ", ".join(e.name for e in self.entries))
        while not self._stopping.is_set():
            try:
                wait = self.tick()
            except Exception:  # never let one bad pass kill the scheduler
                log.exception("embedded scheduler pass failed")
                wait = self.max_interval
            self._stopping.wait(wait)
        _close_connections()
        log.info("embedded scheduler stopped")

    def stop(self, timeout: float | None = 30.0) -> None:
        """Asks the thread to stop after the job it may be running, and waits for it."""
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)


def import_tasks() -> None:
    """Imports the ``tasks`` module of every installed app, registering its tasks (what
    the worker's autodiscovery does, without re-running ``django.setup()`` and the checks)."""
    for config in apps.get_app_configs():
        name = f"{config.name}.tasks"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def _close_connections() -> None:
    """Closes this thread's database connections (never one inside a transaction: when a
    caller runs :meth:`EmbeddedScheduler.tick` within ``atomic``, the caller owns it)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close()


def start() -> EmbeddedScheduler:
    """Starts the scheduler thread for ``CELERY_BEAT_SCHEDULE`` and returns it."""
    scheduler = EmbeddedScheduler()
    scheduler.start()
    return scheduler
