"""The record of every import of a source extract (refused and failed ones included)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from taxlight.extract.problems import Problem


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


class ExtractImport(models.Model):
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    source = models.CharField(
        _("source"),
        max_length=500,
        help_text=_("The extract's folder, or the uploaded file's name."),
    )
    mode = models.CharField(_("mode"), max_length=10, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    manifest = models.JSONField(_("manifest"), default=dict, blank=True)
    files = models.JSONField(
        _("files"),
        default=list,
        blank=True,
        help_text=_("Every file with its SHA-256 checksum and row count."),
    )
    counts = models.JSONField(
        _("counts"),
        default=dict,
        blank=True,
        help_text=_("Per table: rows, created, updated, unchanged."),
    )
    quarantined = models.PositiveBigIntegerField(_("rows set aside"), default=0)
    quarantine_file = models.CharField(_("quarantine file"), max_length=500, blank=True)
    problems = models.JSONField(_("problems (first ones)"), default=list, blank=True)
    problem_counts = models.JSONField(_("problems per kind"), default=dict, blank=True)
    problem_total = models.PositiveBigIntegerField(_("problems"), default=0)
    report_file = models.CharField(_("full problem report"), max_length=500, blank=True)
    store_version = models.PositiveIntegerField(_("analytics store version"), null=True, blank=True)
    already_imported = models.BooleanField(_("already imported"), default=False)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("extract import")
        verbose_name_plural = _("extract imports")
        indexes = [models.Index(fields=["status", "-started_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.source} ({self.status})"

    def problem_list(self) -> list[Problem]:
        return [Problem.from_json(p) for p in self.problems or []]

    def file_checksums(self) -> dict[str, Any]:
        return {f["file"]: f["sha256"] for f in self.files or []}
