"""The jobs app's own tasks: a ping for round-trip checks and the periodic heartbeat."""

from __future__ import annotations

import socket

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from taxlight.audit import services as audit
from taxlight.jobs.models import Heartbeat
from taxlight.jobs.runner import job


@job("taxlight.jobs.tasks.ping")
def ping(nonce: str = "") -> str:
    """Writes one ledger entry (``jobs.ping``) and answers ``pong``: proves that a job ran
    end to end — broker, worker, database, ledger attribution."""
    with transaction.atomic():
        audit.record(
            "jobs.ping",
            object_type="jobs.ping",
            object_id=nonce[:100],
            after={"nonce": nonce, "host": socket.gethostname()},
        )
    return f"pong {nonce}".strip()


@job("taxlight.jobs.tasks.heartbeat", ignore_result=True)
def heartbeat(name: str = "heartbeat") -> int:
    """Marks that periodic jobs are running (see :class:`taxlight.jobs.models.Heartbeat`).
    Returns the number of runs so far."""
    task_id = str(heartbeat.request.id or "")
    with transaction.atomic():
        row, created = Heartbeat.objects.select_for_update().get_or_create(
            name=name,
            defaults={
                "last_run_at": timezone.now(),
                "runs": 1,
                "hostname": socket.gethostname(),
                "last_task_id": task_id,
            },
        )
        if not created:
            Heartbeat.objects.filter(pk=row.pk).update(
                last_run_at=timezone.now(),
                runs=F("runs") + 1,
                hostname=socket.gethostname()[:200],
                last_task_id=task_id[:100],
            )
            row.refresh_from_db()
    return row.runs
