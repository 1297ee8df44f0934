"""Changing the calendar: every change is validated, audited in the same transaction and
invalidates the cached calendar (see :mod:`.selectors`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from taxlight.audit import services as audit
from taxlight.workdays.calendar import PACKAGE_YEARS
from taxlight.workdays.models import CalendarOverride, CalendarYear
from taxlight.workdays.selectors import mark_changed

MIN_YEAR = 1949
MAX_YEAR = 2200
OVERRIDE_FIELDS = ("date", "is_workday", "name", "reason")
YEAR_FIELDS = ("year", "complete", "source")


def validate_override(*, date: Any, is_workday: Any, name: str, reason: str) -> None:
    """Raises a field-level ValidationError for a bad override (used by the admin too)."""
    errors: dict[str, str] = {}
    if isinstance(date, dt.datetime) or not isinstance(date, dt.date):
        errors["date"] = _("Enter a date.")
    elif not MIN_YEAR <= date.year <= MAX_YEAR:
        errors["date"] = _("Enter a date between %(min)s and %(max)s.") % {
            "min": MIN_YEAR,
            "max": MAX_YEAR,
        }
    if not isinstance(is_workday, bool):
        errors["is_workday"] = _("Say whether the day is a working day or a rest day.")
    if len(name or "") > CalendarOverride._meta.get_field("name").max_length:  # type: ignore[operator]
        errors["name"] = _("The holiday name is too long (50 characters at most).")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason, e.g. the State Council notice.")
    if errors:
        raise ValidationError(errors)


def validate_year(*, year: Any, complete: Any, source: str) -> None:
    """Raises a field-level ValidationError for a bad declaration (used by the admin too).

    A year the package does not know can only be declared complete once its holidays are
    entered: a year with no rest day on a weekday would silently count as weekends only."""
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            {
                "year": _("Enter a year between %(min)s and %(max)s.")
                % {"min": MIN_YEAR, "max": MAX_YEAR}
            }
        )
    if len(source or "") > CalendarYear._meta.get_field("source").max_length:  # type: ignore[operator]
        raise ValidationError({"source": _("The source is too long (300 characters at most).")})
    if complete and year not in PACKAGE_YEARS:
        holidays = [
            d
            for d in CalendarOverride.objects.filter(date__year=year, is_workday=False).values_list(
                "date", flat=True
            )
            if d.weekday() < 5
        ]
        if not holidays:
            raise ValidationError(
                {
                    "complete": _(
                        "Enter the holidays of %(year)s as calendar overrides before "
                        "declaring the year complete."
                    )
                    % {"year": year}
                }
            )
        if not (source or "").strip():
            raise ValidationError(
                {"source": _("Name the State Council notice the holidays were taken from.")}
            )


@transaction.atomic
def set_override(
    *, actor: Any, date: dt.date, is_workday: bool, name: str = "", reason: str
) -> CalendarOverride:
    """Makes ``date`` a working day or a rest day, whatever the package says."""
    validate_override(date=date, is_workday=is_workday, name=name, reason=reason)
    name = (name or "").strip()
    reason = reason.strip()
    row = CalendarOverride.objects.select_for_update().filter(date=date).first()
    before = audit.snapshot(row, OVERRIDE_FIELDS) if row is not None else {}
    if row is None:
        row = CalendarOverride.objects.create(
            date=date, is_workday=is_workday, name=name, reason=reason
        )
        action = "workdays.override.add"
    else:
        if (row.is_workday, row.name, row.reason) == (is_workday, name, reason):
            return row  # nothing changes: nothing to record
        row.is_workday, row.name, row.reason = is_workday, name, reason
        row.save(update_fields=["is_workday", "name", "reason", "updated_at"])
        action = "workdays.override.change"
    old, new = audit.diff(before, audit.snapshot(row, OVERRIDE_FIELDS))
    audit.record(action, obj=row, before=old, after=new, reason=reason, actor=actor)
    mark_changed()
    return row


@transaction.atomic
def remove_override(*, actor: Any, date: dt.date, reason: str) -> None:
    """Removes the override of ``date``: the package's schedule (or the weekend rule of a
    declared year) applies again."""
    if isinstance(date, dt.datetime) or not isinstance(date, dt.date):
        raise ValidationError({"date": _("Enter a date.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for removing the override.")})
    row = CalendarOverride.objects.select_for_update().filter(date=date).first()
    if row is None:
        raise ValidationError(
            {"date": _("There is no override for %(date)s.") % {"date": date.isoformat()}}
        )
    before = audit.snapshot(row, OVERRIDE_FIELDS)
    label, pk = str(row), row.pk
    row.delete()
    audit.record(
        "workdays.override.remove",
        object_type=CalendarOverride._meta.label_lower,
        object_id=pk or "",
        object_label=label,
        before=before,
        after=None,
        reason=reason.strip(),
        actor=actor,
    )
    mark_changed()


@transaction.atomic
def declare_year(
    *, actor: Any, year: int, complete: bool, source: str = "", reason: str = ""
) -> CalendarYear:
    """Declares whether the bureau has entered every holiday and make-up working day of
    ``year`` (for a year the chinese_calendar package does not know yet)."""
    validate_year(year=year, complete=complete, source=source)
    source = (source or "").strip()
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    before = audit.snapshot(row, YEAR_FIELDS) if row is not None else {}
    if row is None:
        row = CalendarYear.objects.create(year=year, complete=complete, source=source)
    else:
        if (row.complete, row.source) == (complete, source):
            return row
        row.complete, row.source = complete, source
        row.save(update_fields=["complete", "source", "updated_at"])
    old, new = audit.diff(before, audit.snapshot(row, YEAR_FIELDS))
    audit.record(
        "workdays.year.declare",
        obj=row,
        before=old,
        after=new,
        reason=(reason or "").strip() or source,
        actor=actor,
    )
    mark_changed()
    return row
