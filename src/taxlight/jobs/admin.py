from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from taxlight.jobs.models import Heartbeat
from taxlight.org.admin import ManagedAdmin


@admin.register(Heartbeat)
class HeartbeatAdmin(ManagedAdmin[Heartbeat]):
    """Read-only: written by the jobs themselves."""

    permission = "system.admin"

    list_display = ["name", "last_run_at", "runs", "hostname", "last_task_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
