"""Imports in the configuration admin: read only (an import is changed by nothing)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from taxlight.extract.models import ExtractImport


@admin.register(ExtractImport)
class ExtractImportAdmin(admin.ModelAdmin[ExtractImport]):
    list_display = (
        "id",
        "source",
        "mode",
        "status",
        "actor",
        "started_at",
        "finished_at",
        "problem_total",
        "quarantined",
        "store_version",
    )
    list_filter = ("status", "mode")
    search_fields = ("source",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        from taxlight.authz.scoping import has_perm

        return has_perm(request.user, "extract.view_imports")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
