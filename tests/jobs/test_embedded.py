"""The job runner and the in-process scheduler of embedded mode."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest
from celery import shared_task
from celery.schedules import crontab
from django.db import transaction

from taxlight.audit import services as audit
from taxlight.audit.models import LedgerEntry
from taxlight.jobs.embedded import EmbeddedScheduler
from taxlight.jobs.models import Heartbeat
from taxlight.jobs.tasks import heartbeat, ping


@shared_task(name="tests.jobs.explode")
def explode() -> None:
    raise RuntimeError("boom: a job that fails")


@shared_task(name="tests.jobs.plain_record")
def plain_record() -> None:
    """A task declared without taxlight's job base class."""
    with transaction.atomic():
        audit.record("tests.plain", object_type="tests", object_id="1")


def backdate(scheduler: EmbeddedScheduler, name: str, **delta: float) -> None:
    entry = next(e for e in scheduler.entries if e.name == name)
    assert entry.last_run_at is not None
    entry.last_run_at -= dt.timedelta(**delta)


@pytest.mark.django_db
def test_a_job_writes_ledger_entries_in_the_job_channel_under_its_task_id() -> None:
    result = ping.apply(args=("nonce-1",))

    assert result.get() == "pong nonce-1"
    entry = LedgerEntry.objects.get(action="jobs.ping")
    assert entry.channel == "job"
    assert entry.request_id == result.id
    assert entry.object_id == "nonce-1"


@pytest.mark.django_db
def test_any_task_runs_in_the_job_context_even_without_the_job_base_class() -> None:
    result = plain_record.apply()

    entry = LedgerEntry.objects.get(action="tests.plain")
    assert (entry.channel, entry.request_id) == ("job", result.id)


@pytest.mark.django_db
def test_heartbeat_counts_its_runs() -> None:
    assert heartbeat.apply().get() == 1
    assert heartbeat.apply().get() == 2

    beat = Heartbeat.objects.get(name="heartbeat")
    assert beat.runs == 2 and beat.hostname and beat.last_task_id


def test_the_scheduler_reads_the_settings_schedule() -> None:
    scheduler = EmbeddedScheduler()

    assert {e.name: e.task for e in scheduler.entries}[
        "jobs-heartbeat"
    ] == "taxlight.jobs.tasks.heartbeat"
    assert all(e.runs == 0 for e in scheduler.entries)


@pytest.mark.django_db
def test_due_entries_run_and_a_failing_job_does_not_stop_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheduler = EmbeddedScheduler(
        {
            "explode": {"task": "tests.jobs.explode", "schedule": 60.0},
            "ping": {
                "task": "taxlight.jobs.tasks.ping",
                "schedule": 60.0,
                "kwargs": {"nonce": "scheduled"},
            },
            "every-minute": {"task": "taxlight.jobs.tasks.heartbeat", "schedule": crontab()},
            "later": {
                "task": "taxlight.jobs.tasks.heartbeat",
                "schedule": 3600.0,
                "kwargs": {"name": "later"},
            },
        }
    )
    # Given the first three are overdue and "later" is not
    backdate(scheduler, "explode", seconds=61)
    backdate(scheduler, "ping", seconds=61)
    backdate(scheduler, "every-minute", minutes=2)

    with caplog.at_level(logging.ERROR, logger="taxlight.jobs.embedded"):
        scheduler.tick()

    runs = {e.name: (e.runs, e.failures) for e in scheduler.entries}
    assert runs == {"explode": (1, 1), "ping": (1, 0), "every-minute": (1, 0), "later": (0, 0)}
    assert "periodic job explode (tests.jobs.explode) failed" in caplog.text
    assert "boom: a job that fails" in caplog.text
    entry = LedgerEntry.objects.get(action="jobs.ping")
    assert entry.channel == "job" and entry.object_id == "scheduled"
    assert Heartbeat.objects.filter(name="heartbeat").exists()
    assert not Heartbeat.objects.filter(name="later").exists()

    # When the scheduler looks again at once, nothing is due any more
    scheduler.tick()
    assert {e.name: e.runs for e in scheduler.entries}["ping"] == 1
    assert LedgerEntry.objects.filter(action="jobs.ping").count() == 1


@pytest.mark.django_db
def test_an_unknown_task_is_reported_and_its_entry_disabled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheduler = EmbeddedScheduler(
        {"ghost": {"task": "taxlight.nowhere.tasks.ghost", "schedule": 1.0}}
    )
    backdate(scheduler, "ghost", seconds=5)

    with caplog.at_level(logging.ERROR, logger="taxlight.jobs.embedded"):
        scheduler.tick()
        scheduler.tick()

    assert caplog.text.count("no task named taxlight.nowhere.tasks.ghost") == 1
    assert scheduler.entries[0].disabled


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_thread_runs_jobs_and_stops_cleanly() -> None:
    scheduler = EmbeddedScheduler(
        {"beat": {"task": "taxlight.jobs.tasks.heartbeat", "schedule": 0.2}}, max_interval=0.2
    )
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while scheduler.entries[0].runs < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.stop()

    assert not scheduler.is_alive()
    runs = scheduler.entries[0].runs
    assert runs >= 2
    assert Heartbeat.objects.get(name="heartbeat").runs == runs
