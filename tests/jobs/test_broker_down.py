"""When Redis is unreachable: enqueuing falls back (logged) or fails loudly, as documented
in taxlight.jobs.runner — never a lost commit, never a silent pass.

Runs in a subprocess whose settings point at a Redis port where nothing listens (settings
are read once per process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.db import connection, transaction
from taxlight.jobs.runner import JobQueueUnavailable, enqueue, enqueue_on_commit, enqueue_or_raise
from taxlight.jobs.tasks import ping

with connection.cursor() as cur:
    cur.execute("CREATE TABLE work (id INTEGER PRIMARY KEY, state TEXT)")
with transaction.atomic():
    with connection.cursor() as cur:
        cur.execute("INSERT INTO work (state) VALUES ('due')")
    enqueue_on_commit(ping, "after-commit")
with connection.cursor() as cur:
    cur.execute("SELECT state FROM work")
    print("committed:", cur.fetchall())
print("enqueue returned:", enqueue(ping, "fallback"))
try:
    enqueue_or_raise(ping, "loud")
except JobQueueUnavailable as exc:
    print("raised:", exc)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_broker_is_logged_or_raised_and_the_commit_stands(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "taxlight.settings",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TAXLIGHT_VAR_DIR": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(PROJECT / "src"), str(PROJECT)]),
    }

    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0] == "committed: [('due',)]"  # the service's change is kept
    assert out[1] == "enqueue returned: None"
    assert out[2].startswith(
        "raised: the job queue is unreachable, taxlight.jobs.tasks.ping was not enqueued"
    )
    errors = [line for line in done.stderr.splitlines() if " ERROR taxlight.jobs " in line]
    assert len(errors) == 2  # the after-commit enqueue and the plain one, each logged
    assert all(
        "taxlight.jobs.tasks.ping was not enqueued" in e and "periodic sweep" in e for e in errors
    )
