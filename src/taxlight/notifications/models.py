"""The outbox: one row per message and channel. The row is the truth: a message exists once
its row is committed, whatever happens to the broker or the worker afterwards."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taxlight.notifications.kinds import Category, Channel


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Suppressed")


FINAL_STATUSES = frozenset({Status.DELIVERED, Status.FAILED, Status.SUPPRESSED})


class SuppressReason(models.TextChoices):
    OPTED_OUT = "opted_out", _("The recipient opted out")
    INVALID_ADDRESS = "invalid_address", _("Invalid address")
    NO_ADDRESS = "no_address", _("The recipient has no address for this channel")
    QUOTA = "quota", _("Daily limit for this number reached")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class Message(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=220,
        unique=True,
        help_text=_("The caller's key plus the channel: the same key never sends twice."),
    )
    request_key = models.CharField(_("request key"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=100, db_index=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    address = models.CharField(_("address"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    suppressed_reason = models.CharField(
        _("suppressed because"), max_length=20, blank=True, choices=SuppressReason.choices
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    needs_lookup = models.BooleanField(
        _("outcome unknown"),
        default=False,
        help_text=_(
            "The last attempt timed out or broke off: ask the provider before sending again."
        ),
    )
    provider_message_id = models.CharField(
        _("provider's message id"), max_length=100, blank=True, db_index=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_msg_due"),
            models.Index(fields=["channel", "address", "created_at"], name="notif_msg_addr"),
            models.Index(fields=["recipient", "channel", "read_at"], name="notif_msg_inbox"),
        ]

    def __str__(self) -> str:
        from taxlight.notifications.addresses import mask_address

        target = mask_address(self.channel, self.address) or f"user #{self.recipient_id}"
        return f"{self.kind} · {self.channel} → {target}"

    @property
    def client_ref(self) -> str:
        """The reference the provider knows this message by (our id)."""
        return str(self.id)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


class MessageEvent(models.Model):
    """Every status change and every provider receipt of a message, with the raw payload."""

    class Source(models.TextChoices):
        SYSTEM = "system", _("System")
        PROVIDER = "provider", _("Provider response")
        RECEIPT = "receipt", _("Provider receipt")
        POLL = "poll", _("Status poll")
        USER = "user", _("User")

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    payload = models.JSONField(_("payload"), null=True, blank=True)
    receipt_key = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Digest of a receipt's body: a duplicate receipt is stored once."),
    )

    class Meta:
        verbose_name = _("message event")
        verbose_name_plural = _("message events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.source}: {self.from_status} → {self.to_status}"


class NotificationPreference(models.Model):
    """A recipient's choice for one category and channel. No row = receive."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    opted_out = models.BooleanField(_("opted out"), default=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category", "channel"], name="notif_pref_unique"
            ),
        ]

    def __str__(self) -> str:
        state = "off" if self.opted_out else "on"
        return f"{self.user_id} {self.category}/{self.channel}: {state}"


class MessageTemplate(models.Model):
    """An administrator's override of a kind's default text for one channel and language.
    Written in Django's template language; the context is the one passed to ``notify``."""

    kind = models.CharField(_("kind"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "channel", "language"], name="notif_template_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.channel} · {self.language}"
