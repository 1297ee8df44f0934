"""A real Celery worker round trip through Redis.

Runs only with a Redis server: ``REDIS_URL=redis://127.0.0.1:6379/15 pytest -m redis``
(the CI sets it). A ``celery worker --pool=solo`` subprocess is started on a queue of its
own, against the same database as the test: on PostgreSQL the test database itself; on
SQLite (whose test database lives in memory, out of another process's reach) a migrated
file database.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from taxlight.audit.models import LedgerEntry
from taxlight.celery import app
from taxlight.jobs.models import Heartbeat

REDIS_URL = os.environ.get("REDIS_URL", "")
PROJECT = Path(__file__).resolve().parents[2]
WAIT = 30.0  # seconds, at most, for anything the worker does

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not REDIS_URL,
        reason="needs a Redis server: set REDIS_URL (the CI uses redis://127.0.0.1:6379/15)",
    ),
]


def wait_for[T](
    probe: Callable[[], T | None], what: str, worker: subprocess.Popen[bytes], log: Path
) -> T:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        if worker.poll() is not None:
            pytest.fail(
                f"the worker exited ({worker.returncode}) while waiting for {what}:\n"
                f"{log.read_text(errors='replace')}"
            )
        time.sleep(0.2)
    pytest.fail(f"no {what} within {WAIT:.0f} s; worker log:\n{log.read_text(errors='replace')}")


@dataclass
class WorkerDb:
    url: str
    ping_entries: Callable[[str], list[tuple[str, str]]]  # nonce -> [(channel, request_id)]
    heartbeat: Callable[[str], tuple[int, str] | None]  # name -> (runs, last task id)


def _url_of_test_database() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def worker_db(transactional_db: Any, tmp_path: Path) -> WorkerDb:
    if connection.vendor == "postgresql":

        def orm_pings(nonce: str) -> list[tuple[str, str]]:
            return list(
                LedgerEntry.objects.filter(action="jobs.ping", object_id=nonce).values_list(
                    "channel", "request_id"
                )
            )

        def orm_heartbeat(name: str) -> tuple[int, str] | None:
            row = Heartbeat.objects.filter(name=name).first()
            return (row.runs, row.last_task_id) if row else None

        return WorkerDb(_url_of_test_database(), orm_pings, orm_heartbeat)
    assert connection.vendor == "sqlite"
    path = tmp_path / "worker.sqlite3"
    url = f"sqlite:///{path}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=PROJECT,
        check=True,
        env={**os.environ, "DATABASE_URL": url, "TAXLIGHT_VAR_DIR": str(tmp_path)},
    )

    def query(sql: str, *params: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path) as db:
            return db.execute(sql, params).fetchall()

    def file_pings(nonce: str) -> list[tuple[str, str]]:
        return [
            (r[0], r[1])
            for r in query(
                "SELECT channel, request_id FROM audit_ledgerentry "
                "WHERE action = 'jobs.ping' AND object_id = ?",
                nonce,
            )
        ]

    def file_heartbeat(name: str) -> tuple[int, str] | None:
        rows = query("SELECT runs, last_task_id FROM jobs_heartbeat WHERE name = ?", name)
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    return WorkerDb(url, file_pings, file_heartbeat)


@pytest.fixture
def worker(worker_db: WorkerDb, tmp_path: Path) -> Iterator[tuple[str, str, Any, Path]]:
    """A running worker: (hostname, queue, process, log file)."""
    tag = uuid.uuid4().hex[:10]
    queue, hostname = f"taxlight-test-{tag}", f"taxlight-test-{tag}@localhost"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": worker_db.url,
        "TAXLIGHT_VAR_DIR": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(PROJECT / "src"), str(PROJECT)]),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "taxlight",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-n",
                hostname,
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=PROJECT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(
            lambda: app.control.ping(destination=[hostname], timeout=0.5),
            "answer to a ping from the worker",
            proc,
            log,
        )
        yield hostname, queue, proc, log
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        import redis

        redis.Redis.from_url(REDIS_URL).delete(f"_kombu.binding.{queue}", queue)


def test_tasks_sent_through_redis_run_in_the_worker_and_write_the_database(
    worker: tuple[str, str, Any, Path],
    worker_db: WorkerDb,
) -> None:
    # (one test, one worker: starting a worker is the slow part)
    hostname, queue, proc, log = worker
    nonce = uuid.uuid4().hex

    # When a ping is sent through the broker
    sent = app.send_task("taxlight.jobs.tasks.ping", args=[nonce], queue=queue)

    # Then the worker writes its ledger entry, attributed to the job channel and task id
    entries = wait_for(lambda: worker_db.ping_entries(nonce), "ledger entry", proc, log)
    assert entries == [("job", sent.id)]
    # and the worker reports, over the broker, that it processed it
    stats = wait_for(
        lambda: (
            (app.control.inspect([hostname], timeout=2).stats() or {})
            .get(hostname, {})
            .get("total", {})
            .get("taxlight.jobs.tasks.ping")
        ),
        "task count in the worker's stats",
        proc,
        log,
    )
    assert stats == 1

    # When the periodic heartbeat is sent twice, the worker counts both runs
    name = f"test-{nonce[:8]}"
    first = app.send_task("taxlight.jobs.tasks.heartbeat", kwargs={"name": name}, queue=queue)
    assert wait_for(lambda: worker_db.heartbeat(name), "heartbeat", proc, log) == (1, first.id)
    second = app.send_task("taxlight.jobs.tasks.heartbeat", kwargs={"name": name}, queue=queue)

    def second_run() -> tuple[int, str] | None:
        beat = worker_db.heartbeat(name)
        return beat if beat and beat[0] == 2 else None

    assert wait_for(second_run, "second heartbeat", proc, log) == (2, second.id)
