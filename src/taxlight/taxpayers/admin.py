"""Configuration admin for the taxpayers' registry: saves go through the audited services;
taxpayers are never deleted (their status says deregistered)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from taxlight.org.admin import ManagedAdmin
from taxlight.taxpayers import services
from taxlight.taxpayers.models import Taxpayer


@admin.register(Taxpayer)
class TaxpayerAdmin(ManagedAdmin[Taxpayer]):
    permission = "system.admin"
    list_display = [
        "taxpayer_id",
        "name",
        "industry",
        "unit",
        "size",
        "vat_status",
        "credit_grade",
        "status",
    ]
    list_filter = ["status", "size", "vat_status", "credit_grade", "unit"]
    search_fields = ["taxpayer_id", "name"]
    autocomplete_fields = ["unit", "responsible_officer"]
    list_select_related = ["unit"]
    fields = list(services.FIELDS)

    def save_model(
        self, request: HttpRequest, obj: Taxpayer, form: ModelForm[Any], change: bool
    ) -> None:
        if change:
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f in services.FIELDS}
            services.update_taxpayer(obj, actor=request.user, **changes)
        else:
            data = {f: form.cleaned_data[f] for f in services.FIELDS}
            obj.pk = services.create_taxpayer(actor=request.user, **data).pk
        obj.refresh_from_db()
