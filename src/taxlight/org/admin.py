"""Configuration admin for the organisation. Saves go through the audited services; nothing
is deleted here (units and officers are deactivated instead, so history stays whole)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from taxlight.org import services
from taxlight.org.models import Officer, Post, Unit


def _changes(form: ModelForm[Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in fields}


class ManagedAdmin[M: Any](admin.ModelAdmin[M]):
    """Admin pages open to holders of ``permission`` (a taxlight permission code, checked with
    :func:`taxlight.authz.scoping.has_perm`, not Django's model permissions). Nothing is
    deleted unless a subclass allows it."""

    permission = "org.manage"

    def _allowed(self, request: HttpRequest) -> bool:
        from taxlight.authz.scoping import has_perm

        return bool(request.user.is_active and has_perm(request.user, self.permission))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UnitForm(forms.ModelForm[Unit]):
    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "parent", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind"):
            probe = Unit(pk=self.instance.pk, kind=data["kind"], parent=data.get("parent"))
            services.check_unit(probe)  # a ValidationError lands on its field
        return data


@admin.register(Unit)
class UnitAdmin(ManagedAdmin[Unit]):
    list_display = ["code", "name", "kind", "parent", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    form = UnitForm
    fields = ["code", "name", "kind", "parent", "active"]

    def save_model(
        self, request: HttpRequest, obj: Unit, form: ModelForm[Any], change: bool
    ) -> None:
        if change:
            services.update_unit(obj, actor=request.user, **_changes(form, services.UNIT_FIELDS))
        else:
            data = {f: form.cleaned_data[f] for f in ("code", "name", "kind", "parent", "active")}
            obj.pk = services.create_unit(actor=request.user, **data).pk
        obj.refresh_from_db()


@admin.register(Post)
class PostAdmin(ManagedAdmin[Post]):
    list_display = ["code", "name", "name_en", "is_enforcement"]
    list_filter = ["is_enforcement"]
    search_fields = ["code", "name", "name_en"]
    fields = ["code", "name", "name_en", "is_enforcement", "description"]

    def save_model(
        self, request: HttpRequest, obj: Post, form: ModelForm[Any], change: bool
    ) -> None:
        if change:
            services.update_post(obj, actor=request.user, **_changes(form, services.POST_FIELDS))
        else:
            data = {f: form.cleaned_data[f] for f in services.POST_FIELDS}
            obj.pk = services.create_post(actor=request.user, **data).pk
        obj.refresh_from_db()


@admin.register(Officer)
class OfficerAdmin(ManagedAdmin[Officer]):
    list_display = ["officer_id", "name", "unit", "post", "certified_until", "active", "user"]
    list_filter = ["active", "post", "unit__kind"]
    search_fields = ["officer_id", "name", "unit__name", "user__username"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["user"]
    list_select_related = ["unit", "post", "user"]
    fields = [
        "officer_id",
        "name",
        "unit",
        "post",
        "certified_until",
        "active",
        "user",
        "mobile",
        "id_number",
    ]

    def save_model(
        self, request: HttpRequest, obj: Officer, form: ModelForm[Any], change: bool
    ) -> None:
        if change:
            services.update_officer(
                obj, actor=request.user, **_changes(form, services.OFFICER_FIELDS)
            )
        else:
            data = {f: form.cleaned_data[f] for f in services.OFFICER_FIELDS}
            obj.pk = services.create_officer(actor=request.user, **data).pk
        obj.refresh_from_db()
