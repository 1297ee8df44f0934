"""Operational state of the background jobs (not business data: not in the ledger)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last run of a periodic job, written by the job itself.

    ``taxlight.jobs.tasks.heartbeat`` runs every minute (worker and beat in production, the
    in-process scheduler in embedded mode): a stale ``heartbeat`` row means periodic jobs are
    not running. Heartbeats are telemetry, not state changes of the bureau's data, so they are
    deliberately *not* written to the audit ledger (which they would flood).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("last run at"))
    runs = models.PositiveBigIntegerField(_("runs"), default=0)
    hostname = models.CharField(_("host"), max_length=200, blank=True)
    last_task_id = models.CharField(_("last task id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_run_at:%Y-%m-%d %H:%M:%S}"
