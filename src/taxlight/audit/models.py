"""The audit ledger: an append-only, hash-chained record of every state change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class LedgerEntry(models.Model):
    """One state change. Written only by :func:`taxlight.audit.services.record`.

    ``seq`` is gap-free (taken from :class:`LedgerHead` under a row lock, so a rolled-back
    transaction leaves no hole) and ``entry_hash`` = SHA-256 over the canonical JSON of the
    entry's fields and ``prev_hash``. On PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    seq = models.BigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=50, blank=True)
    post = models.CharField(_("post"), max_length=50, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=100, blank=True, db_index=True)
    object_label = models.CharField(_("object"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    entry_hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class LedgerHead(models.Model):
    """The single row that holds the chain's end; locked by every append."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("ledger head")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="ledger_head_single")]

    def __str__(self) -> str:
        return f"ledger head #{self.last_seq}"


class LedgerCheckpoint(models.Model):
    """A periodic copy of the chain's head, also written outside the database
    (log and anchor file) so that a rewrite of the whole chain can be noticed."""

    at = models.DateTimeField(auto_now_add=True)
    seq = models.BigIntegerField()
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("ledger checkpoint")

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"
