from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from taxlight.notifications import services
from taxlight.notifications.forms import MessageTemplateForm
from taxlight.notifications.models import Message, MessageEvent, MessageTemplate


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin[MessageTemplate]):
    """Overrides of the default texts, per kind, channel and language."""

    form = MessageTemplateForm
    list_display = ["kind", "channel", "language", "subject", "active", "updated_at"]
    list_filter = ["kind", "channel", "language", "active"]
    readonly_fields = ["updated_at"]

    def save_model(
        self, request: HttpRequest, obj: MessageTemplate, form: Any, change: bool
    ) -> None:
        services.save_template(actor=request.user, template=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the ledger keeps every version


class MessageEventInline(admin.TabularInline[MessageEvent, Message]):
    model = MessageEvent
    extra = 0
    can_delete = False
    fields = ("at", "source", "from_status", "to_status", "note", "payload")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    """Read-only: messages change only through the outbox's services."""

    list_display = ["created_at", "kind", "channel", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["id", "provider_message_id", "request_key"]
    inlines = [MessageEventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
