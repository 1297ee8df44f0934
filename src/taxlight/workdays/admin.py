"""Configuration admin for the calendar's overrides and declared years.

Saves and deletes go through :mod:`taxlight.workdays.services`, so admin edits are validated
and audited like any other change. Editing needs the ``workdays.manage`` permission (declared
in ``taxlight.authz.permissions``), asked through Django's ``user.has_perm``: the calendar
does not import the authorisation app (see the import contracts in pyproject.toml).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from taxlight.workdays import services
from taxlight.workdays.models import CalendarOverride, CalendarYear

MANAGE = "workdays.manage"
ADMIN_REMOVAL_REASON = "removed in the configuration admin"


def can_manage(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.has_perm(MANAGE))


class _ManagedAdmin[M: CalendarOverride | CalendarYear](admin.ModelAdmin[M]):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_manage(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_manage(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage(request)


def _add_new_errors(form: forms.ModelForm[Any], exc: ValidationError) -> None:
    """The services' field errors, on the fields the form's own checks did not flag."""
    for field, messages in exc.message_dict.items():
        target = field if field in form.fields else None
        if target is None or target not in form.errors:
            form.add_error(target, messages)


class CalendarOverrideForm(forms.ModelForm[CalendarOverride]):
    class Meta:
        model = CalendarOverride
        fields = ["date", "is_workday", "name", "reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        date = data.get("date", self.instance.date if self.instance.pk else None)
        if date is not None:
            try:
                services.validate_override(
                    date=date,
                    is_workday=bool(data.get("is_workday")),
                    name=data.get("name", ""),
                    reason=data.get("reason", ""),
                )
            except ValidationError as exc:
                _add_new_errors(self, exc)
        return data


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(_ManagedAdmin[CalendarOverride]):
    form = CalendarOverrideForm
    list_display = ["date", "weekday", "is_workday", "name", "reason", "updated_at"]
    list_filter = ["is_workday", "name"]
    search_fields = ["name", "reason"]
    date_hierarchy = "date"
    ordering = ["-date"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarOverride) -> str:
        return obj.date.strftime("%a")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A different date is a different override: remove this one and add another.
        return ["date"] if obj is not None else []

    def save_model(
        self, request: HttpRequest, obj: CalendarOverride, form: Any, change: bool
    ) -> None:
        row = services.set_override(
            actor=request.user,
            date=obj.date,
            is_workday=obj.is_workday,
            name=obj.name,
            reason=obj.reason,
        )
        obj.pk = row.pk
        obj.created_at, obj.updated_at = row.created_at, row.updated_at

    def delete_model(self, request: HttpRequest, obj: CalendarOverride) -> None:
        services.remove_override(actor=request.user, date=obj.date, reason=ADMIN_REMOVAL_REASON)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarOverride]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class CalendarYearForm(forms.ModelForm[CalendarYear]):
    class Meta:
        model = CalendarYear
        fields = ["year", "complete", "source"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year = data.get("year", self.instance.year if self.instance.pk else None)
        if year is not None:
            try:
                services.validate_year(
                    year=year, complete=bool(data.get("complete")), source=data.get("source", "")
                )
            except ValidationError as exc:
                _add_new_errors(self, exc)
        return data


@admin.register(CalendarYear)
class CalendarYearAdmin(_ManagedAdmin[CalendarYear]):
    form = CalendarYearForm
    list_display = ["year", "complete", "source", "updated_at"]
    ordering = ["-year"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["year"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # to withdraw a year, untick "complete" (audited)

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        row = services.declare_year(
            actor=request.user,
            year=obj.year,
            complete=obj.complete,
            source=obj.source,
        )
        obj.pk = row.pk
        obj.created_at, obj.updated_at = row.created_at, row.updated_at
