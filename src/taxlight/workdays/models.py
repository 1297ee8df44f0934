"""The bureau's additions to the official holiday schedule (see :mod:`.calendar`).

Changed only through :mod:`taxlight.workdays.services`, which audits every change.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """One day whose status differs from (or is missing in) the chinese_calendar package:
    a holiday or make-up working day of a year the package does not know yet, or a
    correction. Wins over the package."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"),
        help_text=_(
            "Ticked: a working day (e.g. a make-up working day on a weekend). "
            "Not ticked: a rest day (e.g. a public holiday)."
        ),
    )
    name = models.CharField(
        _("holiday name"),
        max_length=50,
        blank=True,
        help_text=_("The holiday this day belongs to, e.g. 春节."),
    )
    reason = models.TextField(
        _("reason"),
        help_text=_("Why: usually the State Council notice, e.g. 国办发明电〔2025〕7号."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        kind = _("working day") if self.is_workday else _("rest day")
        label = f"{self.date.isoformat()} {kind}"
        return f"{label} ({self.name})" if self.name else label


class CalendarYear(models.Model):
    """A year the bureau has entered itself: once ``complete``, the calendar counts it as
    known (weekends plus the overrides) instead of refusing it."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    complete = models.BooleanField(
        _("complete"),
        default=False,
        help_text=_("Tick once every holiday and make-up working day of the year is entered."),
    )
    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("The State Council notice the overrides were taken from."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)
