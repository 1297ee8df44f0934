"""Configuration admin for accounts. Every add, change and delete made here is also written
to the audit ledger; API tokens are issued through the service (the secret is shown once, on
the page that follows) and are never shown afterwards."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from taxlight.accounts import services
from taxlight.accounts.models import ApiToken, TaxpayerMembership, User
from taxlight.audit.services import record
from taxlight.core.masking import mask_mobile


class AuditedAdminMixin:
    """Writes admin additions, changes and deletions to the ledger (inside the admin's own
    transaction), with Django's change message as the summary."""

    def _ledger(self, request: HttpRequest, obj: Any, verb: str, message: Any) -> None:
        text = message if isinstance(message, str) else str(message)
        record(
            f"{obj._meta.label_lower}.admin_{verb}",
            obj=obj,
            actor=request.user,
            after={"admin_message": text[:500]},
        )

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._ledger(request, obj, "add", message)
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._ledger(request, obj, "change", message)
        return super().log_change(request, obj, message)  # type: ignore[misc]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            record(f"{obj._meta.label_lower}.admin_delete", obj=obj, actor=request.user)
        return super().log_deletions(request, queryset)  # type: ignore[misc]


class MembershipInline(admin.TabularInline[TaxpayerMembership, User]):
    model = TaxpayerMembership
    extra = 0
    raw_id_fields = ["taxpayer"]
    fields = ["taxpayer", "role", "active", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    list_display = ["username", "full_name", "kind", "masked_mobile", "is_active", "last_login"]
    list_filter = ["kind", "is_active", "is_staff", "is_superuser", "language"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password", "kind")}),
        (
            _("Personal info"),
            {"fields": ("first_name", "last_name", "email", "mobile", "language")},
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "kind", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    inlines = [MembershipInline]
    actions = ["reset_second_factor"]

    @admin.display(description=_("name"))
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    @admin.display(description=_("mobile number"))
    def masked_mobile(self, obj: User) -> str:
        return mask_mobile(obj.mobile)

    @admin.action(description=_("Reset the second factor (authenticator and backup codes)"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.reset_second_factor(
                actor=request.user, user=user, reason=gettext("reset in the admin")
            )
        messages.success(
            request,
            gettext(
                "Second factor reset for %(n)d accounts; they set "
                "up a new authenticator at the next sign-in."
            )
            % {"n": queryset.count()},
        )


@admin.register(TaxpayerMembership)
class TaxpayerMembershipAdmin(AuditedAdminMixin, admin.ModelAdmin[TaxpayerMembership]):
    list_display = ["user", "taxpayer", "role", "active", "created_at"]
    list_filter = ["role", "active"]
    search_fields = ["user__username", "taxpayer__taxpayer_id", "taxpayer__name"]
    raw_id_fields = ["user", "taxpayer"]


class IssueTokenForm(forms.Form):
    user = forms.ModelChoiceField(label=_("user"), queryset=User.objects.filter(is_active=True))
    name = forms.CharField(
        label=_("name"),
        max_length=100,
        help_text=_("What uses this token, e.g. “tax service hall kiosk”."),
    )
    expires_at = forms.DateTimeField(
        label=_("expires at"), required=False, help_text=_("Empty: until revoked.")
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are issued through :func:`services.issue_api_token` (the add page) and revoked
    with the action; nothing else about a token can be edited, and the secret is never
    shown again."""

    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IssueTokenForm(request.POST if request.method == "POST" else None)
        secret = None
        if request.method == "POST" and form.is_valid():
            expires_at: dt.datetime | None = form.cleaned_data["expires_at"]
            try:
                token, secret = services.issue_api_token(
                    actor=request.user,
                    user=form.cleaned_data["user"],
                    name=form.cleaned_data["name"],
                    expires_at=expires_at,
                )
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    form.add_error(key if key in form.fields else None, errors)
            else:
                context = {
                    **self.admin_site.each_context(request),
                    "opts": self.opts,
                    "token": token,
                    "secret": secret,
                    "title": gettext("API token issued"),
                }
                response = TemplateResponse(request, "accounts/admin_token_issued.html", context)
                add_never_cache_headers(response)
                return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": gettext("Issue an API token"),
        }
        return TemplateResponse(request, "accounts/admin_token_issue.html", context)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        done = 0
        for token in queryset.filter(revoked_at__isnull=True):
            services.revoke_api_token(
                actor=request.user, token=token, reason=gettext("revoked in the admin")
            )
            done += 1
        messages.success(request, gettext("%(n)d tokens revoked.") % {"n": done})
