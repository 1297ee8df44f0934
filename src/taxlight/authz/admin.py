"""Configuration admin for role assignments: granted and revoked through the audited
services (a revoked assignment is ended, not deleted, so the record stays)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from taxlight.authz.models import RoleAssignment
from taxlight.org import services
from taxlight.org.admin import ManagedAdmin


class RoleAssignmentForm(forms.ModelForm[RoleAssignment]):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "scope", "unit", "valid_from", "valid_until"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = data.get("user", getattr(self.instance, "user", None))
        if user is not None:
            probe = RoleAssignment(
                user=user,
                role=data.get("role", self.instance.role),
                scope=data.get("scope", self.instance.scope),
                valid_from=data.get("valid_from", self.instance.valid_from),
                valid_until=data.get("valid_until"),
            )
            services.check_assignment(probe)  # a ValidationError lands on its field
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ManagedAdmin[RoleAssignment]):
    list_display = ["user", "role", "scope", "unit", "valid_from", "valid_until", "granted_by"]
    list_filter = ["role", "scope"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "unit", "granted_by"]
    form = RoleAssignmentForm
    fields = ["user", "role", "scope", "unit", "valid_from", "valid_until"]
    readonly_fields = ["granted_by"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)  # "delete" = revoke: the assignment is ended, kept

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Who holds what over where is fixed once granted: change it by revoking and
        # granting anew, so the ledger tells the story.
        if obj is not None:
            return ["user", "role", "scope", "unit", "valid_from", "granted_by"]
        return ["granted_by"]

    def save_model(
        self, request: HttpRequest, obj: RoleAssignment, form: ModelForm[Any], change: bool
    ) -> None:
        data = form.cleaned_data
        if change:  # only the end can change
            saved = services.assign_role(
                user=obj.user,
                role=obj.role,
                scope=obj.scope,
                unit=obj.unit,
                valid_until=data.get("valid_until"),
                actor=request.user,
            )
        else:
            saved = services.assign_role(
                user=data["user"],
                role=data["role"],
                scope=data["scope"],
                unit=data.get("unit"),
                valid_from=data.get("valid_from"),
                valid_until=data.get("valid_until"),
                actor=request.user,
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        services.revoke_role(obj, actor=request.user, reason="revoked in the admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleAssignment]) -> None:
        for ra in queryset:
            services.revoke_role(ra, actor=request.user, reason="revoked in the admin")
