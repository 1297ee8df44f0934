"""Small helpers for the sign-in templates."""

from __future__ import annotations

import datetime as dt

from django import forms, template
from django.forms import BoundField
from django.utils import timezone

register = template.Library()


@register.filter
def minutes(value: dt.timedelta | None) -> int:
    """A duration in whole minutes (rounded up)."""
    if value is None:
        return 0
    return max(int((value.total_seconds() + 59) // 60), 1)


@register.simple_tag
def retry_at(cooloff: dt.timedelta | None) -> dt.datetime | None:
    """The local time at which a lock-out that starts now ends."""
    if cooloff is None:
        return None
    return timezone.localtime(timezone.now() + cooloff)


@register.filter
def bs_widget(field: BoundField) -> str:
    """Renders a form field's widget with Bootstrap classes and, when the field has errors,
    ``is-invalid`` and ``aria-invalid`` plus a link to the error text."""
    widget = field.field.widget
    base = "form-select" if isinstance(widget, forms.Select) else "form-control"
    attrs: dict[str, str | bool] = {"class": base}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        attrs["class"] = f"{base} is-invalid"
        attrs["aria-invalid"] = "true"
        described.append(f"{field.auto_id}_errors")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)
