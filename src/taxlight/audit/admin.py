from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from taxlight.audit.models import LedgerEntry


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin[LedgerEntry]):
    """Read-only: the ledger is never edited, not even by an administrator."""

    list_display = [
        "seq",
        "at",
        "actor_label",
        "role",
        "post",
        "action",
        "object_type",
        "object_id",
        "request_id",
    ]
    list_filter = ["action", "object_type", "channel"]
    search_fields = ["object_id", "actor_label", "request_id", "action"]
    ordering = ["-seq"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
